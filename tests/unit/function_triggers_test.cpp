#include "emulator/function_triggers.hpp"

#include <gtest/gtest.h>

#include "services/functions/mappings.hpp"

namespace serverlite {
namespace {

using Json = nlohmann::json;

TEST(FunctionTriggers, ValueAtFollowsKeysAndIndexes) {
  Json doc = Json::parse(R"j({"functions":{"f":{"events":[{"http":"GET /"},
                            {"schedule":"rate(1 minute)"}]}}})j");
  ASSERT_NE(value_at(doc, "functions.f.events[1].schedule"), nullptr);
  EXPECT_EQ(*value_at(doc, "functions.f.events[1].schedule"), "rate(1 minute)");
  EXPECT_EQ(value_at(doc, "functions.f.events[2].schedule"), nullptr);
  EXPECT_EQ(value_at(doc, "functions.g"), nullptr);
  EXPECT_EQ(value_at(doc, "functions.f.events[x]"), nullptr);
  EXPECT_EQ(value_at(doc, "functions.f.events[1"), nullptr);
}

TEST(FunctionTriggers, StartedThenDisabledThenNotifyEvents) {
  app::AppSpec app;
  app.document = std::make_shared<Json>(Json::parse(
      R"j({"functions":{"f":{"events":[{"schedule":{"rate":["rate(5 minutes)","cron(0 1 * * ? *)"]}}]}}})j"));
  app::FunctionSpec fn;
  fn.key = "f";
  app::QueueEventSpec disabled;
  disabled.arn_json = R"("arn:aws:sqs:us-east-1:000000000000:q")";
  disabled.enabled = false;
  fn.queue_events.push_back(disabled);
  app::NotifyEventSpec schedule;
  schedule.kind = app::NotifyEventSpec::Kind::Schedule;
  schedule.key_path = "functions.f.events[0].schedule";
  schedule.rule = "often";
  fn.notify_events.push_back(schedule);
  app::NotifyEventSpec bucket;
  bucket.kind = app::NotifyEventSpec::Kind::S3;
  bucket.bucket = "photos";
  fn.notify_events.push_back(bucket);
  std::vector<platform::TriggerInfo> started = {
      {"other", "sqs", "arn:x", "batchSize 1"},
      {"f", "kinesis", "arn:aws:kinesis:us-east-1:000000000000:stream/s", "batchSize 100"}};
  auto evaluate = [](const std::string& json, const std::string&) -> std::string {
    throw std::runtime_error("no resources here: " + json);
  };
  auto triggers = function_triggers(app, fn, started, evaluate);
  ASSERT_EQ(triggers.size(), 4u);
  EXPECT_EQ(to_json(triggers[0]),
            Json::parse(R"({"type":"kinesis","source":"arn:aws:kinesis:us-east-1:000000000000:stream/s",
                            "detail":"batchSize 100","runs":true})"));
  EXPECT_EQ(triggers[1].source, "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(triggers[1].detail, "batchSize 10, disabled");
  EXPECT_EQ(triggers[2].type, "schedule");
  EXPECT_EQ(triggers[2].source, "rate(5 minutes), cron(0 1 * * ? *)");
  EXPECT_EQ(triggers[2].detail, "rule often");
  EXPECT_FALSE(triggers[2].runs);
  EXPECT_EQ(triggers[3].source, "bucket photos");
}

TEST(EventSourceMappingIds, AreStableVersion4ShapedUuids) {
  auto a = functions::EventSourceMappings::uuid_for("svc/us-east-1/functions.f.events[0].sqs");
  EXPECT_EQ(a, functions::EventSourceMappings::uuid_for("svc/us-east-1/functions.f.events[0].sqs"));
  EXPECT_NE(a, functions::EventSourceMappings::uuid_for("svc/us-east-1/functions.f.events[1].sqs"));
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
}

}  // namespace
}  // namespace serverlite
