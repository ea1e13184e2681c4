// Checks of a Query's or Scan's expressions against the table read (see api_items.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/table/expression.hpp"
#include "services/table/model.hpp"

namespace serverlite::table {

// Every document path of a condition (size() operands included), left to right.
std::vector<Path> condition_paths(const ConditionExpression& condition);

// DynamoDB refuses a path into a key attribute ("a.b", "a[0]") in a read's projection or filter:
// "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed:
// Key: a" for the table's key, "... IndexKey: d" for an index's (global indexes first, then
// local ones). nullopt when no path does.
std::optional<std::string> nested_key_path_error(const std::vector<Path>& paths,
                                                 const TableInfo& table);

}  // namespace serverlite::table
