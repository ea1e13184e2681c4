#include "services/queue/service.hpp"

#include <nlohmann/json.hpp>

#include "emulator/app/intrinsics.hpp"
#include "emulator/aws/router.hpp"
#include "emulator/events/queue_trigger.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/platform/delivery.hpp"
#include "emulator/platform/triggers.hpp"
#include "services/queue/api.hpp"
#include "services/queue/engine.hpp"
#include "services/queue/resources.hpp"
#include "emulator/platform/slice_sizer.hpp"

namespace serverlite::queue {

namespace {

class QueueService : public platform::Service {
 public:
  std::string_view name() const override { return "sqs"; }

  void add_resource_types(app::ResourceTypes& types, const app::AppSpec& app,
                          const std::string& aws_url) override {
    add_queue_resource_type(types, app, aws_url);
  }

  std::vector<std::string> open(platform::ServiceContext& context) override {
    context_ = &context;
    auto& app = context.app();
    engine_ = std::make_unique<QueueEngine>(
        context.db(), EngineOptions{.region = app.region, .account_id = std::string(app::kAccountId)},
        [&clock = context.clock()] { return clock.now(); });
    create_resource_queues(app, context.resource_types(), *engine_);
    api_ = std::make_unique<QueueApi>(context.clock(), *engine_, context.aws_url());
    engine_->set_on_visible([this](const std::string& queue_name) {
      api_->wake(queue_name);
      for (auto& t : triggers_)
        if (t->queue_name() == queue_name) t->wake();
    });
    return {};
  }

  void add_routes(platform::Routes& routes) override {
    routes.aws.add_target_prefix("AmazonSQS.", [this](http::Request r, http::Responder d) {
      api_->handle_json(std::move(r), d);
    });
    routes.aws.add_query_service("sqs", QueueApi::action_names(),
                                 [this](http::Request r, http::Responder d) {
                                   api_->handle_query(std::move(r), d);
                                 });
  }

  // A message to a queue's ARN is a SendMessage to it.
  void claim_arns(platform::Delivery& delivery) override {
    delivery.claim(
        "sqs",
        [this](const platform::Arn& arn, const platform::Message& message) -> platform::Delivered {
          SendMessageRequest request;
          request.queue_name = arn.resource;
          request.message.body = message.body;
          for (const auto& [key, value] : message.attributes)
            request.message.message_attributes[key] = MessageAttributeValue{"String", value, ""};
          request.message.message_group_id = message.group_id;
          request.message.message_deduplication_id = message.deduplication_id;
          auto sent = engine_->send_message(request);
          if (!sent) return {sent.error().message, ""};
          return {"", sent->message_id};
        },
        [this](const platform::Arn& arn) { return engine_->queue_exists(arn.resource); });
  }

  // Lambda's SQS event source mappings, one per enabled `sqs` event.
  std::vector<std::string> start_triggers() override {
    auto& context = *context_;
    auto& app = context.app();
    for (const auto& fn : app.functions) {
      for (const auto& ev : fn.queue_events) {
        if (!ev.enabled) continue;
        auto arn = app::evaluate_intrinsics(nlohmann::json::parse(ev.arn_json),
                                            ev.key_path + ".arn", app, context.resource_types());
        if (!arn.is_string())
          throw app::ConfigError(app.config_file.filename().string(), ev.key_path + ".arn",
                                 "expected a queue ARN, got " + arn.dump());
        std::string queue_arn = arn.get<std::string>();
        events::QueueTriggerSpec spec{fn.key, queue_arn.substr(queue_arn.rfind(':') + 1),
                                      queue_arn, app.region, ev};
        auto trigger = std::make_shared<events::QueueTrigger>(
            context.clock(), *engine_, context.invoker("trigger"), std::move(spec));
        trigger->start();
        triggers_.push_back(std::move(trigger));
        context.add_trigger({fn.key, "sqs", queue_arn,
                             "batchSize " + std::to_string(ev.batch_size)});
      }
    }
    return {};
  }

  std::vector<platform::PeriodicWork> periodic_work() override {
    using namespace std::chrono_literals;
    // One slice per run, sized to take about 1 ms (platform::SliceSizer), so that its
    // transaction and the group commit right after it are all a request may wait for; with
    // group commit, slices run back to back would be committed together.
    return {
        // The messages of large purged or deleted queues, between requests.
        {"sqs cleanup", 5ms,
         [this] {
           if (!engine_ || !engine_->cleanup_pending()) return;
           cleanup_sizer_.run([this](std::size_t rows) { return engine_->cleanup_slice(rows); });
         },
         /*bulk=*/true},
        // Message move tasks (dead-letter queue redrive), a bounded slice at a time.
        {"sqs message moves", 100ms,
         [this] {
           if (!engine_ || !engine_->moves_pending()) return;
           move_sizer_.run([this](std::size_t rows) { return engine_->move_slice(rows); });
         },
         /*bulk=*/true},
        // Messages past their retention period (a receive deletes a few too).
        {"sqs retention", 100ms,
         [this] {
           if (!engine_) return;
           retention_sizer_.run([this](std::size_t n) { return engine_->expire_messages(n) == n; });
         },
         /*bulk=*/true},
    };
  }

  nlohmann::json describe() const override {
    nlohmann::json list = nlohmann::json::array();
    auto names = engine_->list_queues({});
    if (!names) return list;
    for (const auto& name : names->queue_names) {
      auto got = engine_->get_queue_attributes(
          {name, {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                  "ApproximateNumberOfMessagesDelayed", "FifoQueue"}});
      nlohmann::json q = {{"type", "queue"},
                          {"name", name},
                          {"arn", engine_->queue_arn(name)},
                          {"url", api_->queue_url(name)}};
      auto count = [&](const char* attribute) -> long long {
        if (!got) return 0;
        auto it = got->attributes.find(attribute);
        return it == got->attributes.end() ? 0 : std::stoll(it->second);
      };
      q["visible"] = count("ApproximateNumberOfMessages");
      q["inFlight"] = count("ApproximateNumberOfMessagesNotVisible");
      q["delayed"] = count("ApproximateNumberOfMessagesDelayed");
      q["fifo"] = got && got->attributes.count("FifoQueue") &&
                  got->attributes.at("FifoQueue") == "true";
      list.push_back(std::move(q));
    }
    return list;
  }

  void stop() override {
    for (auto& t : triggers_) t->stop();
    if (api_) api_->shutdown();
  }

  void close() override {
    triggers_.clear();
    api_.reset();
    engine_.reset();
  }

 private:
  platform::ServiceContext* context_ = nullptr;
  platform::SliceSizer cleanup_sizer_, retention_sizer_, move_sizer_;
  std::unique_ptr<QueueEngine> engine_;
  std::unique_ptr<QueueApi> api_;
  std::vector<std::shared_ptr<events::QueueTrigger>> triggers_;
};

}  // namespace

std::unique_ptr<platform::Service> make_service() { return std::make_unique<QueueService>(); }

}  // namespace serverlite::queue
