#include "emulator/replay/redact.hpp"

#include <gtest/gtest.h>

namespace serverlite::replay {
namespace {

using nlohmann::json;

TEST(ReplayRedact, DefaultSets) {
  const auto& h = default_redacted_headers();
  for (const char* name : {"authorization", "cookie", "set-cookie", "x-amz-security-token",
                           "x-api-key", "proxy-authorization"})
    EXPECT_TRUE(h.count(name)) << name;
  const auto& f = default_redacted_fields();
  for (const char* name : {"password", "secret", "token", "accessToken", "refreshToken", "apiKey"})
    EXPECT_TRUE(f.count(name)) << name;
}

TEST(ReplayRedact, Headers) {
  json headers = json::parse(R"({"Authorization": "Bearer abc", "Content-Type": "text/plain",
                                 "X-Api-Key": "k", "Cookie": null})");
  EXPECT_EQ(redact_headers(headers, default_redacted_headers()),
            json::parse(R"({"Authorization": "<redacted>", "Content-Type": "text/plain",
                            "X-Api-Key": "<redacted>", "Cookie": null})"));
  json multi = json::parse(R"({"set-cookie": ["a=1", "b=2"], "accept": ["*/*"]})");
  EXPECT_EQ(redact_headers(multi, default_redacted_headers()),
            json::parse(R"({"set-cookie": ["<redacted>", "<redacted>"], "accept": ["*/*"]})"));
  EXPECT_EQ(redact_headers(json(nullptr), default_redacted_headers()), json(nullptr));
  EXPECT_EQ(redact_headers(json::parse(R"({"x-custom": "s"})"), {"X-CUSTOM"}),
            json::parse(R"({"x-custom": "<redacted>"})"));
}

TEST(ReplayRedact, FieldsAtAnyDepth) {
  json value = json::parse(R"({"user": {"name": "a", "Password": "p", "tokens": [
      {"accessToken": "x", "kind": "bearer"}, {"refreshtoken": {"nested": 1}}]},
      "apiKey": 42, "secretary": "not a secret"})");
  EXPECT_EQ(redact_fields(value, default_redacted_fields()),
            json::parse(R"({"user": {"name": "a", "Password": "<redacted>", "tokens": [
      {"accessToken": "<redacted>", "kind": "bearer"}, {"refreshtoken": "<redacted>"}]},
      "apiKey": "<redacted>", "secretary": "not a secret"})"));
  EXPECT_EQ(redact_fields(json("password"), default_redacted_fields()), json("password"));
}

TEST(ReplayRedact, RestEvent) {
  json event = json::parse(R"({
    "resource": "/login", "path": "/login", "httpMethod": "POST",
    "headers": {"Authorization": "Basic xyz", "Host": "localhost"},
    "multiValueHeaders": {"Authorization": ["Basic xyz"], "Host": ["localhost"]},
    "queryStringParameters": {"token": "t", "page": "1"},
    "multiValueQueryStringParameters": {"token": ["t"], "page": ["1"]},
    "requestContext": {"identity": {"apiKey": "k", "sourceIp": "127.0.0.1"}},
    "body": "{\"user\":\"a\",\"password\":\"p\"}",
    "isBase64Encoded": false})");
  auto r = redact_event(event);
  EXPECT_EQ(r["headers"]["Authorization"], kRedacted);
  EXPECT_EQ(r["headers"]["Host"], "localhost");
  EXPECT_EQ(r["multiValueHeaders"]["Authorization"], json::array({kRedacted}));
  EXPECT_EQ(r["queryStringParameters"], json::parse(R"({"token": "<redacted>", "page": "1"})"));
  EXPECT_EQ(r["multiValueQueryStringParameters"]["token"], json::array({kRedacted}));
  EXPECT_EQ(r["requestContext"]["identity"]["apiKey"], kRedacted);
  EXPECT_EQ(r["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
  EXPECT_EQ(json::parse(r["body"].get<std::string>()),
            json::parse(R"({"user": "a", "password": "<redacted>"})"));
  EXPECT_EQ(r["path"], "/login");
}

TEST(ReplayRedact, HttpApiEvent) {
  json event = json::parse(R"({
    "version": "2.0", "routeKey": "GET /me", "rawPath": "/me",
    "rawQueryString": "a=1&token=abc&Token=x%20y&empty",
    "cookies": ["session=s3cr3t", "theme=dark", "flag"],
    "headers": {"cookie": "session=s3cr3t; theme=dark", "x-amz-security-token": "t"},
    "body": "not json", "isBase64Encoded": false})");
  auto r = redact_event(event);
  EXPECT_EQ(r["rawQueryString"], "a=1&token=%3Credacted%3E&Token=%3Credacted%3E&empty");
  EXPECT_EQ(r["cookies"], json::parse(R"(["session=<redacted>", "theme=<redacted>",
                                          "flag=<redacted>"])"));
  EXPECT_EQ(r["headers"]["cookie"], kRedacted);
  EXPECT_EQ(r["headers"]["x-amz-security-token"], kRedacted);
  EXPECT_EQ(r["body"], "not json");

  // Custom sets: cookies stay when "cookie" is not redacted.
  auto kept = redact_event(event, {"x-amz-security-token"}, {});
  EXPECT_EQ(kept["cookies"], event["cookies"]);
  EXPECT_EQ(kept["rawQueryString"], event["rawQueryString"]);
}

TEST(ReplayRedact, BodiesThatAreNotJsonTextStay) {
  json b64 = {{"httpMethod", "POST"},
              {"body", "eyJwYXNzd29yZCI6InAifQ=="},
              {"isBase64Encoded", true}};
  EXPECT_EQ(redact_event(b64), b64);
  json unchanged = {{"body", R"({"a": 1})"}};  // nothing to redact: the text is kept as written
  EXPECT_EQ(redact_event(unchanged), unchanged);
}

TEST(ReplayRedact, SqsRecordBodies) {
  json event = json::parse(R"({"Records": [
      {"eventSource": "aws:sqs", "body": "{\"secret\": \"s\", \"n\": 1}"},
      {"eventSource": "aws:sqs", "body": "plain"}]})");
  auto r = redact_event(event);
  EXPECT_EQ(json::parse(r["Records"][0]["body"].get<std::string>()),
            json::parse(R"({"secret": "<redacted>", "n": 1})"));
  EXPECT_EQ(r["Records"][1]["body"], "plain");
}

TEST(ReplayRedact, TheSecretsARedactionRemovedAreCollected) {
  json event = json::parse(R"({
      "headers": {"authorization": "Bearer abc.def", "x": "1"},
      "cookies": ["sid=cookie-value", "theme=dark"],
      "rawQueryString": "token=q1&page=2&apiKey=q2",
      "body": "{\"password\": \"hunter2\", \"pin\": 1234, \"secret\": 42}"})");
  std::set<std::string> secrets;
  collect_redacted(event, redact_event(event), secrets);
  EXPECT_EQ(secrets, (std::set<std::string>{"Bearer abc.def", "cookie-value", "dark", "q1", "q2",
                                            "hunter2", "42"}));
  std::set<std::string> from_target;
  std::string target = "/login?token=abc&x=1";
  EXPECT_EQ(redact_target(target, default_redacted_fields()), "/login?token=%3Credacted%3E&x=1");
  collect_redacted(json(target), json(redact_target(target, default_redacted_fields())),
                   from_target);
  EXPECT_EQ(from_target, std::set<std::string>{"abc"});
  EXPECT_EQ(redact_target("/plain", default_redacted_fields()), "/plain");
}

TEST(ReplayRedact, SecretsAreReplacedWhereverTheyShow) {
  std::set<std::string> secrets = {"hunter2", "42", "ab"};
  json answer = json::parse(R"({"pw": "hunter2", "said": "pw hunter2 and hunter2",
                                "n": 42, "short": "ab", "inside": "cabd", "list": ["hunter2x"]})");
  EXPECT_EQ(redact_values(answer, secrets), json::parse(R"({"pw": "<redacted>",
      "said": "pw <redacted> and <redacted>", "n": "<redacted>", "short": "<redacted>",
      "inside": "cabd", "list": ["<redacted>x"]})"));
  EXPECT_EQ(redact_values(answer, {}), answer);
}

}  // namespace
}  // namespace serverlite::replay
