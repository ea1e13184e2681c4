// `AWS::DynamoDB::Table` resources of serverless.yml: what they answer to Ref and Fn::GetAtt, and
// creating them in the engine at start-up from their Properties.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/intrinsics.hpp"
#include "services/table/engine.hpp"

namespace serverlite::table {

inline constexpr std::string_view kTableResourceType = "AWS::DynamoDB::Table";

// Properties.TableName, else CloudFormation's generated name.
std::string resource_table_name(const app::AppSpec& app, const app::ResourceSpec& resource,
                                const nlohmann::json& properties);

// The ARN of a table's enabled stream; nullopt when it has none.
using StreamArnLookup = std::function<std::optional<std::string>(const std::string& table)>;

// Registers AWS::DynamoDB::Table: Ref → the table's name, Fn::GetAtt Arn → its ARN,
// Fn::GetAtt StreamArn → its stream's ARN from `stream_arn` (before the table exists, or
// without a lookup: the ARN with the label "*", which stream triggers resolve to the table's
// current stream).
void add_table_resource_type(app::ResourceTypes& types, const app::AppSpec& app,
                             StreamArnLookup stream_arn = {});

// Creates every AWS::DynamoDB::Table resource from TableName, KeySchema, AttributeDefinitions,
// BillingMode, ProvisionedThroughput, GlobalSecondaryIndexes, LocalSecondaryIndexes,
// StreamSpecification, Tags and DeletionProtectionEnabled. A table kept from an
// earlier run (--state) keeps its items; its billing and throughput follow the file. Throws
// app::ConfigError naming the resource's key for a definition DynamoDB would reject. Returns one
// warning per property serverlite does not apply yet (indexes, streams, TTL ...).
std::vector<std::string> create_resource_tables(const app::AppSpec& app, const app::ResourceTypes& types,
                            TableEngine& engine);

}  // namespace serverlite::table
