// The one way a service plugs into serverlite. A service is a folder under services/ (an engine
// over SQLite, a protocol front, its resources and its triggers) plus one line in
// services/builtin.cpp; `Emulator` keeps the list and loops over it, and never names a service.
//
// Life of a service, all on the io thread:
//   add_resource_types  once: the CloudFormation types it answers Ref / Fn::GetAtt for
//   open                its engine over the store, and the app's resources of its types
//   add_routes          once: what it serves on the AWS endpoint (and the gateway listener)
//   claim_arns          once: the ARNs it owns, for delivery by ARN
//   start_triggers      the event sources it feeds into functions
//   periodic_work       once: sweeps that run on the clock
//   describe            its resources with their live figures (GET /_serverlite/resources)
//   stop                stop triggers and waits: nothing touches the engine afterwards
//   close               drop the engine (the store closes after it)
// Reset (POST /_serverlite/reset) is stop, close, a new empty store, open and start_triggers
// again: every service's state is gone and serverless.yml's resources are there again.
// Services reach each other only through the Delivery (by ARN) and read time only from the Clock.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/http/message.hpp"
#include "emulator/platform/options.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::app {
struct AppSpec;
class ResourceTypes;
}  // namespace serverlite::app

namespace serverlite::aws {
class Router;
}

namespace serverlite::store {
class Database;
}

namespace serverlite::invoker {
class Invoker;
class Pools;
}  // namespace serverlite::invoker

namespace serverlite::platform {

class Clock;
class Delivery;

// An event source a service feeds into a function: shown at start-up and by the admin API.
struct TriggerInfo {
  std::string function_key;
  std::string type;        // "sqs", "kinesis", "dynamodb"
  std::string source_arn;  // the queue, stream or table stream
  std::string detail;      // e.g. "batchSize 10"
};

struct PeriodicWork {
  std::string name;  // for logs
  std::chrono::milliseconds interval;
  std::function<void()> run;
  // Bulk writing (a slice of a large deletion, of expiry): skipped while a WAL checkpoint is
  // under way (store::Database::checkpoint_under_way), so that the WAL can restart after it.
  bool bulk = false;
};

// What the platform gives every service. Owned by the Emulator; valid from open() to close().
class ServiceContext {
 public:
  virtual ~ServiceContext() = default;
  virtual boost::asio::io_context& io() = 0;
  virtual app::AppSpec& app() = 0;
  virtual const UpOptions& options() = 0;
  virtual std::string aws_url() = 0;
  virtual Clock& clock() = 0;
  virtual Delivery& delivery() = 0;
  // The store; a new one after each reset (take it in open(), never keep it across close()).
  virtual store::Database& db() = 0;
  // Every resource type of every service, for evaluating Ref / Fn::GetAtt.
  virtual const app::ResourceTypes& resource_types() = 0;
  // Runs functions; `origin` ("gateway", "lambda", "trigger") says who asked, for observers.
  virtual invoker::Invoker& invoker(std::string_view origin) = 0;
  // The warm worker pools (their figures); null until the app's functions are prepared.
  virtual invoker::Pools* pools() = 0;
  // Records an event source this service started (cleared at reset).
  virtual void add_trigger(TriggerInfo info) = 0;
  virtual const std::vector<TriggerInfo>& triggers() = 0;
};

// Where a service serves requests.
struct Routes {
  aws::Router& aws;
  // The gateway listener's handler: set by the one service that serves it.
  http::Handler& gateway;
};

class Service {
 public:
  virtual ~Service() = default;
  // Short and lower case ("sqs", "kinesis", "dynamodb", "lambda", "apigateway").
  virtual std::string_view name() const = 0;
  // The names LocalStack's health endpoint reports for it (default: name()).
  virtual std::vector<std::string> health_names() const { return {std::string(name())}; }

  // `aws_url` is the AWS endpoint's URL (a queue's Ref is its URL). Resolvers may look at the
  // service's engine once it is open.
  virtual void add_resource_types(app::ResourceTypes& types, const app::AppSpec& app,
                                  const std::string& aws_url) {}
  // Returns warnings. Throws app::ConfigError for a resource the service rejects.
  virtual std::vector<std::string> open(ServiceContext& context) { return {}; }
  virtual void add_routes(Routes& routes) {}
  virtual void claim_arns(Delivery& delivery) {}
  // Returns warnings. Throws app::ConfigError for an event serverless.yml gets wrong.
  virtual std::vector<std::string> start_triggers() { return {}; }
  virtual std::vector<PeriodicWork> periodic_work() { return {}; }
  // A JSON array of its resources ({"type", "name", "arn", ...figures}); null when it has none.
  virtual nlohmann::json describe() const;
  virtual void stop() {}
  virtual void close() {}
};

using ServiceList = std::vector<std::unique_ptr<Service>>;

}  // namespace serverlite::platform

namespace serverlite {
// The services serverlite serves, in the order they open (services/builtin.cpp).
platform::ServiceList builtin_services();
}  // namespace serverlite
