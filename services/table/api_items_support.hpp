// What the DynamoDB front's item operations (api_items.cpp) and reads (api_reads.cpp) share: the
// expressions of one request, and the checks and answers of item operations. Private to
// services/table.
#pragma once

#include <deque>
#include <initializer_list>
#include <set>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/table/api.hpp"
#include "services/table/api_support.hpp"
#include "services/table/expression.hpp"
#include "services/table/hash_order.hpp"
#include "services/table/item_checks.hpp"
#include "services/table/legacy.hpp"
#include "services/table/read_checks.hpp"

namespace serverlite::table::item_front {

using aws::ApiError;
using namespace front;

// The expressions of one request, from their expression parameters or translated from the
// legacy ones, sharing one ExpressionAttributeNames / Values context.
class Expressions {
 public:
  // `expressions`, when given, are the operation's expression parameters, for the check that
  // the placeholder maps come with one of them.
  explicit Expressions(const Json& body, std::initializer_list<std::string_view> expressions = {})
      : body_(body) {
    if (auto e = mixing_error(body)) throw validation(*e);
    if (expressions.size())
      if (auto e = expression_params_error(body, expressions)) throw validation(*e);
    names_ = body.contains("ExpressionAttributeNames") ? body["ExpressionAttributeNames"] : Json();
    values_ = body.contains("ExpressionAttributeValues") ? body["ExpressionAttributeValues"]
                                                         : Json();
  }

  // Legacy parameters are translated first (their placeholders go into the maps), then the
  // context is built and every expression parsed.
  std::optional<std::string> translate(const Translated& t) { return merge_into(t, names_, values_); }

  ExpressionContext& context() {
    if (!context_) context_.emplace(names_, values_);
    return *context_;
  }

 private:
  const Json& body_;
  Json names_, values_;
  std::optional<ExpressionContext> context_;
};

inline std::optional<std::string> text(const Json& body, std::string_view name) {
  return aws::optional_string(body, name);
}

inline std::optional<std::string_view> conditional_operator(const Json& body) {
  auto it = body.find("ConditionalOperator");
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get_ref<const std::string&>();
}

// The text of a write's condition: ConditionExpression, or Expected (+ ConditionalOperator)
// translated (its placeholders added to the context's maps).
inline std::optional<std::string> condition_text(const Json& body, Expressions& ex) {
  std::optional<std::string> condition = text(body, "ConditionExpression");
  if (const Json* e = aws::optional_object(body, "Expected")) {
    auto t = expected(*e, conditional_operator(body));
    if (!t.expression.empty()) condition = ex.translate(t);
  } else if (body.contains("ConditionalOperator")) {
    check_conditional_operator(conditional_operator(body), 0);
  }
  return condition;
}

inline std::optional<ConditionExpression> parse_write_condition(
    const std::optional<std::string>& text, Expressions& ex) {
  if (!text) return std::nullopt;
  return parse_condition(*text, ex.context(), ExpressionKind::Condition);
}

// The condition of a write, parsed.
inline std::optional<ConditionExpression> write_condition(const Json& body, Expressions& ex) {
  return parse_write_condition(condition_text(body, ex), ex);
}

inline std::optional<ProjectionExpression> projection_of(const Json& body, Expressions& ex) {
  std::optional<std::string> projection = text(body, "ProjectionExpression");
  if (const Json* a = aws::optional_array(body, "AttributesToGet"))
    projection = ex.translate(attributes_to_get(*a));
  if (!projection) return std::nullopt;
  return parse_projection(*projection, ex.context());
}

inline ReturnValues return_values_of(const Json& body, bool update) {
  auto rv = aws::optional_string(body, "ReturnValues").value_or("NONE");
  static const std::map<std::string, ReturnValues, std::less<>> all = {
      {"NONE", ReturnValues::None},          {"ALL_OLD", ReturnValues::AllOld},
      {"UPDATED_OLD", ReturnValues::UpdatedOld}, {"ALL_NEW", ReturnValues::AllNew},
      {"UPDATED_NEW", ReturnValues::UpdatedNew}};
  auto it = all.find(rv);
  if (it == all.end())
    throw validation("1 validation error detected: Value '" + rv +
                     "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum "
                     "value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
  if (!update && it->second != ReturnValues::None && it->second != ReturnValues::AllOld)
    throw validation("Return values set to invalid value");
  return it->second;
}

inline bool all_old_on_failure(const Json& body) {
  auto v = aws::optional_string(body, "ReturnValuesOnConditionCheckFailure").value_or("NONE");
  if (v != "NONE" && v != "ALL_OLD")
    throw validation("1 validation error detected: Value '" + v +
                     "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: "
                     "Member must satisfy enum value set: [ALL_OLD, NONE]");
  return v == "ALL_OLD";
}

// The attribute values of a Key or an Item, checked (numbers made canonical) before the table is
// looked up, as DynamoDB's request layer does.
inline void check_values(Json& values) {
  if (auto e = validate_item(values)) {
    if (is_serialization_error(*e)) throw ApiError(400, std::string(aws::kSerializationException), *e);
    throw validation(*e);
  }
}

// DynamoDB's 400 KB item limit, checked with the request's other values, before the table is
// looked up.
inline void check_item_size(const Json& item) {
  if (item_size(item) > kMaxItemBytes)
    throw validation("Item size has exceeded the maximum allowed size");
}

// Whether the answer carries ConsumedCapacity (ReturnConsumedCapacity other than NONE).
inline bool reports_capacity(const Json& body) {
  return aws::optional_string(body, "ReturnConsumedCapacity").value_or("NONE") != "NONE";
}

// One table's ConsumedCapacity for ReturnConsumedCapacity TOTAL or INDEXES: {TableName,
// CapacityUnits, Read/WriteCapacityUnits}, and for INDEXES the table's share (Table) and each
// index's (GlobalSecondaryIndexes, LocalSecondaryIndexes).
// The item operations and the batches answer CapacityUnits alone (`alone`), as DynamoDB's
// PutItem, GetItem, DeleteItem, UpdateItem, BatchGetItem and BatchWriteItem do.
inline Json capacity_of(const std::string& mode, const std::string& table, double units,
                        bool read, const IndexUnits* indexes = nullptr, bool alone = false) {
  Json c = {{"TableName", table}, {"CapacityUnits", units}};
  if (!alone) c[read ? "ReadCapacityUnits" : "WriteCapacityUnits"] = units;
  if (mode != "INDEXES") return c;
  c["Table"] = {{"CapacityUnits", indexes ? units - indexes->sum() : units}};
  if (!indexes) return c;
  for (const auto& [member, map] : {std::pair{"GlobalSecondaryIndexes", &indexes->global},
                                    std::pair{"LocalSecondaryIndexes", &indexes->local}}) {
    if (map->empty()) continue;
    Json m = Json::object();
    for (const auto& [name, u] : *map) m[name] = {{"CapacityUnits", u}};
    c[member] = std::move(m);
  }
  return c;
}

inline std::string capacity_mode(const Json& body) {
  return aws::optional_string(body, "ReturnConsumedCapacity").value_or("NONE");
}

inline void add_capacity(Json& out, const Json& body, const std::string& table, double units,
                  bool read, const IndexUnits* indexes = nullptr, bool alone = false) {
  auto mode = capacity_mode(body);
  if (mode == "NONE") return;
  out["ConsumedCapacity"] = capacity_of(mode, table, units, read, indexes, alone);
}

// The top-level attribute names a condition reads.
inline void collect_names(const Operand& operand, std::set<std::string>& out) {
  if (operand.kind == Operand::Kind::Path && !operand.path.empty()) out.insert(operand.path[0].name);
  if (operand.size_of) collect_names(*operand.size_of, out);
}

inline void collect_names(const Condition& condition, std::set<std::string>& out) {
  for (const auto& o : condition.operands) collect_names(o, out);
  for (const auto& c : condition.children) collect_names(c, out);
}

// A Query's filter may not read the key: DynamoDB wants that in the key condition.
inline void check_filter_keys(const ConditionExpression& filter, const KeySchema& key) {
  std::set<std::string> names;
  collect_names(filter.root, names);
  for (const KeyElement* k : {&key.hash, key.range ? &*key.range : nullptr})
    if (k && names.contains(k->name))
      throw validation("Filter Expression can only contain non-primary key attributes: Primary "
                       "key attribute: " + k->name);
}

// Whether a read of an index that does not project everything needs the table's items: a GSI
// never reads them (asking for more than it projects is an error, as DynamoDB's), an LSI fetches
// them when the read wants attributes it does not hold.
inline bool index_needs_table(const IndexInfo& index, const KeySchema& table_key,
                       const std::string& select,
                       const std::optional<ProjectionExpression>& projection,
                       const std::optional<ConditionExpression>& filter) {
  std::set<std::string> wanted;
  if (projection)
    for (const auto& path : projection->paths) wanted.insert(path.front().name);
  if (filter) collect_names(filter->root, wanted);
  if (index.global) {
    if (select == "ALL_ATTRIBUTES")
      throw validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is "
                       "not supported for global secondary index " + index.name +
                       " because its projection type is not ALL");
    if (projection)
      for (const auto& path : projection->paths)
        if (!index.projects(path.front().name, table_key))
          throw validation("One or more parameter values were invalid: Global secondary index " +
                           index.name + " does not project [" + path.front().name + "]");
    return false;
  }
  if (select == "ALL_ATTRIBUTES") return true;
  for (const auto& name : wanted)
    if (!index.projects(name, table_key)) return true;
  return false;
}

// PutItem's, DeleteItem's and UpdateItem's answer: Attributes per ReturnValues, and the capacity.
inline Json write_answer(const WriteResult& result, const Json& body, const std::string& table) {
  Json out = Json::object();
  if (result.attributes) out["Attributes"] = *result.attributes;
  add_capacity(out, body, table, result.capacity_units, false, &result.index_units, true);
  return out;
}

}  // namespace serverlite::table::item_front
