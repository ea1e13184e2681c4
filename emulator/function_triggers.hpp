// Everything that makes a function run, as `serverlite up` lists it at start-up and
// GET /_serverlite/functions shows it: its routes, the event sources the services started
// (queues, Kinesis streams, table streams), the `sqs` events left disabled, and the events
// serverlite does not run itself (schedules, EventBridge rules, SNS topics, S3 buckets).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/platform/service.hpp"

namespace serverlite {

struct FunctionTrigger {
  std::string type;    // "sqs", "kinesis", "dynamodb", "schedule", "eventBridge", "sns", "s3"
  std::string source;  // an ARN, a schedule expression, a topic or bucket name
  std::string detail;  // "batchSize 10", "disabled", "rule nightly", ...
  bool runs = true;    // false: serverlite does not run it (replay and invoke do)
};

// Evaluates an ARN of serverless.yml (JSON text, maybe a CloudFormation function) as the running
// app sees it; throws when it cannot.
using ArnEvaluator = std::function<std::string(const std::string& json, const std::string& key_path)>;

// The triggers of `fn`: the started ones of `started` first (in start order), then its disabled
// `sqs` events (their ARNs through `evaluate`), then its notify events in file order.
std::vector<FunctionTrigger> function_triggers(const app::AppSpec& app,
                                               const app::FunctionSpec& fn,
                                               const std::vector<platform::TriggerInfo>& started,
                                               const ArnEvaluator& evaluate);

// {"type", "source", "detail", "runs"} for the admin API.
nlohmann::json to_json(const FunctionTrigger& trigger);

// What `serverlite up` prints at start-up: each function with its routes (as URLs of the gateway)
// and its triggers, one per line.
std::string function_listing(const app::AppSpec& app, const std::string& gateway_url,
                             const std::vector<platform::TriggerInfo>& started,
                             const ArnEvaluator& evaluate);

// The value at `key_path` ("functions.f.events[0].schedule") of `document`, or nullptr.
const nlohmann::json* value_at(const nlohmann::json& document, const std::string& key_path);

}  // namespace serverlite
