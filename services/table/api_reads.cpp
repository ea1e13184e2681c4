// Query and Scan of the DynamoDB front (see api.hpp): everything but the key condition and the
// segments is shared; what does not need the table is checked before it is looked up.
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
#include "services/table/api_items_support.hpp"

namespace serverlite::table {

using aws::ApiError;
using namespace front;
using namespace item_front;

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
  add_capacity(out, body, table, d.capacity_units, true, &d.index_units, /*alone=*/true);
  return out;
}


}  // namespace serverlite::table
