#include "emulator/samples/samples.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "emulator/http/base64.hpp"
#include "services/queue/md5.hpp"
#include "services/queue/receipt_handle.hpp"

namespace serverlite::samples {
namespace {

using Json = nlohmann::json;
using Options = std::map<std::string, std::string>;

bool is_uuid(const Json& v) {
  static const std::regex kUuid(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return v.is_string() && std::regex_match(v.get<std::string>(), kUuid);
}

// The message of the SampleError `generate` throws; "" when it throws none.
std::string error_of(std::string_view source, const Options& options) {
  try {
    generate(source, options, true);
  } catch (const SampleError& e) {
    return e.what();
  }
  return "";
}

TEST(Samples, ListsEverySourceWithARegionOption) {
  std::vector<std::string> names;
  for (const auto& s : sources()) {
    names.push_back(s.name);
    EXPECT_FALSE(s.help.empty()) << s.name;
    std::set<std::string> option_names;
    for (const auto& o : s.options) {
      EXPECT_TRUE(option_names.insert(o.name).second) << s.name << " repeats " << o.name;
      EXPECT_FALSE(o.help.empty()) << s.name << " " << o.name;
    }
    EXPECT_TRUE(option_names.contains("region")) << s.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"apigateway-rest", "apigateway-http", "sqs", "kinesis",
                                             "dynamodb-stream", "schedule", "eventbridge", "sns",
                                             "s3"}));
}

TEST(Samples, RestEventHasPayload10Shape) {
  auto e = generate("apigateway-rest",
                    {{"method", "post"},
                     {"path", "/items/42"},
                     {"route", "/items/{id}"},
                     {"query", "a=1&a=2&b=x"},
                     {"header", "X-Custom: one\nX-Custom: two\nUser-Agent: tests"},
                     {"body", R"({"name":"pen"})"},
                     {"stage", "prod"}},
                    true);
  EXPECT_EQ(e["resource"], "/items/{id}");
  EXPECT_EQ(e["path"], "/items/42");
  EXPECT_EQ(e["httpMethod"], "POST");
  EXPECT_EQ(e["pathParameters"], Json({{"id", "42"}}));
  EXPECT_EQ(e["queryStringParameters"], Json({{"a", "2"}, {"b", "x"}}));
  EXPECT_EQ(e["multiValueQueryStringParameters"]["a"], Json({"1", "2"}));
  EXPECT_EQ(e["headers"]["X-Custom"], "two");  // the last value, as API Gateway keeps
  EXPECT_EQ(e["multiValueHeaders"]["X-Custom"], Json({"one", "two"}));
  EXPECT_EQ(e["headers"]["User-Agent"], "tests");  // replaces the default
  EXPECT_EQ(e["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(e["headers"]["Content-Length"], "14");
  EXPECT_EQ(e["headers"]["X-Forwarded-Proto"], "https");
  EXPECT_EQ(e["body"], R"({"name":"pen"})");
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_TRUE(e["stageVariables"].is_null());
  const auto& rc = e["requestContext"];
  EXPECT_EQ(rc["accountId"], "000000000000");
  EXPECT_EQ(rc["stage"], "prod");
  EXPECT_EQ(rc["path"], "/prod/items/42");
  EXPECT_EQ(rc["resourcePath"], "/items/{id}");
  EXPECT_EQ(rc["httpMethod"], "POST");
  EXPECT_TRUE(is_uuid(rc["requestId"]));
  EXPECT_EQ(rc["requestTime"], "01/Jan/2024:12:00:00 +0000");
  EXPECT_EQ(rc["requestTimeEpoch"], 1704110400000);
  EXPECT_EQ(rc["identity"]["sourceIp"], "127.0.0.1");
  EXPECT_EQ(rc["identity"]["userAgent"], "tests");
  std::string api_id = rc["apiId"];
  EXPECT_TRUE(std::regex_match(api_id, std::regex("[0-9a-z]{10}")));
  EXPECT_EQ(rc["domainName"], api_id + ".execute-api.us-east-1.amazonaws.com");
  EXPECT_EQ(e["headers"]["Host"], rc["domainName"]);
  EXPECT_TRUE(std::regex_match(rc["extendedRequestId"].get<std::string>(),
                               std::regex("[A-Za-z0-9]{15}=")));
}

TEST(Samples, RestEventWithoutRouteOrBodyHasNulls) {
  auto e = generate("apigateway-rest", {{"path", "/hello"}}, true);
  EXPECT_EQ(e["resource"], "/hello");
  EXPECT_TRUE(e["pathParameters"].is_null());
  EXPECT_TRUE(e["queryStringParameters"].is_null());
  EXPECT_TRUE(e["multiValueQueryStringParameters"].is_null());
  EXPECT_TRUE(e["body"].is_null());
  EXPECT_FALSE(e["headers"].contains("Content-Type"));
  EXPECT_EQ(e["httpMethod"], "GET");
  EXPECT_EQ(e["requestContext"]["stage"], "dev");
}

TEST(Samples, HttpApiEventHasPayload20Shape) {
  auto e = generate("apigateway-http",
                    {{"method", "PUT"},
                     {"path", "/users/7/files/a/b.txt"},
                     {"route", "ANY /users/{id}/files/{proxy+}"},
                     {"query", "x=1&x=2"},
                     {"header", "Cookie: a=1; b=2\nAccept: text/html"},
                     {"body", "plain text"},
                     {"region", "eu-west-1"}},
                    true);
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "ANY /users/{id}/files/{proxy+}");
  EXPECT_EQ(e["rawPath"], "/users/7/files/a/b.txt");
  EXPECT_EQ(e["rawQueryString"], "x=1&x=2");
  EXPECT_EQ(e["queryStringParameters"], Json({{"x", "1,2"}}));
  EXPECT_EQ(e["pathParameters"], Json({{"id", "7"}, {"proxy", "a/b.txt"}}));
  EXPECT_EQ(e["cookies"], Json({"a=1", "b=2"}));
  EXPECT_EQ(e["headers"]["accept"], "text/html");
  EXPECT_EQ(e["headers"]["content-type"], "text/plain");
  EXPECT_FALSE(e["headers"].contains("cookie"));
  EXPECT_EQ(e["body"], "plain text");
  EXPECT_EQ(e["isBase64Encoded"], false);
  const auto& rc = e["requestContext"];
  EXPECT_EQ(rc["stage"], "$default");
  EXPECT_EQ(rc["routeKey"], "ANY /users/{id}/files/{proxy+}");
  EXPECT_EQ(rc["http"]["method"], "PUT");
  EXPECT_EQ(rc["http"]["path"], "/users/7/files/a/b.txt");
  EXPECT_EQ(rc["http"]["sourceIp"], "127.0.0.1");
  EXPECT_EQ(rc["timeEpoch"], 1704110400000);
  EXPECT_EQ(rc["domainName"].get<std::string>().find(".execute-api.eu-west-1.amazonaws.com"),
            10u);
  EXPECT_FALSE(rc.contains("extendedRequestId"));
}

TEST(Samples, HttpApiDefaultRouteAndNamedStage) {
  auto e = generate("apigateway-http", {{"route", "$default"}, {"path", "/x"}}, true);
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_FALSE(e.contains("pathParameters"));
  EXPECT_FALSE(e.contains("body"));
  EXPECT_FALSE(e.contains("queryStringParameters"));
  // A stage other than $default is part of the URL, so of rawPath.
  auto staged = generate("apigateway-http", {{"stage", "beta"}, {"path", "/x"}}, true);
  EXPECT_EQ(staged["rawPath"], "/beta/x");
  EXPECT_EQ(staged["routeKey"], "GET /x");
  EXPECT_EQ(staged["requestContext"]["stage"], "beta");
}

TEST(Samples, SqsEventReusesTheQueueEventBuilder) {
  auto e = generate("sqs",
                    {{"queue", "orders"},
                     {"body", "hi"},
                     {"count", "3"},
                     {"message-attributes", R"({"kind": "new", "n": 5})"},
                     {"region", "eu-central-1"}},
                    true);
  ASSERT_EQ(e["Records"].size(), 3u);
  std::set<std::string> ids;
  for (const auto& r : e["Records"]) {
    EXPECT_TRUE(is_uuid(r["messageId"]));
    ids.insert(r["messageId"]);
    auto handle = queue::decode_receipt_handle(r["receiptHandle"].get<std::string>());
    ASSERT_TRUE(handle);
    EXPECT_EQ(handle->queue_name, "orders");
    EXPECT_EQ(handle->message_id, r["messageId"]);
    EXPECT_EQ(r["body"], "hi");
    EXPECT_EQ(r["md5OfBody"], queue::md5_of_message_body("hi"));
    EXPECT_EQ(r["attributes"]["ApproximateReceiveCount"], "1");
    EXPECT_EQ(r["attributes"]["SenderId"], "AIDAIT2UOQQY3AUEKVGXU");
    EXPECT_TRUE(r["attributes"]["SentTimestamp"].is_string());
    EXPECT_FALSE(r["attributes"].contains("MessageGroupId"));
    EXPECT_EQ(r["messageAttributes"]["kind"]["stringValue"], "new");
    EXPECT_EQ(r["messageAttributes"]["kind"]["dataType"], "String");
    EXPECT_EQ(r["messageAttributes"]["n"]["stringValue"], "5");
    EXPECT_EQ(r["messageAttributes"]["n"]["dataType"], "Number");
    EXPECT_EQ(r["md5OfMessageAttributes"],
              queue::md5_of_message_attributes(
                  {{"kind", {"String", "new", ""}}, {"n", {"Number", "5", ""}}}));
    EXPECT_EQ(r["eventSource"], "aws:sqs");
    EXPECT_EQ(r["eventSourceARN"], "arn:aws:sqs:eu-central-1:000000000000:orders");
    EXPECT_EQ(r["awsRegion"], "eu-central-1");
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(e["Records"][0]["attributes"]["SentTimestamp"], "1704110400000");
}

TEST(Samples, SqsFifoQueueHasFifoAttributes) {
  auto e = generate("sqs", {{"queue", "jobs.fifo"}, {"message-group-id", "g7"}}, true);
  const auto& a = e["Records"][0]["attributes"];
  EXPECT_EQ(a["MessageGroupId"], "g7");
  EXPECT_EQ(a["MessageDeduplicationId"], queue::sha256_hex("Hello from SQS!"));
  EXPECT_EQ(a["SequenceNumber"].get<std::string>().size(), 20u);
  EXPECT_FALSE(e["Records"][0].contains("md5OfMessageAttributes"));
  EXPECT_EQ(e["Records"][0]["messageAttributes"], Json::object());
}

TEST(Samples, KinesisEventCarriesBase64Data) {
  auto e = generate(
      "kinesis", {{"stream", "clicks"}, {"partition-key", "user-1"}, {"data", "{\"a\":1}"},
                  {"count", "2"}},
      true);
  ASSERT_EQ(e["Records"].size(), 2u);
  const auto& r = e["Records"][0];
  EXPECT_EQ(r["kinesis"]["data"], http::base64_encode("{\"a\":1}"));
  EXPECT_EQ(r["kinesis"]["partitionKey"], "user-1");
  EXPECT_EQ(r["kinesis"]["kinesisSchemaVersion"], "1.0");
  EXPECT_DOUBLE_EQ(r["kinesis"]["approximateArrivalTimestamp"].get<double>(), 1704110400.0);
  std::string sequence = r["kinesis"]["sequenceNumber"];
  EXPECT_EQ(r["eventID"], "shardId-000000000000:" + sequence);
  EXPECT_EQ(r["eventName"], "aws:kinesis:record");
  EXPECT_EQ(r["eventSource"], "aws:kinesis");
  EXPECT_EQ(r["eventVersion"], "1.0");
  EXPECT_EQ(r["eventSourceARN"], "arn:aws:kinesis:us-east-1:000000000000:stream/clicks");
  EXPECT_TRUE(r["invokeIdentityArn"].is_string());
  // Records of one shard come in sequence order.
  EXPECT_LT(sequence, e["Records"][1]["kinesis"]["sequenceNumber"].get<std::string>());
}

TEST(Samples, DynamoDbModifyWithPlainJson) {
  auto e = generate("dynamodb-stream",
                    {{"table", "Orders"},
                     {"event-name", "MODIFY"},
                     {"keys", R"({"pk": "o#1", "sk": 2})"},
                     {"new-image", R"({"status": "shipped", "tags": ["a"], "ok": true})"},
                     {"old-image", R"({"status": "new"})"}},
                    true);
  ASSERT_EQ(e["Records"].size(), 1u);
  const auto& r = e["Records"][0];
  EXPECT_EQ(r["eventName"], "MODIFY");
  EXPECT_EQ(r["eventVersion"], "1.1");
  EXPECT_EQ(r["eventSource"], "aws:dynamodb");
  EXPECT_EQ(r["awsRegion"], "us-east-1");
  EXPECT_TRUE(std::regex_match(r["eventID"].get<std::string>(), std::regex("[0-9a-f]{32}")));
  EXPECT_EQ(r["eventSourceARN"],
            "arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2024-01-01T12:00:00.000");
  const auto& d = r["dynamodb"];
  EXPECT_EQ(d["Keys"], Json::parse(R"({"pk": {"S": "o#1"}, "sk": {"N": "2"}})"));
  EXPECT_EQ(d["NewImage"], Json::parse(R"({"pk": {"S": "o#1"}, "sk": {"N": "2"},
      "status": {"S": "shipped"}, "tags": {"L": [{"S": "a"}]}, "ok": {"BOOL": true}})"));
  EXPECT_EQ(d["OldImage"]["status"], Json({{"S", "new"}}));
  EXPECT_EQ(d["StreamViewType"], "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(d["ApproximateCreationDateTime"], 1704110400);
  EXPECT_TRUE(d["SequenceNumber"].is_string());
  EXPECT_TRUE(d["SizeBytes"].is_number_integer());
  EXPECT_GT(d["SizeBytes"].get<int>(), 0);
}

TEST(Samples, DynamoDbViewTypeDecidesImages) {
  auto insert = generate("dynamodb-stream",
                         {{"keys", R"({"id": {"N": "101"}})"}, {"view-type", "NEW_IMAGE"}}, true);
  const auto& d = insert["Records"][0]["dynamodb"];
  EXPECT_EQ(d["Keys"], Json::parse(R"({"id": {"N": "101"}})"));  // DynamoDB JSON kept as is
  EXPECT_TRUE(d.contains("NewImage"));
  EXPECT_FALSE(d.contains("OldImage"));
  auto remove = generate("dynamodb-stream", {{"event-name", "REMOVE"}, {"view-type", "KEYS_ONLY"}},
                         true);
  EXPECT_FALSE(remove["Records"][0]["dynamodb"].contains("NewImage"));
  EXPECT_FALSE(remove["Records"][0]["dynamodb"].contains("OldImage"));
  EXPECT_EQ(remove["Records"][0]["dynamodb"]["SizeBytes"], 3);  // "id" + "1"
  auto removed_old = generate("dynamodb-stream", {{"event-name", "REMOVE"}}, true);
  EXPECT_TRUE(removed_old["Records"][0]["dynamodb"].contains("OldImage"));
  EXPECT_FALSE(removed_old["Records"][0]["dynamodb"].contains("NewImage"));
}

TEST(Samples, ScheduleEventIsAScheduledEvent) {
  auto e = generate("schedule", {{"rule", "nightly"}, {"region", "ap-south-1"}}, true);
  EXPECT_EQ(e, Json::parse(R"({
    "version": "0", "id": ")" + e["id"].get<std::string>() + R"(",
    "detail-type": "Scheduled Event", "source": "aws.events", "account": "000000000000",
    "time": "2024-01-01T12:00:00Z", "region": "ap-south-1",
    "resources": ["arn:aws:events:ap-south-1:000000000000:rule/nightly"], "detail": {}})"));
  EXPECT_TRUE(is_uuid(e["id"]));
}

TEST(Samples, EventBridgeEventTakesSourceDetailAndResources) {
  auto e = generate("eventbridge",
                    {{"source", "my.app"},
                     {"detail-type", "User Created"},
                     {"detail", R"({"user": {"id": 1}})"},
                     {"resources", "arn:a, arn:b"}},
                    true);
  EXPECT_EQ(e["source"], "my.app");
  EXPECT_EQ(e["detail-type"], "User Created");
  EXPECT_EQ(e["detail"], Json::parse(R"({"user": {"id": 1}})"));
  EXPECT_EQ(e["resources"], Json({"arn:a", "arn:b"}));
  EXPECT_EQ(e["version"], "0");
  EXPECT_EQ(e["account"], "000000000000");
  EXPECT_EQ(e["region"], "us-east-1");
  EXPECT_EQ(e["time"], "2024-01-01T12:00:00Z");
  EXPECT_EQ(e.size(), 9u);
}

TEST(Samples, SnsEventHasNotificationShape) {
  auto plain = generate("sns", {{"topic", "alerts"}, {"message", "m"}}, true);
  const auto& r = plain["Records"][0];
  EXPECT_EQ(r["EventSource"], "aws:sns");
  EXPECT_EQ(r["EventVersion"], "1.0");
  std::string topic_arn = "arn:aws:sns:us-east-1:000000000000:alerts";
  std::string subscription = r["EventSubscriptionArn"];
  EXPECT_EQ(subscription.rfind(topic_arn + ":", 0), 0u);
  EXPECT_TRUE(is_uuid(subscription.substr(topic_arn.size() + 1)));
  const auto& s = r["Sns"];
  EXPECT_EQ(s["Type"], "Notification");
  EXPECT_TRUE(is_uuid(s["MessageId"]));
  EXPECT_EQ(s["TopicArn"], topic_arn);
  EXPECT_TRUE(s["Subject"].is_null());
  EXPECT_EQ(s["Message"], "m");
  EXPECT_EQ(s["Timestamp"], "2024-01-01T12:00:00.000Z");
  EXPECT_EQ(s["SignatureVersion"], "1");
  EXPECT_EQ(http::base64_decode(s["Signature"].get<std::string>())->size(), 256u);
  EXPECT_TRUE(std::regex_match(
      s["SigningCertUrl"].get<std::string>(),
      std::regex(R"(https://sns\.us-east-1\.amazonaws\.com/)"
                 R"(SimpleNotificationService-[0-9a-f]{32}\.pem)")));
  EXPECT_EQ(s["UnsubscribeUrl"],
            "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" +
                subscription);
  EXPECT_EQ(s["MessageAttributes"], Json::object());

  auto full = generate(
      "sns", {{"subject", "Hi"}, {"message-attributes", R"({"a": "x", "n": 2, "l": ["p"]})"}},
      true);
  const auto& fs = full["Records"][0]["Sns"];
  EXPECT_EQ(fs["Subject"], "Hi");
  EXPECT_EQ(fs["MessageAttributes"], Json::parse(R"({"a": {"Type": "String", "Value": "x"},
      "n": {"Type": "Number", "Value": "2"}, "l": {"Type": "String.Array", "Value": "[\"p\"]"}})"));
}

TEST(Samples, S3PutEventHasRecordShape) {
  auto e = generate("s3", {{"bucket", "photos"}, {"key", "2024/my cat+dog.jpg"}, {"size", "77"}},
                    true);
  const auto& r = e["Records"][0];
  EXPECT_EQ(r["eventVersion"], "2.1");
  EXPECT_EQ(r["eventSource"], "aws:s3");
  EXPECT_EQ(r["awsRegion"], "us-east-1");
  EXPECT_EQ(r["eventTime"], "2024-01-01T12:00:00.000Z");
  EXPECT_EQ(r["eventName"], "ObjectCreated:Put");
  EXPECT_TRUE(r["userIdentity"]["principalId"].is_string());
  EXPECT_EQ(r["requestParameters"]["sourceIPAddress"], "127.0.0.1");
  EXPECT_TRUE(std::regex_match(r["responseElements"]["x-amz-request-id"].get<std::string>(),
                               std::regex("[0-9A-F]{16}")));
  EXPECT_TRUE(r["responseElements"]["x-amz-id-2"].is_string());
  const auto& s3 = r["s3"];
  EXPECT_EQ(s3["s3SchemaVersion"], "1.0");
  EXPECT_TRUE(s3["configurationId"].is_string());
  EXPECT_EQ(s3["bucket"]["name"], "photos");
  EXPECT_EQ(s3["bucket"]["arn"], "arn:aws:s3:::photos");
  EXPECT_TRUE(s3["bucket"]["ownerIdentity"]["principalId"].is_string());
  EXPECT_EQ(s3["object"]["key"], "2024/my+cat%2Bdog.jpg");  // URL-encoded, as S3 sends it
  EXPECT_EQ(s3["object"]["size"], 77);
  EXPECT_TRUE(std::regex_match(s3["object"]["eTag"].get<std::string>(),
                               std::regex("[0-9a-f]{32}")));
  EXPECT_TRUE(std::regex_match(s3["object"]["sequencer"].get<std::string>(),
                               std::regex("[0-9A-F]{18}")));
  EXPECT_FALSE(s3["object"].contains("versionId"));
}

TEST(Samples, S3RemovedEventHasNoSizeOrETag) {
  auto e = generate("s3", {{"event-name", "s3:ObjectRemoved:DeleteMarkerCreated"}}, true);
  const auto& r = e["Records"][0];
  EXPECT_EQ(r["eventName"], "ObjectRemoved:DeleteMarkerCreated");
  EXPECT_FALSE(r["s3"]["object"].contains("size"));
  EXPECT_FALSE(r["s3"]["object"].contains("eTag"));
  EXPECT_TRUE(r["s3"]["object"]["versionId"].is_string());
  auto deleted = generate("s3", {{"event-name", "ObjectRemoved:Delete"}, {"version-id", "v1"}},
                          true);
  EXPECT_EQ(deleted["Records"][0]["s3"]["object"]["versionId"], "v1");
}

TEST(Samples, ErrorsNameTheOption) {
  EXPECT_EQ(error_of("kafka", {}).find("unknown event source 'kafka'"), 0u);
  EXPECT_NE(error_of("sqs", {{"colour", "red"}}).find("unknown option 'colour' for sqs"),
            std::string::npos);
  EXPECT_NE(error_of("sqs", {{"count", "0"}}).find("option 'count' of sqs"), std::string::npos);
  EXPECT_NE(error_of("sqs", {{"count", "3x"}}).find("'3x'"), std::string::npos);
  EXPECT_NE(error_of("sqs", {{"message-attributes", "{"}}).find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(error_of("sqs", {{"queue", "bad name"}}).find("option 'queue'"), std::string::npos);
  EXPECT_NE(error_of("sqs", {{"message-group-id", "g"}}).find("option 'message-group-id'"),
            std::string::npos);
  EXPECT_NE(error_of("kinesis", {{"region", "Mars"}}).find("option 'region'"), std::string::npos);
  EXPECT_NE(error_of("dynamodb-stream", {{"event-name", "UPSERT"}}).find("option 'event-name'"),
            std::string::npos);
  EXPECT_NE(error_of("dynamodb-stream", {{"view-type", "ALL"}}).find("option 'view-type'"),
            std::string::npos);
  EXPECT_NE(error_of("dynamodb-stream", {{"keys", R"({"id": true})"}}).find("option 'keys'"),
            std::string::npos);
  EXPECT_NE(error_of("dynamodb-stream", {{"keys", R"({"id": {"S": 1}})"}}).find("option 'keys'"),
            std::string::npos);
  EXPECT_NE(error_of("eventbridge", {{"detail", "[1]"}}).find("option 'detail'"),
            std::string::npos);
  EXPECT_NE(error_of("s3", {{"event-name", "ObjectCreated:Magic"}}).find("option 'event-name'"),
            std::string::npos);
  EXPECT_NE(error_of("s3", {{"bucket", "Upper"}}).find("option 'bucket'"), std::string::npos);
  EXPECT_NE(error_of("apigateway-rest", {{"path", "/a"}, {"route", "/b/{id}"}})
                .find("option 'path'"),
            std::string::npos);
  EXPECT_NE(error_of("apigateway-rest", {{"route", "/items/{id"}}).find("option 'route'"),
            std::string::npos);
  EXPECT_NE(error_of("apigateway-http", {{"header", "no colon here"}}).find("option 'header'"),
            std::string::npos);
  EXPECT_NE(error_of("apigateway-http", {{"path", "items"}}).find("option 'path'"),
            std::string::npos);
  EXPECT_NE(error_of("apigateway-rest", {{"stage", "$default"}}).find("option 'stage'"),
            std::string::npos);
}

TEST(Samples, FixedClockIsDeterministicAndTheSystemClockIsNot) {
  for (const auto& s : sources()) {
    EXPECT_EQ(samples::generate(s.name, {}, true), samples::generate(s.name, {}, true)) << s.name;
  }
  // Without fixed_clock ids are random: two events differ.
  EXPECT_NE(generate("sqs", {}), generate("sqs", {}));
  EXPECT_NE(generate("schedule", {})["id"], generate("schedule", {})["id"]);
}

TEST(Samples, FixturesAreTheDefaultEvents) {
  for (const auto& s : sources()) {
    std::string path = std::string(SERVERLITE_SOURCE_DIR) + "/fixtures/events/" + s.name + ".json";
    std::ifstream in(path);
    ASSERT_TRUE(in) << "missing " << path;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(Json::parse(text.str()), samples::generate(s.name, {}, true))
        << path << " is stale: regenerate it with `serverlite generate-event --fixed-clock "
        << s.name << " > fixtures/events/" << s.name << ".json`";
  }
}

}  // namespace
}  // namespace serverlite::samples
