// DynamoDB's checks of the table operations' requests that go past member shapes (CreateTable's
// keys and indexes, the tag operations' ResourceArn), in the order DynamoDB makes them. Each
// throws the ApiError DynamoDB answers. Internal to services/table.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace serverlite::table::front {

// CreateTable after its shape check: throughput against BillingMode, then the table's key
// schema against AttributeDefinitions, then each local and global secondary index.
void check_create_table(const nlohmann::json& body);

// UpdateTable after its shape check, before the table is looked up: something to change,
// throughput in bounds, and at most one update per index.
void check_update_table(const nlohmann::json& body);

// TagResource, UntagResource, ListTagsOfResource: the ResourceArn (and `list_member`, Tags or
// TagKeys, when not empty) as DynamoDB checks them before looking the table up. `action` names
// the operation in AccessDeniedException's message. Returns the table name the ARN names.
std::string check_tagging(const nlohmann::json& body, std::string_view action,
                          std::string_view list_member, const std::string& account_id);

}  // namespace serverlite::table::front
