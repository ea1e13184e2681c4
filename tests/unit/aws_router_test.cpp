#include "emulator/aws/router.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"

namespace serverlite::aws {
namespace {

http::Request make(std::string method, std::string target, std::vector<http::Header> headers = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

TEST(AwsRouter, DispatchesByTargetPrefixThenPath) {
  Router router;
  std::string hit;
  router.add_target_prefix("AmazonSQS.", [&](http::Request, http::Responder) { hit = "sqs"; });
  router.add_path_prefix("/2015-03-31/functions", [&](http::Request, http::Responder) { hit = "lambda"; });
  router.handle(make("POST", "/", {{"X-Amz-Target", "AmazonSQS.SendMessage"}}), [](auto) {});
  EXPECT_EQ(hit, "sqs");
  router.handle(make("GET", "/2015-03-31/functions/f/configuration"), [](auto) {});
  EXPECT_EQ(hit, "lambda");
  router.handle(make("GET", "/2015-03-31/functions?MaxItems=1"), [](auto) {});
  EXPECT_EQ(hit, "lambda");
}

TEST(AwsRouter, PathPrefixesMatchWholeSegments) {
  Router router;
  bool hit = false;
  router.add_path_prefix("/2015-03-31/functions", [&](http::Request, http::Responder) { hit = true; });
  http::Response res;
  router.handle(make("GET", "/2015-03-31/functionsX",
                     {{"Authorization", "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/lambda/"
                                        "aws4_request, SignedHeaders=host, Signature=0"}}),
                [&](http::Response r) { res = r; });
  EXPECT_FALSE(hit);
  EXPECT_EQ(res.status, 404);
}

// A request no service claims, with no credential scope, is DynamoDB's (the endpoint's default).
TEST(AwsRouter, UnknownTargetIsUnknownOperation) {
  Router router;
  http::Response res;
  router.handle(make("POST", "/", {{"X-Amz-Target", "Nope_2020.Do"}}), [&](http::Response r) { res = r; });
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, R"({"__type":"com.amazon.coral.service#UnknownOperationException"})");
  EXPECT_EQ(res.header("Content-Type").value_or(""), "application/json");
  EXPECT_TRUE(res.header("x-amz-crc32"));
}

// A target that is not UTF-8 is echoed in the message: the answer is still the 400, with the
// bytes written as U+FFFD (encoding the error threw, and the client got a 500).
TEST(AwsRouter, UnknownTargetThatIsNotUtf8IsStillUnknownOperation) {
  Router router;
  for (std::string target : {"\xff", "Nope_2020.\xc3\x28", "\xed\xa0\x80.Do"}) {
    http::Response res;
    router.handle(make("POST", "/",
                       {{"X-Amz-Target", target},
                        {"Authorization", "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/sqs/"
                                          "aws4_request, SignedHeaders=host, Signature=0"}}),
                  [&](http::Response r) { res = r; });
    EXPECT_EQ(res.status, 400);
    auto body = nlohmann::json::parse(res.body);
    EXPECT_EQ(body["__type"], "UnknownOperationException");
    EXPECT_NE(body["message"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos);
  }
}

TEST(AwsRouter, UnknownPathThatIsNotUtf8IsStill404) {
  Router router;
  http::Response res;
  router.handle(make("GET", "/\xff\xfe",
                     {{"Authorization", "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/lambda/"
                                        "aws4_request, SignedHeaders=host, Signature=0"}}),
                [&](http::Response r) { res = r; });
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(nlohmann::json::parse(res.body)["Type"], "User");
}

TEST(AwsApiError, RenderersNeverThrowOnInvalidUtf8) {
  ApiError error(400, "ValidationException", "Value '\xff\xc3\x28' is invalid");
  http::Response rest, json;
  ASSERT_NO_THROW(rest = render_rest_json_error(error));
  ASSERT_NO_THROW(json = render_json_error(error, "", "application/x-amz-json-1.1"));
  EXPECT_EQ(rest.status, 400);
  EXPECT_EQ(nlohmann::json::parse(rest.body)["message"], "Value '\xef\xbf\xbd\xef\xbf\xbd(' is invalid");
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(nlohmann::json::parse(json.body)["message"], "Value '\xef\xbf\xbd\xef\xbf\xbd(' is invalid");
}

http::Request form(std::string body, std::vector<http::Header> headers = {}) {
  auto r = make("POST", "/", std::move(headers));
  r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  r.body = std::move(body);
  return r;
}

http::Header signed_for(std::string_view service) {
  return {"Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/" +
                               std::string(service) +
                               "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"};
}

// Two query services sharing an action name, as SQS and SNS both have AddPermission.
struct QueryRouter {
  Router router;
  std::string hit;
  QueryRouter() {
    router.add_query_service("sqs", {"SendMessage", "ListQueues", "Shared"},
                             [this](http::Request, http::Responder) { hit = "sqs"; });
    router.add_query_service("sns", {"Publish", "Shared"},
                             [this](http::Request, http::Responder) { hit = "sns"; });
    router.add_path_prefix("/2015-03-31/functions",
                           [this](http::Request, http::Responder) { hit = "lambda"; });
    router.add_target_prefix("AmazonSQS.",
                             [this](http::Request, http::Responder) { hit = "sqs-json"; });
  }
  std::string route(http::Request r) {
    hit.clear();
    router.handle(std::move(r), [](auto) {});
    return hit;
  }
};

TEST(AwsRouter, QueryRequestsGoToTheServiceOfTheCredentialScope) {
  QueryRouter q;
  EXPECT_EQ(q.route(form("Action=Shared&Version=2012-11-05", {signed_for("sqs")})), "sqs");
  EXPECT_EQ(q.route(form("Action=Shared&Version=2010-03-31", {signed_for("sns")})), "sns");
  // The scope decides even for an action the service did not list (it answers InvalidAction).
  EXPECT_EQ(q.route(form("Action=Publish", {signed_for("sqs")})), "sqs");
}

TEST(AwsRouter, QueryRequestsWithoutAUsableScopeUseTheActionTable) {
  QueryRouter q;
  EXPECT_EQ(q.route(form("Action=SendMessage&QueueUrl=x&MessageBody=y")), "sqs");
  EXPECT_EQ(q.route(form("Action=Publish&Message=m", {signed_for("execute-api")})), "sns");
  EXPECT_EQ(q.route(form("Action=Shared")), "sqs");  // first registered
  // GET with the action in the query string, at a queue URL's path.
  EXPECT_EQ(q.route(make("GET", "/000000000000/q?Action=ListQueues")), "sqs");
  // A presigned URL's scope counts like the header.
  EXPECT_EQ(q.route(make("GET",
                         "/?Action=Shared&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                         "&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fsns%2Faws4_request")),
            "sns");
}

TEST(AwsRouter, TargetsAndPathsStillComeFirst) {
  QueryRouter q;
  auto json = make("POST", "/", {{"X-Amz-Target", "AmazonSQS.SendMessage"}, signed_for("sqs")});
  json.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
  json.body = R"({"QueueUrl":"x","MessageBody":"Action=Publish"})";
  EXPECT_EQ(q.route(json), "sqs-json");
  EXPECT_EQ(q.route(make("GET", "/2015-03-31/functions?Action=Publish")), "lambda");
  // A JSON body mentioning Action= is not a query request (DynamoDB's endpoint cannot read it).
  auto not_form = make("POST", "/", {{"Content-Type", "application/json"}});
  not_form.body = "Action=Publish";
  http::Response res;
  q.hit.clear();
  q.router.handle(not_form, [&](http::Response r) { res = r; });
  EXPECT_TRUE(q.hit.empty());
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, R"({"__type":"com.amazon.coral.service#SerializationException"})");
}

TEST(AwsRouter, UnknownQueryActionIsInvalidActionInXml) {
  QueryRouter q;
  http::Response res;
  q.router.handle(form("Action=DoSomething"), [&](http::Response r) { res = r; });
  EXPECT_TRUE(q.hit.empty());
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "text/xml");
  EXPECT_NE(res.body.find("<Code>InvalidAction</Code>"), std::string::npos);
  EXPECT_NE(res.body.find("<Type>Sender</Type>"), std::string::npos);
}

// A call signed for a service serverlite does not emulate is answered 501 NotImplemented naming
// the service, in the protocol its client reads.
TEST(AwsRouter, UnservedServicesSaySoInTheirClientsProtocol) {
  QueryRouter q;
  http::Response res;
  auto answer = [&](http::Request r) {
    q.hit.clear();
    q.router.handle(std::move(r), [&](http::Response got) { res = std::move(got); });
    EXPECT_TRUE(q.hit.empty());
    return res;
  };
  // Query protocol (SNS through the CLI): XML with the action named.
  answer(form("Action=ListTopics&Version=2010-03-31", {signed_for("sts")}));
  EXPECT_EQ(res.status, 501);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "text/xml");
  EXPECT_NE(res.body.find("<Code>NotImplemented</Code>"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("does not emulate STS (signing name 'sts'), so it cannot serve "
                          "ListTopics"),
            std::string::npos)
      << res.body;
  // S3: its own error document.
  answer(make("GET", "/my-bucket?list-type=2", {signed_for("s3")}));
  EXPECT_EQ(res.status, 501);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "application/xml");
  EXPECT_NE(res.body.find("<Error><Code>NotImplemented</Code><Message>serverlite does not "
                          "emulate S3"),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find("cannot serve GET /my-bucket."), std::string::npos) << res.body;
  // AWS JSON (EventBridge): __type and message.
  auto events = make("POST", "/", {{"X-Amz-Target", "AWSEvents.PutEvents"}, signed_for("events")});
  events.headers.push_back({"Content-Type", "application/x-amz-json-1.1"});
  events.body = "{}";
  answer(events);
  EXPECT_EQ(res.status, 501);
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["__type"], "NotImplemented");
  EXPECT_NE(body["message"].get<std::string>().find("EventBridge (signing name 'events'), so it "
                                                    "cannot serve PutEvents"),
            std::string::npos);
  // REST JSON for the other services' paths.
  answer(make("GET", "/v1/apis", {signed_for("appsync")}));
  EXPECT_EQ(res.status, 501);
  EXPECT_EQ(res.header("X-Amzn-ErrorType").value_or(""), "NotImplemented");
}

TEST(ApiErrorRendering, RestJsonCarriesTheCodeInAHeader) {
  auto res = render_rest_json_error(ApiError(404, "ResourceNotFoundException", "Function not found: x"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.header("X-Amzn-ErrorType").value_or(""), "ResourceNotFoundException");
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["message"], "Function not found: x");
}

TEST(ApiErrorRendering, RequestIdsAreVersion4Uuids) {
  auto id = new_request_id();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  const std::string hex = "0123456789abcdef";
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      EXPECT_EQ(id[i], '-') << id;
    else
      EXPECT_NE(hex.find(id[i]), std::string::npos) << id;
  }
  EXPECT_NE(new_request_id(), id);
}

}  // namespace
}  // namespace serverlite::aws
