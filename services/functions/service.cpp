#include "services/functions/service.hpp"

#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "emulator/aws/router.hpp"
#include "emulator/invoker/pools.hpp"
#include "emulator/platform/delivery.hpp"
#include "emulator/platform/triggers.hpp"
#include "services/functions/api.hpp"
#include "services/functions/catalog.hpp"
#include "services/functions/mappings.hpp"
#include "emulator/platform/clock.hpp"

namespace serverlite::functions {

namespace {

class FunctionsService : public platform::Service {
 public:
  std::string_view name() const override { return "lambda"; }

  // The functions never change with state: the API is made once.
  std::vector<std::string> open(platform::ServiceContext& context) override {
    context_ = &context;
    if (!api_) {
      api_ = std::make_unique<LambdaApi>(context.app(), context.invoker("lambda"));
      catalog_ = std::make_unique<Catalog>(context.app());
      double now = std::chrono::duration<double>(context.clock().now().time_since_epoch()).count();
      mappings_ = std::make_unique<EventSourceMappings>(
          *catalog_, [this] { return mapping_sources(); },
          [this](const app::FunctionSpec& fn) { return platform::function_arn(*context_, fn); },
          context.app().region, std::floor(now * 1000) / 1000);
    }
    return {};
  }

  void add_routes(platform::Routes& routes) override {
    routes.aws.add_path_prefix(std::string(LambdaApi::kPathPrefix),
                               [this](http::Request r, http::Responder d) {
                                 api_->handle(std::move(r), d);
                               });
    routes.aws.add_path_prefix(std::string(EventSourceMappings::kPathPrefix),
                               [this](http::Request r, http::Responder d) {
                                 mappings_->handle(std::move(r), std::move(d));
                               });
  }

  // serverless.yml's sqs and stream events, with their sources' ARNs as the running app sees
  // them; an event whose ARN cannot be evaluated is left out (start-up reported it).
  std::vector<MappingSource> mapping_sources() const {
    std::vector<MappingSource> out;
    auto& context = *context_;
    auto arn_of = [&](const std::string& json, const std::string& key_path) -> std::string {
      try {
        return platform::evaluate_arn(context, json, key_path);
      } catch (const std::exception&) {
        return {};
      }
    };
    for (const auto& fn : context.app().functions) {
      for (const auto& ev : fn.queue_events)
        if (auto arn = arn_of(ev.arn_json, ev.key_path + ".arn"); !arn.empty())
          out.push_back({&fn, &ev, nullptr, std::move(arn)});
      for (const auto& ev : fn.stream_events)
        if (auto arn = arn_of(ev.arn_json, ev.key_path + ".arn"); !arn.empty())
          out.push_back({&fn, nullptr, &ev, std::move(arn),
                         ev.on_failure_arn_json.empty()
                             ? std::string()
                             : arn_of(ev.on_failure_arn_json,
                                      ev.key_path + ".destinations.onFailure")});
    }
    return out;
  }

  // A message to a function's ARN is an asynchronous invocation with the message as its event,
  // as Lambda destinations, SNS and EventBridge invoke.
  void claim_arns(platform::Delivery& delivery) override {
    delivery.claim(
        "lambda",
        [this](const platform::Arn& arn, const platform::Message& message) -> platform::Delivered {
          auto resolved = catalog_->resolve(arn.str());
          auto* fn = std::get_if<const app::FunctionSpec*>(&resolved);
          if (!fn) return {"Function not found: " + arn.str(), ""};
          invoker::InvokeRequest request;
          request.function = (*fn)->key;
          request.payload = message.body;
          request.type = invoker::InvocationType::Event;
          context_->invoker("trigger").invoke(std::move(request), [](invoker::InvokeResult) {});
          return {"", ""};
        },
        [this](const platform::Arn& arn) {
          return std::holds_alternative<const app::FunctionSpec*>(catalog_->resolve(arn.str()));
        });
  }

  nlohmann::json describe() const override {
    nlohmann::json list = nlohmann::json::array();
    auto& context = *context_;
    for (const auto& fn : context.app().functions) {
      nlohmann::json routes = nlohmann::json::array();
      for (const auto& r : fn.routes)
        routes.push_back({{"api", r.kind == app::ApiKind::Rest ? "rest" : "http"},
                          {"method", r.method},
                          {"path", r.path}});
      nlohmann::json triggers = nlohmann::json::array();
      for (const auto& t : context.triggers())
        if (t.function_key == fn.key)
          triggers.push_back({{"type", t.type}, {"source", t.source_arn}, {"detail", t.detail}});
      invoker::Pools::FunctionStats stats;
      if (auto* pools = context.pools()) stats = pools->stats(fn.key);
      list.push_back({{"type", "function"},
                      {"name", fn.name},
                      {"key", fn.key},
                      {"arn", platform::function_arn(context, fn)},
                      {"runtime", fn.runtime},
                      {"handler", fn.handler},
                      {"routes", routes},
                      {"triggers", triggers},
                      {"workers", stats.workers},
                      {"busy", stats.busy},
                      {"waiting", stats.waiting}});
    }
    return list;
  }

 private:
  platform::ServiceContext* context_ = nullptr;
  std::unique_ptr<LambdaApi> api_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<EventSourceMappings> mappings_;
};

}  // namespace

std::unique_ptr<platform::Service> make_service() { return std::make_unique<FunctionsService>(); }

}  // namespace serverlite::functions
