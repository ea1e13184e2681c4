#include "services/table/api.hpp"

#include <boost/crc.hpp>
#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"

namespace serverlite::table {

using aws::ApiError;

namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.0";
constexpr std::string_view kValidationType = "com.amazon.coral.validate#ValidationException";

ApiError validation(std::string message) {
  return ApiError(400, std::string(kValidationType), std::move(message));
}

ApiError to_api_error(const Error& e) {
  return ApiError(error_http_status(e.code), std::string(error_type(e.code)), e.message);
}

template <class T>
T& unwrap(Result<T>& r) {
  if (!r) throw to_api_error(r.error());
  return r.value();
}

// DynamoDB's wording for a required member left out.
std::string required(const Json& body, std::string_view name) {
  auto v = aws::optional_string(body, name);
  if (!v)
    throw validation("The parameter '" + std::string(name) +
                     "' is required but was not present in the request");
  return *v;
}

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

}  // namespace

struct TableApi::Call {
  Json body;
};

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
    http::Response res;
    res.status = status;
    res.add_header("Content-Type", std::string(kContentType));
    res.add_header("x-amzn-RequestId", aws::new_request_id());
    res.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    // The SDKs verify the body against this CRC32 and retry on a mismatch.
    boost::crc_32_type crc;
    crc.process_bytes(res.body.data(), res.body.size());
    res.add_header("x-amz-crc32", std::to_string(crc.checksum()));
    respond(std::move(res));
  };
  std::string target(request.header("X-Amz-Target").value_or(""));
  std::string action = target.substr(target.find('.') + 1);
  try {
    Call call{aws::parse_json_body(request.body)};
    auto route = routes().find(action);
    if (route == routes().end())
      throw ApiError(400, "com.amazon.coral.service#UnknownOperationException", "");
    Json result = (this->*route->second)(call);
    answer(200, result.is_null() ? Json::object() : result);
  } catch (const ApiError& e) {
    std::string type = e.code == aws::kSerializationException
                           ? "com.amazon.coral.service#SerializationException"
                           : e.code;
    Json body = {{"__type", type}};
    if (!e.message().empty()) body["message"] = e.message();
    answer(e.http_status, body);
  }
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
                         aws::optional_bool(call.body, "DeletionProtectionEnabled")};
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

Json TableApi::describe_endpoints(Call&) {
  std::string address = endpoint_url_;
  if (auto scheme = address.find("://"); scheme != std::string::npos)
    address = address.substr(scheme + 3);
  return {{"Endpoints", Json::array({{{"Address", address}, {"CachePeriodInMinutes", 1440}}})}};
}

}  // namespace serverlite::table
