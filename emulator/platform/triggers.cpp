#include "emulator/platform/triggers.hpp"

#include <nlohmann/json.hpp>

#include "emulator/app/intrinsics.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/platform/delivery.hpp"

namespace serverlite::platform {

nlohmann::json Service::describe() const { return nullptr; }

std::string evaluate_arn(ServiceContext& context, const std::string& json_text,
                         const std::string& key_path) {
  auto& app = context.app();
  auto value = app::evaluate_intrinsics(nlohmann::json::parse(json_text), key_path, app,
                                        context.resource_types());
  if (!value.is_string())
    throw app::ConfigError(app.config_file.filename().string(), key_path,
                           "expected an ARN, got " + value.dump());
  return value.get<std::string>();
}

std::string function_arn(ServiceContext& context, const app::FunctionSpec& function) {
  return "arn:aws:lambda:" + context.app().region + ":" + std::string(app::kAccountId) +
         ":function:" + function.name;
}

std::shared_ptr<events::StreamTrigger> start_stream_trigger(
    ServiceContext& context, const app::FunctionSpec& function, const app::StreamEventSpec& event,
    std::unique_ptr<events::ShardSource> source, const std::string& source_arn) {
  events::StreamTriggerSpec spec;
  spec.function_key = function.key;
  spec.function_arn = function_arn(context, function);
  spec.region = context.app().region;
  spec.event = event;
  auto& delivery = context.delivery();
  if (!event.on_failure_arn_json.empty()) {
    std::string key = event.key_path + ".destinations.onFailure";
    spec.on_failure_arn = evaluate_arn(context, event.on_failure_arn_json, key);
    if (auto why = delivery.unowned(spec.on_failure_arn))
      throw app::ConfigError(context.app().config_file.filename().string(), key, *why);
  }
  spec.clock = [&clock = context.clock()] { return clock.now(); };
  auto trigger = std::make_shared<events::StreamTrigger>(
      context.io(), context.db(), std::move(source), context.invoker("trigger"), std::move(spec),
      [&delivery](const std::string& arn, const std::string& body, std::string& error) {
        auto delivered = delivery.deliver(arn, Message{.body = body});
        if (!delivered) error = delivered.error;
        return bool(delivered);
      });
  trigger->start();
  std::string detail = "batchSize " + std::to_string(event.batch_size);
  if (!event.enabled) detail += ", disabled";
  context.add_trigger(TriggerInfo{function.key,
                                  event.type == app::StreamEventSpec::Type::Kinesis ? "kinesis"
                                                                                     : "dynamodb",
                                  source_arn, detail});
  return trigger;
}

}  // namespace serverlite::platform
