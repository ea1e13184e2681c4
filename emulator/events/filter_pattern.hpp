// Lambda event filtering: does a record match a filter pattern? The pattern language of
// EventBridge, as Lambda applies it to event source records (SQS, Kinesis, DynamoDB streams):
// keys nest like the record; a leaf is a list of alternatives, each a value (string, number,
// boolean, null) or a rule: {"prefix"}, {"suffix"}, {"equals-ignore-case"}, {"anything-but"},
// {"numeric": [op, n, (op, n)]}, {"exists": bool}. A record matches when every key matches.
#pragma once

#include <nlohmann/json.hpp>

namespace serverlite::events {

// Throws std::invalid_argument for a pattern that is not well-formed.
bool matches_filter(const nlohmann::json& pattern, const nlohmann::json& record);

}  // namespace serverlite::events
