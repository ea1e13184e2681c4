// `AWS::Kinesis::Stream` resources of serverless.yml: what they answer to Ref and Fn::GetAtt, and
// creating them in the engine at start-up from their Properties.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/intrinsics.hpp"
#include "services/stream/engine.hpp"

namespace serverlite::stream {

inline constexpr std::string_view kStreamResourceType = "AWS::Kinesis::Stream";

// Properties.Name, else CloudFormation's generated name.
std::string resource_stream_name(const app::AppSpec& app, const app::ResourceSpec& resource,
                                 const nlohmann::json& properties);

// Registers AWS::Kinesis::Stream: Ref → the stream's name, Fn::GetAtt Arn → its ARN.
void add_stream_resource_type(app::ResourceTypes& types, const app::AppSpec& app);

// Creates every AWS::Kinesis::Stream resource (Name, ShardCount (default 1),
// RetentionPeriodHours, StreamModeDetails, Tags). A stream kept from an earlier run (--state) is
// left as it is, but for its retention period, which follows the file; its shards are not
// changed (that would close shards that hold records). Throws app::ConfigError naming the
// resource's key for a property the engine rejects.
void create_resource_streams(const app::AppSpec& app, const app::ResourceTypes& types,
                             StreamEngine& engine);

}  // namespace serverlite::stream
