// DynamoDB's legacy request parameters, translated into expressions.
//
// DynamoDB documents every legacy parameter by its expression equivalent (Developer Guide,
// "Legacy conditional parameters"): KeyConditions -> KeyConditionExpression, QueryFilter /
// ScanFilter -> FilterExpression, Expected -> ConditionExpression, AttributeUpdates ->
// UpdateExpression, AttributesToGet -> ProjectionExpression, with ConditionalOperator choosing
// AND or OR between conditions. This module checks the legacy parameters the way DynamoDB does,
// with DynamoDB's ValidationException messages, and turns each into expression text plus the
// ExpressionAttributeNames / ExpressionAttributeValues it uses, so the engine runs one parser and
// one evaluator (expression.hpp) for both forms.
//
// Contract:
// - Every attribute name becomes a name placeholder (names in legacy parameters are plain
//   top-level names: "a.b" is one attribute, reserved words are fine). Placeholders are "#<p><i>"
//   and ":<p><i>" with one letter <p> per function (k: KeyConditions, f: filters, e: Expected,
//   u: AttributeUpdates, p: AttributesToGet), so the translations of one request never collide
//   with each other. merge_into() adds a translation to a request's own names and values,
//   renaming on collision (Query allows KeyConditions beside a FilterExpression).
// - Conditions are emitted in attribute-name order (nlohmann::json objects are sorted), so the
//   text is deterministic.
// - Attribute values are checked with validate_value() (values.hpp) and copied into `values`
//   with their numbers canonicalised.
// - Errors throw LegacyError. Constraint errors that DynamoDB's request layer raises (an unknown
//   ComparisonOperator, a missing one, an unknown Action, an empty AttributesToGet) use its
//   "1 validation error detected: Value 'X' at 'scanFilter.a.member.comparisonOperator' failed
//   to satisfy constraint: ..." form; JSON of the wrong shape (a string where a list belongs)
//   is a SerializationException and says so in `kind`.
//
// Semantics that the plain expression operators would get wrong are spelled out in the
// translation: NOT_CONTAINS is false for a missing attribute (its expression form
// `NOT contains(a, :v)` alone would be true), and ADD of a list appends, which UpdateExpression's
// ADD does not do.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "services/table/model.hpp"
#include "services/table/values.hpp"

namespace serverlite::table {

struct LegacyError : std::exception {
  enum class Kind { Validation, Serialization };
  explicit LegacyError(std::string text, Kind error_kind = Kind::Validation)
      : message(std::move(text)), kind(error_kind) {}
  const char* what() const noexcept override { return message.c_str(); }

  std::string message;  // DynamoDB's message, sent as ValidationException (or
                        // SerializationException when kind says so)
  Kind kind = Kind::Validation;
};

// An expression with the placeholders it uses. `expression` is empty when the legacy parameter
// was an empty map (no condition, no update); names / values are then empty objects.
struct Translated {
  std::string expression;
  Json names = Json::object();   // "#k0" -> "attribute name"
  Json values = Json::object();  // ":k0" -> {"S": "..."}
};

// ---- Request-level checks and translations (no table needed) -------------------------------

// Query KeyConditions -> KeyConditionExpression ("#k0 = :k0 AND #k1 BETWEEN :k1 AND :k2").
// Checks each condition (operator, argument count and types, BETWEEN bounds) and the count:
// "Conditions can be of length 1 or 2 only". Schema checks follow in check_key_conditions().
Translated key_conditions(const Json& key_conditions);

// QueryFilter / ScanFilter -> FilterExpression. `parameter` is "QueryFilter" or "ScanFilter"
// (it names the member in constraint messages); `conditional_operator` is the request's
// ConditionalOperator ("AND" / "OR"), nullopt when absent.
Translated filter(const Json& conditions, std::optional<std::string_view> conditional_operator,
                  std::string_view parameter);

// Expected (+ ConditionalOperator) -> ConditionExpression, for PutItem, UpdateItem, DeleteItem.
// Covers both forms: Value / Exists ("Exists": false -> attribute_not_exists(a); a Value with
// Exists true or absent -> a = :v) and ComparisonOperator / AttributeValueList (or Value as
// its single argument), with DynamoDB's errors for mixing them.
Translated expected(const Json& expected, std::optional<std::string_view> conditional_operator);

// AttributeUpdates -> UpdateExpression: PUT -> SET a = :v; ADD of N or a set -> ADD a :v; ADD
// of a list -> SET a = list_append(if_not_exists(a, []), :v); DELETE without Value -> REMOVE a;
// DELETE of a set -> DELETE a :v. A missing Action is PUT.
Translated attribute_updates(const Json& updates);

// AttributesToGet -> ProjectionExpression ("#p0, #p1"). Rejects an empty list and duplicates.
Translated attributes_to_get(const Json& names);

// A ConditionalOperator needs something to combine: "ConditionalOperator cannot be used without
// Filter or Expected" when `conditions` is 0, "ConditionalOperator can only be used when Filter
// or Expected has two or more elements" when it is 1; an unknown value is a constraint error.
// filter() and expected() call it; call it directly when the request has a ConditionalOperator
// but no QueryFilter / ScanFilter / Expected. Does nothing for nullopt.
void check_conditional_operator(std::optional<std::string_view> conditional_operator,
                                std::size_t conditions);

// DynamoDB refuses legacy and expression parameters in one request. `request` is the request
// body (a JSON object; null members count as absent). Returns "Can not use both expression and
// non-expression parameters in the same request: Non-expression parameters: {AttributesToGet}
// Expression parameters: {ProjectionExpression}" (parameters in DynamoDB's fixed order), or
// nullopt. KeyConditions only counts when KeyConditionExpression is present too: DynamoDB
// accepts KeyConditions with a FilterExpression / ProjectionExpression.
std::optional<std::string> mixing_error(const Json& request);

// ExpressionAttributeNames without any of the operation's expression parameters (`expressions`,
// ProjectionExpression included), or ExpressionAttributeValues without any that takes values
// (`expressions` but ProjectionExpression): "ExpressionAttributeNames can only be specified when
// using expressions", "ExpressionAttributeValues can only be specified when using expressions:
// FilterExpression and KeyConditionExpression are null" (names in the order given). Checked
// right after mixing_error, before any value.
std::optional<std::string> unused_maps_error(const Json& request,
                                             std::initializer_list<std::string_view> expressions);

// ---- Table-level checks (after the table or index is known) ---------------------------------

// KeyConditions against the key schema of the table or index queried, as DynamoDB checks them:
// "Query key condition not supported", "Query condition missed key schema element: a",
// "Attempted conditional constraint is not an indexable operation" (NULL, NOT_NULL, NE,
// CONTAINS, NOT_CONTAINS, IN), "One or more parameter values were invalid: Condition parameter
// type does not match schema type". Call after key_conditions() accepted them. `before` runs
// first for each key attribute checked (hash, then range): the ExclusiveStartKey's piece of it,
// which DynamoDB checks attribute by attribute with the conditions.
using KeyElementCheck = std::function<void(const KeyElement& element, bool is_hash)>;
void check_key_conditions(const Json& key_conditions, const KeySchema& key,
                          const KeyElementCheck& before = {});

// The same checks for any key condition (a KeyConditionExpression's, by attribute name): whether
// its operator can use the key, whether it is an equality, and its values' types.
struct KeyConditionShape {
  bool indexable = true;
  bool equality = true;
  std::vector<std::optional<ValueType>> types;
};
void check_query_key(const std::map<std::string, KeyConditionShape>& conditions,
                     const KeySchema& key, const KeyElementCheck& before = {});

// "QueryFilter can only contain non-primary key attributes: Primary key attribute: a" when the
// filter names a key attribute of the table or index queried.
void check_query_filter(const Json& query_filter, const KeySchema& key);

// ---- Merging ----------------------------------------------------------------------------------

// Adds `translated`'s placeholders to a request's ExpressionAttributeNames / Values (objects, or
// null when the request has none), renaming any placeholder already present, and returns the
// expression text with the renames applied. A null map stays null when the translation adds
// nothing to it (AttributesToGet has no values), so the pair can go straight to
// ExpressionContext, which refuses empty maps as DynamoDB does.
std::string merge_into(const Translated& translated, Json& names, Json& values);

}  // namespace serverlite::table
