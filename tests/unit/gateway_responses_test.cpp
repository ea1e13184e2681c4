#include "services/gateway/responses.hpp"

#include <gtest/gtest.h>

namespace serverlite::gateway {
namespace {

using invoker::InvokeResult;
using invoker::InvokeStatus;

InvokeResult ok(std::string payload) {
  InvokeResult r;
  r.payload = std::move(payload);
  return r;
}

InvokeResult with_status(InvokeStatus status, std::string payload = {}) {
  InvokeResult r;
  r.status = status;
  r.payload = std::move(payload);
  return r;
}

std::vector<std::string> all(const http::Response& res, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& h : res.headers)
    if (http::iequals(h.name, name)) out.push_back(h.value);
  return out;
}

constexpr std::string_view kRest502 = R"({"message": "Internal server error"})";
constexpr std::string_view kHttp500 = R"({"message":"Internal Server Error"})";

// ---- REST API (format 1.0) ----

TEST(RestResponse, WellFormedResult) {
  auto res = rest_response(ok(R"({"statusCode": 201, "headers": {"X-One": "1", "Content-Type":
      "text/plain"}, "body": "created"})"));
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "created");
  EXPECT_EQ(res.header("X-One"), "1");
  EXPECT_EQ(all(res, "Content-Type"), std::vector<std::string>{"text/plain"});
}

TEST(RestResponse, DefaultsToApplicationJsonAndEmptyBody) {
  auto res = rest_response(ok(R"({"statusCode": 204})"));
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.header("Content-Type"), "application/json");
}

TEST(RestResponse, NullsAndStringStatusAreAccepted) {
  auto res = rest_response(ok(
      R"({"statusCode": "404", "headers": null, "multiValueHeaders": null, "body": null,
          "isBase64Encoded": null})"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, "");
}

TEST(RestResponse, MultiValueHeadersMergeAndWin) {
  auto res = rest_response(ok(R"({"statusCode": 200,
      "headers": {"Set-Cookie": "ignored=1", "X-Single": "s", "X-Num": 5, "X-Bool": true},
      "multiValueHeaders": {"set-cookie": ["a=1", "b=2"], "X-List": ["x", 2]},
      "body": "ok"})"));
  EXPECT_EQ(res.status, 200);
  // AWS: a name in both maps keeps only the multiValueHeaders values.
  EXPECT_EQ(all(res, "Set-Cookie"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(res.header("X-Single"), "s");
  EXPECT_EQ(res.header("X-Num"), "5");
  EXPECT_EQ(res.header("X-Bool"), "true");
  EXPECT_EQ(all(res, "X-List"), (std::vector<std::string>{"x", "2"}));
}

TEST(RestResponse, Base64BodyIsDecoded) {
  auto res = rest_response(ok(R"({"statusCode": 200, "headers": {"Content-Type": "image/png"},
      "body": "iVBORw0KGgo=", "isBase64Encoded": true})"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(res.header("Content-Type"), "image/png");
}

TEST(RestResponse, MalformedResultsAre502) {
  for (const char* payload : {
           "",                                                         // nothing
           "not json",                                                 // not JSON
           R"("a string")",                                            // not an object
           R"([1, 2])",                                                // not an object
           R"({"body": "no status"})",                                 // statusCode missing
           R"({"statusCode": "abc"})",                                 // not a number
           R"({"statusCode": 99})",                                    // out of range
           R"({"statusCode": 200.5})",                                 // not an integer
           R"({"statusCode": 200, "body": {"a": 1}})",                 // body not a string
           R"({"statusCode": 200, "headers": []})",                    // headers not an object
           R"({"statusCode": 200, "headers": {"a": {}}})",             // header not a scalar
           R"({"statusCode": 200, "multiValueHeaders": {"a": "x"}})",  // values not a list
           R"({"statusCode": 200, "isBase64Encoded": "yes"})",         // not a boolean
           R"({"statusCode": 200, "isBase64Encoded": true, "body": "%%%"})",  // bad base64
           R"({"statusCode": 200, "cookies": ["a=1"]})",  // a key format 1.0 does not have
       }) {
    auto res = rest_response(ok(payload));
    EXPECT_EQ(res.status, 502) << payload;
    EXPECT_EQ(res.body, kRest502) << payload;
    EXPECT_EQ(res.header("Content-Type"), "application/json") << payload;
    EXPECT_EQ(res.header("x-amzn-ErrorType"), "InternalServerErrorException") << payload;
  }
}

TEST(RestResponse, FailedInvocations) {
  auto err = rest_response(
      with_status(InvokeStatus::FunctionError, R"({"errorType":"Error","errorMessage":"boom"})"));
  EXPECT_EQ(err.status, 502);
  EXPECT_EQ(err.body, kRest502);
  auto throttled = rest_response(with_status(InvokeStatus::Throttled));
  EXPECT_EQ(throttled.status, 500);
  EXPECT_EQ(throttled.body, kRest502);
  auto stopping = rest_response(with_status(InvokeStatus::ShuttingDown));
  EXPECT_EQ(stopping.status, 503);
  EXPECT_EQ(stopping.body, R"({"message":"Service Unavailable"})");
}

// ---- HTTP API (payload 2.0) ----

TEST(HttpApiResponse, WellFormedResultWithCookies) {
  auto res = http_api_response(ok(R"({"statusCode": 302, "headers": {"Location": "/next",
      "X-Num": 1}, "cookies": ["a=1; Path=/", "b=2"], "body": "moved"})"));
  EXPECT_EQ(res.status, 302);
  EXPECT_EQ(res.header("Location"), "/next");
  EXPECT_EQ(res.header("X-Num"), "1");
  EXPECT_EQ(all(res, "Set-Cookie"), (std::vector<std::string>{"a=1; Path=/", "b=2"}));
  EXPECT_EQ(res.body, "moved");
}

TEST(HttpApiResponse, Base64BodyIsDecoded) {
  auto res =
      http_api_response(ok(R"({"statusCode": 200, "body": "AAEC/w==", "isBase64Encoded": true})"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, std::string("\x00\x01\x02\xff", 4));
}

TEST(HttpApiResponse, InfersA200FromOtherJson) {
  // "If your Lambda function returns valid JSON and doesn't return a statusCode, API Gateway
  // makes assumptions": 200, content-type application/json, the payload as the body.
  for (const char* payload :
       {R"({"message":"Hello, gw!"})", R"("this is not a proxy response")", "42", "[1,2]", "null",
        "true", R"({"body":"no statusCode here","headers":{"a":"b"}})"}) {
    auto res = http_api_response(ok(payload));
    EXPECT_EQ(res.status, 200) << payload;
    EXPECT_EQ(res.header("Content-Type"), "application/json") << payload;
    EXPECT_EQ(res.body, payload);
  }
}

TEST(HttpApiResponse, EmptyPayloadIsAnEmpty200) {
  auto res = http_api_response(ok(""));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "");
}

TEST(HttpApiResponse, MalformedResultsAre500) {
  for (const char* payload : {
           "not json",
           R"({"statusCode": "abc"})",
           R"({"statusCode": 700})",
           R"({"statusCode": 200, "body": 5})",
           R"({"statusCode": 200, "cookies": "a=1"})",
           R"({"statusCode": 200, "cookies": [1]})",
           R"({"statusCode": 200, "headers": {"a": [1]}})",
           R"({"statusCode": 200, "isBase64Encoded": true, "body": "***"})",
       }) {
    auto res = http_api_response(ok(payload));
    EXPECT_EQ(res.status, 500) << payload;
    EXPECT_EQ(res.body, kHttp500) << payload;
    EXPECT_FALSE(res.header("x-amzn-ErrorType")) << payload;
  }
}

TEST(HttpApiResponse, FailedInvocations) {
  EXPECT_EQ(http_api_response(with_status(InvokeStatus::FunctionError, "{}")).status, 500);
  EXPECT_EQ(http_api_response(with_status(InvokeStatus::FunctionError, "{}")).body, kHttp500);
  EXPECT_EQ(http_api_response(with_status(InvokeStatus::Throttled)).status, 500);
  EXPECT_EQ(http_api_response(with_status(InvokeStatus::ShuttingDown)).status, 503);
}

// ---- Gateway answers ----

TEST(GatewayAnswers, RouteNotFound) {
  auto rest = route_not_found(app::ApiKind::Rest);
  EXPECT_EQ(rest.status, 403);
  EXPECT_EQ(rest.body, R"({"message":"Missing Authentication Token"})");
  EXPECT_EQ(rest.header("Content-Type"), "application/json");
  auto http = route_not_found(app::ApiKind::Http);
  EXPECT_EQ(http.status, 404);
  EXPECT_EQ(http.body, R"({"message":"Not Found"})");
}

TEST(GatewayAnswers, IntegrationTimeout) {
  auto rest = integration_timeout(app::ApiKind::Rest);
  EXPECT_EQ(rest.status, 504);
  EXPECT_EQ(rest.body, R"({"message": "Endpoint request timed out"})");
  auto http = integration_timeout(app::ApiKind::Http);
  EXPECT_EQ(http.status, 503);
  EXPECT_EQ(http.body, R"({"message":"Service Unavailable"})");
}

TEST(GatewayAnswers, DispatchByKind) {
  auto bare = ok(R"({"a":1})");
  EXPECT_EQ(integration_response(app::ApiKind::Rest, bare).status, 502);
  EXPECT_EQ(integration_response(app::ApiKind::Http, bare).status, 200);
}

TEST(GatewayAnswers, RequestIds) {
  http::Response res;
  res.add_header("x-amzn-RequestId", "from-the-handler");
  add_request_ids(res, app::ApiKind::Rest, "req-1", "ext-1");
  EXPECT_EQ(all(res, "x-amzn-RequestId"), std::vector<std::string>{"req-1"});
  EXPECT_EQ(res.header("x-amz-apigw-id"), "ext-1");
  http::Response h;
  add_request_ids(h, app::ApiKind::Http, "req-2", "ext-2");
  EXPECT_EQ(h.header("x-amzn-RequestId"), "req-2");
  EXPECT_EQ(h.header("apigw-requestid"), "ext-2");
  EXPECT_FALSE(h.header("x-amz-apigw-id"));
}

}  // namespace
}  // namespace serverlite::gateway
