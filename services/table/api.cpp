// The DynamoDB front's dispatch and table operations: CreateTable, DeleteTable, DescribeTable,
// UpdateTable, ListTables, tags, limits, endpoints and time to live. The item operations are in
// api_items.cpp, PartiQL in partiql_api.cpp.
#include "services/table/api.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/table/api_support.hpp"
#include "services/table/api_table_checks.hpp"
#include "services/table/legacy.hpp"
#include "services/table/shapes.hpp"

namespace serverlite::table {

using aws::ApiError;
using namespace front;

namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.0";
constexpr std::string_view kAccessDenied = "com.amazon.coral.service#AccessDeniedException";

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
  Json throughput = {{"NumberOfDecreasesToday", t.decreases_today},
                     {"ReadCapacityUnits", t.throughput.read},
                     {"WriteCapacityUnits", t.throughput.write}};
  if (t.last_throughput_change.time_since_epoch().count() != 0)
    throughput["LastIncreaseDateTime"] = seconds_of(t.last_throughput_change);
  if (t.last_throughput_decrease.time_since_epoch().count() != 0)
    throughput["LastDecreaseDateTime"] = seconds_of(t.last_throughput_decrease);
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
      d["IndexStatus"] = status_name(x.status);
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
  // A table being deleted no longer shows its global indexes.
  if (!globals.empty() && status != "DELETING") out["GlobalSecondaryIndexes"] = std::move(globals);
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
      {"DescribeContinuousBackups", &TableApi::describe_continuous_backups},
      {"UpdateContinuousBackups", &TableApi::update_continuous_backups},
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
    // A body too deep to parse is refused as a value past the nesting limit would be.
    static const ApiError too_deep = validation(
        "One or more parameter values were invalid: Nesting Levels have exceeded supported limits");
    Call call{aws::parse_json_body(request.body, &too_deep)};
    auto route = routes().find(action);
    if (route == routes().end())
      throw ApiError(400, "com.amazon.coral.service#UnknownOperationException", "");
    // An empty body is no JSON object to a known operation: a bare SerializationException
    // (SDKs send at least "{}").
    if (request.body.find_first_not_of(" \t\r\n") == std::string::npos)
      throw ApiError(400, std::string(aws::kSerializationException), "");
    // Types, then constraints, all before any table is looked up.
    if (const auto* shape = shapes::operation(action))
      if (auto failure = shapes::check(*shape, call.body))
        throw failure->serialization
            ? ApiError(400, std::string(aws::kSerializationException), failure->message)
            : validation(failure->message);
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
    // DynamoDB's request decoder and its authorization spell the member "Message".
    // A body that is no JSON object at all gets the bare type.
    if (e.code == aws::kSerializationException && e.message().empty())
      return answer(e.http_status, {{"__type", dynamodb_protocol().serialization_type}});
    if (e.code == aws::kSerializationException)
      return answer(e.http_status, {{"__type", dynamodb_protocol().serialization_type},
                                    {"Message", e.message()}});
    if (e.code == kAccessDenied)
      return answer(e.http_status, {{"__type", e.code}, {"Message", e.message()}});
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

// TagResource and friends name the table by ARN; one of another region or account is not
// found, as is a table being created or deleted.
std::string TableApi::table_of_arn(const std::string& arn) {
  return engine_.name_from_arn(arn).value_or("");
}

Json TableApi::create_table(Call& call) {
  check_create_table(call.body);
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
  const TableInfo& info = unwrap(r);
  return {{"Table", description(info, info.deleting ? "DELETING" : status_name(info.status))}};
}

Json TableApi::update_table(Call& call) {
  check_update_table(call.body);
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
  const TableInfo& info = unwrap(r);
  return {{"TableDescription", description(info, status_name(info.status))}};
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
  check_tagging(call.body, "TagResource", "Tags", engine_.options().account_id);
  auto tags = tags_of(call.body);
  // Tag: a key of 1 to 128 characters, a value of 0 to 256.
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    auto length = [](const std::string& s) {  // characters, not bytes
      return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
    };
    const auto& [key, value] = tags[i];
    std::string at = "tags." + std::to_string(i + 1) + ".member.";
    if (length(key) < 1 || length(key) > 128)
      problems.push_back("Value '" + key + "' at '" + at + "key' failed to satisfy constraint: " +
                         "Member must have length " +
                         (length(key) < 1 ? "greater than or equal to 1"
                                          : "less than or equal to 128"));
    if (length(value) > 256)
      problems.push_back("Value '" + value + "' at '" + at + "value' failed to satisfy " +
                         "constraint: Member must have length less than or equal to 256");
  }
  if (!problems.empty()) {
    std::string message = std::to_string(problems.size()) + " validation error" +
                          (problems.size() == 1 ? "" : "s") + " detected: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    throw validation(message);
  }
  const std::string arn = call.body["ResourceArn"].get<std::string>();
  auto r = engine_.tag_resource(table_of_arn(arn), tags);
  if (!r && r.error().code == ErrorCode::ResourceNotFound)
    throw to_api_error({ErrorCode::ResourceNotFound,
                        "Requested resource not found: ResourcArn: " + arn + " not found", {}});
  unwrap(r);
  return Json::object();
}

Json TableApi::untag_resource(Call& call) {
  check_tagging(call.body, "UntagResource", "TagKeys", engine_.options().account_id);
  const std::string arn = call.body["ResourceArn"].get<std::string>();
  auto r = engine_.untag_resource(table_of_arn(arn), aws::string_list(call.body, "TagKeys"));
  if (!r && r.error().code == ErrorCode::ResourceNotFound)
    throw to_api_error({ErrorCode::ResourceNotFound, "Requested resource not found", {}});
  unwrap(r);
  return Json::object();
}

Json TableApi::list_tags_of_resource(Call& call) {
  check_tagging(call.body, "ListTagsOfResource", "", engine_.options().account_id);
  const std::string arn = call.body["ResourceArn"].get<std::string>();
  auto r = engine_.list_tags(table_of_arn(arn));
  if (!r && r.error().code == ErrorCode::ResourceNotFound)
    throw to_api_error({ErrorCode::ResourceNotFound,
                        "Requested resource not found: ResourcArn: " + arn + " not found", {}});
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

Json TableApi::describe_endpoints(Call&) {
  std::string address = endpoint_url_;
  if (auto scheme = address.find("://"); scheme != std::string::npos)
    address = address.substr(scheme + 3);
  return {{"Endpoints", Json::array({{{"Address", address}, {"CachePeriodInMinutes", 1440}}})}};
}

}  // namespace serverlite::table
