// DynamoDB expressions: condition / filter, key condition, projection and update expressions.
//
// Each expression is parsed once into a typed tree (tokenizer + recursive descent), checked the
// way DynamoDB checks it (syntax first, then functions, reserved words, placeholders, operand
// types), and evaluated against items in wire form (values.hpp). Every error is an
// ExpressionError carrying the ValidationException message DynamoDB sends, already prefixed
// ("Invalid ConditionExpression: Syntax error; token: \"x\", near: \"a x\"") where DynamoDB
// prefixes it.
//
// One ExpressionContext serves all expressions of one request: it holds the request's
// ExpressionAttributeNames / ExpressionAttributeValues, records which were used, and
// check_all_used() raises DynamoDB's "unused" errors once every expression has been parsed.
#pragma once

#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "services/table/values.hpp"

namespace serverlite::table {

// A ValidationException message from parsing, checking or applying an expression.
struct ExpressionError : std::exception {
  std::string message;
  explicit ExpressionError(std::string text) : message(std::move(text)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

// The request parameter an expression came from; it names the error prefix.
enum class ExpressionKind { Condition, Filter, KeyCondition, Projection, Update };
std::string_view expression_kind_name(ExpressionKind kind);  // "ConditionExpression", ...

// True when `name` is one of DynamoDB's reserved words (case-insensitive), which may not be
// used bare as an attribute name in any expression.
bool is_reserved_word(std::string_view name);

// ExpressionAttributeNames / ExpressionAttributeValues of one request.
class ExpressionContext {
 public:
  ExpressionContext() = default;
  // `names` and `values` are the request members, or null when absent. Validates them as
  // DynamoDB does ("ExpressionAttributeNames must not be empty", "ExpressionAttributeValues
  // contains invalid key: Syntax error; key: \"v\"", "ExpressionAttributeValues contains invalid
  // value: <reason> for key :v") and canonicalises the values' numbers. Throws ExpressionError.
  ExpressionContext(const Json& names, const Json& values);

  // Resolve a placeholder and mark it used; nullptr when not defined.
  const std::string* name(const std::string& placeholder);
  const Json* value(const std::string& placeholder);

  // After every expression of the request is parsed: "Value provided in
  // ExpressionAttributeNames unused in expressions: keys: {#a, #b}", then the same for values.
  void check_all_used() const;

 private:
  std::map<std::string, std::string> names_;
  std::map<std::string, Json> values_;
  std::set<std::string> used_names_;
  std::set<std::string> used_values_;
};

// A document path: a top-level attribute name, then map keys and list indexes.
struct PathElement {
  std::string name;                  // map key (or the top-level name)
  std::optional<std::size_t> index;  // set for a list index, then `name` is empty
  bool operator==(const PathElement&) const = default;
};
using Path = std::vector<PathElement>;
// DynamoDB's rendering in messages: [a, b, [0]].
std::string path_to_string(const Path& path);
// The value at `path` in `item`, or nullptr when any step is missing or of the wrong type.
const Json* find_path(const Json& item, const Path& path);

// ---- Condition and filter expressions -----------------------------------------------------------

enum class Comparator { EQ, NE, LT, LE, GT, GE };
enum class Function {
  AttributeExists,
  AttributeNotExists,
  AttributeType,
  BeginsWith,
  Contains,
  Size
};

// An operand: a document path, a constant from ExpressionAttributeValues, or size(operand).
struct Operand {
  enum class Kind { Path, Value, Size } kind = Kind::Value;
  Path path;
  Json value;
  std::shared_ptr<Operand> size_of;
};

struct Condition {
  enum class Kind { Compare, Between, In, Function, And, Or, Not } kind = Kind::Compare;
  Comparator comparator = Comparator::EQ;
  Function function = Function::AttributeExists;
  std::vector<Operand> operands;    // Compare: 2; Between: 3; In: 2..101; Function: its args
  std::vector<Condition> children;  // And / Or: 2; Not: 1
};

class ConditionExpression {
 public:
  Condition root;
  // Whether `item` (an item object; an empty object for "no item") satisfies the condition.
  // A missing path makes every comparison false except <>, which is true, as in DynamoDB.
  bool evaluate(const Json& item) const;
};

// kind is Condition or Filter (it only changes the message prefix).
ConditionExpression parse_condition(std::string_view text, ExpressionContext& context,
                                    ExpressionKind kind = ExpressionKind::Condition);

// ---- Key condition expressions ------------------------------------------------------------------

enum class RangeOperator { EQ, LT, LE, GT, GE, Between, BeginsWith };

struct RangeCondition {
  std::string name;  // the range key attribute
  RangeOperator op = RangeOperator::EQ;
  Json value;  // the operand (lower bound for Between)
  Json upper;  // Between only
  bool matches(const Json& key_value) const;
};

struct KeyCondition {
  std::string hash_name;
  Json hash_value;
  std::optional<RangeCondition> range;
  // Whether `item` has the hash value and satisfies the range condition.
  bool matches(const Json& item) const;
};

// One condition of a key condition expression, as written ("k > :v" and ":v < k" alike).
struct KeyPart {
  std::string name;
  RangeOperator op = RangeOperator::EQ;
  Json value;
  Json upper;  // Between only
};

// The conditions of a parsed KeyConditionExpression, checked for what needs no schema: only AND
// between conditions, one key attribute per condition, no nesting, at most one condition per
// attribute, and one or two conditions ("Conditions can be of length 1 or 2 only").
std::vector<KeyPart> key_parts(const ConditionExpression& parsed);

// Parses a KeyConditionExpression for a table or index whose key is `hash_key` (and optionally
// `range_key`): exactly hash = :v, plus at most one condition on the range key (=, <, <=, >,
// >=, BETWEEN, begins_with), in either order, the key on either side of a comparator.
// Checking the values' types against the key schema is left to the caller.
KeyCondition parse_key_condition(std::string_view text, ExpressionContext& context,
                                 const std::string& hash_key,
                                 const std::optional<std::string>& range_key);

// ---- Projection expressions ---------------------------------------------------------------------

class ProjectionExpression {
 public:
  std::vector<Path> paths;
  // The item reduced to the projected paths; list elements keep their relative order and are
  // packed (a[2] of [x, y, z] gives [z]), as DynamoDB returns them.
  Json project(const Json& item) const;
};

ProjectionExpression parse_projection(std::string_view text, ExpressionContext& context);

// `item` reduced to `paths` (used for projections and for UPDATED_OLD / UPDATED_NEW).
Json project_paths(const Json& item, const std::vector<Path>& paths);

// ---- Update expressions -------------------------------------------------------------------------

// A value in a SET action: a path, a constant, if_not_exists(path, value), list_append(a, b),
// or a + b / a - b.
struct UpdateValue {
  enum class Kind { Path, Value, IfNotExists, ListAppend, Plus, Minus } kind = Kind::Value;
  Path path;                      // Path, IfNotExists
  Json value;                     // Value
  std::vector<UpdateValue> args;  // IfNotExists: [fallback]; others: [a, b]
};

struct UpdateAction {
  enum class Kind { Set, Remove, Add, Delete } kind = Kind::Set;
  Path path;
  UpdateValue value;  // Set
  Json operand;       // Add / Delete: the constant
};

struct UpdateResult {
  Json item;                        // the item after the update
  std::set<std::string> changed;    // top-level attributes named by the actions
  std::vector<Path> updated_paths;  // every action's path, for UPDATED_OLD / UPDATED_NEW
};

class UpdateExpression {
 public:
  std::vector<UpdateAction> actions;
  // Translated from the legacy AttributeUpdates, whose type errors DynamoDB words differently.
  bool from_attribute_updates = false;
  // Applies the actions to `item` (an empty object when the item does not exist yet). Operands
  // are read from the item as it was before the update, as DynamoDB does. Throws
  // ExpressionError for "The document path provided in the update expression is invalid for
  // update", "An operand in the update expression has an incorrect
  // data type", "The provided expression refers to an attribute that
  // does not exist in the item" and number range errors.
  UpdateResult apply(const Json& item) const;
};

UpdateExpression parse_update(std::string_view text, ExpressionContext& context);

}  // namespace serverlite::table
