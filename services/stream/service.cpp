#include "services/stream/service.hpp"

#include <nlohmann/json.hpp>

#include "emulator/app/intrinsics.hpp"
#include "emulator/aws/api_error.hpp"
#include "emulator/aws/router.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/platform/delivery.hpp"
#include "emulator/platform/triggers.hpp"
#include "services/stream/api.hpp"
#include "services/stream/engine.hpp"
#include "services/stream/resources.hpp"
#include "services/stream/trigger_source.hpp"

namespace serverlite::stream {

namespace {

class StreamService : public platform::Service {
 public:
  std::string_view name() const override { return "kinesis"; }

  void add_resource_types(app::ResourceTypes& types, const app::AppSpec& app,
                          const std::string&) override {
    add_stream_resource_type(types, app);
  }

  std::vector<std::string> open(platform::ServiceContext& context) override {
    context_ = &context;
    auto& app = context.app();
    engine_ = std::make_unique<StreamEngine>(
        context.db(),
        EngineOptions{.region = app.region,
                      .account_id = std::string(app::kAccountId),
                      .throughput_limits = context.options().stream_throughput_limits,
                      .create_stream_ms = context.options().create_stream_ms,
                      .update_stream_ms = context.options().update_stream_ms,
                      .delete_stream_ms = context.options().delete_stream_ms},
        [&clock = context.clock()] { return clock.now(); });
    create_resource_streams(app, context.resource_types(), *engine_);
    api_ = std::make_unique<StreamApi>(*engine_);
    engine_->set_on_records([this](const std::string& stream_name) {
      std::string arn = engine_->stream_arn(stream_name);
      for (auto& t : triggers_)
        if (t->source_arn() == arn) t->wake();
    });
    return {};
  }

  void add_routes(platform::Routes& routes) override {
    routes.aws.add_target_prefix(std::string(StreamApi::kTargetPrefix),
                                 [this](http::Request r, http::Responder d) {
                                   api_->handle(std::move(r), d);
                                 },
                                 {aws::JsonFront::Kinesis, StreamApi::action_names()});
  }

  // A message to a stream's ARN is a PutRecord of its body, with the message's partition key
  // (a random one when it has none).
  void claim_arns(platform::Delivery& delivery) override {
    delivery.claim(
        "kinesis",
        [this](const platform::Arn& arn, const platform::Message& message) -> platform::Delivered {
          auto name = engine_->name_from_arn(arn.str());
          if (!name) return {"not a Kinesis stream ARN: " + arn.str(), ""};
          PutRecordRequest request;
          request.name = *name;
          request.record.data = message.body;
          request.record.partition_key = message.partition_key.value_or(aws::new_request_id());
          auto put = engine_->put_record(request);
          if (!put) return {put.error().message, ""};
          return {"", put->sequence_number};
        },
        [this](const platform::Arn& arn) {
          auto name = engine_->name_from_arn(arn.str());
          return name && engine_->stream_exists(*name);
        });
  }

  // Lambda's Kinesis event source mappings, one per enabled `stream` event of type kinesis.
  std::vector<std::string> start_triggers() override {
    auto& context = *context_;
    auto& app = context.app();
    for (const auto& fn : app.functions) {
      for (const auto& ev : fn.stream_events) {
        if (!ev.enabled || ev.type != app::StreamEventSpec::Type::Kinesis) continue;
        std::string arn = platform::evaluate_arn(context, ev.arn_json, ev.key_path + ".arn");
        auto name = engine_->name_from_arn(arn);
        if (!name)
          throw app::ConfigError(app.config_file.filename().string(), ev.key_path + ".arn",
                                 "not a Kinesis stream ARN of this region and account: " + arn);
        triggers_.push_back(platform::start_stream_trigger(
            context, fn, ev, std::make_unique<KinesisShardSource>(*engine_, *name, app.region),
            arn));
      }
    }
    return {};
  }

  // Records past retention are dropped once a minute (reads never return them anyway).
  std::vector<platform::PeriodicWork> periodic_work() override {
    return {{"kinesis retention", std::chrono::seconds(60),
             [this] {
               if (engine_) engine_->trim_expired();
             },
             /*bulk=*/true}};
  }

  nlohmann::json describe() const override {
    nlohmann::json list = nlohmann::json::array();
    auto streams = engine_->list_streams({.limit = 10000});
    if (!streams) return list;
    for (const auto& s : streams->streams) {
      auto shards = engine_->shard_states(s.name);
      nlohmann::json shard_list = nlohmann::json::array();
      if (shards)
        for (const auto& st : *shards)
          shard_list.push_back({{"shardId", st.shard.shard_id}, {"open", !st.closed}});
      list.push_back({{"type", "stream"},
                      {"name", s.name},
                      {"arn", s.arn},
                      {"retentionHours", s.retention_period_hours},
                      {"openShards", s.open_shard_count},
                      {"shards", shard_list}});
    }
    return list;
  }

  void stop() override {
    for (auto& t : triggers_) t->stop();
  }

  void close() override {
    triggers_.clear();
    api_.reset();
    engine_.reset();
  }

 private:
  platform::ServiceContext* context_ = nullptr;
  std::unique_ptr<StreamEngine> engine_;
  std::unique_ptr<StreamApi> api_;
  std::vector<std::shared_ptr<events::StreamTrigger>> triggers_;
};

}  // namespace

std::unique_ptr<platform::Service> make_service() { return std::make_unique<StreamService>(); }

}  // namespace serverlite::stream
