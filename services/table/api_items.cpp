// The item operations of the DynamoDB front: PutItem, GetItem, DeleteItem, UpdateItem, Query,
// Scan, BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems (see api.hpp).
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

namespace serverlite::table {

using aws::ApiError;
using namespace front;

namespace {

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

std::optional<std::string> text(const Json& body, std::string_view name) {
  return aws::optional_string(body, name);
}

std::optional<std::string_view> conditional_operator(const Json& body) {
  auto it = body.find("ConditionalOperator");
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get_ref<const std::string&>();
}

// The text of a write's condition: ConditionExpression, or Expected (+ ConditionalOperator)
// translated (its placeholders added to the context's maps).
std::optional<std::string> condition_text(const Json& body, Expressions& ex) {
  std::optional<std::string> condition = text(body, "ConditionExpression");
  if (const Json* e = aws::optional_object(body, "Expected")) {
    auto t = expected(*e, conditional_operator(body));
    if (!t.expression.empty()) condition = ex.translate(t);
  } else if (body.contains("ConditionalOperator")) {
    check_conditional_operator(conditional_operator(body), 0);
  }
  return condition;
}

std::optional<ConditionExpression> parse_write_condition(const std::optional<std::string>& text,
                                                         Expressions& ex) {
  if (!text) return std::nullopt;
  return parse_condition(*text, ex.context(), ExpressionKind::Condition);
}

// The condition of a write, parsed.
std::optional<ConditionExpression> write_condition(const Json& body, Expressions& ex) {
  return parse_write_condition(condition_text(body, ex), ex);
}

std::optional<ProjectionExpression> projection_of(const Json& body, Expressions& ex) {
  std::optional<std::string> projection = text(body, "ProjectionExpression");
  if (const Json* a = aws::optional_array(body, "AttributesToGet"))
    projection = ex.translate(attributes_to_get(*a));
  if (!projection) return std::nullopt;
  return parse_projection(*projection, ex.context());
}

ReturnValues return_values_of(const Json& body, bool update) {
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

bool all_old_on_failure(const Json& body) {
  auto v = aws::optional_string(body, "ReturnValuesOnConditionCheckFailure").value_or("NONE");
  if (v != "NONE" && v != "ALL_OLD")
    throw validation("1 validation error detected: Value '" + v +
                     "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: "
                     "Member must satisfy enum value set: [ALL_OLD, NONE]");
  return v == "ALL_OLD";
}

// The attribute values of a Key or an Item, checked (numbers made canonical) before the table is
// looked up, as DynamoDB's request layer does.
void check_values(Json& values) {
  if (auto e = validate_item(values)) {
    if (is_serialization_error(*e)) throw ApiError(400, std::string(aws::kSerializationException), *e);
    throw validation(*e);
  }
}

// DynamoDB's 400 KB item limit, checked with the request's other values, before the table is
// looked up.
void check_item_size(const Json& item) {
  if (item_size(item) > kMaxItemBytes)
    throw validation("Item size has exceeded the maximum allowed size");
}

// Whether the answer carries ConsumedCapacity (ReturnConsumedCapacity other than NONE).
bool reports_capacity(const Json& body) {
  return aws::optional_string(body, "ReturnConsumedCapacity").value_or("NONE") != "NONE";
}

// One table's ConsumedCapacity for ReturnConsumedCapacity TOTAL or INDEXES: {TableName,
// CapacityUnits, Read/WriteCapacityUnits}, and for INDEXES the table's share (Table) and each
// index's (GlobalSecondaryIndexes, LocalSecondaryIndexes).
// The item operations and the batches answer CapacityUnits alone (`alone`), as DynamoDB's
// PutItem, GetItem, DeleteItem, UpdateItem, BatchGetItem and BatchWriteItem do.
Json capacity_of(const std::string& mode, const std::string& table, double units, bool read,
                 const IndexUnits* indexes = nullptr, bool alone = false) {
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

std::string capacity_mode(const Json& body) {
  return aws::optional_string(body, "ReturnConsumedCapacity").value_or("NONE");
}

void add_capacity(Json& out, const Json& body, const std::string& table, double units,
                  bool read, const IndexUnits* indexes = nullptr, bool alone = false) {
  auto mode = capacity_mode(body);
  if (mode == "NONE") return;
  out["ConsumedCapacity"] = capacity_of(mode, table, units, read, indexes, alone);
}

// The top-level attribute names a condition reads.
void collect_names(const Operand& operand, std::set<std::string>& out) {
  if (operand.kind == Operand::Kind::Path && !operand.path.empty()) out.insert(operand.path[0].name);
  if (operand.size_of) collect_names(*operand.size_of, out);
}

void collect_names(const Condition& condition, std::set<std::string>& out) {
  for (const auto& o : condition.operands) collect_names(o, out);
  for (const auto& c : condition.children) collect_names(c, out);
}

// A Query's filter may not read the key: DynamoDB wants that in the key condition.
void check_filter_keys(const ConditionExpression& filter, const KeySchema& key) {
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
bool index_needs_table(const IndexInfo& index, const KeySchema& table_key,
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
Json write_answer(const WriteResult& result, const Json& body, const std::string& table) {
  Json out = Json::object();
  if (result.attributes) out["Attributes"] = *result.attributes;
  add_capacity(out, body, table, result.capacity_units, false, &result.index_units, true);
  return out;
}

}  // namespace

Json TableApi::put_item(Call& call) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  required_object(body, "Item");
  Json item = std::move(call.body["Item"]);  // nothing below reads it from the body
  Expressions ex(body, {"ConditionExpression"});
  check_values(item);
  auto return_values = return_values_of(body, false);
  check_item_size(item);
  auto condition = write_condition(body, ex);
  ex.context().check_all_used();
  WriteOptions options{condition ? &*condition : nullptr, return_values,
                       all_old_on_failure(body), reports_capacity(body)};
  auto r = engine_.put_item(table, std::move(item), options);
  return write_answer(unwrap(r), body, table);
}

Json TableApi::get_item(Call& call) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  const Json& key = required_object(body, "Key");
  Expressions ex(body, {"ProjectionExpression"});
  check_values(call.body["Key"]);
  auto projection = projection_of(body, ex);
  ex.context().check_all_used();
  if (const TableInfo* info = projection ? engine_.table_info(table) : nullptr)
    if (auto e = nested_key_path_error(*info, projection->paths)) throw validation(*e);
  // A whole item goes out as the text it is stored as.
  auto r = engine_.get_item(table, key, aws::optional_bool(body, "ConsistentRead").value_or(false),
                            !projection);
  auto& d = unwrap(r);
  Json out = Json::object();
  if (d.raw_item) call.raw_member.emplace("Item", std::move(*d.raw_item));
  if (d.item) out["Item"] = projection ? projection->project(*d.item) : std::move(*d.item);
  add_capacity(out, body, table, d.capacity_units, true, nullptr, true);
  return out;
}

Json TableApi::delete_item(Call& call) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  const Json& key = required_object(body, "Key");
  Expressions ex(body, {"ConditionExpression"});
  check_values(call.body["Key"]);
  auto condition = write_condition(body, ex);
  ex.context().check_all_used();
  WriteOptions options{condition ? &*condition : nullptr, return_values_of(body, false),
                       all_old_on_failure(body)};
  auto r = engine_.delete_item(table, key, options);
  return write_answer(unwrap(r), body, table);
}

Json TableApi::update_item(Call& call) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  const Json& key = required_object(body, "Key");
  Expressions ex(body, {"UpdateExpression", "ConditionExpression"});
  check_values(call.body["Key"]);
  std::optional<std::string> update_text = text(body, "UpdateExpression");
  if (const Json* u = aws::optional_object(body, "AttributeUpdates")) {
    auto t = attribute_updates(*u);
    if (!t.expression.empty()) update_text = ex.translate(t);
  }
  // The update is parsed before the condition, as DynamoDB reports their errors.
  auto condition_source = condition_text(body, ex);
  std::optional<UpdateExpression> update;
  if (update_text) update = parse_update(*update_text, ex.context());
  if (update && !body.contains("UpdateExpression")) update->from_attribute_updates = true;
  auto condition = parse_write_condition(condition_source, ex);
  ex.context().check_all_used();
  WriteOptions options{condition ? &*condition : nullptr, return_values_of(body, true),
                       all_old_on_failure(body)};
  auto r = engine_.update_item(table, key, update ? &*update : nullptr, options);
  return write_answer(unwrap(r), body, table);
}

Json TableApi::query(Call& call) { return read(call, true); }
Json TableApi::scan(Call& call) { return read(call, false); }

namespace {

// A value of an ExclusiveStartKey that is not a valid attribute value. DynamoDB prefixes most
// of these messages with "The provided starting key is invalid: ", but not those about numbers
// and duplicates in sets.
void check_start_key_values(Json& key) {
  for (auto& [name, value] : key.items()) {
    auto e = validate_value(value);
    if (!e) continue;
    if (is_serialization_error(*e)) throw ApiError(400, std::string(aws::kSerializationException), *e);
    for (const char* plain : {"contains duplicates", "number set", "numeric value",
                              "significant digits", "number with magnitude"})
      if (e->find(plain) != std::string::npos) throw validation(*e);
    throw validation("The provided starting key is invalid: " + *e);
  }
}


const KeyElement* range_of(const KeySchema& key) { return key.range ? &*key.range : nullptr; }

// One key attribute of a starting key: present with the schema's type, not empty, not too big.
void check_start_piece(const Json& start, const KeyElement& k, bool hash) {
  auto it = start.find(k.name);
  std::string type(type_name(k.type));
  if (it == start.end() || !it->is_object() || !it->contains(type))
    throw validation("The provided key element does not match the schema");
  const Json& v = (*it)[type];
  if (v.is_string() && v.get_ref<const std::string&>().empty() && k.type != ValueType::N)
    throw validation("One or more parameter values were invalid: The AttributeValue for a key "
                     "attribute cannot contain an empty " +
                     std::string(k.type == ValueType::S ? "string" : "binary") +
                     " value. Key: " + k.name);
}

// ExclusiveStartKey against the table and the index read: the attributes of both keys, no more.
// DynamoDB names the index's key problems plainly, and the table's with a prefix.
void check_start_key(const Json& start, const TableInfo& table, const IndexInfo* index,
                     bool is_query) {
  std::set<std::string> names = {table.key.hash.name};
  if (table.key.range) names.insert(table.key.range->name);
  if (index) {
    names.insert(index->key.hash.name);
    if (index->key.range) names.insert(index->key.range->name);
  }
  if (start.size() != names.size())
    throw validation(is_query || index ? "The provided starting key is invalid"
                                       : "The provided starting key is invalid: The provided key "
                                         "element does not match the schema");
  // A Query's pieces are checked with its key conditions (check_query_key).
  if (is_query || !index) return;
  const KeySchema& key = index ? index->key : table.key;
  for (const KeyElement* k : {&key.hash, range_of(key)}) {
    if (!k) continue;
    if (!start.contains(k->name)) throw validation("The provided starting key is invalid");
    check_start_piece(start, *k, k == &key.hash);
  }
}

void check_table_start_key(const Json& start, const TableInfo& table) {
  try {
    for (const KeyElement* k : {&table.key.hash, range_of(table.key)})
      if (k) check_start_piece(start, *k, k == &table.key.hash);
  } catch (const ApiError& e) {
    throw validation("The provided starting key is invalid: " + e.message());
  }
}

// A Query's starting key must lie within what its key condition selects.
void check_start_in_bounds(const Json& start, const KeyCondition& key) {
  auto hash = start.find(key.hash_name);
  bool same_hash = hash != start.end() && values_equal(*hash, key.hash_value);
  if (!key.range) {
    if (!same_hash)
      throw validation("The provided starting key is outside query boundaries based on provided "
                       "conditions");
    return;
  }
  auto range = start.find(key.range->name);
  if (range == start.end() || !key.range->matches(*range))
    throw validation("The provided starting key does not match the range key predicate");
  if (!same_hash)
    throw validation("The query can return at most one row and cannot be restarted");
}

}  // namespace

// Query and Scan share everything but the key condition and the segments. Everything that does
// not need the table is checked before it is looked up, in DynamoDB's order.
Json TableApi::read(Call& call, bool is_query) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  Expressions ex(body);
  if (auto e = is_query ? unused_maps_error(body, {"FilterExpression", "KeyConditionExpression",
                                                   "ProjectionExpression"})
                        : unused_maps_error(body, {"FilterExpression", "ProjectionExpression"}))
    throw validation(*e);
  ReadRequest req;
  std::string filter_name = is_query ? "QueryFilter" : "ScanFilter";
  std::optional<std::string> filter_text = text(body, "FilterExpression");
  std::optional<std::string> projection_text = text(body, "ProjectionExpression");
  auto legacy_filter = [&] {
    if (const Json* f = aws::optional_object(body, filter_name)) {
      auto t = filter(*f, conditional_operator(body), filter_name);
      if (!t.expression.empty()) filter_text = ex.translate(t);
    } else if (body.contains("ConditionalOperator")) {
      check_conditional_operator(conditional_operator(body), 0);
    }
  };
  auto legacy_projection = [&] {
    if (const Json* a = aws::optional_array(body, "AttributesToGet"))
      projection_text = ex.translate(attributes_to_get(*a));
  };
  if (is_query) {
    legacy_filter();
    legacy_projection();
  } else {
    legacy_projection();
    legacy_filter();
  }
  if (body.contains("ExclusiveStartKey")) {
    // Its values are attribute values like any other: checked (and numbers made canonical)
    // before the key is encoded.
    Json key = body["ExclusiveStartKey"];
    check_start_key_values(key);
    req.exclusive_start_key = std::move(key);
  }
  std::optional<std::string> key_text = text(body, "KeyConditionExpression");
  const Json* key_conditions_json = aws::optional_object(body, "KeyConditions");
  if (is_query && !key_text && !key_conditions_json)
    throw validation("Either the KeyConditions or KeyConditionExpression parameter must be "
                     "specified in the request.");
  if (!is_query) {
    auto segment = aws::optional_int(body, "Segment");
    auto total = aws::optional_int(body, "TotalSegments");
    if (segment && *segment != 0 && !total)
      throw validation("The TotalSegments parameter is required but was not present in the "
                       "request when Segment parameter is present");
    if (total && !segment)
      throw validation("The Segment parameter is required but was not present in the request "
                       "when parameter TotalSegments is present");
    if (total) {
      if (*segment >= *total)
        throw validation("The Segment parameter is zero-based and must be less than parameter "
                         "TotalSegments: Segment: " + std::to_string(*segment) +
                         " is not less than TotalSegments: " + std::to_string(*total));
      req.segment = static_cast<int>(*segment);
      req.total_segments = static_cast<int>(*total);
    }
  }
  // KeyConditions' own checks; its placeholders join the request's before the context is made.
  if (is_query && key_conditions_json) key_text = ex.translate(key_conditions(*key_conditions_json));
  // The expressions' syntax and placeholders; the key condition's shape against the key waits
  // for the table.
  std::optional<ConditionExpression> key_expression;
  if (is_query && key_text)
    key_expression = parse_condition(*key_text, ex.context(), ExpressionKind::KeyCondition);
  std::optional<ConditionExpression> filter_expr;
  if (filter_text) filter_expr = parse_condition(*filter_text, ex.context(), ExpressionKind::Filter);
  std::optional<ProjectionExpression> projection;
  if (projection_text) projection = parse_projection(*projection_text, ex.context());
  ex.context().check_all_used();
  // The key condition's shape (no schema needed), once every expression passed.
  std::vector<KeyPart> expression_key;
  if (key_expression && !key_conditions_json) expression_key = key_parts(*key_expression);

  const TableInfo* info = engine_.table_info(table);
  if (!info) throw ApiError(400, std::string(error_type(ErrorCode::ResourceNotFound)),
                            "Requested resource not found");
  const IndexInfo* index = nullptr;
  if (auto name = aws::optional_string(body, "IndexName")) {
    for (const auto& x : info->indexes)
      if (x.name == *name) index = &x;
    if (!index) throw validation("The table does not have the specified index: " + *name);
  }
  // The key a Query matches and a filter may not touch: the index's when reading an index.
  std::optional<KeySchema> key_schema = index ? index->key : info->key;
  if (index) req.index = index->name;
  req.limit = aws::optional_int(body, "Limit");
  req.consistent = aws::optional_bool(body, "ConsistentRead").value_or(false);
  if (index && index->global && req.consistent)
    throw validation("Consistent reads are not supported on global secondary indexes");
  req.forward = aws::optional_bool(body, "ScanIndexForward").value_or(true);

  if (req.exclusive_start_key) check_start_key(*req.exclusive_start_key, *info, index, is_query);
  std::optional<KeyCondition> key;
  if (is_query) {
    // The key conditions and the starting key, attribute by attribute.
    const Json* start = req.exclusive_start_key ? &*req.exclusive_start_key : nullptr;
    KeyElementCheck start_piece = [&](const KeyElement& k, bool hash) {
      if (!start) return;
      if (!start->contains(k.name)) throw validation("The provided starting key is invalid");
      check_start_piece(*start, k, hash);
    };
    if (key_conditions_json) {
      check_key_conditions(*key_conditions_json, *key_schema, start_piece);
      if (const Json* qf = aws::optional_object(body, "QueryFilter")) check_query_filter(*qf, *key_schema);
    } else {
      std::map<std::string, KeyConditionShape> shapes;
      for (const KeyPart& p : expression_key) {
        KeyConditionShape& s = shapes[p.name];
        s.equality = p.op == RangeOperator::EQ;
        s.types.push_back(type_of(p.value));
        if (p.op == RangeOperator::Between) s.types.push_back(type_of(p.upper));
      }
      check_query_key(shapes, *key_schema, start_piece);
    }
    key = parse_key_condition(*key_text, ex.context(), key_schema->hash.name,
                              key_schema->range ? std::optional(key_schema->range->name)
                                                : std::nullopt);
    req.key = &*key;
    if (req.exclusive_start_key) {
      check_table_start_key(*req.exclusive_start_key, *info);
      check_start_in_bounds(*req.exclusive_start_key, *key);
    }
  } else if (req.exclusive_start_key) {
    if (index && index->global && index->projection.type != ProjectionType::All &&
        aws::optional_string(body, "Select") == "ALL_ATTRIBUTES")
      throw validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is "
                       "not supported for global secondary index " + index->name +
                       " because its projection type is not ALL");
    check_table_start_key(*req.exclusive_start_key, *info);
  }
  if (!is_query && req.exclusive_start_key && req.total_segments > 1) {
    // A parallel Scan resumes only in the segment the starting key belongs to.
    const KeyElement& h = index ? index->key.hash : info->key.hash;
    auto tokens = segment_tokens(req.segment, req.total_segments);
    std::int64_t token = hash_token(h.type, encode_key_value(req.exclusive_start_key->at(h.name)));
    if (token < tokens.first || token >= tokens.end)
      throw validation("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
                       "ExclusiveStartKey with correct Segment. TotalSegments: " +
                       std::to_string(req.total_segments) +
                       " Segment: " + std::to_string(req.segment));
  }
  if (projection)
    if (auto e = nested_key_path_error(projection->paths, *info)) throw validation(*e);
  if (filter_expr && is_query && body.contains("FilterExpression"))
    check_filter_keys(*filter_expr, *key_schema);
  req.filter = filter_expr ? &*filter_expr : nullptr;

  // Without Select or a projection, a table read returns whole items and an index read what
  // the index projects.
  std::string select = aws::optional_string(body, "Select")
                           .value_or(projection ? "SPECIFIC_ATTRIBUTES"
                                     : index    ? "ALL_PROJECTED_ATTRIBUTES"
                                                : "ALL_ATTRIBUTES");
  if (select == "ALL_PROJECTED_ATTRIBUTES" && !index)
    throw validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  if (select == "SPECIFIC_ATTRIBUTES" && !projection)
    throw validation("Must specify the AttributesToGet or ProjectionExpression when choosing to "
                     "get SPECIFIC_ATTRIBUTES");
  if (select != "SPECIFIC_ATTRIBUTES" && projection)
    throw validation("Cannot specify the " +
                     std::string(body.contains("AttributesToGet") ? "AttributesToGet"
                                                                  : "ProjectionExpression") +
                     " when choosing to get " + select);
  if (index && index->projection.type != ProjectionType::All)
    req.fetch_table_items = index_needs_table(*index, info->key, select, projection, filter_expr);
  if (select != "ALL_ATTRIBUTES" && select != "SPECIFIC_ATTRIBUTES" && select != "COUNT" &&
      select != "ALL_PROJECTED_ATTRIBUTES")
    throw validation("1 validation error detected: Value '" + select +
                     "' at 'select' failed to satisfy constraint: Member must satisfy enum value "
                     "set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");

  if (filter_expr)
    if (auto e = nested_key_path_error(condition_paths(*filter_expr), *info)) throw validation(*e);

  // Whole items of the table go out as the text they are stored as.
  req.raw = !index && !projection && !filter_expr;
  auto r = is_query ? engine_.query(table, req) : engine_.scan(table, req);
  auto& d = unwrap(r);
  Json out = {{"Count", d.raw ? d.raw_items.size() : d.items.size()}, {"ScannedCount", d.scanned}};
  if (d.raw) {
    if (select != "COUNT") {
      std::size_t size = 2;
      for (const auto& item : d.raw_items) size += item.size() + 1;
      std::string items;
      items.reserve(size);
      items += '[';
      for (std::size_t i = 0; i < d.raw_items.size(); ++i) {
        if (i) items += ',';
        items += d.raw_items[i];
      }
      items += ']';
      call.raw_member.emplace("Items", std::move(items));
    }
  } else if (select != "COUNT") {
    Json items = Json::array();
    for (auto& item : d.items)
      items.push_back(projection ? projection->project(item) : std::move(item));
    out["Items"] = std::move(items);
  }
  if (d.last_evaluated_key) out["LastEvaluatedKey"] = *d.last_evaluated_key;
  add_capacity(out, body, table, d.capacity_units, true, &d.index_units);
  return out;
}

Json TableApi::batch_get_item(Call& call) {
  const Json& request_items = required_object(call.body, "RequestItems");
  if (request_items.empty())
    throw validation("1 validation error detected: Value '{}' at 'requestItems' failed to "
                     "satisfy constraint: Member must have length greater than or equal to 1");
  std::size_t keys = 0;
  for (const auto& [table, spec] : request_items.items())
    keys += spec.is_object() && spec.contains("Keys") && spec["Keys"].is_array()
                ? spec["Keys"].size() : 0;
  if (keys > 100)
    throw validation("Too many items requested for the BatchGetItem call");
  // Every table's request is checked before any table is read.
  struct TableRead {
    std::string table;
    const Json* keys;
    std::optional<ProjectionExpression> projection;
    bool consistent;
  };
  std::vector<TableRead> reads;
  for (const auto& [table, spec] : request_items.items()) {
    if (!spec.is_object()) throw validation("Invalid RequestItems entry for table " + table);
    const Json* key_list = aws::optional_array(spec, "Keys");
    if (!key_list || key_list->empty())
      throw validation("1 validation error detected: Value null at 'requestItems." + table +
                       ".member.keys' failed to satisfy constraint: Member must not be null");
    Expressions ex(spec, {"ProjectionExpression"});
    for (auto& key : call.body["RequestItems"][table]["Keys"]) check_values(key);
    auto projection = projection_of(spec, ex);
    ex.context().check_all_used();
    for (std::size_t i = 0; i < key_list->size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if ((*key_list)[i] == (*key_list)[j])
          throw validation("Provided list of item keys contains duplicates");
    reads.push_back({table, key_list, std::move(projection),
                     aws::optional_bool(spec, "ConsistentRead").value_or(false)});
  }
  // DynamoDB answers a partial result when more than 1 MB is asked of one partition or when
  // the answer would pass 16 MB. A table here is one partition, of which one call answers at
  // most 1 MB and one more item's worth (1 MB + 400 KB: what DynamoDB's answers to requests just
  // under and over that show). The first item that would pass either limit and the table's keys
  // after it are left and come back in UnprocessedKeys with their table's read options; each key
  // left is still charged the least read (1 unit consistent, 0.5 eventually consistent), as
  // DynamoDB's answers show.
  constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;
  constexpr std::size_t kPartitionBytes = 1024 * 1024 + 400 * 1024;
  std::size_t answer_bytes = 0;
  bool full = false;
  Json responses = Json::object();
  Json unprocessed = Json::object();
  Json capacity = Json::array();
  for (const auto& read : reads) {
    Json items = Json::array();
    Json left = Json::array();
    double units = 0;
    std::size_t table_bytes = 0;
    bool table_full = false;
    for (const auto& key : *read.keys) {
      if (full || table_full) {
        left.push_back(key);
        units += read.consistent ? 1.0 : 0.5;
        continue;
      }
      auto r = engine_.get_item(read.table, key, read.consistent);
      auto& d = unwrap(r);
      if (d.item) {
        Json item = read.projection ? read.projection->project(*d.item) : std::move(*d.item);
        std::size_t size = item_size(item);
        bool over_answer = answer_bytes + size > kMaxAnswerBytes;
        if (over_answer || table_bytes + size > kPartitionBytes) {
          (over_answer ? full : table_full) = true;
          left.push_back(key);
          units += read.consistent ? 1.0 : 0.5;
          continue;
        }
        answer_bytes += size;
        table_bytes += size;
        items.push_back(std::move(item));
      }
      units += d.capacity_units;
    }
    responses[read.table] = std::move(items);
    if (!left.empty()) {
      Json again = request_items[read.table];
      again["Keys"] = std::move(left);
      unprocessed[read.table] = std::move(again);
    }
    capacity.push_back(capacity_of(capacity_mode(call.body), read.table, units, true, nullptr, true));
  }
  Json out = {{"Responses", responses}, {"UnprocessedKeys", std::move(unprocessed)}};
  if (capacity_mode(call.body) != "NONE") out["ConsumedCapacity"] = capacity;
  return out;
}

Json TableApi::batch_write_item(Call& call) {
  required_object(call.body, "RequestItems");
  // The items are moved out of the request: nothing reads them after the engine.
  Json& request_items = call.body["RequestItems"];
  std::vector<TableEngine::BatchWrite> writes;
  for (auto& [table, list] : request_items.items()) {
    if (!list.is_array() || list.empty())
      throw validation("1 validation error detected: Value null at 'requestItems." + table +
                       ".member' failed to satisfy constraint: Member must have length greater "
                       "than or equal to 1");
    for (auto& request : list) {
      const Json* put = request.is_object() ? aws::optional_object(request, "PutRequest") : nullptr;
      const Json* del = request.is_object() ? aws::optional_object(request, "DeleteRequest") : nullptr;
      if ((put != nullptr) == (del != nullptr))
        throw validation("Supplied AttributeValue has more than one datatypes set, must contain "
                         "exactly one of the supported datatypes");
      if (put) {
        required_object(*put, "Item");
        check_values(request["PutRequest"]["Item"]);
        check_item_size(request["PutRequest"]["Item"]);
        writes.push_back({table, std::move(request["PutRequest"]["Item"]), std::nullopt});
      } else {
        required_object(*del, "Key");
        check_values(request["DeleteRequest"]["Key"]);
        writes.push_back({table, std::nullopt, required_object(*del, "Key")});
      }
    }
  }
  if (writes.empty())
    throw validation("1 validation error detected: Value '{}' at 'requestItems' failed to "
                     "satisfy constraint: Member must have length greater than or equal to 1");
  if (writes.size() > 25)
    throw validation("1 validation error detected: Value '{...}' at 'requestItems' failed to "
                     "satisfy constraint: Map value must satisfy constraint: [Member must have "
                     "length less than or equal to 25, Member must have length greater than or "
                     "equal to 1]");
  auto mode = capacity_mode(call.body);
  auto r = engine_.batch_write(std::move(writes), mode != "NONE");
  auto& units = unwrap(r);
  Json out = {{"UnprocessedItems", Json::object()}};
  if (mode != "NONE") {
    Json capacity = Json::array();
    for (const auto& [table, c] : units)
      capacity.push_back(capacity_of(mode, table, c.units, false, &c.indexes, true));
    out["ConsumedCapacity"] = std::move(capacity);
  }
  return out;
}

// TransactWriteItems: each action carries its own expressions and placeholders.
Json TableApi::transact_write_items(Call& call) {
  const Json* list = &bounded_list(call.body, "TransactItems", 100);
  std::deque<ConditionExpression> conditions;
  std::deque<UpdateExpression> updates;
  std::vector<TableEngine::TransactWrite> writes;
  std::vector<std::string> tables;
  using Kind = TableEngine::TransactWrite::Kind;
  static const std::pair<const char*, Kind> kKinds[] = {{"ConditionCheck", Kind::ConditionCheck},
                                                        {"Put", Kind::Put},
                                                        {"Delete", Kind::Delete},
                                                        {"Update", Kind::Update}};
  for (const auto& entry : *list) {
    const Json* action = nullptr;
    Kind kind = Kind::Put;
    int count = 0;
    for (const auto& [name, k] : kKinds)
      if (const Json* a = entry.is_object() ? aws::optional_object(entry, name) : nullptr) {
        action = a;
        kind = k;
        ++count;
      }
    if (count != 1)
      throw validation("TransactItems can only contain one of Check, Put, Update or Delete");
    TableEngine::TransactWrite w;
    w.kind = kind;
    w.table = required(*action, "TableName");
    Expressions ex(*action);
    if (kind == Kind::Put) w.item = required_object(*action, "Item");
    else w.key = required_object(*action, "Key");
    auto condition = text(*action, "ConditionExpression");
    if (kind == Kind::ConditionCheck && !condition)
      throw validation("The parameter 'ConditionExpression' is required but was not present in "
                       "the request");
    if (condition) {
      conditions.push_back(parse_condition(*condition, ex.context(), ExpressionKind::Condition));
      w.condition = &conditions.back();
    }
    if (kind == Kind::Update) {
      auto update = text(*action, "UpdateExpression");
      if (!update)
        throw validation("The parameter 'UpdateExpression' is required but was not present in "
                         "the request");
      updates.push_back(parse_update(*update, ex.context()));
      w.update = &updates.back();
    }
    ex.context().check_all_used();
    w.all_old_on_condition_failure = all_old_on_failure(*action);
    tables.push_back(w.table);
    writes.push_back(std::move(w));
  }
  auto token = aws::optional_string(call.body, "ClientRequestToken");
  if (token && (token->empty() || token->size() > 36))
    throw validation("1 validation error detected: Value '" + *token +
                     "' at 'clientRequestToken' failed to satisfy constraint: Member must have "
                     "length " + (token->empty() ? "greater than or equal to 1"
                                                 : "less than or equal to 36"));
  auto r = engine_.transact_write(writes, token, call.body["TransactItems"].dump());
  auto& units = unwrap(r);
  Json out = Json::object();
  if (aws::optional_string(call.body, "ReturnConsumedCapacity").value_or("NONE") != "NONE") {
    std::map<std::string, double> by_table;
    for (std::size_t i = 0; i < tables.size(); ++i) by_table[tables[i]] += units[i];
    Json capacity = Json::array();
    for (const auto& [table, u] : by_table)
      capacity.push_back({{"TableName", table}, {"CapacityUnits", u}, {"WriteCapacityUnits", u}});
    out["ConsumedCapacity"] = std::move(capacity);
  }
  return out;
}

Json TableApi::transact_get_items(Call& call) {
  const Json* list = &bounded_list(call.body, "TransactItems", 100);
  std::vector<TableEngine::TransactGet> gets;
  std::vector<std::optional<ProjectionExpression>> projections;
  for (const auto& entry : *list) {
    const Json* get = entry.is_object() ? aws::optional_object(entry, "Get") : nullptr;
    if (!get) throw validation("TransactItems can only contain Get");
    Expressions ex(*get);
    projections.push_back(projection_of(*get, ex));
    ex.context().check_all_used();
    gets.push_back({required(*get, "TableName"), required_object(*get, "Key")});
  }
  auto r = engine_.transact_get(gets);
  auto& items = unwrap(r);
  Json responses = Json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    Json response = Json::object();
    if (items[i])
      response["Item"] = projections[i] ? projections[i]->project(*items[i]) : *items[i];
    responses.push_back(std::move(response));
  }
  Json out = {{"Responses", std::move(responses)}};
  if (aws::optional_string(call.body, "ReturnConsumedCapacity").value_or("NONE") != "NONE") {
    std::map<std::string, double> by_table;
    for (const auto& g : gets) by_table[g.table] += 2;
    Json capacity = Json::array();
    for (const auto& [table, u] : by_table)
      capacity.push_back({{"TableName", table}, {"CapacityUnits", u}, {"ReadCapacityUnits", u}});
    out["ConsumedCapacity"] = std::move(capacity);
  }
  return out;
}

}  // namespace serverlite::table
