#include "services/table/api.hpp"

#include <deque>
#include <set>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/table/expression.hpp"
#include "services/table/api_support.hpp"
#include "services/table/legacy.hpp"

namespace serverlite::table {

using aws::ApiError;
using namespace front;

namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.0";

double seconds_of(TimePoint t) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()) /
         1000.0;
}

Json key_schema_json(const KeySchema& key) {
  Json out = Json::array({{{"AttributeName", key.hash.name}, {"KeyType", "HASH"}}});
  if (key.range) out.push_back({{"AttributeName", key.range->name}, {"KeyType", "RANGE"}});
  return out;
}

// A TableDescription as DynamoDB answers it.
Json description(const TableInfo& t, std::string_view status) {
  Json defs = Json::array();
  for (const auto& [name, type] : t.attribute_definitions)
    defs.push_back({{"AttributeName", name}, {"AttributeType", type_name(type)}});
  Json throughput = {{"NumberOfDecreasesToday", 0},
                     {"ReadCapacityUnits", t.throughput.read},
                     {"WriteCapacityUnits", t.throughput.write}};
  if (t.last_throughput_change.time_since_epoch().count() != 0)
    throughput["LastIncreaseDateTime"] = seconds_of(t.last_throughput_change);
  Json out = {{"AttributeDefinitions", defs},
              {"TableName", t.name},
              {"KeySchema", key_schema_json(t.key)},
              {"TableStatus", status},
              {"CreationDateTime", seconds_of(t.created)},
              {"ProvisionedThroughput", throughput},
              {"TableSizeBytes", t.size_bytes},
              {"ItemCount", t.item_count},
              {"TableArn", t.arn},
              {"TableId", t.table_id},
              {"DeletionProtectionEnabled", t.deletion_protection}};
  if (t.billing == BillingMode::PayPerRequest)
    out["BillingModeSummary"] = {{"BillingMode", "PAY_PER_REQUEST"},
                                 {"LastUpdateToPayPerRequestDateTime", seconds_of(t.created)}};
  Json globals = Json::array(), locals = Json::array();
  for (const auto& x : t.indexes) {
    Json projection = {{"ProjectionType", projection_type_name(x.projection.type)}};
    if (!x.projection.non_key_attributes.empty())
      projection["NonKeyAttributes"] = x.projection.non_key_attributes;
    Json d = {{"IndexName", x.name},
              {"KeySchema", key_schema_json(x.key)},
              {"Projection", projection},
              {"IndexSizeBytes", x.size_bytes},
              {"ItemCount", x.item_count},
              {"IndexArn", t.arn + "/index/" + x.name}};
    if (x.global) {
      d["IndexStatus"] = "ACTIVE";
      d["ProvisionedThroughput"] = {{"NumberOfDecreasesToday", 0},
                                    {"ReadCapacityUnits", x.throughput.read},
                                    {"WriteCapacityUnits", x.throughput.write}};
      globals.push_back(std::move(d));
    } else {
      locals.push_back(std::move(d));
    }
  }
  if (t.stream)
    out["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", t.stream->view_type}};
  if (!t.latest_stream_arn.empty()) {
    out["LatestStreamArn"] = t.latest_stream_arn;
    out["LatestStreamLabel"] = t.latest_stream_label;
  }
  if (!globals.empty()) out["GlobalSecondaryIndexes"] = std::move(globals);
  if (!locals.empty()) out["LocalSecondaryIndexes"] = std::move(locals);
  for (const auto& [k, v] : t.extra.items()) out[k] = v;
  return out;
}

std::optional<Throughput> throughput_of(const Json& body) {
  const Json* p = aws::optional_object(body, "ProvisionedThroughput");
  if (!p) return std::nullopt;
  auto read = aws::optional_int(*p, "ReadCapacityUnits");
  auto write = aws::optional_int(*p, "WriteCapacityUnits");
  if (!read || !write)
    throw validation("1 validation error detected: Value null at 'provisionedThroughput." +
                     std::string(!read ? "readCapacityUnits" : "writeCapacityUnits") +
                     "' failed to satisfy constraint: Member must not be null");
  return Throughput{*read, *write};
}

std::optional<BillingMode> billing_of(const Json& body) {
  auto mode = aws::optional_string(body, "BillingMode");
  if (!mode) return std::nullopt;
  if (*mode == "PROVISIONED") return BillingMode::Provisioned;
  if (*mode == "PAY_PER_REQUEST") return BillingMode::PayPerRequest;
  throw validation("1 validation error detected: Value '" + *mode +
                   "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum "
                   "value set: [PROVISIONED, PAY_PER_REQUEST]");
}

std::vector<std::pair<std::string, std::string>> tags_of(const Json& body) {
  std::vector<std::pair<std::string, std::string>> out;
  const Json* tags = aws::optional_array(body, "Tags");
  if (!tags) return out;
  for (const auto& t : *tags) {
    if (!t.is_object()) throw validation("Tags must be a list of {Key, Value}");
    out.emplace_back(required(t, "Key"), aws::optional_string(t, "Value").value_or(""));
  }
  return out;
}

// KeySchema + AttributeDefinitions -> the table's key, with DynamoDB's checks and messages.
KeySchema key_schema_of(const Json& body,
                        std::vector<std::pair<std::string, ValueType>>& definitions) {
  const Json* defs = aws::optional_array(body, "AttributeDefinitions");
  if (!defs) throw validation("The parameter 'AttributeDefinitions' is required but was not present in the request");
  const Json* keys = aws::optional_array(body, "KeySchema");
  if (!keys) throw validation("The parameter 'KeySchema' is required but was not present in the request");
  std::map<std::string, ValueType> by_name;
  std::vector<std::string> def_names;
  for (const auto& d : *defs) {
    std::string name = required(d, "AttributeName");
    std::string type = required(d, "AttributeType");
    if (type != "S" && type != "N" && type != "B")
      throw validation("1 validation error detected: Value '" + type +
                       "' at 'attributeDefinitions.1.member.attributeType' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [B, N, S]");
    ValueType vt = type == "N" ? ValueType::N : type == "B" ? ValueType::B : ValueType::S;
    definitions.emplace_back(name, vt);
    by_name[name] = vt;
    def_names.push_back(name);
  }
  if (keys->empty() || keys->size() > 2)
    throw validation("1 validation error detected: Value '" + keys->dump() +
                     "' at 'keySchema' failed to satisfy constraint: Member must have length " +
                     (keys->empty() ? "greater than or equal to 1" : "less than or equal to 2"));
  std::vector<std::string> key_names;
  for (const auto& k : *keys) key_names.push_back(required(k, "AttributeName"));
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return out;
  };
  for (const auto& name : key_names)
    if (!by_name.contains(name)) {
      if (key_names.size() == 2)
        throw validation("Invalid KeySchema: Some index key attribute have no definition");
      throw validation("One or more parameter values were invalid: Some index key attributes are "
                       "not defined in AttributeDefinitions. Keys: [" + join(key_names) +
                       "], AttributeDefinitions: [" + join(def_names) + "]");
    }
  if (key_names.size() == 2 && key_names[0] == key_names[1])
    throw validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  if (required((*keys)[0], "KeyType") != "HASH")
    throw validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (keys->size() == 2 && required((*keys)[1], "KeyType") != "RANGE")
    throw validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  bool has_indexes = body.contains("LocalSecondaryIndexes") || body.contains("GlobalSecondaryIndexes");
  if (!has_indexes && key_names.size() != def_names.size())
    throw validation("One or more parameter values were invalid: Number of attributes in "
                     "KeySchema does not exactly match number of attributes defined in "
                     "AttributeDefinitions");
  KeySchema key;
  key.hash = {key_names[0], by_name[key_names[0]]};
  if (key_names.size() == 2) key.range = KeyElement{key_names[1], by_name[key_names[1]]};
  return key;
}

using Definitions = std::vector<std::pair<std::string, ValueType>>;

std::optional<StreamSpecification> stream_spec_of(const Json& body) {
  const Json* spec = aws::optional_object(body, "StreamSpecification");
  if (!spec) return std::nullopt;
  auto enabled = aws::optional_bool(*spec, "StreamEnabled");
  if (!enabled)
    throw validation("1 validation error detected: Value null at "
                     "'streamSpecification.streamEnabled' failed to satisfy constraint: Member "
                     "must not be null");
  return StreamSpecification{*enabled,
                             aws::optional_string(*spec, "StreamViewType").value_or("")};
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

// An index's KeySchema, typed by the request's AttributeDefinitions.
KeySchema index_key_of(const Json& spec, const Definitions& defs, const std::string& at) {
  const Json* keys = aws::optional_array(spec, "KeySchema");
  if (!keys)
    throw validation("1 validation error detected: Value null at '" + at +
                     ".member.keySchema' failed to satisfy constraint: Member must not be null");
  if (keys->empty() || keys->size() > 2)
    throw validation("1 validation error detected: Value '" + keys->dump() + "' at '" + at +
                     ".member.keySchema' failed to satisfy constraint: Member must have length " +
                     (keys->empty() ? "greater than or equal to 1" : "less than or equal to 2"));
  std::vector<std::string> names, def_names;
  for (const auto& k : *keys) names.push_back(required(k, "AttributeName"));
  for (const auto& d : defs) def_names.push_back(d.first);
  auto type_of_name = [&](const std::string& name) -> ValueType {
    for (const auto& d : defs)
      if (d.first == name) return d.second;
    throw validation("One or more parameter values were invalid: Some index key attributes are "
                     "not defined in AttributeDefinitions. Keys: [" + joined(names) +
                     "], AttributeDefinitions: [" + joined(def_names) + "]");
  };
  if (required((*keys)[0], "KeyType") != "HASH")
    throw validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (keys->size() == 2 && required((*keys)[1], "KeyType") != "RANGE")
    throw validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  KeySchema key;
  key.hash = {names[0], type_of_name(names[0])};
  if (names.size() == 2) key.range = KeyElement{names[1], type_of_name(names[1])};
  return key;
}

IndexProjection projection_spec_of(const Json& spec, const std::string& at) {
  const Json* p = aws::optional_object(spec, "Projection");
  if (!p)
    throw validation("1 validation error detected: Value null at '" + at +
                     ".member.projection' failed to satisfy constraint: Member must not be null");
  IndexProjection out;
  std::string type = aws::optional_string(*p, "ProjectionType").value_or("");
  if (type == "KEYS_ONLY") out.type = ProjectionType::KeysOnly;
  else if (type == "INCLUDE") out.type = ProjectionType::Include;
  else if (type == "ALL") out.type = ProjectionType::All;
  else
    throw validation("1 validation error detected: Value '" + type + "' at '" + at +
                     ".member.projection.projectionType' failed to satisfy constraint: Member "
                     "must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]");
  if (aws::optional_array(*p, "NonKeyAttributes"))
    out.non_key_attributes = aws::string_list(*p, "NonKeyAttributes");
  return out;
}

IndexInfo index_spec_of(const Json& spec, bool global, const Definitions& defs,
                        const std::string& at) {
  if (!spec.is_object()) throw validation("Invalid " + at + " entry");
  IndexInfo x;
  x.name = required(spec, "IndexName");
  if (x.name.size() < 3 || x.name.size() > 255)
    throw validation("1 validation error detected: Value '" + x.name + "' at '" + at +
                     ".member.indexName' failed to satisfy constraint: Member must have length " +
                     (x.name.size() < 3 ? "greater than or equal to 3"
                                        : "less than or equal to 255"));
  x.global = global;
  x.key = index_key_of(spec, defs, at);
  x.projection = projection_spec_of(spec, at);
  if (auto t = throughput_of(spec)) x.throughput = *t;
  return x;
}

// GlobalSecondaryIndexes and LocalSecondaryIndexes of a CreateTable request; every
// AttributeDefinitions entry must be a key of the table or of an index.
std::vector<IndexInfo> indexes_of(const Json& body, const Definitions& defs,
                                  const KeySchema& table_key) {
  std::vector<IndexInfo> out;
  for (auto [member, global, at] :
       {std::tuple{"GlobalSecondaryIndexes", true, "globalSecondaryIndexes"},
        std::tuple{"LocalSecondaryIndexes", false, "localSecondaryIndexes"}}) {
    if (!body.contains(member)) continue;
    const Json* list = aws::optional_array(body, member);
    if (!list || list->empty())
      throw validation(std::string("One or more parameter values were invalid: List of ") +
                       member + " is empty");
    for (const auto& spec : *list) out.push_back(index_spec_of(spec, global, defs, at));
  }
  if (out.empty()) return out;
  std::set<std::string> used = {table_key.hash.name};
  if (table_key.range) used.insert(table_key.range->name);
  for (const auto& x : out) {
    used.insert(x.key.hash.name);
    if (x.key.range) used.insert(x.key.range->name);
  }
  std::vector<std::string> def_names;
  for (const auto& d : defs) def_names.push_back(d.first);
  for (const auto& d : defs)
    if (!used.contains(d.first))
      throw validation("One or more parameter values were invalid: Some AttributeDefinitions are "
                       "not used. AttributeDefinitions: [" + joined(def_names) +
                       "], keys used: [" + joined({used.begin(), used.end()}) + "]");
  return out;
}

// The expressions of one request, from their expression parameters or translated from the
// legacy ones, sharing one ExpressionAttributeNames / Values context.
class Expressions {
 public:
  explicit Expressions(const Json& body) : body_(body) {
    if (auto e = mixing_error(body)) throw validation(*e);
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

// The condition of a write: ConditionExpression, or Expected (+ ConditionalOperator).
std::optional<ConditionExpression> write_condition(const Json& body, Expressions& ex) {
  std::optional<std::string> condition = text(body, "ConditionExpression");
  if (const Json* e = aws::optional_object(body, "Expected")) {
    auto t = expected(*e, conditional_operator(body));
    if (!t.expression.empty()) condition = ex.translate(t);
  } else if (body.contains("ConditionalOperator")) {
    check_conditional_operator(conditional_operator(body), 0);
  }
  if (!condition) return std::nullopt;
  return parse_condition(*condition, ex.context(), ExpressionKind::Condition);
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

// Whether the answer carries ConsumedCapacity (ReturnConsumedCapacity other than NONE).
bool reports_capacity(const Json& body) {
  return aws::optional_string(body, "ReturnConsumedCapacity").value_or("NONE") != "NONE";
}

// ReturnConsumedCapacity TOTAL or INDEXES: {TableName, CapacityUnits} (and Table for INDEXES).
void add_capacity(Json& out, const Json& body, const std::string& table, double units,
                  bool read) {
  auto mode = aws::optional_string(body, "ReturnConsumedCapacity").value_or("NONE");
  if (mode == "NONE") return;
  Json c = {{"TableName", table}, {"CapacityUnits", units}};
  c[read ? "ReadCapacityUnits" : "WriteCapacityUnits"] = units;
  if (mode == "INDEXES") c["Table"] = {{"CapacityUnits", units}};
  out["ConsumedCapacity"] = c;
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
  add_capacity(out, body, table, result.capacity_units, false);
  return out;
}


}  // namespace


TableApi::TableApi(TableEngine& engine, std::string endpoint_url)
    : engine_(engine), endpoint_url_(std::move(endpoint_url)) {}

const std::map<std::string, TableApi::Operation, std::less<>>& TableApi::routes() {
  static const std::map<std::string, Operation, std::less<>> table = {
      {"CreateTable", &TableApi::create_table},
      {"DeleteTable", &TableApi::delete_table},
      {"DescribeTable", &TableApi::describe_table},
      {"UpdateTable", &TableApi::update_table},
      {"ListTables", &TableApi::list_tables},
      {"TagResource", &TableApi::tag_resource},
      {"UntagResource", &TableApi::untag_resource},
      {"ListTagsOfResource", &TableApi::list_tags_of_resource},
      {"DescribeLimits", &TableApi::describe_limits},
      {"DescribeEndpoints", &TableApi::describe_endpoints},
      {"PutItem", &TableApi::put_item},
      {"GetItem", &TableApi::get_item},
      {"DeleteItem", &TableApi::delete_item},
      {"UpdateItem", &TableApi::update_item},
      {"Query", &TableApi::query},
      {"Scan", &TableApi::scan},
      {"BatchGetItem", &TableApi::batch_get_item},
      {"BatchWriteItem", &TableApi::batch_write_item},
      {"TransactWriteItems", &TableApi::transact_write_items},
      {"TransactGetItems", &TableApi::transact_get_items},
      {"UpdateTimeToLive", &TableApi::update_time_to_live},
      {"DescribeTimeToLive", &TableApi::describe_time_to_live},
      {"ExecuteStatement", &TableApi::execute_statement},
      {"BatchExecuteStatement", &TableApi::batch_execute_statement},
      {"ExecuteTransaction", &TableApi::execute_transaction},
  };
  return table;
}

std::vector<std::string> TableApi::action_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : routes()) names.push_back(name);
  return names;
}

void TableApi::handle(http::Request request, http::Responder respond) {
  auto answer = [&](int status, const Json& body) {
    respond(aws::render_json(status, body, dynamodb_protocol()));
  };
  std::string target(request.header("X-Amz-Target").value_or(""));
  std::string action = target.substr(target.find('.') + 1);
  try {
    Call call{aws::parse_json_body(request.body)};
    auto route = routes().find(action);
    if (route == routes().end())
      throw ApiError(400, "com.amazon.coral.service#UnknownOperationException", "");
    Json result;
    try {
      result = (this->*route->second)(call);
    } catch (const ExpressionError& e) {
      if (is_serialization_error(e.message))
        throw ApiError(400, std::string(aws::kSerializationException), e.message);
      throw validation(e.message);
    } catch (const LegacyError& e) {
      if (e.kind == LegacyError::Kind::Serialization)
        throw ApiError(400, std::string(aws::kSerializationException), e.message);
      throw validation(e.message);
    } catch (const ConditionFailed& e) {
      Json body = {{"__type", std::string(error_type(ErrorCode::ConditionalCheckFailed))},
                   {"message", e.message}};
      if (e.item) body["Item"] = *e.item;
      return answer(400, body);
    } catch (const Cancelled& c) {
      Json reasons = Json::array();
      for (const auto& r : c.error.reasons) {
        Json reason = {{"Code", r.code}};
        if (!r.message.empty()) reason["Message"] = r.message;
        if (r.item) reason["Item"] = *r.item;
        reasons.push_back(std::move(reason));
      }
      return answer(400, {{"__type", std::string(error_type(c.error.code))},
                          {"message", c.error.message},
                          {"CancellationReasons", std::move(reasons)}});
    }
    if (call.raw_member)
      return respond(aws::render_json_spliced(200, result, call.raw_member->first,
                                              call.raw_member->second, dynamodb_protocol()));
    answer(200, result.is_null() ? Json::object() : result);
  } catch (const ApiError& e) {
    respond(aws::render_json_error(e, dynamodb_protocol()));
  }
}

const aws::JsonProtocol& dynamodb_protocol() {
  static const aws::JsonProtocol protocol{.content_type = std::string(kContentType),
                                          .crc32 = true};
  return protocol;
}

std::vector<IndexInfo> decode_indexes(const Json& body, const Definitions& defs,
                                      const KeySchema& table_key) {
  return indexes_of(body, defs, table_key);
}

std::optional<StreamSpecification> decode_stream_specification(const Json& body) {
  return stream_spec_of(body);
}

// TagResource and friends name the table by ARN.
std::string TableApi::table_of_arn(const std::string& arn) {
  auto name = engine_.name_from_arn(arn);
  if (!name)
    throw validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
  return *name;
}

Json TableApi::create_table(Call& call) {
  CreateTableRequest req;
  req.name = required(call.body, "TableName");
  req.key = key_schema_of(call.body, req.attribute_definitions);
  req.billing = billing_of(call.body).value_or(BillingMode::Provisioned);
  req.throughput = throughput_of(call.body);
  req.tags = tags_of(call.body);
  req.deletion_protection = aws::optional_bool(call.body, "DeletionProtectionEnabled").value_or(false);
  req.indexes = indexes_of(call.body, req.attribute_definitions, req.key);
  req.stream = stream_spec_of(call.body);
  auto r = engine_.create_table(req);
  return {{"TableDescription", description(unwrap(r), "CREATING")}};
}

Json TableApi::delete_table(Call& call) {
  auto r = engine_.delete_table(required(call.body, "TableName"));
  return {{"TableDescription", description(unwrap(r), "DELETING")}};
}

Json TableApi::describe_table(Call& call) {
  auto r = engine_.describe_table(required(call.body, "TableName"));
  return {{"Table", description(unwrap(r), "ACTIVE")}};
}

Json TableApi::update_table(Call& call) {
  UpdateTableRequest req{required(call.body, "TableName"), billing_of(call.body),
                         throughput_of(call.body),
                         aws::optional_bool(call.body, "DeletionProtectionEnabled"), {},
                         stream_spec_of(call.body), {}};
  if (const Json* defs = aws::optional_array(call.body, "AttributeDefinitions"))
    for (const auto& d : *defs) {
      std::string type = required(d, "AttributeType");
      req.attribute_definitions.emplace_back(
          required(d, "AttributeName"),
          type == "N" ? ValueType::N : type == "B" ? ValueType::B : ValueType::S);
    }
  if (const Json* updates = aws::optional_array(call.body, "GlobalSecondaryIndexUpdates"))
    for (const auto& u : *updates) {
      IndexUpdate update;
      if (const Json* c = aws::optional_object(u, "Create")) {
        update.index = index_spec_of(*c, true, req.attribute_definitions,
                                     "globalSecondaryIndexUpdates.1.member.create");
      } else if (const Json* d = aws::optional_object(u, "Delete")) {
        update.action = IndexUpdate::Action::Delete;
        update.index.name = required(*d, "IndexName");
      } else if (const Json* p = aws::optional_object(u, "Update")) {
        update.action = IndexUpdate::Action::Update;
        update.index.name = required(*p, "IndexName");
        auto t = throughput_of(*p);
        if (!t)
          throw validation("1 validation error detected: Value null at "
                           "'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput' "
                           "failed to satisfy constraint: Member must not be null");
        update.index.throughput = *t;
      } else {
        throw validation("One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null");
      }
      req.index_updates.push_back(std::move(update));
    }
  auto r = engine_.update_table(req);
  return {{"TableDescription", description(unwrap(r), "ACTIVE")}};
}

Json TableApi::list_tables(Call& call) {
  auto r = engine_.list_tables({aws::optional_string(call.body, "ExclusiveStartTableName"),
                                aws::optional_int(call.body, "Limit")});
  auto& d = unwrap(r);
  Json out = {{"TableNames", d.names}};
  if (d.last_evaluated_table_name) out["LastEvaluatedTableName"] = *d.last_evaluated_table_name;
  return out;
}

Json TableApi::tag_resource(Call& call) {
  auto name = table_of_arn(required(call.body, "ResourceArn"));
  if (!aws::optional_array(call.body, "Tags"))
    throw validation("The parameter 'Tags' is required but was not present in the request");
  auto r = engine_.tag_resource(name, tags_of(call.body));
  unwrap(r);
  return Json::object();
}

Json TableApi::untag_resource(Call& call) {
  auto name = table_of_arn(required(call.body, "ResourceArn"));
  if (!aws::optional_array(call.body, "TagKeys"))
    throw validation("The parameter 'TagKeys' is required but was not present in the request");
  auto r = engine_.untag_resource(name, aws::string_list(call.body, "TagKeys"));
  unwrap(r);
  return Json::object();
}

Json TableApi::list_tags_of_resource(Call& call) {
  auto name = table_of_arn(required(call.body, "ResourceArn"));
  auto r = engine_.list_tags(name);
  Json tags = Json::array();
  for (const auto& [k, v] : unwrap(r).tags) tags.push_back({{"Key", k}, {"Value", v}});
  return {{"Tags", tags}};
}

Json TableApi::describe_limits(Call&) {
  const auto& o = engine_.options();
  return {{"AccountMaxReadCapacityUnits", o.account_max_read},
          {"AccountMaxWriteCapacityUnits", o.account_max_write},
          {"TableMaxReadCapacityUnits", o.table_max_read},
          {"TableMaxWriteCapacityUnits", o.table_max_write}};
}

Json TableApi::put_item(Call& call) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  required_object(body, "Item");
  Json item = std::move(call.body["Item"]);  // nothing below reads it from the body
  Expressions ex(body);
  auto condition = write_condition(body, ex);
  ex.context().check_all_used();
  WriteOptions options{condition ? &*condition : nullptr, return_values_of(body, false),
                       all_old_on_failure(body), reports_capacity(body)};
  auto r = engine_.put_item(table, std::move(item), options);
  return write_answer(unwrap(r), body, table);
}

Json TableApi::get_item(Call& call) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  const Json& key = required_object(body, "Key");
  Expressions ex(body);
  auto projection = projection_of(body, ex);
  ex.context().check_all_used();
  // A whole item goes out as the text it is stored as.
  auto r = engine_.get_item(table, key, aws::optional_bool(body, "ConsistentRead").value_or(false),
                            !projection);
  auto& d = unwrap(r);
  Json out = Json::object();
  if (d.raw_item) call.raw_member.emplace("Item", std::move(*d.raw_item));
  if (d.item) out["Item"] = projection ? projection->project(*d.item) : std::move(*d.item);
  add_capacity(out, body, table, d.capacity_units, true);
  return out;
}

Json TableApi::delete_item(Call& call) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
  const Json& key = required_object(body, "Key");
  Expressions ex(body);
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
  Expressions ex(body);
  std::optional<std::string> update_text = text(body, "UpdateExpression");
  if (const Json* u = aws::optional_object(body, "AttributeUpdates")) {
    auto t = attribute_updates(*u);
    if (!t.expression.empty()) update_text = ex.translate(t);
  }
  auto condition = write_condition(body, ex);
  std::optional<UpdateExpression> update;
  if (update_text) update = parse_update(*update_text, ex.context());
  ex.context().check_all_used();
  WriteOptions options{condition ? &*condition : nullptr, return_values_of(body, true),
                       all_old_on_failure(body)};
  auto r = engine_.update_item(table, key, update ? &*update : nullptr, options);
  return write_answer(unwrap(r), body, table);
}

Json TableApi::query(Call& call) { return read(call, true); }
Json TableApi::scan(Call& call) { return read(call, false); }

// Query and Scan share everything but the key condition and the segments.
Json TableApi::read(Call& call, bool is_query) {
  const Json& body = call.body;
  std::string table = required(body, "TableName");
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
  Expressions ex(body);
  ReadRequest req;
  if (index) req.index = index->name;
  req.limit = aws::optional_int(body, "Limit");
  if (req.limit && *req.limit < 1)
    throw validation("1 validation error detected: Value '" + std::to_string(*req.limit) +
                     "' at 'limit' failed to satisfy constraint: Member must have value greater "
                     "than or equal to 1");
  req.consistent = aws::optional_bool(body, "ConsistentRead").value_or(false);
  if (index && index->global && req.consistent)
    throw validation("Consistent reads are not supported on global secondary indexes");
  req.forward = aws::optional_bool(body, "ScanIndexForward").value_or(true);
  if (const Json* start = aws::optional_object(body, "ExclusiveStartKey")) req.exclusive_start_key = *start;

  std::string filter_name = is_query ? "QueryFilter" : "ScanFilter";
  std::optional<std::string> filter_text = text(body, "FilterExpression");
  if (const Json* f = aws::optional_object(body, filter_name)) {
    auto t = filter(*f, conditional_operator(body), filter_name);
    if (!t.expression.empty()) filter_text = ex.translate(t);
  }
  auto projection = projection_of(body, ex);
  std::optional<std::string> key_text = text(body, "KeyConditionExpression");
  const Json* key_conditions_json = aws::optional_object(body, "KeyConditions");
  if (is_query && key_conditions_json) key_text = ex.translate(key_conditions(*key_conditions_json));

  std::optional<KeyCondition> key;
  if (is_query) {
    if (!key_text)
      throw validation("Either the KeyConditions or KeyConditionExpression parameter must be "
                       "specified in the request.");
    if (key_conditions_json) {
      check_key_conditions(*key_conditions_json, *key_schema);
      if (const Json* qf = aws::optional_object(body, "QueryFilter")) check_query_filter(*qf, *key_schema);
    }
    key = parse_key_condition(*key_text, ex.context(), key_schema->hash.name,
                              key_schema->range ? std::optional(key_schema->range->name)
                                                : std::nullopt);
    req.key = &*key;
  } else {
    auto segment = aws::optional_int(body, "Segment");
    auto total = aws::optional_int(body, "TotalSegments");
    if (segment && !total)
      throw validation("The TotalSegments parameter is required but was not present in the "
                       "request when Segment parameter is present");
    if (total && !segment)
      throw validation("The Segment parameter is required but was not present in the request "
                       "when parameter TotalSegments is present");
    if (total) {
      if (*total < 1 || *total > 1000000)
        throw validation("1 validation error detected: Value '" + std::to_string(*total) +
                         "' at 'totalSegments' failed to satisfy constraint: Member must have "
                         "value " + (*total < 1 ? "greater than or equal to 1"
                                                : "less than or equal to 1000000"));
      if (*segment < 0 || *segment >= *total)
        throw validation("The Segment parameter is zero-based and must be less than parameter "
                         "TotalSegments: Segment: " + std::to_string(*segment) +
                         " is not less than TotalSegments: " + std::to_string(*total));
      req.segment = static_cast<int>(*segment);
      req.total_segments = static_cast<int>(*total);
    }
  }
  std::optional<ConditionExpression> filter_expr;
  if (filter_text) {
    filter_expr = parse_condition(*filter_text, ex.context(), ExpressionKind::Filter);
    if (is_query && body.contains("FilterExpression")) check_filter_keys(*filter_expr, *key_schema);
  }
  req.filter = filter_expr ? &*filter_expr : nullptr;
  ex.context().check_all_used();

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
  add_capacity(out, body, table, d.capacity_units, true);
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
  Json responses = Json::object();
  Json capacity = Json::array();
  for (const auto& [table, spec] : request_items.items()) {
    if (!spec.is_object()) throw validation("Invalid RequestItems entry for table " + table);
    const Json* key_list = aws::optional_array(spec, "Keys");
    if (!key_list || key_list->empty())
      throw validation("1 validation error detected: Value null at 'requestItems." + table +
                       ".member.keys' failed to satisfy constraint: Member must not be null");
    Expressions ex(spec);
    auto projection = projection_of(spec, ex);
    ex.context().check_all_used();
    bool consistent = aws::optional_bool(spec, "ConsistentRead").value_or(false);
    Json items = Json::array();
    double units = 0;
    for (std::size_t i = 0; i < key_list->size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if ((*key_list)[i] == (*key_list)[j])
          throw validation("Provided list of item keys contains duplicates");
    for (const auto& key : *key_list) {
      auto r = engine_.get_item(table, key, consistent);
      auto& d = unwrap(r);
      units += d.capacity_units;
      if (d.item) items.push_back(projection ? projection->project(*d.item) : *d.item);
    }
    responses[table] = std::move(items);
    capacity.push_back({{"TableName", table}, {"CapacityUnits", units}});
  }
  Json out = {{"Responses", responses}, {"UnprocessedKeys", Json::object()}};
  if (aws::optional_string(call.body, "ReturnConsumedCapacity").value_or("NONE") != "NONE")
    out["ConsumedCapacity"] = capacity;
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
        writes.push_back({table, std::move(request["PutRequest"]["Item"]), std::nullopt});
      } else {
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
  auto r = engine_.batch_write(std::move(writes));
  unwrap(r);
  return {{"UnprocessedItems", Json::object()}};
}

Json TableApi::update_time_to_live(Call& call) {
  std::string table = required(call.body, "TableName");
  const Json* spec = aws::optional_object(call.body, "TimeToLiveSpecification");
  if (!spec)
    throw validation("1 validation error detected: Value null at 'timeToLiveSpecification' "
                     "failed to satisfy constraint: Member must not be null");
  auto enabled = aws::optional_bool(*spec, "Enabled");
  if (!enabled)
    throw validation("1 validation error detected: Value null at "
                     "'timeToLiveSpecification.enabled' failed to satisfy constraint: Member "
                     "must not be null");
  std::string attribute = aws::optional_string(*spec, "AttributeName").value_or("");
  auto r = engine_.update_ttl(table, *enabled, attribute);
  unwrap(r);
  return {{"TimeToLiveSpecification", {{"AttributeName", attribute}, {"Enabled", *enabled}}}};
}

Json TableApi::describe_time_to_live(Call& call) {
  auto r = engine_.describe_ttl(required(call.body, "TableName"));
  const std::string& attribute = unwrap(r);
  Json d = {{"TimeToLiveStatus", attribute.empty() ? "DISABLED" : "ENABLED"}};
  if (!attribute.empty()) d["AttributeName"] = attribute;
  return {{"TimeToLiveDescription", d}};
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

Json TableApi::describe_endpoints(Call&) {
  std::string address = endpoint_url_;
  if (auto scheme = address.find("://"); scheme != std::string::npos)
    address = address.substr(scheme + 3);
  return {{"Endpoints", Json::array({{{"Address", address}, {"CachePeriodInMinutes", 1440}}})}};
}

}  // namespace serverlite::table
