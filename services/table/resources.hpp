// `AWS::DynamoDB::Table` resources of serverless.yml: what they answer to Ref and Fn::GetAtt, and
// creating them in the engine at start-up from their Properties.
#pragma once

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

// Registers AWS::DynamoDB::Table: Ref → the table's name, Fn::GetAtt Arn → its ARN.
void add_table_resource_type(app::ResourceTypes& types, const app::AppSpec& app);

// Creates every AWS::DynamoDB::Table resource from TableName, KeySchema, AttributeDefinitions,
// BillingMode, ProvisionedThroughput, Tags and DeletionProtectionEnabled. A table kept from an
// earlier run (--state) keeps its items; its billing and throughput follow the file. Throws
// app::ConfigError naming the resource's key for a definition DynamoDB would reject. Returns one
// warning per property serverlite does not apply yet (indexes, streams, TTL ...).
std::vector<std::string> create_resource_tables(const app::AppSpec& app, const app::ResourceTypes& types,
                            TableEngine& engine);

}  // namespace serverlite::table
