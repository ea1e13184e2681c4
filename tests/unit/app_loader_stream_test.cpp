// `stream` events in serverless.yml (emulator/app/loader_events.cpp): Kinesis and DynamoDB stream
// triggers, in the Serverless Framework's forms.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app {
namespace {

namespace fs = std::filesystem;

// A service directory in the temp dir with src/handler.py, removed afterwards.
class StreamApp {
 public:
  StreamApp() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("serverlite-stream-test-" + std::to_string(rd()));
    fs::create_directories(dir_ / "src");
    std::ofstream(dir_ / "src/handler.py") << "def main(event, context):\n    return 1\n";
  }
  ~StreamApp() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Loads an app whose one function `w` has the given `events:` list (YAML lines, indented by 6).
  AppSpec load(const std::string& events) {
    std::ofstream(dir_ / "serverless.yml") << "service: svc\n"
                                              "provider:\n"
                                              "  name: aws\n"
                                              "  runtime: python3.12\n"
                                              "functions:\n"
                                              "  w:\n"
                                              "    handler: src/handler.main\n"
                                              "    events:\n" +
                                                  events;
    LoadOptions options;
    options.config_file = dir_ / "serverless.yml";
    options.getenv = [](const std::string&) { return std::nullopt; };
    return load_app(options);
  }

  // The ConfigError's what() for a single `- stream: SPEC` event; "" when it loads.
  std::string error(const std::string& spec) {
    try {
      load("      - stream: " + spec + "\n");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

 private:
  fs::path dir_;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

const std::string kKinesis = "arn:aws:kinesis:us-east-1:000000000000:stream/orders";
const std::string kDynamo =
    "arn:aws:dynamodb:us-east-1:000000000000:table/Items/stream/2024-01-01T00:00:00.000";

TEST(AppLoaderStream, StringFormTakesTheTypeFromTheArnAndTheFrameworkDefaults) {
  StreamApp a;
  AppSpec app = a.load("      - stream: " + kKinesis + "\n      - stream: " + kDynamo + "\n");
  EXPECT_TRUE(app.warnings.empty());
  const auto& events = app.functions[0].stream_events;
  ASSERT_EQ(events.size(), 2u);
  const StreamEventSpec& k = events[0];
  EXPECT_EQ(k.key_path, "functions.w.events[0].stream");
  EXPECT_EQ(k.type, StreamEventSpec::Type::Kinesis);
  EXPECT_EQ(k.arn_json, "\"" + kKinesis + "\"");
  // What the Framework deploys when the event says nothing: BatchSize 10, TRIM_HORIZON, and
  // Lambda's own defaults for the rest.
  EXPECT_EQ(k.batch_size, 10);
  EXPECT_EQ(k.starting_position, StreamEventSpec::Start::TrimHorizon);
  EXPECT_EQ(k.maximum_batching_window_seconds, 0);
  EXPECT_TRUE(k.enabled);
  EXPECT_EQ(k.maximum_retry_attempts, -1);
  EXPECT_EQ(k.maximum_record_age_seconds, -1);
  EXPECT_FALSE(k.bisect_batch_on_function_error);
  EXPECT_EQ(k.parallelization_factor, 1);
  EXPECT_FALSE(k.report_batch_item_failures);
  EXPECT_TRUE(k.filter_patterns.empty());
  EXPECT_EQ(k.on_failure_arn_json, "");
  EXPECT_EQ(events[1].type, StreamEventSpec::Type::DynamoDb);
  EXPECT_EQ(events[1].arn_json, "\"" + kDynamo + "\"");
}

// The type is read from the ARN without std::regex, which recursed once per character: an ARN of
// 100,000 characters crashed the loader.
TEST(AppLoaderStream, TypeFromArnsOfAnyLength) {
  StreamApp a;
  std::string long_name(100000, 'n');
  AppSpec app = a.load("      - stream: arn:aws:kinesis:us-east-1:000000000000:stream/" + long_name +
                       "\n      - stream: arn:aws-cn:dynamodb:r:1:table/T/stream/" + long_name +
                       "\n");
  ASSERT_EQ(app.functions[0].stream_events.size(), 2u);
  EXPECT_EQ(app.functions[0].stream_events[0].type, StreamEventSpec::Type::Kinesis);
  EXPECT_EQ(app.functions[0].stream_events[1].type, StreamEventSpec::Type::DynamoDb);
  std::vector<std::string> bad = {
      "arn:aws:kinesis:r:1:stream/",          "arn:aws:kinesis:r:stream/s",
      "arn:aws:sqs:r:1:stream/s",             "arn:aws:dynamodb:r:1:table//stream/x",
      "arn:aws:dynamodb:r:1:table/T/stream/", "arn:aws:dynamodb:r:1:table/T",
      "arn:awsX:kinesis:r:1:stream/s",        "arn:aws:kinesis:r:1:1:stream/s",
      "arn:aws:dynamodb:r:1:table/" + long_name};
  for (const std::string& arn : bad)
    EXPECT_CONTAINS(a.error(arn), "stream") << arn;
}

TEST(AppLoaderStream, ObjectFormReadsEverySetting) {
  StreamApp a;
  AppSpec app = a.load(
      "      - stream:\n"
      "          type: kinesis\n"
      "          arn: !GetAtt [Orders, Arn]\n"
      "          batchSize: 500\n"
      "          startingPosition: AT_TIMESTAMP\n"
      "          startingPositionTimestamp: 1700000000.5\n"
      "          batchWindow: 5\n"
      "          enabled: false\n"
      "          maximumRetryAttempts: 3\n"
      "          maximumRecordAgeInSeconds: 120\n"
      "          bisectBatchOnFunctionError: true\n"
      "          parallelizationFactor: 4\n"
      "          functionResponseType: ReportBatchItemFailures\n"
      "          filterPatterns:\n"
      "            - data: {kind: [order]}\n"
      "          destinations:\n"
      "            onFailure:\n"
      "              arn: !GetAtt [Dlq, Arn]\n"
      "              type: sqs\n");
  EXPECT_TRUE(app.warnings.empty());
  ASSERT_EQ(app.functions[0].stream_events.size(), 1u);
  const StreamEventSpec& s = app.functions[0].stream_events[0];
  EXPECT_EQ(s.type, StreamEventSpec::Type::Kinesis);
  EXPECT_EQ(s.arn_json, R"({"Fn::GetAtt":["Orders","Arn"]})");
  EXPECT_EQ(s.batch_size, 500);
  EXPECT_EQ(s.starting_position, StreamEventSpec::Start::AtTimestamp);
  EXPECT_EQ(s.starting_position_timestamp_ms, 1700000000500);
  EXPECT_EQ(s.maximum_batching_window_seconds, 5);
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.maximum_retry_attempts, 3);
  EXPECT_EQ(s.maximum_record_age_seconds, 120);
  EXPECT_TRUE(s.bisect_batch_on_function_error);
  EXPECT_EQ(s.parallelization_factor, 4);
  EXPECT_TRUE(s.report_batch_item_failures);
  ASSERT_EQ(s.filter_patterns.size(), 1u);
  EXPECT_EQ(s.filter_patterns[0], R"({"data":{"kind":["order"]}})");
  EXPECT_EQ(s.on_failure_arn_json, R"({"Fn::GetAtt":["Dlq","Arn"]})");
}

TEST(AppLoaderStream, OnFailureAsAnArnStringAndMinusOneLimits) {
  StreamApp a;
  AppSpec app = a.load("      - stream:\n"
                       "          arn: " + kDynamo + "\n"
                       "          startingPosition: LATEST\n"
                       "          maximumRetryAttempts: -1\n"
                       "          maximumRecordAgeInSeconds: -1\n"
                       "          destinations:\n"
                       "            onFailure: arn:aws:sqs:us-east-1:000000000000:dlq\n");
  const StreamEventSpec& s = app.functions[0].stream_events.at(0);
  EXPECT_EQ(s.type, StreamEventSpec::Type::DynamoDb);
  EXPECT_EQ(s.starting_position, StreamEventSpec::Start::Latest);
  EXPECT_EQ(s.maximum_retry_attempts, -1);
  EXPECT_EQ(s.maximum_record_age_seconds, -1);
  EXPECT_EQ(s.on_failure_arn_json, R"("arn:aws:sqs:us-east-1:000000000000:dlq")");
}

TEST(AppLoaderStream, WarnsAboutKeysItIgnores) {
  StreamApp a;
  AppSpec app = a.load("      - stream:\n"
                       "          arn: " + kKinesis + "\n"
                       "          consumer: true\n"
                       "          tumblingWindowInSeconds: 60\n"
                       "          maximumBatchingWindow: 5\n"
                       "          destinations:\n"
                       "            onFailure: arn:aws:sns:us-east-1:000000000000:alerts\n");
  const StreamEventSpec& s = app.functions[0].stream_events.at(0);
  EXPECT_EQ(s.maximum_batching_window_seconds, 5);  // honoured, with a warning
  EXPECT_EQ(s.on_failure_arn_json, "");
  std::vector<std::string> expected = {
      "serverless.yml: functions.w.events[0].stream.consumer: not supported yet, ignored",
      "serverless.yml: functions.w.events[0].stream.tumblingWindowInSeconds: not supported yet, "
      "ignored",
      "serverless.yml: functions.w.events[0].stream.maximumBatchingWindow: the Serverless "
      "Framework calls this batchWindow for stream events and would not deploy it; serverlite "
      "uses it",
      "serverless.yml: functions.w.events[0].stream.destinations.onFailure: SNS on-failure "
      "destinations are not supported yet, ignored",
  };
  EXPECT_EQ(app.warnings, expected);
}

TEST(AppLoaderStream, RejectsBadArnsAndTypes) {
  StreamApp a;
  EXPECT_CONTAINS(a.error("arn:aws:sqs:us-east-1:000000000000:q"),
                  "serverless.yml: functions.w.events[0].stream: expected a Kinesis stream ARN");
  EXPECT_CONTAINS(a.error("!GetAtt [Orders, Arn]"),
                  "functions.w.events[0].stream: a CloudFormation function goes under arn");
  EXPECT_CONTAINS(a.error("{arn: !GetAtt [Orders, Arn]}"),
                  "functions.w.events[0].stream.type: missing: with a CloudFormation function");
  EXPECT_CONTAINS(a.error("{type: kinesis}"), "functions.w.events[0].stream.arn: missing");
  EXPECT_CONTAINS(a.error("{type: sqs, arn: !GetAtt [Q, Arn]}"),
                  "functions.w.events[0].stream.type: expected kinesis or dynamodb");
  EXPECT_CONTAINS(a.error("{type: dynamodb, arn: '" + kKinesis + "'}"),
                  "functions.w.events[0].stream.type: is dynamodb but the ARN names a kinesis");
  EXPECT_CONTAINS(a.error("[1, 2]"), "functions.w.events[0].stream: expected a stream ARN");
}

TEST(AppLoaderStream, RejectsOutOfRangeValues) {
  StreamApp a;
  auto with = [&](const std::string& arn, const std::string& setting) {
    return a.error("{arn: '" + arn + "', " + setting + "}");
  };
  const std::string at = "serverless.yml: functions.w.events[0].stream.";
  EXPECT_EQ(with(kKinesis, "batchSize: 0"), at + "batchSize: 0 is out of range (1..10000)");
  EXPECT_EQ(with(kKinesis, "batchSize: 10001"), at + "batchSize: 10001 is out of range (1..10000)");
  EXPECT_EQ(with(kDynamo, "batchSize: 1001"), at + "batchSize: 1001 is out of range (1..1000)");
  EXPECT_EQ(with(kKinesis, "batchWindow: 301"), at + "batchWindow: 301 is out of range (0..300)");
  EXPECT_EQ(with(kKinesis, "maximumRetryAttempts: -2"),
            at + "maximumRetryAttempts: -2 is out of range (-1..10000)");
  EXPECT_EQ(with(kKinesis, "maximumRecordAgeInSeconds: 59"),
            at + "maximumRecordAgeInSeconds: 59 is out of range (-1 for no limit, or 60..604800)");
  EXPECT_EQ(with(kKinesis, "maximumRecordAgeInSeconds: 604801"),
            at + "maximumRecordAgeInSeconds: 604801 is out of range (-1..604800)");
  EXPECT_EQ(with(kKinesis, "parallelizationFactor: 11"),
            at + "parallelizationFactor: 11 is out of range (1..10)");
  EXPECT_CONTAINS(with(kKinesis, "startingPosition: EARLIEST"),
                  at + "startingPosition: expected LATEST, TRIM_HORIZON or AT_TIMESTAMP");
  EXPECT_CONTAINS(with(kDynamo, "startingPosition: AT_TIMESTAMP"),
                  at + "startingPosition: AT_TIMESTAMP is for Kinesis streams only");
  EXPECT_CONTAINS(with(kKinesis, "startingPosition: AT_TIMESTAMP"),
                  at + "startingPositionTimestamp: missing");
  EXPECT_CONTAINS(with(kKinesis, "enabled: yes please"), at + "enabled: expected true or false");
  EXPECT_CONTAINS(with(kKinesis, "functionResponseType: Partial"),
                  at + "functionResponseType: the only value is ReportBatchItemFailures");
  EXPECT_CONTAINS(with(kKinesis, "filterPatterns: [x]"),
                  at + "filterPatterns[0]: expected a pattern object");
  EXPECT_CONTAINS(with(kKinesis, "destinations: {onFailure: not-an-arn}"),
                  at + "destinations.onFailure: expected an SQS queue ARN");
  EXPECT_CONTAINS(with(kKinesis, "destinations: {onFailure: {arn: !GetAtt [Q, Arn]}}"),
                  at + "destinations.onFailure.type: missing");
  EXPECT_CONTAINS(with(kKinesis, "destinations: {}"), at + "destinations.onFailure: missing");
}

}  // namespace
}  // namespace serverlite::app
