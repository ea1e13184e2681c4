#include "emulator/aws/query_protocol.hpp"

#include <gtest/gtest.h>

namespace serverlite::aws {
namespace {

http::Request form_post(std::string body, std::string content_type =
                                              "application/x-www-form-urlencoded; charset=utf-8") {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Content-Type", std::move(content_type)}};
  r.body = std::move(body);
  return r;
}

http::Request get(std::string target) {
  http::Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

// SendMessageBatch as botocore's query serialiser writes it (awscli 1.x on Debian).
const char* kSendMessageBatch =
    "Action=SendMessageBatch&Version=2012-11-05"
    "&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Forders"
    "&SendMessageBatchRequestEntry.1.Id=m1"
    "&SendMessageBatchRequestEntry.1.MessageBody=hello+world+%26+more"
    "&SendMessageBatchRequestEntry.1.DelaySeconds=5"
    "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=color"
    "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=blue"
    "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String"
    "&SendMessageBatchRequestEntry.1.MessageAttribute.2.Name=size"
    "&SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.StringValue=42"
    "&SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.DataType=Number.int"
    "&SendMessageBatchRequestEntry.2.Id=m2"
    "&SendMessageBatchRequestEntry.2.MessageBody=%7B%22k%22%3A+%22v%22%7D"
    "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=blob"
    "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.BinaryValue=AAEC%2F%2B8%3D"
    "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=Binary"
    "&SendMessageBatchRequestEntry.2.MessageSystemAttribute.1.Name=AWSTraceHeader"
    "&SendMessageBatchRequestEntry.2.MessageSystemAttribute.1.Value.StringValue=Root%3D1-abc"
    "&SendMessageBatchRequestEntry.2.MessageSystemAttribute.1.Value.DataType=String";

TEST(QueryParams, DecodesABotocoreSendMessageBatch) {
  auto params = QueryParams::from_request(form_post(kSendMessageBatch));
  EXPECT_EQ(params.action(), "SendMessageBatch");
  EXPECT_EQ(params.version(), "2012-11-05");
  EXPECT_EQ(params.required("QueueUrl"), "http://localhost:4566/000000000000/orders");

  auto entries = params.structs("SendMessageBatchRequestEntry");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].required("Id"), "m1");
  EXPECT_EQ(entries[0].required("MessageBody"), "hello world & more");  // '+' is a space
  EXPECT_EQ(entries[0].get_int("DelaySeconds"), 5);
  EXPECT_EQ(entries[0].prefix(), "SendMessageBatchRequestEntry.1.");

  auto attrs = entries[0].structs("MessageAttribute");
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[0].required("Name"), "color");
  EXPECT_EQ(attrs[0].scope("Value").required("StringValue"), "blue");
  EXPECT_EQ(attrs[0].scope("Value").required("DataType"), "String");
  EXPECT_EQ(attrs[1].required("Name"), "size");
  EXPECT_EQ(attrs[1].scope("Value").get("DataType"), "Number.int");

  EXPECT_EQ(entries[1].required("MessageBody"), "{\"k\": \"v\"}");
  EXPECT_FALSE(entries[1].get_int("DelaySeconds"));
  auto blob = entries[1].structs("MessageAttribute").at(0).scope("Value");
  EXPECT_EQ(blob.get("BinaryValue"), "AAEC/+8=");  // base64 '+' arrives percent-encoded
  EXPECT_FALSE(blob.has("StringValue"));
  auto system = entries[1].structs("MessageSystemAttribute");
  ASSERT_EQ(system.size(), 1u);
  EXPECT_EQ(system[0].scope("Value").get("StringValue"), "Root=1-abc");
}

TEST(QueryParams, ReadsFlattenedAndWrappedLists) {
  auto flat =
      QueryParams::parse("Action=GetQueueAttributes&AttributeName.1=All&AttributeName.2=QueueArn");
  EXPECT_EQ(flat.list("AttributeName"), (std::vector<std::string>{"All", "QueueArn"}));
  auto wrapped = QueryParams::parse(
      "Action=ReceiveMessage&AttributeNames.member.1=SentTimestamp"
      "&AttributeNames.member.2=ApproximateReceiveCount");
  EXPECT_EQ(wrapped.list("AttributeNames"),
            (std::vector<std::string>{"SentTimestamp", "ApproximateReceiveCount"}));
  EXPECT_TRUE(flat.list("MessageAttributeName").empty());
  // Nested members are not list items.
  auto mixed = QueryParams::parse("Entry.1=a&Entry.1.Id=b&Entry.2=c");
  EXPECT_EQ(mixed.list("Entry"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(mixed.structs("Entry").size(), 1u);
}

TEST(QueryParams, OrdersByNumericIndexAndKeepsGaps) {
  std::string form = "Action=TagQueue";
  for (int i = 12; i >= 1; --i)
    if (i != 4) form += "&TagKey." + std::to_string(i) + "=k" + std::to_string(i);
  auto keys = QueryParams::parse(form).list("TagKey");
  ASSERT_EQ(keys.size(), 11u);
  EXPECT_EQ(keys[0], "k1");
  EXPECT_EQ(keys[2], "k3");
  EXPECT_EQ(keys[3], "k5");  // the gap at 4 is skipped, not an empty element
  EXPECT_EQ(keys[7], "k9");
  EXPECT_EQ(keys[8], "k10");  // ".10" after ".9", not after ".1"
  EXPECT_EQ(keys[10], "k12");
}

TEST(QueryParams, IgnoresIndicesThatAreNotPositiveIntegers) {
  auto p = QueryParams::parse("L.0=zero&L.01=lead&L.x=x&L.-1=neg&L.=empty&L.2=two");
  EXPECT_EQ(p.list("L"), (std::vector<std::string>{"two"}));
}

TEST(QueryParams, ReadsFlattenedMaps) {
  auto create = QueryParams::parse(
      "Action=CreateQueue&QueueName=jobs.fifo"
      "&Attribute.1.Name=FifoQueue&Attribute.1.Value=true"
      "&Attribute.2.Name=RedrivePolicy"
      "&Attribute.2.Value=%7B%22deadLetterTargetArn%22%3A%22arn%3Aaws%3Asqs%3Aus-east-1%3A0%3Adlq%"
      "22"
      "%2C%22maxReceiveCount%22%3A%223%22%7D"
      "&Tag.1.Key=team&Tag.1.Value=&Tag.2.Key=env&Tag.2.Value=dev");
  auto attributes = create.map("Attribute");
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes[0], (std::pair<std::string, std::string>{"FifoQueue", "true"}));
  EXPECT_EQ(attributes[1].second,
            "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:0:dlq\",\"maxReceiveCount\":\"3\"}");
  auto tags = create.map("Tag", "Key", "Value");
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0], (std::pair<std::string, std::string>{"team", ""}));  // empty value is present
  EXPECT_EQ(tags[1], (std::pair<std::string, std::string>{"env", "dev"}));
}

TEST(QueryParams, MapEntriesMissingAMemberNameIt) {
  auto p = QueryParams::parse("Attribute.1.Name=A&Attribute.1.Value=1&Attribute.2.Name=B");
  try {
    p.map("Attribute");
    FAIL() << "expected MissingParameter";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_status, 400);
    EXPECT_EQ(e.code, "MissingParameter");
    EXPECT_EQ(e.message(), "The request must contain the parameter Attribute.2.Value.");
  }
}

TEST(QueryParams, MissingRequiredParameterUsesSqsWording) {
  auto p = QueryParams::parse("Action=SendMessage&MessageBody=x");
  try {
    p.required("QueueUrl");
    FAIL() << "expected MissingParameter";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code, "MissingParameter");
    EXPECT_EQ(e.message(), "The request must contain the parameter QueueUrl.");
  }
  // Inside a structure the full name is reported.
  auto entry = QueryParams::parse("DeleteMessageBatchRequestEntry.3.Id=a")
                   .structs("DeleteMessageBatchRequestEntry")
                   .at(0);
  EXPECT_THROW(
      {
        try {
          entry.required("ReceiptHandle");
        } catch (const ApiError& e) {
          EXPECT_EQ(e.message(),
                    "The request must contain the parameter "
                    "DeleteMessageBatchRequestEntry.3.ReceiptHandle.");
          throw;
        }
      },
      ApiError);
  EXPECT_EQ(QueryParams::parse("MessageBody=").required("MessageBody"), "");
}

TEST(QueryParams, TypedScalars) {
  auto p =
      QueryParams::parse("A=30&B=-1&C=%2B7&D=3.5&E=&F=true&G=false&H=True&I=99999999999999999999");
  EXPECT_EQ(p.get_int("A"), 30);
  EXPECT_EQ(p.get_int("B"), -1);
  EXPECT_EQ(p.get_int("C"), 7);
  EXPECT_FALSE(p.get_int("Z"));
  for (const char* bad : {"D", "E", "I"}) EXPECT_THROW(p.get_int(bad), ApiError) << bad;
  try {
    p.get_int("D");
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code, "InvalidParameterValue");
  }
  EXPECT_EQ(p.get_bool("F"), true);
  EXPECT_EQ(p.get_bool("G"), false);
  EXPECT_FALSE(p.get_bool("Z"));
  EXPECT_THROW(p.get_bool("H"), ApiError);
}

TEST(QueryParams, PercentDecodingOfNamesAndValues) {
  auto p = QueryParams::parse("Message%42ody=a%20b+c%2Bd%25&Novalue&Empty=&Last=1&Last=2");
  EXPECT_EQ(p.get("MessageBody"), "a b c+d%");
  EXPECT_EQ(p.get("Novalue"), "");
  EXPECT_EQ(p.get("Empty"), "");
  EXPECT_EQ(p.get("Last"), "2");
  // UTF-8 bytes arrive percent-encoded.
  EXPECT_EQ(QueryParams::parse("B=%E2%82%AC%F0%9F%98%80").get("B"), "\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(QueryParams, ScopesAndNames) {
  auto p = QueryParams::parse("A.B.C=1&A.B.D=2&A.BX=3&Q=4");
  auto b = p.scope("A").scope("B");
  EXPECT_EQ(b.prefix(), "A.B.");
  EXPECT_EQ(b.names(), (std::vector<std::string>{"C", "D"}));
  EXPECT_FALSE(b.empty());
  EXPECT_TRUE(p.scope("Nope").empty());
  EXPECT_EQ(p.names().size(), 4u);
  EXPECT_TRUE(QueryParams().empty());
}

TEST(QueryParams, GetRequestsUseTheQueryString) {
  auto p = QueryParams::from_request(
      get("/000000000000/q?Action=ReceiveMessage&MaxNumberOfMessages=10&WaitTimeSeconds=20"));
  EXPECT_EQ(p.action(), "ReceiveMessage");
  EXPECT_EQ(p.get_int("MaxNumberOfMessages"), 10);
}

TEST(QueryParams, BodyWinsOverQueryStringAndOnlyFormBodiesCount) {
  auto r = form_post("Action=SendMessage&MessageBody=body");
  r.target = "/?Action=ListQueues&Extra=1";
  auto p = QueryParams::from_request(r);
  EXPECT_EQ(p.action(), "SendMessage");
  EXPECT_EQ(p.get("Extra"), "1");
  EXPECT_EQ(query_action(r), "SendMessage");

  auto json = form_post("Action=SendMessage", "application/x-amz-json-1.0");
  EXPECT_FALSE(QueryParams::from_request(json).has("Action"));
  EXPECT_FALSE(query_action(json));
  // No Content-Type at all: taken as a form.
  auto bare = form_post("Action=ListQueues");
  bare.headers.clear();
  EXPECT_EQ(query_action(bare), "ListQueues");
  EXPECT_EQ(query_action(get("/?Version=2012-11-05&Action=GetQueueUrl")), "GetQueueUrl");
  EXPECT_FALSE(query_action(get("/2015-03-31/functions?MaxItems=1")));
  auto del = get("/?Action=ListQueues");
  del.method = "DELETE";
  EXPECT_FALSE(query_action(del));
}

TEST(QueryRendering, WrapsTheResultAsSqsDoes) {
  auto res = render_query_response(
      "GetQueueUrl", kSqsXmlNamespace,
      [](XmlWriter& xml) { xml.element("QueueUrl", "http://localhost:4566/000000000000/a&b"); },
      "req-1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "text/xml");
  EXPECT_EQ(res.header("x-amzn-RequestId").value_or(""), "req-1");
  EXPECT_EQ(res.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            "<GetQueueUrlResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
            "<GetQueueUrlResult><QueueUrl>http://localhost:4566/000000000000/a&amp;b</QueueUrl>"
            "</GetQueueUrlResult>"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</GetQueueUrlResponse>");
}

TEST(QueryRendering, ActionsWithoutOutputHaveNoResultElement) {
  auto res = render_query_response("DeleteMessage", kSqsXmlNamespace, nullptr, "r");
  EXPECT_EQ(res.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            "<DeleteMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
            "</DeleteMessageResponse>");
  // An empty result (ListQueues with no queues) keeps its element.
  auto empty = render_query_response(
      "ListQueues", kSqsXmlNamespace, [](XmlWriter&) {}, "r");
  EXPECT_NE(empty.body.find("<ListQueuesResult/>"), std::string::npos);
  EXPECT_FALSE(
      render_query_response("X", kSqsXmlNamespace, nullptr).header("x-amzn-RequestId")->empty());
}

TEST(QueryRendering, AResultWriterThatLeavesElementsOpenIsABug) {
  EXPECT_THROW(render_query_response("ListQueues", kSqsXmlNamespace,
                                     [](XmlWriter& xml) { xml.open("QueueUrl"); }),
               std::logic_error);
}

TEST(QueryRendering, ErrorsUseTheErrorResponseShape) {
  auto res =
      render_query_error(ApiError(400, "AWS.SimpleQueueService.NonExistentQueue",
                                  "The specified queue does not exist for this wsdl version."),
                         kSqsXmlNamespace, "req-2");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "text/xml");
  EXPECT_EQ(res.header("x-amzn-RequestId").value_or(""), "req-2");
  EXPECT_EQ(res.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            "<ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
            "<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
            "<Message>The specified queue does not exist for this wsdl version.</Message>"
            "<Detail/></Error><RequestId>req-2</RequestId></ErrorResponse>");
  auto internal = render_query_error(ApiError(500, "InternalFailure", "boom <&>"), "", "r");
  EXPECT_EQ(internal.status, 500);
  EXPECT_NE(internal.body.find("<ErrorResponse><Error><Type>Receiver</Type>"), std::string::npos);
  EXPECT_NE(internal.body.find("<Message>boom &lt;&amp;&gt;</Message>"), std::string::npos);
}

}  // namespace
}  // namespace serverlite::aws
