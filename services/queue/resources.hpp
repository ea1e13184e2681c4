// `AWS::SQS::Queue` resources of serverless.yml: what they answer to Ref and Fn::GetAtt, and
// creating them in the engine at start-up from their Properties.
#pragma once

#include <string>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/intrinsics.hpp"
#include "services/queue/engine.hpp"

namespace serverlite::queue {

inline constexpr std::string_view kQueueResourceType = "AWS::SQS::Queue";

// The queue's name: Properties.QueueName, else CloudFormation's generated one (with ".fifo" for
// a FIFO queue, which CloudFormation appends itself).
std::string resource_queue_name(const app::AppSpec& app, const app::ResourceSpec& resource,
                                const nlohmann::json& properties);

// Registers AWS::SQS::Queue: Ref → queue URL, Fn::GetAtt Arn | QueueName | QueueUrl.
void add_queue_resource_type(app::ResourceTypes& types, const app::AppSpec& app,
                             std::string endpoint_url);

// Creates every AWS::SQS::Queue resource (or brings an existing one, from a kept --state, to the
// declared attributes). Redrive policies are applied once all queues exist, so a queue may name
// a dead-letter queue declared after it. Throws app::ConfigError naming the resource's key for
// a property the engine rejects.
void create_resource_queues(const app::AppSpec& app, const app::ResourceTypes& types,
                            QueueEngine& engine);

}  // namespace serverlite::queue
