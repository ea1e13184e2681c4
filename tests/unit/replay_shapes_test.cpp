#include "emulator/replay/shapes.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace serverlite::replay {
namespace {

using nlohmann::json;

TEST(ReplayShapes, RecognizesEachShape) {
  EXPECT_EQ(recognize(json::parse(R"({"resource": "/users/{id}", "path": "/users/1",
      "httpMethod": "GET", "requestContext": {"stage": "dev"}})")),
            EventShape::ApiGatewayV1);
  EXPECT_EQ(recognize(json::parse(R"({"version": "2.0", "routeKey": "GET /users/{id}",
      "rawPath": "/users/1", "requestContext": {"http": {"method": "GET"}}})")),
            EventShape::ApiGatewayV2);
  EXPECT_EQ(recognize(json::parse(R"({"Records": [{"eventSource": "aws:sqs"}]})")),
            EventShape::Sqs);
  EXPECT_EQ(recognize(json::parse(R"({"Records": [{"eventSource": "aws:kinesis"}]})")),
            EventShape::Kinesis);
  EXPECT_EQ(recognize(json::parse(R"({"Records": [{"eventSource": "aws:dynamodb"}]})")),
            EventShape::DynamoDb);
  EXPECT_EQ(recognize(json::parse(R"({"Records": [{"EventSource": "aws:sns"}]})")),
            EventShape::Sns);
  EXPECT_EQ(recognize(json::parse(R"({"Records": [{"eventSource": "aws:s3"}]})")),
            EventShape::S3);
  EXPECT_EQ(recognize(json::parse(R"({"source": "aws.events", "detail-type": "Scheduled Event",
      "detail": {}})")),
            EventShape::Schedule);
  EXPECT_EQ(recognize(json::parse(R"({"source": "shop.orders", "detail-type": "OrderPlaced",
      "detail": {"id": 1}})")),
            EventShape::EventBridge);
  // An ALB event looks like a REST API event but is not one.
  EXPECT_EQ(recognize(json::parse(R"({"path": "/", "httpMethod": "GET",
      "requestContext": {"elb": {"targetGroupArn": "x"}}})")),
            EventShape::Unknown);
  EXPECT_EQ(recognize(json::parse(R"({"Records": []})")), EventShape::Unknown);
  EXPECT_EQ(recognize(json::parse(R"({"Records": [{"eventSource": 5}]})")), EventShape::Unknown);
  EXPECT_EQ(recognize(json::parse(R"({"version": 2, "routeKey": 1})")), EventShape::Unknown);
  EXPECT_EQ(recognize(json::parse(R"([1])")), EventShape::Unknown);
  EXPECT_EQ(shape_name(EventShape::Sqs), "SQS");
  EXPECT_EQ(shape_name(EventShape::DynamoDb), "DynamoDB Streams");
  EXPECT_EQ(shape_name(EventShape::ApiGatewayV2), "API Gateway HTTP API");
}

app::HttpRoute rest(std::string method, std::string path) {
  return {app::ApiKind::Rest, std::move(method), std::move(path), {}};
}
app::HttpRoute http_api(std::string method, std::string path) {
  return {app::ApiKind::Http, std::move(method), std::move(path), {}};
}

app::AppSpec make_app() {
  app::AppSpec a;
  a.config_file = "serverless.yml";
  a.service = "shop";
  a.stage = "dev";
  auto add = [&](std::string key) -> app::FunctionSpec& {
    a.functions.emplace_back();
    a.functions.back().key = key;
    a.functions.back().name = "shop-dev-" + key;
    return a.functions.back();
  };
  add("getUser").routes = {rest("GET", "/users/{id}")};
  add("anyUser").routes = {rest("ANY", "/users/{id}"), rest("ANY", "/{proxy+}")};
  add("apiOrders").routes = {http_api("POST", "/orders"), http_api("GET", "/orders/{id}")};
  add("fallback").routes = {http_api("ANY", "")};
  auto& worker = add("worker");
  worker.queue_events.push_back(
      {"functions.worker.events[0].sqs", R"("arn:aws:sqs:us-east-1:000000000000:jobs")"});
  auto& resolved = add("resolved");
  resolved.queue_events.push_back(
      {"functions.resolved.events[0].sqs", R"({"Fn::GetAtt": ["Mail", "Arn"]})"});
  auto& clicks = add("clicks");
  app::StreamEventSpec k;
  k.key_path = "functions.clicks.events[0].stream";
  k.type = app::StreamEventSpec::Type::Kinesis;
  k.arn_json = R"("arn:aws:kinesis:us-east-1:000000000000:stream/clicks")";
  clicks.stream_events.push_back(k);
  auto& audit = add("audit");
  app::StreamEventSpec d;
  d.key_path = "functions.audit.events[0].stream";
  d.type = app::StreamEventSpec::Type::DynamoDb;
  d.arn_json = R"({"Fn::GetAtt": ["Orders", "StreamArn"]})";
  audit.stream_events.push_back(d);
  return a;
}

ArnResolver resolver() {
  return [](const std::string& arn_json, const std::string&) -> std::string {
    auto j = json::parse(arn_json);
    std::string id = j["Fn::GetAtt"][0];
    if (id == "Mail") return "arn:aws:sqs:us-east-1:000000000000:mail";
    if (id == "Orders")
      return "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2024-01-01T00:00:00.000";
    throw std::runtime_error("unknown resource " + id);
  };
}

std::vector<std::string> keys(const RouteResult& r) {
  std::vector<std::string> out;
  for (const auto& c : r.candidates) out.push_back(c.function->key);
  return out;
}

using Keys = std::vector<std::string>;

TEST(ReplayShapes, RoutesRestEventsByResourceThenPath) {
  auto a = make_app();
  // The resource names a template: its exact method beats ANY.
  auto r = route(json::parse(R"({"resource": "/users/{id}", "path": "/users/7",
      "httpMethod": "GET", "requestContext": {"stage": "dev"}})"), a, resolver());
  EXPECT_EQ(r.shape, EventShape::ApiGatewayV1);
  EXPECT_EQ(keys(r), Keys{"getUser"});
  EXPECT_EQ(r.candidates[0].reason, "http GET /users/{id}");
  EXPECT_EQ(route_problem(r, a), std::nullopt);

  r = route(json::parse(R"({"resource": "/users/{id}", "path": "/users/7",
      "httpMethod": "DELETE", "requestContext": {}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"anyUser"});

  // No resource: the path is matched, without and then with the stage prefix.
  r = route(json::parse(R"({"path": "/users/7", "httpMethod": "GET",
      "requestContext": {}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"getUser"});
  r = route(json::parse(R"({"path": "/dev/users/7", "httpMethod": "GET",
      "requestContext": {"stage": "dev"}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"getUser"});
  r = route(json::parse(R"({"path": "/devices/1", "httpMethod": "GET",
      "requestContext": {"stage": "dev"}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"anyUser"});  // "/devices" is not under stage "dev": {proxy+}
  EXPECT_EQ(r.candidates[0].reason, "http ANY /{proxy+}");
}

TEST(ReplayShapes, RoutesHttpApiEventsByRouteKeyThenPath) {
  auto a = make_app();
  auto r = route(json::parse(R"({"version": "2.0", "routeKey": "GET /orders/{id}",
      "rawPath": "/orders/9", "requestContext": {"http": {"method": "GET"}}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"apiOrders"});
  EXPECT_EQ(r.candidates[0].reason, "httpApi GET /orders/{id}");

  r = route(json::parse(R"({"version": "2.0", "routeKey": "$default", "rawPath": "/orders",
      "requestContext": {"http": {"method": "POST"}}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"fallback"});  // the catch-all's route key

  // A route key the app does not declare: method and path, then the catch-all.
  r = route(json::parse(R"({"version": "2.0", "routeKey": "POST /v1/orders", "rawPath": "/orders",
      "requestContext": {"http": {"method": "POST"}}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"apiOrders"});
  r = route(json::parse(R"({"version": "2.0", "routeKey": "GET /nothing", "rawPath": "/nothing",
      "requestContext": {"http": {"method": "GET"}}})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"fallback"});
  EXPECT_EQ(r.candidates[0].reason, "httpApi *");
}

TEST(ReplayShapes, RoutesQueueEventsByArnOrName) {
  auto a = make_app();
  auto r = route(json::parse(R"({"Records": [{"eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:jobs"}]})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"worker"});
  EXPECT_EQ(r.candidates[0].reason, "sqs arn:aws:sqs:us-east-1:000000000000:jobs");
  // Captured in another account and region: the queue name still says which.
  r = route(json::parse(R"({"Records": [{"eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:mail"}]})"), a, resolver());
  EXPECT_EQ(keys(r), Keys{"resolved"});

  r = route(json::parse(R"({"Records": [{"eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:other"}]})"), a, resolver());
  EXPECT_TRUE(r.candidates.empty());
  EXPECT_EQ(route_problem(r, a),
            "no function of serverless.yml handles this SQS event (eventSourceARN "
            "arn:aws:sqs:us-east-1:000000000000:other)");
}

TEST(ReplayShapes, RoutesStreamEvents) {
  auto a = make_app();
  auto r = route(json::parse(R"({"Records": [{"eventSource": "aws:kinesis",
      "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"}]})"), a,
                 resolver());
  EXPECT_EQ(keys(r), Keys{"clicks"});
  // DynamoDB: the same table under any stream label.
  r = route(json::parse(R"({"Records": [{"eventSource": "aws:dynamodb", "eventSourceARN":
      "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2023-06-01T10:00:00.000"}]})"),
            a, resolver());
  EXPECT_EQ(keys(r), Keys{"audit"});
  EXPECT_EQ(r.candidates[0].reason,
            "stream arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/"
            "2024-01-01T00:00:00.000");
  // A Kinesis event never goes to a DynamoDB stream function of the same name.
  r = route(json::parse(R"({"Records": [{"eventSource": "aws:kinesis",
      "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/orders"}]})"), a,
            resolver());
  EXPECT_TRUE(r.candidates.empty());
}

TEST(ReplayShapes, ResolverFailuresBecomeNotes) {
  auto a = make_app();
  a.functions[5].queue_events[0].arn_json = R"({"Fn::GetAtt": ["Missing", "Arn"]})";
  auto r = route(json::parse(R"({"Records": [{"eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:mail"}]})"), a, resolver());
  EXPECT_TRUE(r.candidates.empty());
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0], "functions.resolved.events[0].sqs: unknown resource Missing");
  EXPECT_EQ(route_problem(r, a),
            "no function of serverless.yml handles this SQS event (eventSourceARN "
            "arn:aws:sqs:us-east-1:000000000000:mail); functions.resolved.events[0].sqs: unknown "
            "resource Missing");
  // Without a resolver, plain ARNs still route.
  r = route(json::parse(R"({"Records": [{"eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:jobs"}]})"), a, {});
  EXPECT_EQ(keys(r), Keys{"worker"});
}

TEST(ReplayShapes, ProblemMessages) {
  auto a = make_app();
  auto second = a.functions[4];
  second.key = "worker2";
  a.functions.push_back(second);
  auto r = route(json::parse(R"({"Records": [{"eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:jobs"}]})"), a, resolver());
  EXPECT_EQ(keys(r), (Keys{"worker", "worker2"}));
  EXPECT_EQ(route_problem(r, a),
            "this SQS event (eventSourceARN arn:aws:sqs:us-east-1:000000000000:jobs) matches 2 "
            "functions of serverless.yml: worker (sqs arn:aws:sqs:us-east-1:000000000000:jobs), "
            "worker2 (sqs arn:aws:sqs:us-east-1:000000000000:jobs); send it to one of them with "
            "{\"function\": NAME, \"event\": ...}");

  r = route(json::parse(R"({"source": "aws.events", "detail-type": "Scheduled Event",
      "detail": {}})"), a, resolver());
  EXPECT_EQ(route_problem(r, a),
            "no function of serverless.yml handles this schedule event (source aws.events): "
            "no `schedule` event of a function matches it; send it to a function with "
            "{\"function\": NAME, \"event\": ...}");
  r = route(json::parse(R"({"hello": "world"})"), a, resolver());
  EXPECT_EQ(route_problem(r, a),
            "cannot route this event: replay does not recognize its shape (API Gateway, SQS, "
            "Kinesis, DynamoDB Streams); send it to a function with {\"function\": NAME, "
            "\"event\": ...}");
  r = route(json::parse(R"({"path": "/nowhere", "httpMethod": "GET",
      "requestContext": {}})"), app::AppSpec{}, resolver());
  EXPECT_EQ(route_problem(r, app::AppSpec{}),
            "no function of serverless.yml handles this API Gateway REST API event (GET "
            "/nowhere)");
}

// Schedule, EventBridge, SNS and S3 events go to the functions declaring a matching event.
TEST(ReplayShapes, NotificationEventsRouteByRuleTopicBucketAndPattern) {
  app::AppSpec a;
  auto fn = [&](const std::string& key, app::NotifyEventSpec n) {
    app::FunctionSpec f;
    f.key = key;
    f.notify_events.push_back(std::move(n));
    a.functions.push_back(std::move(f));
  };
  using Kind = app::NotifyEventSpec::Kind;
  fn("nightly", {Kind::Schedule, "functions.nightly.events[0].schedule", "nightly-rule", "", "", ""});
  fn("orders", {Kind::EventBridge, "functions.orders.events[0].eventBridge", "", "", "",
                R"({"source": ["shop.orders"], "detail": {"state": ["paid"]}})"});
  fn("alerts", {Kind::Sns, "functions.alerts.events[0].sns", "", "alerts", "", ""});
  fn("uploads", {Kind::S3, "functions.uploads.events[0].s3", "", "", "photos", ""});
  auto resolve = [](const std::string&, const std::string&) -> std::string { return ""; };
  auto keys_of = [&](const char* text) {
    std::vector<std::string> out;
    for (const auto& c : route(json::parse(text), a, resolve).candidates)
      out.push_back(c.function->key);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys_of(R"({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {},
      "resources": ["arn:aws:events:us-east-1:000000000000:rule/nightly-rule"]})"), V{"nightly"});
  EXPECT_EQ(keys_of(R"({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {},
      "resources": ["arn:aws:events:us-east-1:000000000000:rule/other"]})"), V{});
  EXPECT_EQ(keys_of(R"({"source": "shop.orders", "detail-type": "x", "detail": {"state": "paid"}})"),
            V{"orders"});
  EXPECT_EQ(keys_of(R"({"source": "shop.orders", "detail-type": "x", "detail": {"state": "new"}})"),
            V{});
  EXPECT_EQ(keys_of(R"({"Records": [{"EventSource": "aws:sns",
      "Sns": {"TopicArn": "arn:aws:sns:us-east-1:000000000000:alerts"}}]})"), V{"alerts"});
  EXPECT_EQ(keys_of(R"({"Records": [{"eventSource": "aws:s3",
      "s3": {"bucket": {"name": "photos"}}}]})"), V{"uploads"});
  EXPECT_EQ(keys_of(R"({"Records": [{"eventSource": "aws:s3",
      "s3": {"bucket": {"name": "other"}}}]})"), V{});
}

}  // namespace
}  // namespace serverlite::replay
