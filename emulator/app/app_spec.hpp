// The app as serverless.yml describes it, after variables are resolved and defaults applied.
// Built once at start-up by load_app() (loader.cpp); read-only afterwards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace serverlite::app {

enum class RuntimeFamily { Python, Node, Provided };

// `http` events are REST API routes (proxy event 1.0, served under /{stage});
// `httpApi` events are HTTP API routes (payload 2.0, served at the root).
enum class ApiKind { Rest, Http };

struct CorsSpec {
  bool enabled = false;
  std::vector<std::string> allow_origins;   // default {"*"}
  std::vector<std::string> allow_headers;   // default: the Serverless Framework's list
  std::vector<std::string> allow_methods;   // empty: the methods of the routes on that path
  std::vector<std::string> expose_headers;
  bool allow_credentials = false;
  std::optional<int> max_age;               // seconds
};

struct HttpRoute {
  ApiKind kind = ApiKind::Rest;
  std::string method;   // upper case ("GET", "POST" ...), or "ANY" (serverless `*` and `any`)
  std::string path;     // leading '/', as declared: "/users/{id}", "/{proxy+}", "/" ...
                        // For the HTTP API catch-all `httpApi: '*'`, path is "" and method "ANY".
  CorsSpec cors;
};

// An `sqs` event: the function is triggered by a queue, as a Lambda event source mapping.
struct QueueEventSpec {
  std::string key_path;  // "functions.worker.events[0].sqs", for messages
  // The queue's ARN as JSON text: a string, or a CloudFormation function (`!GetAtt [Q, Arn]`)
  // that start-up evaluates.
  std::string arn_json;
  int batch_size = 10;                       // 1..10000 (10 for FIFO queues)
  int maximum_batching_window_seconds = 0;   // 0..300
  bool enabled = true;
  bool report_batch_item_failures = false;   // functionResponseType: ReportBatchItemFailures
  std::vector<std::string> filter_patterns;  // each a JSON text pattern over the record
};

// A `stream` event: the function is triggered by a Kinesis stream or a DynamoDB table stream, as
// a Lambda event source mapping. Defaults are Lambda's where serverless.yml leaves a key out.
struct StreamEventSpec {
  std::string key_path;  // "functions.aggregate.events[0].stream", for messages
  enum class Type { Kinesis, DynamoDb } type = Type::Kinesis;
  // The stream's ARN as JSON text: a string, or a CloudFormation function (`!GetAtt [S, Arn]`,
  // `!GetAtt [T, StreamArn]`) that start-up evaluates.
  std::string arn_json;
  int batch_size = 10;  // 1..10000 (1000 for DynamoDB); the Framework deploys 10 when unset
  enum class Start { TrimHorizon, Latest, AtTimestamp } starting_position = Start::TrimHorizon;
  std::int64_t starting_position_timestamp_ms = 0;  // AtTimestamp only
  int maximum_batching_window_seconds = 0;          // 0..300; serverless.yml: batchWindow
  bool enabled = true;
  int maximum_retry_attempts = -1;       // -1: retry until the records expire; else 0..10000
  int maximum_record_age_seconds = -1;   // -1: no limit; else 60..604800
  bool bisect_batch_on_function_error = false;
  int parallelization_factor = 1;        // 1..10
  bool report_batch_item_failures = false;   // functionResponseType: ReportBatchItemFailures
  std::vector<std::string> filter_patterns;  // each a JSON text pattern over the record
  // destinations.onFailure: the ARN (as JSON text, maybe a CloudFormation function) of the SQS
  // queue that gets a record of each batch given up on; empty when none.
  std::string on_failure_arn_json;
};

// `schedule`, `eventBridge`, `sns` and `s3` events. serverlite does not trigger them yet (start-up
// warns), but knows what each one listens to, so `replay` can route raw events of those shapes.
struct NotifyEventSpec {
  enum class Kind { Schedule, EventBridge, Sns, S3 } kind = Kind::Schedule;
  std::string key_path;  // "functions.report.events[0].schedule", for messages
  std::string rule;      // schedule / eventBridge: the rule's `name`, when given
  std::string topic;     // sns: the topic's name (from a name or an ARN written as text)
  std::string bucket;    // s3: the bucket's name
  std::string pattern;   // eventBridge: `pattern` as JSON text; empty when none
};

struct FunctionSpec {
  std::string key;          // the key under `functions:`
  std::string name;         // deployed name: `name:` or "{service}-{stage}-{key}"
  std::string handler;      // as written: "src/handler.main"; for provided runtimes, may be anything
  std::string runtime;      // e.g. "python3.12", "nodejs20.x", "provided.al2023"
  RuntimeFamily family = RuntimeFamily::Python;
  std::string description;
  std::map<std::string, std::string> environment;  // provider's, then the function's on top
  // Environment values that are CloudFormation functions (`!Ref Queue`, `Fn::GetAtt`, `!Sub`),
  // keyed by variable name. resolve_environment() (intrinsics.hpp) evaluates them into
  // `environment` at start-up, once the services that own the resources are known.
  struct Deferred {
    std::string key_path;  // where it was written: "provider.environment.QUEUE_URL"
    std::string json;      // the function, as JSON text
  };
  std::map<std::string, Deferred> environment_intrinsics;
  int timeout_seconds = 6;
  int memory_mb = 1024;
  // Lambda's reserved concurrency: invocations beyond it are throttled (429). Unset: none, and
  // the invoker's local limit applies (invocations past it wait for a worker).
  std::optional<int> reserved_concurrency;
  std::vector<HttpRoute> routes;
  std::vector<QueueEventSpec> queue_events;
  std::vector<StreamEventSpec> stream_events;
  std::vector<NotifyEventSpec> notify_events;
};

// A resource of `resources.Resources`, as CloudFormation would create it.
struct ResourceSpec {
  std::string logical_id;  // its key under resources.Resources
  std::string type;        // "AWS::SQS::Queue" ...
  std::string key_path;    // "resources.Resources.MyQueue", for messages and for its Properties
                           // in AppSpec::document
};

struct AppSpec {
  std::filesystem::path config_file;   // absolute
  std::filesystem::path service_dir;   // absolute: the directory of config_file
  std::string service;
  std::string stage = "dev";
  std::string region = "us-east-1";
  std::vector<FunctionSpec> functions;  // in file order
  std::vector<ResourceSpec> resources;  // in file order
  std::vector<std::string> warnings;    // each "serverless.yml: key.path: problem", no duplicates
  // The whole document after variable resolution, for services that read more of it
  // (resources, custom). Never null after load_app().
  std::shared_ptr<const nlohmann::json> document;

  // By key under `functions:` or by deployed name; nullptr when there is none.
  const FunctionSpec* find_function(std::string_view key_or_name) const;
};

struct LoadOptions {
  std::filesystem::path config_file = "serverless.yml";
  std::optional<std::string> stage;    // --stage; else provider.stage; else "dev"
  std::optional<std::string> region;   // --region; else provider.region; else "us-east-1"
  std::map<std::string, std::string> options;  // further ${opt:NAME} values
  // Environment lookup for ${env:...}; when empty, the process environment.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

// A problem with the app definition. what() is "FILE: KEY.PATH: PROBLEM" (KEY.PATH left out
// when the problem is with the whole file, e.g. a YAML syntax error, which names line and column).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, std::string key_path, std::string problem);
  const std::string& file() const { return file_; }
  const std::string& key_path() const { return key_path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_, key_path_, problem_;
};

// Reads, resolves and validates the app. Throws ConfigError.
AppSpec load_app(const LoadOptions& options);

// "arn:aws:lambda:{region}:000000000000:function:{name}"
std::string function_arn(const AppSpec& app, const FunctionSpec& fn);

constexpr std::string_view kAccountId = "000000000000";

}  // namespace serverlite::app
