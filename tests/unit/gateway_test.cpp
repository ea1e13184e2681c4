#include "services/gateway/gateway.hpp"

#include <cctype>
#include <chrono>
#include <optional>
#include <regex>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "services/gateway/cors.hpp"

namespace serverlite::gateway {
namespace {

namespace asio = boost::asio;
using invoker::InvokeResult;
using invoker::InvokeStatus;
using nlohmann::json;

InvokeResult result(InvokeStatus status, std::string payload = {}) {
  InvokeResult r;
  r.status = status;
  r.payload = std::move(payload);
  return r;
}

// Records every invocation. Answers at once with `next` when set; otherwise keeps the callback
// so the test answers later (or never, to let the gateway time out).
class FakeInvoker : public invoker::Invoker {
 public:
  void invoke(invoker::InvokeRequest request, invoker::InvokeCallback done) override {
    requests.push_back(std::move(request));
    if (next) {
      done(*next);
    } else {
      held.push_back(std::move(done));
    }
  }
  json last_event() const { return json::parse(requests.back().payload); }

  std::vector<invoker::InvokeRequest> requests;
  std::vector<invoker::InvokeCallback> held;
  std::optional<InvokeResult> next = result(InvokeStatus::Ok, R"({"statusCode":200})");
};

app::HttpRoute route(app::ApiKind kind, std::string method, std::string path, bool cors = false) {
  app::HttpRoute r;
  r.kind = kind;
  r.method = std::move(method);
  r.path = std::move(path);
  r.cors.enabled = cors;
  if (cors) {
    r.cors.allow_origins = {"*"};
    r.cors.allow_headers = {"Content-Type", "Authorization"};
  }
  return r;
}

app::FunctionSpec function(std::string key, std::vector<app::HttpRoute> routes) {
  app::FunctionSpec fn;
  fn.key = key;
  fn.name = "demo-dev-" + key;
  fn.routes = std::move(routes);
  return fn;
}

app::AppSpec demo_app() {
  using app::ApiKind;
  app::AppSpec spec;
  spec.service = "demo";
  spec.stage = "dev";
  spec.functions = {
      function("users", {route(ApiKind::Rest, "GET", "/users/{id}", true),
                         route(ApiKind::Rest, "POST", "/users", true)}),
      function("root", {route(ApiKind::Rest, "GET", "/")}),
      function("echo", {route(ApiKind::Rest, "ANY", "/echo/{proxy+}")}),
      function("hello", {route(ApiKind::Http, "GET", "/hello")}),
      function("special", {route(ApiKind::Http, "GET", "/dev/special")}),
      function("echo2", {route(ApiKind::Http, "ANY", "/echo2/{proxy+}")}),
  };
  return spec;
}

http::Request request(std::string method, std::string target,
                      std::vector<http::Header> headers = {}, std::string body = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.headers.push_back({"Host", "localhost:3000"});
  r.body = std::move(body);
  r.remote_address = "127.0.0.1";
  return r;
}

class GatewayTest : public ::testing::Test {
 protected:
  void make(app::AppSpec spec, GatewayOptions options = {}) {
    app = std::move(spec);
    gateway = std::make_unique<Gateway>(io, app, invoker, options);
  }

  // Sends one request, runs the io_context until nothing is left to do, and returns every
  // response the gateway gave (the tests check there is exactly one).
  std::vector<http::Response> send(http::Request r) {
    std::vector<http::Response> out;
    gateway->handle(std::move(r), [&out](http::Response res) { out.push_back(std::move(res)); });
    io.restart();
    io.run();
    return out;
  }

  http::Response send_one(http::Request r) {
    auto out = send(std::move(r));
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? http::Response{} : out.front();
  }

  asio::io_context io;
  FakeInvoker invoker;
  app::AppSpec app;
  std::unique_ptr<Gateway> gateway;
};

TEST_F(GatewayTest, RoutesRestRequestsUnderTheStage) {
  make(demo_app());
  EXPECT_TRUE(gateway->has_rest_routes());
  EXPECT_TRUE(gateway->has_http_routes());
  auto res = send_one(request("GET", "/dev/users/7?x=1"));
  EXPECT_EQ(res.status, 200);
  ASSERT_EQ(invoker.requests.size(), 1u);
  EXPECT_EQ(invoker.requests[0].function, "users");
  EXPECT_EQ(invoker.requests[0].type, invoker::InvocationType::RequestResponse);
  auto e = invoker.last_event();
  EXPECT_EQ(e["resource"], "/users/{id}");
  EXPECT_EQ(e["path"], "/users/7");
  EXPECT_EQ(e["pathParameters"], json({{"id", "7"}}));
  EXPECT_EQ(e["queryStringParameters"], json({{"x", "1"}}));
  EXPECT_EQ(e["requestContext"]["stage"], "dev");
  EXPECT_EQ(e["requestContext"]["path"], "/dev/users/7");
  EXPECT_EQ(e["requestContext"]["domainName"], "localhost:3000");
  EXPECT_EQ(e["requestContext"]["apiId"], Gateway::api_id("demo", app::ApiKind::Rest));
  // The response carries the event's request id, as API Gateway's x-amzn-RequestId does.
  EXPECT_EQ(res.header("x-amzn-RequestId"), e["requestContext"]["requestId"].get<std::string>());
  EXPECT_EQ(res.header("x-amz-apigw-id"),
            e["requestContext"]["extendedRequestId"].get<std::string>());
  EXPECT_TRUE(std::regex_match(e["requestContext"]["requestId"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")));
}

TEST_F(GatewayTest, StageRootAndTrailingSlash) {
  make(demo_app());
  send_one(request("GET", "/dev"));
  EXPECT_EQ(invoker.requests.back().function, "root");
  EXPECT_EQ(invoker.last_event()["path"], "/");
  send_one(request("GET", "/dev/"));
  EXPECT_EQ(invoker.requests.back().function, "root");
  send_one(request("GET", "/dev/users/9/"));
  EXPECT_EQ(invoker.requests.back().function, "users");
  EXPECT_EQ(invoker.last_event()["pathParameters"]["id"], "9");
}

TEST_F(GatewayTest, RoutesHttpApiRequestsAtTheRoot) {
  make(demo_app());
  invoker.next = result(InvokeStatus::Ok, R"({"message":"hi"})");
  auto res = send_one(request("GET", "/hello", {{"Cookie", "a=1; b=2"}}));
  EXPECT_EQ(invoker.requests.back().function, "hello");
  auto e = invoker.last_event();
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "GET /hello");
  EXPECT_EQ(e["cookies"], json({"a=1", "b=2"}));
  EXPECT_EQ(e["requestContext"]["stage"], "$default");
  EXPECT_EQ(e["requestContext"]["apiId"], Gateway::api_id("demo", app::ApiKind::Http));
  // A bare object is inferred to be a 200 JSON body.
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  EXPECT_EQ(res.body, R"({"message":"hi"})");
  EXPECT_EQ(res.header("x-amzn-RequestId"), e["requestContext"]["requestId"].get<std::string>());
  EXPECT_TRUE(res.header("apigw-requestid"));

  send_one(request("PUT", "/echo2/deep/path"));
  EXPECT_EQ(invoker.requests.back().function, "echo2");
  EXPECT_EQ(invoker.last_event()["routeKey"], "ANY /echo2/{proxy+}");
  EXPECT_EQ(invoker.last_event()["pathParameters"]["proxy"], "deep/path");
}

TEST_F(GatewayTest, StagePrefixThatNoRestRouteTakesFallsToHttpApi) {
  make(demo_app());
  send_one(request("GET", "/dev/special"));
  EXPECT_EQ(invoker.requests.back().function, "special");
  EXPECT_EQ(invoker.last_event()["version"], "2.0");
  EXPECT_EQ(invoker.last_event()["rawPath"], "/dev/special");
}

TEST_F(GatewayTest, UnknownRoutes) {
  make(demo_app());
  auto rest = send_one(request("GET", "/dev/nowhere"));
  EXPECT_EQ(rest.status, 403);
  EXPECT_EQ(rest.body, R"({"message":"Missing Authentication Token"})");
  EXPECT_TRUE(rest.header("x-amzn-RequestId"));
  // A method the path does not declare is the same 403 in REST.
  EXPECT_EQ(send_one(request("DELETE", "/dev/users/7")).status, 403);
  auto http = send_one(request("GET", "/nowhere"));
  EXPECT_EQ(http.status, 404);
  EXPECT_EQ(http.body, R"({"message":"Not Found"})");
  // "/devices" is not under the stage "dev".
  EXPECT_EQ(send_one(request("GET", "/devices")).status, 404);
  EXPECT_TRUE(invoker.requests.empty());
}

TEST_F(GatewayTest, HttpApiDefaultRouteTakesTheRest) {
  auto spec = demo_app();
  spec.functions.push_back(function("fallback", {route(app::ApiKind::Http, "ANY", "")}));
  make(std::move(spec));
  send_one(request("POST", "/anything/at/all?z=1"));
  EXPECT_EQ(invoker.requests.back().function, "fallback");
  auto e = invoker.last_event();
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_FALSE(e.contains("pathParameters"));
  // Specific routes still win over $default.
  send_one(request("GET", "/hello"));
  EXPECT_EQ(invoker.requests.back().function, "hello");
}

TEST_F(GatewayTest, OnlyHttpApiRoutes) {
  app::AppSpec spec;
  spec.service = "api";
  spec.functions = {function("hello", {route(app::ApiKind::Http, "GET", "/hello")})};
  make(std::move(spec));
  EXPECT_FALSE(gateway->has_rest_routes());
  EXPECT_TRUE(gateway->has_http_routes());
  EXPECT_EQ(send_one(request("GET", "/dev/hello")).status, 404);  // no REST API: HTTP API's 404
}

TEST_F(GatewayTest, FunctionErrorsAre502ForRestAnd500ForHttpApi) {
  make(demo_app());
  invoker.next =
      result(InvokeStatus::FunctionError, R"({"errorType":"Error","errorMessage":"boom"})");
  auto rest = send_one(request("GET", "/dev/users/1"));
  EXPECT_EQ(rest.status, 502);
  EXPECT_EQ(rest.body, R"({"message": "Internal server error"})");
  auto http = send_one(request("GET", "/hello"));
  EXPECT_EQ(http.status, 500);
  EXPECT_EQ(http.body, R"({"message":"Internal Server Error"})");

  invoker.next = result(InvokeStatus::Ok, "garbage");
  EXPECT_EQ(send_one(request("GET", "/dev/users/1")).status, 502);
  invoker.next = result(InvokeStatus::Throttled);
  EXPECT_EQ(send_one(request("GET", "/dev/users/1")).status, 500);
}

TEST_F(GatewayTest, LateResultAnswersWhenItComesBeforeTheTimeout) {
  make(demo_app());
  invoker.next.reset();
  std::vector<http::Response> out;
  gateway->handle(request("GET", "/hello"), [&](http::Response r) { out.push_back(r); });
  ASSERT_EQ(invoker.held.size(), 1u);
  asio::post(io, [&] {
    invoker.held[0](result(InvokeStatus::Ok, R"({"statusCode":201,"body":"later"})"));
  });
  io.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, 201);
  EXPECT_EQ(out[0].body, "later");
}

TEST_F(GatewayTest, IntegrationTimeoutIs504AndTheLateResultIsDropped) {
  make(demo_app(), GatewayOptions{.integration_timeout = std::chrono::milliseconds(30)});
  invoker.next.reset();
  auto started = std::chrono::steady_clock::now();
  auto out = send(request("GET", "/dev/users/1"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(30));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, 504);
  EXPECT_EQ(out[0].body, R"({"message": "Endpoint request timed out"})");
  EXPECT_TRUE(out[0].header("x-amzn-RequestId"));

  // The invocation finishing afterwards must not answer a second time.
  ASSERT_EQ(invoker.held.size(), 1u);
  invoker.held[0](result(InvokeStatus::Ok, R"({"statusCode":200})"));
  io.restart();
  io.run();
  EXPECT_EQ(out.size(), 1u);

  // HTTP API answers its own timeout with 503.
  auto http = send(request("GET", "/hello"));
  ASSERT_EQ(http.size(), 1u);
  EXPECT_EQ(http[0].status, 503);
  EXPECT_EQ(http[0].body, R"({"message":"Service Unavailable"})");
}

TEST_F(GatewayTest, PendingInvocationsOutliveTheGateway) {
  make(demo_app(), GatewayOptions{.integration_timeout = std::chrono::milliseconds(20)});
  invoker.next.reset();
  std::vector<http::Response> out;
  gateway->handle(request("GET", "/hello"), [&](http::Response r) { out.push_back(r); });
  gateway.reset();
  io.run();  // the timer still answers, without the gateway
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, 503);
  invoker.held[0](InvokeResult{});
  EXPECT_EQ(out.size(), 1u);
}

TEST_F(GatewayTest, RestCorsPreflightAndActualResponse) {
  make(demo_app());
  auto pre = send_one(
      request("OPTIONS", "/dev/users/7",
              {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "GET"}}));
  EXPECT_EQ(pre.status, 200);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(pre.header("Access-Control-Allow-Methods"), "GET,OPTIONS");
  EXPECT_EQ(pre.header("Access-Control-Allow-Headers"), "Content-Type,Authorization");
  EXPECT_TRUE(invoker.requests.empty());  // answered by the gateway, no function ran

  auto actual = send_one(request("GET", "/dev/users/7", {{"Origin", "http://localhost:5173"}}));
  EXPECT_EQ(actual.header("Access-Control-Allow-Origin"), "*");
  // The handler's own header wins in REST.
  invoker.next =
      result(InvokeStatus::Ok,
             R"({"statusCode":200,"headers":{"Access-Control-Allow-Origin":"https://mine"}})");
  auto own = send_one(request("GET", "/dev/users/7", {{"Origin", "http://localhost:5173"}}));
  EXPECT_EQ(own.header("Access-Control-Allow-Origin"), "https://mine");
  // A route without cors gets nothing added, and has no preflight.
  invoker.next = result(InvokeStatus::Ok, R"({"statusCode":200})");
  auto plain = send_one(request("GET", "/dev/echo/x", {{"Origin", "http://localhost:5173"}}));
  EXPECT_FALSE(plain.header("Access-Control-Allow-Origin"));
}

TEST_F(GatewayTest, HttpApiCorsPreflightOverridesHandlerHeaders) {
  auto spec = demo_app();
  for (auto& fn : spec.functions)
    for (auto& r : fn.routes)
      if (r.kind == app::ApiKind::Http) {
        r.cors.enabled = true;
        r.cors.allow_origins = {"http://localhost:5173"};
        r.cors.allow_credentials = true;
        r.cors.max_age = 600;
        r.cors.expose_headers = {"X-Total"};
      }
  make(std::move(spec));
  auto pre = send_one(request("OPTIONS", "/hello",
                              {{"Origin", "http://localhost:5173"},
                               {"Access-Control-Request-Method", "GET"},
                               {"Access-Control-Request-Headers", "x-custom"}}));
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "http://localhost:5173");
  EXPECT_EQ(pre.header("Access-Control-Allow-Methods"), "GET,OPTIONS");
  EXPECT_EQ(pre.header("Access-Control-Allow-Headers"), "x-custom");
  EXPECT_EQ(pre.header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(pre.header("Access-Control-Max-Age"), "600");

  invoker.next =
      result(InvokeStatus::Ok,
             R"({"statusCode":200,"headers":{"Access-Control-Allow-Origin":"https://other"}})");
  auto actual = send_one(request("GET", "/hello", {{"Origin", "http://localhost:5173"}}));
  EXPECT_EQ(actual.header("Access-Control-Allow-Origin"), "http://localhost:5173");
  EXPECT_EQ(actual.header("Access-Control-Expose-Headers"), "X-Total");

  // An origin not listed gets no CORS headers.
  auto foreign = send_one(
      request("OPTIONS", "/hello",
              {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}}));
  EXPECT_FALSE(foreign.header("Access-Control-Allow-Origin"));
}

TEST(GatewayApiId, StableLowerCaseAlphanumerics) {
  auto id = Gateway::api_id("demo", app::ApiKind::Rest);
  EXPECT_EQ(id, Gateway::api_id("demo", app::ApiKind::Rest));
  EXPECT_NE(id, Gateway::api_id("demo", app::ApiKind::Http));
  EXPECT_NE(id, Gateway::api_id("other", app::ApiKind::Rest));
  ASSERT_EQ(id.size(), 10u);
  for (char c : id) EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || std::isdigit(c));
}

// ---- CORS rules ----

TEST(Cors, AllowedOrigin) {
  app::CorsSpec spec;
  spec.enabled = true;
  EXPECT_EQ(allowed_origin(spec, "http://a"), "*");  // none listed: any
  spec.allow_origins = {"*"};
  EXPECT_EQ(allowed_origin(spec, "http://a"), "*");
  spec.allow_credentials = true;  // browsers refuse "*" with credentials
  EXPECT_EQ(allowed_origin(spec, "http://a"), "http://a");
  spec.allow_origins = {"https://app.example.com", "https://*.preview.example.com"};
  EXPECT_EQ(allowed_origin(spec, "https://app.example.com"), "https://app.example.com");
  EXPECT_EQ(allowed_origin(spec, "https://pr-1.preview.example.com"),
            "https://pr-1.preview.example.com");
  EXPECT_FALSE(allowed_origin(spec, "https://example.com"));
  EXPECT_FALSE(allowed_origin(spec, "http://app.example.com"));
}

TEST(Cors, PreflightMethods) {
  app::CorsSpec spec;
  spec.enabled = true;
  auto r =
      request("OPTIONS", "/x", {{"Origin", "http://a"}, {"Access-Control-Request-Method", "PUT"}});
  EXPECT_TRUE(is_preflight(r));
  auto any = preflight_response(app::ApiKind::Rest, spec, r, {"ANY"});
  EXPECT_EQ(any.header("Access-Control-Allow-Methods"), "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT");
  spec.allow_methods = {"PUT", "GET"};
  auto listed = preflight_response(app::ApiKind::Rest, spec, r, {"ANY"});
  EXPECT_EQ(listed.header("Access-Control-Allow-Methods"), "GET,PUT");
  EXPECT_FALSE(listed.header("Access-Control-Allow-Credentials"));
  EXPECT_FALSE(listed.header("Access-Control-Max-Age"));
  EXPECT_FALSE(is_preflight(request("OPTIONS", "/x", {{"Origin", "http://a"}})));
}

TEST(Cors, ActualResponsesNeedAnOrigin) {
  app::CorsSpec spec;
  spec.enabled = true;
  http::Response res;
  apply_cors(res, app::ApiKind::Http, spec, request("GET", "/x"));
  EXPECT_TRUE(res.headers.empty());
  spec.enabled = false;
  apply_cors(res, app::ApiKind::Http, spec, request("GET", "/x", {{"Origin", "http://a"}}));
  EXPECT_TRUE(res.headers.empty());
}

}  // namespace
}  // namespace serverlite::gateway
