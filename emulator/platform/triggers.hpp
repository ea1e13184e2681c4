// What the services that feed functions share: evaluating serverless.yml's ARNs as the running
// app sees them, and starting a stream trigger (Kinesis or a table stream) with its on-failure
// destination delivered by ARN.
#pragma once

#include <memory>
#include <string>

#include "emulator/app/app_spec.hpp"
#include "emulator/events/shard_source.hpp"
#include "emulator/events/stream_trigger.hpp"
#include "emulator/platform/service.hpp"

namespace serverlite::platform {

// A value of serverless.yml (JSON text, maybe a CloudFormation function) that must be an ARN.
// Throws app::ConfigError naming `key_path`.
std::string evaluate_arn(ServiceContext& context, const std::string& json_text,
                         const std::string& key_path);

// The ARN of a function of the app.
std::string function_arn(ServiceContext& context, const app::FunctionSpec& function);

// Starts Lambda's event source mapping for `event` of `function` over `source`, and records it
// (ServiceContext::add_trigger). An onFailure destination that no service owns is a
// ConfigError at start-up.
std::shared_ptr<events::StreamTrigger> start_stream_trigger(
    ServiceContext& context, const app::FunctionSpec& function, const app::StreamEventSpec& event,
    std::unique_ptr<events::ShardSource> source, const std::string& source_arn);

}  // namespace serverlite::platform
