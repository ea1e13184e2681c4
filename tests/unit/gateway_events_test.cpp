#include "services/gateway/events.hpp"

#include <gtest/gtest.h>

namespace serverlite::gateway {
namespace {

using nlohmann::json;
using namespace std::chrono;

// 2015-04-09 12:34:56.789 UTC, the moment in AWS's sample events.
const system_clock::time_point kTime = system_clock::time_point(milliseconds(1428582896789));

EventContext rest_context() {
  return {.stage = "dev",
          .request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
          .extended_request_id = "AbCdEfGhIjKlMnO=",
          .api_id = "1234567890",
          .domain_name = "localhost:3000",
          .time = kTime};
}

EventContext http_context() {
  auto c = rest_context();
  c.stage = "$default";
  c.extended_request_id.clear();
  return c;
}

http::Request realistic_request() {
  http::Request r;
  r.method = "POST";
  r.target = "/users/42/posts?tag=a&tag=b%20c&q=x+y&empty=";
  r.headers = {{"Host", "localhost:3000"},
               {"User-Agent", "curl/8.5.0"},
               {"Content-Type", "application/json"},
               {"X-Multi", "one"},
               {"x-multi", "two"},
               {"Cookie", "c1=v1; c2=v2"},
               {"Cookie", "c3=v3"}};
  r.body = R"({"hello":"world"})";
  r.remote_address = "127.0.0.1";
  return r;
}

RouteInfo users_route() { return {"POST", "/users/{id}/posts", {{"id", "42"}}}; }

TEST(RestEvent, EveryFieldOfARealisticRequest) {
  auto e = rest_event(realistic_request(), "/users/42/posts", users_route(), rest_context());
  EXPECT_EQ(e["resource"], "/users/{id}/posts");
  EXPECT_EQ(e["path"], "/users/42/posts");
  EXPECT_EQ(e["httpMethod"], "POST");
  // Names as the client first spelled them; the last value wins in `headers`.
  EXPECT_EQ(e["headers"]["X-Multi"], "two");
  EXPECT_EQ(e["multiValueHeaders"]["X-Multi"], json({"one", "two"}));
  EXPECT_EQ(e["headers"]["Cookie"], "c3=v3");
  EXPECT_EQ(e["multiValueHeaders"]["Cookie"], json({"c1=v1; c2=v2", "c3=v3"}));
  EXPECT_EQ(e["headers"]["Host"], "localhost:3000");
  EXPECT_EQ(e["queryStringParameters"], json({{"tag", "b c"}, {"q", "x y"}, {"empty", ""}}));
  EXPECT_EQ(e["multiValueQueryStringParameters"],
            json({{"tag", {"a", "b c"}}, {"q", {"x y"}}, {"empty", {""}}}));
  EXPECT_EQ(e["pathParameters"], json({{"id", "42"}}));
  EXPECT_TRUE(e["stageVariables"].is_null());
  EXPECT_EQ(e["body"], R"({"hello":"world"})");
  EXPECT_EQ(e["isBase64Encoded"], false);

  const auto& c = e["requestContext"];
  EXPECT_EQ(c["accountId"], "000000000000");
  EXPECT_EQ(c["apiId"], "1234567890");
  EXPECT_EQ(c["resourcePath"], "/users/{id}/posts");
  EXPECT_EQ(c["httpMethod"], "POST");
  EXPECT_EQ(c["extendedRequestId"], "AbCdEfGhIjKlMnO=");
  EXPECT_EQ(c["requestTime"], "09/Apr/2015:12:34:56 +0000");
  EXPECT_EQ(c["requestTimeEpoch"], 1428582896789);
  EXPECT_TRUE(c["requestTimeEpoch"].is_number_integer());
  EXPECT_EQ(c["path"], "/dev/users/42/posts");
  EXPECT_EQ(c["protocol"], "HTTP/1.1");
  EXPECT_EQ(c["stage"], "dev");
  EXPECT_EQ(c["domainName"], "localhost:3000");
  EXPECT_EQ(c["domainPrefix"], "localhost");
  EXPECT_EQ(c["requestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
  EXPECT_EQ(c["resourceId"].get<std::string>().size(), 6u);
  const auto& id = c["identity"];
  EXPECT_EQ(id["sourceIp"], "127.0.0.1");
  EXPECT_EQ(id["userAgent"], "curl/8.5.0");
  for (const char* key : {"accessKey", "accountId", "caller", "cognitoIdentityId",
                          "cognitoIdentityPoolId", "cognitoAuthenticationType",
                          "cognitoAuthenticationProvider", "user", "userArn", "apiKey"}) {
    ASSERT_TRUE(id.contains(key)) << key;
    EXPECT_TRUE(id[key].is_null()) << key;
  }
}

TEST(RestEvent, EmptyCollectionsAndBodyAreNull) {
  http::Request r;
  r.method = "GET";
  r.target = "/dev";
  r.remote_address = "10.0.0.7";
  auto e = rest_event(r, "/", {"GET", "/", {}}, rest_context());
  EXPECT_EQ(e["resource"], "/");
  EXPECT_EQ(e["path"], "/");
  EXPECT_EQ(e["requestContext"]["path"], "/dev/");
  for (const char* key :
       {"headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters",
        "pathParameters", "stageVariables", "body"}) {
    ASSERT_TRUE(e.contains(key)) << key;
    EXPECT_TRUE(e[key].is_null()) << key;
  }
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_TRUE(e["requestContext"]["identity"]["userAgent"].is_null());
}

TEST(RestEvent, GreedyPathKeepsTheRawPathAndDecodedParameter) {
  http::Request r;
  r.method = "GET";
  r.target = "/dev/echo/a/b%20c/";
  auto e = rest_event(r, "/echo/a/b%20c/", {"ANY", "/echo/{proxy+}", {{"proxy", "a/b c"}}},
                      rest_context());
  EXPECT_EQ(e["path"], "/echo/a/b%20c/");
  EXPECT_EQ(e["resource"], "/echo/{proxy+}");
  EXPECT_EQ(e["pathParameters"]["proxy"], "a/b c");
  EXPECT_EQ(e["httpMethod"], "GET");  // the request's method, not ANY
  EXPECT_EQ(e["requestContext"]["path"], "/dev/echo/a/b%20c/");
}

TEST(RestEvent, BinaryBodyIsBase64) {
  http::Request r;
  r.method = "POST";
  r.target = "/dev/upload";
  r.headers = {{"Content-Type", "image/png"}};
  r.body = std::string("\x89PNG\r\n\x1a\n", 8);
  auto e = rest_event(r, "/upload", {"POST", "/upload", {}}, rest_context());
  EXPECT_EQ(e["body"], "iVBORw0KGgo=");
  EXPECT_EQ(e["isBase64Encoded"], true);
}

TEST(HttpApiEvent, EveryFieldOfARealisticRequest) {
  auto e = http_api_event(realistic_request(), users_route(), http_context());
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "POST /users/{id}/posts");
  EXPECT_EQ(e["rawPath"], "/users/42/posts");
  EXPECT_EQ(e["rawQueryString"], "tag=a&tag=b%20c&q=x+y&empty=");
  EXPECT_EQ(e["cookies"], json({"c1=v1", "c2=v2", "c3=v3"}));
  // Lower-cased names, repeated values comma-joined, no cookie header.
  EXPECT_EQ(e["headers"], json({{"host", "localhost:3000"},
                                {"user-agent", "curl/8.5.0"},
                                {"content-type", "application/json"},
                                {"x-multi", "one,two"}}));
  EXPECT_EQ(e["queryStringParameters"], json({{"tag", "a,b c"}, {"q", "x y"}, {"empty", ""}}));
  EXPECT_EQ(e["pathParameters"], json({{"id", "42"}}));
  EXPECT_EQ(e["body"], R"({"hello":"world"})");
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_FALSE(e.contains("multiValueHeaders"));
  EXPECT_FALSE(e.contains("stageVariables"));

  const auto& c = e["requestContext"];
  EXPECT_EQ(c["accountId"], "000000000000");
  EXPECT_EQ(c["apiId"], "1234567890");
  EXPECT_EQ(c["domainName"], "localhost:3000");
  EXPECT_EQ(c["domainPrefix"], "localhost");
  EXPECT_EQ(c["http"], json({{"method", "POST"},
                             {"path", "/users/42/posts"},
                             {"protocol", "HTTP/1.1"},
                             {"sourceIp", "127.0.0.1"},
                             {"userAgent", "curl/8.5.0"}}));
  EXPECT_EQ(c["requestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
  EXPECT_EQ(c["routeKey"], "POST /users/{id}/posts");
  EXPECT_EQ(c["stage"], "$default");
  EXPECT_EQ(c["time"], "09/Apr/2015:12:34:56 +0000");
  EXPECT_EQ(c["timeEpoch"], 1428582896789);
}

TEST(HttpApiEvent, AbsentFieldsAtTheRootWithDefaultRoute) {
  http::Request r;
  r.method = "GET";
  r.target = "/";
  r.version = 10;
  r.remote_address = "::1";
  auto e = http_api_event(r, {"ANY", "", {}}, http_context());
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_EQ(e["requestContext"]["routeKey"], "$default");
  EXPECT_EQ(e["rawPath"], "/");
  EXPECT_EQ(e["rawQueryString"], "");
  EXPECT_EQ(e["headers"], json::object());
  for (const char* key : {"cookies", "queryStringParameters", "pathParameters", "body"})
    EXPECT_FALSE(e.contains(key)) << key;
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["requestContext"]["http"]["protocol"], "HTTP/1.0");
  EXPECT_EQ(e["requestContext"]["http"]["userAgent"], "");
  EXPECT_EQ(e["requestContext"]["http"]["sourceIp"], "::1");
}

TEST(HttpApiEvent, TrailingSlashStaysInRawPath) {
  http::Request r;
  r.method = "GET";
  r.target = "/items/?a=1";
  auto e = http_api_event(r, {"GET", "/items", {}}, http_context());
  EXPECT_EQ(e["rawPath"], "/items/");
  EXPECT_EQ(e["requestContext"]["http"]["path"], "/items/");
  EXPECT_EQ(e["routeKey"], "GET /items");
}

TEST(HttpApiEvent, BinaryBodiesAreBase64) {
  http::Request r;
  r.method = "POST";
  r.target = "/image";
  r.headers = {{"Content-Type", "application/octet-stream"}};
  r.body = "abc";  // valid UTF-8, but the content type is not text
  auto e = http_api_event(r, {"POST", "/image", {}}, http_context());
  EXPECT_EQ(e["body"], "YWJj");
  EXPECT_EQ(e["isBase64Encoded"], true);

  r.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  r.body = std::string("\xff\xfe", 2);  // a text type, but not UTF-8
  e = http_api_event(r, {"POST", "/image", {}}, http_context());
  EXPECT_EQ(e["body"], "//4=");
  EXPECT_EQ(e["isBase64Encoded"], true);
}

TEST(EventBody, TextRules) {
  http::Request r;
  r.body = "héllo";
  EXPECT_FALSE(encode_body(r).base64);  // no content type, valid UTF-8
  r.headers = {{"content-type", "application/vnd.api+json"}};
  EXPECT_FALSE(encode_body(r).base64);
  r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  EXPECT_FALSE(encode_body(r).base64);
  r.headers = {{"content-type", "multipart/form-data; boundary=x"}};
  EXPECT_TRUE(encode_body(r).base64);
  r.headers = {{"content-type", "image/png"}};
  EXPECT_EQ(encode_body(r).text, "aMOpbGxv");
}

TEST(EventBody, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(is_valid_utf8("\xc3"));                                 // truncated
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));                             // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));                             // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));                         // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("a\x80"));                                // stray continuation
}

TEST(EventBody, MediaTypes) {
  EXPECT_TRUE(is_text_media_type("text/html"));
  EXPECT_TRUE(is_text_media_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_text_media_type("application/problem+json"));
  EXPECT_TRUE(is_text_media_type("application/atom+xml"));
  EXPECT_FALSE(is_text_media_type("application/octet-stream"));
  EXPECT_FALSE(is_text_media_type("image/jpeg"));
  EXPECT_FALSE(is_text_media_type(""));
}

TEST(Events, RequestTimeFormat) {
  EXPECT_EQ(format_request_time(kTime), "09/Apr/2015:12:34:56 +0000");
  EXPECT_EQ(format_request_time(system_clock::time_point(seconds(0))),
            "01/Jan/1970:00:00:00 +0000");
  EXPECT_EQ(format_request_time(system_clock::time_point(seconds(1703980800 + 86399))),
            "31/Dec/2023:23:59:59 +0000");
}

TEST(Events, DomainPrefixOfAnIpAddressIsTheAddress) {
  http::Request r;
  r.method = "GET";
  r.target = "/";
  auto c = http_context();
  c.domain_name = "127.0.0.1:3000";
  EXPECT_EQ(http_api_event(r, {"GET", "/", {}}, c)["requestContext"]["domainPrefix"], "127.0.0.1");
  c.domain_name = "abc123.execute-api.us-east-1.amazonaws.com";
  EXPECT_EQ(http_api_event(r, {"GET", "/", {}}, c)["requestContext"]["domainPrefix"], "abc123");
}

}  // namespace
}  // namespace serverlite::gateway
