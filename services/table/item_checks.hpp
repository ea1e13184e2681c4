// DynamoDB's checks of item requests beyond their shapes: that the placeholder maps come with an
// expression, and the document paths of an update or a projection against a table's key schema
// and its indexes' key schemas (a key attribute is a scalar, so no path may reach into one, and
// an update may not give an index key attribute a value of another type).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/table/expression.hpp"
#include "services/table/model.hpp"

namespace serverlite::table {

// "ExpressionAttributeNames can only be specified when using expressions" (or the Values one)
// when a request carries a placeholder map but none of `expressions`, the operation's expression
// parameters, that could use it (a ProjectionExpression takes no values); nullopt otherwise.
std::optional<std::string> expression_params_error(
    const Json& body, std::initializer_list<std::string_view> expressions);

// "Key attributes must be scalars; ..." when one of `paths` reaches into a key attribute of the
// table (Key: a) or of an index (IndexKey: d); nullopt otherwise.
std::optional<std::string> nested_key_path_error(const TableInfo& info,
                                                 const std::vector<Path>& paths);

// The checks DynamoDB makes of an update expression before it reads the item, after the key
// attributes (which no action may name): an index key attribute SET or ADDed to a value whose
// type is known without the item (a constant, arithmetic, list_append) of another type than the
// index declares ("Type mismatch for Index Key ..."), then any path into a key attribute.
std::optional<std::string> update_key_error(const TableInfo& info, const UpdateExpression& update);

// Every document path an update expression names: the actions' targets and their operands.
std::vector<Path> update_paths(const UpdateExpression& update);

}  // namespace serverlite::table
