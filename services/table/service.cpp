#include "services/table/service.hpp"

#include <nlohmann/json.hpp>

#include "emulator/app/intrinsics.hpp"
#include "emulator/aws/router.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/platform/triggers.hpp"
#include "services/table/api.hpp"
#include "emulator/platform/slice_sizer.hpp"
#include "services/table/engine.hpp"
#include "services/table/resources.hpp"
#include "services/table/stream_source.hpp"
#include "services/table/streams_api.hpp"

namespace serverlite::table {

namespace {


class TableService : public platform::Service {
 public:
  std::string_view name() const override { return "dynamodb"; }
  std::vector<std::string> health_names() const override { return {"dynamodb", "dynamodbstreams"}; }

  // Fn::GetAtt [T, StreamArn] answers the table's real stream ARN once the table exists.
  void add_resource_types(app::ResourceTypes& types, const app::AppSpec& app,
                          const std::string&) override {
    add_table_resource_type(types, app,
                            [this](const std::string& name) -> std::optional<std::string> {
                              if (!engine_) return std::nullopt;
                              auto current = engine_->stream_log().current(name);
                              if (!current) return std::nullopt;
                              return current->arn;
                            });
  }

  std::vector<std::string> open(platform::ServiceContext& context) override {
    context_ = &context;
    auto& app = context.app();
    const auto& up = context.options();
    engine_ = std::make_unique<TableEngine>(
        context.db(),
        EngineOptions{.region = app.region,
                      .account_id = std::string(app::kAccountId),
                      .create_time = up.create_table_time,
                      .update_time = up.update_table_time,
                      .delete_time = up.delete_table_time},
        [&clock = context.clock()] { return clock.now(); });
    auto warnings = create_resource_tables(app, context.resource_types(), *engine_);
    api_ = std::make_unique<TableApi>(*engine_, context.aws_url());
    streams_api_ = std::make_unique<StreamsApi>(
        engine_->stream_log(), [this](const std::string& name) { return engine_->key_schema(name); });
    engine_->stream_log().set_on_records([this](const std::string& stream_arn) {
      for (auto& t : triggers_)
        if (t->source_arn() == stream_arn) t->wake();
    });
    return warnings;
  }

  void add_routes(platform::Routes& routes) override {
    routes.aws.add_target_prefix(std::string(TableApi::kTargetPrefix),
                                 [this](http::Request r, http::Responder d) {
                                   api_->handle(std::move(r), d);
                                 },
                                 {aws::JsonFront::DynamoDB, TableApi::action_names()});
    routes.aws.add_target_prefix(std::string(StreamsApi::kTargetPrefix),
                                 [this](http::Request r, http::Responder d) {
                                   streams_api_->handle(std::move(r), d);
                                 },
                                 {aws::JsonFront::DynamoDB, StreamsApi::action_names()});
  }

  // Lambda's DynamoDB Streams event source mappings, one per enabled `stream` event of type
  // dynamodb.
  std::vector<std::string> start_triggers() override {
    auto& context = *context_;
    auto& app = context.app();
    for (const auto& fn : app.functions) {
      for (const auto& ev : fn.stream_events) {
        if (!ev.enabled || ev.type != app::StreamEventSpec::Type::DynamoDb) continue;
        std::string arn = platform::evaluate_arn(context, ev.arn_json, ev.key_path + ".arn");
        auto resolved = table_stream_arn(arn);
        if (!resolved)
          throw app::ConfigError(app.config_file.filename().string(), ev.key_path + ".arn",
                                 "not the stream of a table with StreamSpecification enabled: " +
                                     arn);
        triggers_.push_back(platform::start_stream_trigger(
            context, fn, ev, std::make_unique<TableStreamSource>(engine_->stream_log(), *resolved),
            *resolved));
      }
    }
    return {};
  }

  std::vector<platform::PeriodicWork> periodic_work() override {
    return {
        // One slice per run, sized to take about 1 ms (platform::SliceSizer), so that its
        // transaction and the group commit right after it are all a request may wait for;
        // with group commit, slices run back to back would be committed together.
        // Time to live: expired items are deleted by a sweep every 100 ms (DynamoDB takes up to
        // a few days; a laptop should not make anyone wait).
        {"dynamodb ttl", std::chrono::milliseconds(100),
         [this] {
           if (!engine_) return;
           ttl_sizer_.run([this](std::size_t n) { return engine_->expire_items(n) == n; });
         },
         /*bulk=*/true},
        // The rows of large deleted tables, between requests.
        {"dynamodb table deletion", std::chrono::milliseconds(5),
         [this] {
           if (!engine_ || !engine_->deletions_pending()) return;
           delete_sizer_.run([this](std::size_t rows) { return engine_->delete_slice(rows); });
         },
         /*bulk=*/true},
        // CREATING, UPDATING and DELETING tables whose time has passed (lookups settle them
        // too; this ends a deletion nobody looks at).
        {"dynamodb table states", std::chrono::milliseconds(50),
         [this] {
           if (engine_ && engine_->states_pending()) engine_->settle_states();
         }},
        {"dynamodb streams retention", std::chrono::seconds(60),
         [this] {
           if (engine_) engine_->stream_log().trim();
         },
         /*bulk=*/true},
    };
  }

  nlohmann::json describe() const override {
    nlohmann::json list = nlohmann::json::array();
    ListTablesRequest request;
    for (;;) {
      auto page = engine_->list_tables(request);
      if (!page) break;
      for (const auto& name : page->names) {
        auto info = engine_->describe_table(name);
        if (!info) continue;
        nlohmann::json indexes = nlohmann::json::array();
        for (const auto& index : info->indexes)
          indexes.push_back({{"name", index.name},
                             {"kind", index.global ? "global" : "local"},
                             {"items", index.item_count}});
        nlohmann::json t = {{"type", "table"},
                            {"name", name},
                            {"arn", info->arn},
                            {"items", info->item_count},
                            {"sizeBytes", info->size_bytes},
                            {"indexes", indexes}};
        if (!info->latest_stream_arn.empty() && info->stream) t["streamArn"] = info->latest_stream_arn;
        if (!info->ttl_attribute.empty()) t["ttlAttribute"] = info->ttl_attribute;
        list.push_back(std::move(t));
      }
      if (!page->last_evaluated_table_name) break;
      request.exclusive_start_table_name = page->last_evaluated_table_name;
    }
    return list;
  }

  void stop() override {
    for (auto& t : triggers_) t->stop();
  }

  void close() override {
    triggers_.clear();
    streams_api_.reset();
    api_.reset();
    engine_.reset();
  }

 private:
  // The table stream a `stream` event names: the stream with that exact ARN when it exists, else
  // the current stream of the table the ARN names (`arn:aws:dynamodb:R:A:table/T/stream/<label>`,
  // any label: a label copied from AWS, or `Fn::GetAtt [T, StreamArn]` resolved before the table
  // existed). nullopt when neither is there.
  std::optional<std::string> table_stream_arn(const std::string& arn) {
    auto& log = engine_->stream_log();
    if (log.find(arn)) return arn;
    auto at = arn.find("/stream/");
    if (at == std::string::npos) return std::nullopt;
    auto table = engine_->name_from_arn(arn.substr(0, at));
    if (!table) return std::nullopt;
    if (auto current = log.current(*table)) return current->arn;
    return std::nullopt;
  }

  platform::ServiceContext* context_ = nullptr;
  platform::SliceSizer delete_sizer_, ttl_sizer_;
  std::unique_ptr<TableEngine> engine_;
  std::unique_ptr<TableApi> api_;
  std::unique_ptr<StreamsApi> streams_api_;
  std::vector<std::shared_ptr<events::StreamTrigger>> triggers_;
};

}  // namespace

std::unique_ptr<platform::Service> make_service() { return std::make_unique<TableService>(); }

}  // namespace serverlite::table
