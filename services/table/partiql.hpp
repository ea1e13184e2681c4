// PartiQL for the table service: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction.
//
// parse() turns one statement and its `Parameters` into a Plan written in DynamoDB expression
// text (expression.hpp), so the engine runs PartiQL through the same condition, projection and
// update machinery as the classic API. Every attribute name in the produced text is an
// ExpressionAttributeNames placeholder (#n0, #n1, ...) and every literal or `?` parameter an
// ExpressionAttributeValues placeholder (:v0, :v1, ...); DynamoDB's expression reserved words
// and odd names never reach the expression parser. Every placeholder in `names` / `values` is
// used by at least one of `projection`, `condition` and `update`.
//
// The grammar is DynamoDB's subset of PartiQL (Developer Guide, "PartiQL - a SQL-compatible
// query language for Amazon DynamoDB"):
//   SELECT * | path [, path ...] FROM table[."index"] [WHERE cond] [ORDER BY key [ASC|DESC], ...]
//   INSERT INTO table VALUE {'attr': value, ...}
//   UPDATE table SET path = value [, ...] | REMOVE path [, ...] ... [WHERE cond]
//          [RETURNING ALL|MODIFIED OLD|NEW *]
//   DELETE FROM table [WHERE cond] [RETURNING ALL OLD *]
//   EXISTS(SELECT ...)                      (a condition check inside ExecuteTransaction)
// with '--' and '/* */' comments and one optional trailing ';'. Literals: 'strings' ('' is a
// quote), numbers (DynamoDB's Number rules), TRUE, FALSE, NULL, MISSING (only after IS),
// {'k': v} maps, [a, b] lists, <<'a'>> string sets, <<1>> number sets, and `?` parameters (the
// only way to write binary values). Conditions: = <> != < <= > >=, AND, OR, NOT, parentheses,
// [NOT] BETWEEN, [NOT] IN [..] / (..), IS [NOT] MISSING | NULL | BOOLEAN | BLOB | STRING |
// NUMERIC | STRUCT | TUPLE | LIST, and begins_with, contains, attribute_type, attribute_exists,
// attribute_not_exists, size. SET values: a literal, a parameter, a path, a + b, a - b,
// list_append(a, b), set_add(path, set) and set_delete(path, set) (which become the ADD and
// DELETE actions of the update expression).
//
// Keys are the engine's business: parse() knows no schema. It reports the WHERE equalities the
// engine needs to find the key (`equalities`, `in_lists`); the engine answers
// kIncompleteKeyMessage when UPDATE / DELETE / EXISTS do not name the whole key.
#pragma once

#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/table/values.hpp"

namespace serverlite::table::partiql {

// A rejected statement. `code` is the exception name DynamoDB answers with (always
// "ValidationException" today; BatchExecuteStatement reports it as "ValidationError"), and
// `message` its text, e.g. "Statement wasn't well formed, can't be processed: Unexpected term".
struct Error : std::exception {
  std::string code;
  std::string message;
  explicit Error(std::string text, std::string error_code = "ValidationException")
      : code(std::move(error_code)), message(std::move(text)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

// Messages the engine raises for plans that parse but do not fit the table (DynamoDB's words).
inline constexpr std::string_view kIncompleteKeyMessage =
    "Where clause does not contain a mandatory equality on all key attributes";
inline constexpr std::string_view kExistsOutsideTransactionMessage =
    "EXISTS can only be used in ExecuteTransaction write requests.";

enum class Kind { Select, Insert, Update, Delete, Exists };

// The RETURNING clause: ALL OLD * is DELETE's only form; UPDATE takes all four.
enum class Returning { None, AllOld, ModifiedOld, AllNew, ModifiedNew };

// One ORDER BY key: a top-level attribute (the engine checks it is a key of the table/index).
struct OrderKey {
  std::string name;
  bool descending = false;
  bool operator==(const OrderKey&) const = default;
};

struct Plan {
  Kind kind = Kind::Select;
  std::string table;                 // "Music" from  "Music" / Music / "Music"."Index"
  std::optional<std::string> index;  // SELECT / EXISTS ... FROM "T"."I"
  std::string projection;            // SELECT: ProjectionExpression text; empty for *
  std::string condition;             // WHERE as ConditionExpression text; empty without WHERE
  std::string update;                // UPDATE: UpdateExpression text (SET/REMOVE/ADD/DELETE)
  Json item = Json::object();        // INSERT: the item, wire form, numbers canonical
  // ExpressionAttributeNames / ExpressionAttributeValues (wire form). Either may be an empty
  // object; hand those to ExpressionContext as null (absent), since it refuses empty maps as
  // DynamoDB does.
  Json names = Json::object();
  Json values = Json::object();
  // Top-level conjuncts of WHERE of the form  attr = value  (either side; attr a top-level
  // attribute, value a literal or parameter): attribute name -> wire value. The first one
  // written wins when an attribute has several. The engine finds the key here (Query or
  // GetItem instead of Scan); UPDATE / DELETE / EXISTS must name the whole key this way.
  std::map<std::string, Json> equalities;
  // SELECT / EXISTS: top-level conjuncts  attr IN [v1, v2 ...]  and  attr = v1 OR attr = v2 ...
  // on one top-level attribute, for key lookups (DynamoDB does not scan for these either).
  std::map<std::string, std::vector<Json>> in_lists;
  std::vector<OrderKey> order_by;  // SELECT only
  Returning returning = Returning::None;
};

// Parses `statement` with its `Parameters` (a JSON array of wire-form AttributeValues, bound
// to the `?` in order; null when the request has none). Throws Error for syntax errors
// (checked first), a parameter count that differs from the number of `?` ("Number of
// parameters in request and statement don't match."), invalid parameters, literals DynamoDB
// refuses (numbers: "<Number message> under root.x"), and constructs DynamoDB does not
// support. Never throws anything else for any input text.
Plan parse(std::string_view statement, const Json& parameters);

}  // namespace serverlite::table::partiql
