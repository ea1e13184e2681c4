// The service interface: a service the emulator has never heard of plugs in through the list it
// is given, and its resource type, route, ARNs, periodic work, admin view and reset all run
// without any change to emulator.cpp.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/intrinsics.hpp"
#include "emulator/aws/router.hpp"
#include "emulator/emulator.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/platform/delivery.hpp"
#include "emulator/store/database.hpp"

namespace serverlite {
namespace {

using Json = nlohmann::json;

struct Seen {
  int opens = 0, stops = 0, closes = 0, periodic = 0, requests = 0, deliveries = 0;
  std::vector<std::string> things;  // what open() created: gone after close()
  std::string last_body;
};

// A service with one resource type (Test::Thing: Ref is its name, Fn::GetAtt Arn its ARN), one
// route (X-Amz-Target "TestService."), ARNs of its own ("test"), and a sweep every 10 s.
class TestService : public platform::Service {
 public:
  explicit TestService(Seen& seen) : seen_(seen) {}
  std::string_view name() const override { return "test"; }

  void add_resource_types(app::ResourceTypes& types, const app::AppSpec& app,
                          const std::string&) override {
    types.add("Test::Thing", [region = app.region](const app::ResourceSpec&, const Json& props,
                                                   std::string_view attribute) -> std::optional<Json> {
      std::string name = props.value("Name", "");
      if (attribute.empty()) return Json(name);
      if (attribute == "Arn") return Json("arn:aws:test:" + region + ":000000000000:thing/" + name);
      return std::nullopt;
    });
  }

  std::vector<std::string> open(platform::ServiceContext& context) override {
    ++seen_.opens;
    // The store is usable: a table of its own, empty after a reset.
    context.db().exec("CREATE TABLE IF NOT EXISTS test_things (name TEXT)");
    for (const auto& resource : context.app().resources)
      if (resource.type == "Test::Thing") seen_.things.push_back(resource.logical_id);
    return {"test service opened"};
  }

  void add_routes(platform::Routes& routes) override {
    routes.aws.add_target_prefix("TestService.", [this](http::Request r, http::Responder d) {
      ++seen_.requests;
      d(http::Response::json(200, R"({"things":)" + std::to_string(seen_.things.size()) + "}"));
    });
  }

  void claim_arns(platform::Delivery& delivery) override {
    delivery.claim("test", [this](const platform::Arn& arn, const platform::Message& message) {
      ++seen_.deliveries;
      seen_.last_body = arn.resource + ":" + message.body;
      return platform::Delivered{};
    });
  }

  std::vector<platform::PeriodicWork> periodic_work() override {
    return {{"test sweep", std::chrono::seconds(10), [this] { ++seen_.periodic; }}};
  }

  Json describe() const override {
    Json list = Json::array();
    for (const auto& t : seen_.things) list.push_back({{"type", "thing"}, {"name", t}});
    return list;
  }

  void stop() override { ++seen_.stops; }
  void close() override {
    ++seen_.closes;
    seen_.things.clear();
  }

 private:
  Seen& seen_;
};

struct PlatformService : ::testing::Test {
  boost::asio::io_context io{1};
  app::AppSpec app;
  Seen seen;
  std::unique_ptr<Emulator> emulator;

  void SetUp() override {
    app.service = "svc";
    app.config_file = "/tmp/serverless.yml";
    app.service_dir = "/tmp";
    app.document = std::make_shared<Json>(Json::parse(R"({"resources": {"Resources": {
        "Thing": {"Type": "Test::Thing", "Properties": {"Name": "t1"}}}}})"));
    app.resources.push_back({"Thing", "Test::Thing", "resources.Resources.Thing"});
    UpOptions options;
    options.aws_port = 0;
    options.gateway_port = 0;
    options.virtual_clock = std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000));
    auto services = builtin_services();
    services.push_back(std::make_unique<TestService>(seen));
    emulator = std::make_unique<Emulator>(io, app, options, std::move(services));
  }

  void TearDown() override {
    emulator.reset();
    io.poll();
  }

  // One request to the AWS endpoint, run until it is answered.
  http::Response call(const std::string& method, const std::string& path, std::string body = "",
                      std::vector<http::Header> headers = {}) {
    http::Request r;
    r.method = method;
    r.target = path;
    r.headers = std::move(headers);
    r.body = std::move(body);
    std::optional<http::Response> answer;
    emulator->handle_aws(std::move(r), [&](http::Response res) { answer = std::move(res); });
    for (int i = 0; i < 100000 && !answer; ++i) io.run_one_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(answer) << method << " " << path << " was never answered";
    return answer.value_or(http::Response::json(599, "{}"));
  }
};

TEST_F(PlatformService, ATestServicePlugsInWithoutChangesToTheEmulator) {
  auto warnings = emulator->start();
  EXPECT_NE(std::find(warnings.begin(), warnings.end(), "test service opened"), warnings.end());
  EXPECT_EQ(seen.opens, 1);
  EXPECT_EQ(seen.things, std::vector<std::string>{"Thing"});

  // Its resource type answers Fn::GetAtt for the running app.
  EXPECT_EQ(emulator->evaluate_arn(R"({"Fn::GetAtt": ["Thing", "Arn"]})", "x"),
            "arn:aws:test:us-east-1:000000000000:thing/t1");

  // Its route.
  auto res = call("POST", "/", "{}", {{"X-Amz-Target", "TestService.Anything"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"things":1})");
  EXPECT_EQ(seen.requests, 1);

  // The admin API shows it, and LocalStack's health names it.
  auto resources = Json::parse(call("GET", "/_serverlite/resources").body);
  EXPECT_EQ(resources["services"]["test"], Json::parse(R"([{"type":"thing","name":"Thing"}])"));
  auto health = Json::parse(call("GET", "/_localstack/health").body);
  EXPECT_EQ(health["services"]["test"], "running");
  EXPECT_EQ(health["services"]["sqs"], "running");

  // Its periodic work runs on the clock: advancing 35 s passes three of its times, with nothing
  // else due between them, so it runs once at the last (a sweep leaves the same state).
  res = call("POST", "/_serverlite/clock", R"({"advance": "PT35S"})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(seen.periodic, 1);
  res = call("POST", "/_serverlite/clock", R"({"advance": "PT10S"})");
  EXPECT_EQ(seen.periodic, 2);

  // Reset: stopped, closed, opened again on an empty store.
  res = call("POST", "/_serverlite/reset");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(seen.stops, 1);
  EXPECT_EQ(seen.closes, 1);
  EXPECT_EQ(seen.opens, 2);
  EXPECT_EQ(seen.things, std::vector<std::string>{"Thing"});
  EXPECT_EQ(call("POST", "/", "{}", {{"X-Amz-Target", "TestService.Anything"}}).body,
            R"({"things":1})");
}

TEST_F(PlatformService, ResetEmptiesTheBuiltInServicesAndRecreatesResources) {
  emulator->start();
  std::vector<http::Header> sqs = {{"X-Amz-Target", "AmazonSQS.CreateQueue"},
                                   {"Content-Type", "application/x-amz-json-1.0"}};
  ASSERT_EQ(call("POST", "/", R"({"QueueName":"made-at-runtime"})", sqs).status, 200);
  auto before = Json::parse(call("GET", "/_serverlite/resources").body);
  ASSERT_EQ(before["services"]["sqs"].size(), 1u);
  ASSERT_EQ(call("POST", "/_serverlite/reset").status, 200);
  auto after = Json::parse(call("GET", "/_serverlite/resources").body);
  EXPECT_EQ(after["services"]["sqs"].size(), 0u);
}

TEST_F(PlatformService, DeliveryGoesToTheOwnerOfTheArn) {
  emulator->start();
  std::vector<http::Header> sqs = {{"X-Amz-Target", "AmazonSQS.CreateQueue"},
                                   {"Content-Type", "application/x-amz-json-1.0"}};
  ASSERT_EQ(call("POST", "/", R"({"QueueName":"dest"})", sqs).status, 200);
  auto& delivery = emulator->delivery();

  // SQS's semantics: a SendMessage, visible at once.
  auto sent = delivery.deliver("arn:aws:sqs:us-east-1:000000000000:dest", {.body = "hello"});
  ASSERT_TRUE(sent) << sent.error;
  EXPECT_FALSE(sent.id.empty());  // the MessageId
  auto resources = Json::parse(call("GET", "/_serverlite/resources").body);
  ASSERT_EQ(resources["services"]["sqs"][0]["name"], "dest");
  EXPECT_EQ(resources["services"]["sqs"][0]["visible"], 1);

  // The test service's own ARNs.
  ASSERT_TRUE(delivery.deliver("arn:aws:test:us-east-1:000000000000:thing/t1", {.body = "x"}));
  EXPECT_EQ(seen.last_body, "thing/t1:x");

  // Nobody's: clear errors, never a silent drop.
  auto missing = delivery.deliver("arn:aws:sqs:us-east-1:000000000000:nope", {.body = "x"});
  EXPECT_FALSE(missing);
  EXPECT_NE(missing.error.find("does not exist"), std::string::npos) << missing.error;
  auto unowned = delivery.deliver("arn:aws:sns:us-east-1:000000000000:topic", {.body = "x"});
  EXPECT_EQ(unowned.error, "no service of serverlite owns ARNs of 'sns': "
                           "arn:aws:sns:us-east-1:000000000000:topic");
  auto elsewhere = delivery.deliver("arn:aws:sqs:eu-west-1:000000000000:dest", {.body = "x"});
  EXPECT_NE(elsewhere.error.find("serverlite serves region 'us-east-1'"), std::string::npos);
  EXPECT_FALSE(delivery.deliver("not-an-arn", {.body = "x"}));
  auto no_function = delivery.deliver("arn:aws:lambda:us-east-1:000000000000:function:none",
                                      {.body = "{}"});
  EXPECT_NE(no_function.error.find("Function not found"), std::string::npos);
  EXPECT_EQ(delivery.owner("arn:aws:kinesis:us-east-1:000000000000:stream/s"), "kinesis");
}

TEST_F(PlatformService, TheClockAnswersItsTimeAndRefusesToGoBack) {
  emulator->start();
  auto now = Json::parse(call("GET", "/_serverlite/clock").body);
  EXPECT_EQ(now["kind"], "virtual");
  EXPECT_EQ(now["now"], "2024-10-04T00:00:00.000Z");
  auto res = call("POST", "/_serverlite/clock", R"({"to": "2024-10-04T00:05:00Z"})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Json::parse(res.body)["now"], "2024-10-04T00:05:00.000Z");
  res = call("POST", "/_serverlite/clock", R"({"to": "2024-10-03T00:00:00Z"})");
  EXPECT_EQ(res.status, 400);
  res = call("POST", "/_serverlite/clock", R"({"advance": "P1Y"})");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("ISO 8601 duration"), std::string::npos);
  res = call("POST", "/_serverlite/clock", R"({"advance": "PT1S", "to": "2030-01-01"})");
  EXPECT_EQ(res.status, 400);
}

TEST_F(PlatformService, TheAdminIndexListsItsEndpoints) {
  emulator->start();
  auto index = Json::parse(call("GET", "/_serverlite/").body);
  std::vector<std::string> paths;
  for (const auto& e : index["endpoints"]) paths.push_back(e["path"]);
  for (const char* p : {"/_serverlite/resources", "/_serverlite/reset", "/_serverlite/clock",
                        "/_localstack/health"})
    EXPECT_NE(std::find(paths.begin(), paths.end(), p), paths.end()) << p;
}

}  // namespace
}  // namespace serverlite
