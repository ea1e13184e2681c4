#include "services/table/api_table_checks.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "services/table/api_support.hpp"

namespace serverlite::table::front {

namespace {

using Json = nlohmann::json;

const std::string kInvalid = "One or more parameter values were invalid: ";
constexpr std::int64_t kMaxCapacityUnits = 1000000000000;  // DynamoDB's bound for one value

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

std::string text_of(const Json& j, const char* member) {
  if (!j.is_object()) return "";
  auto it = j.find(member);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The AttributeName of each element of a KeySchema list.
std::vector<std::string> key_names(const Json& keys) {
  std::vector<std::string> out;
  if (keys.is_array())
    for (const auto& k : keys) out.push_back(text_of(k, "AttributeName"));
  return out;
}

const Json* member(const Json& j, const char* name) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

// A key schema's names and types, as DynamoDB checks a table's or an index's.
void check_key_types(const Json& keys, const std::vector<std::string>& names) {
  if (names.size() == 2 && names[0] == names[1])
    throw validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  if (text_of(keys[0], "KeyType") != "HASH")
    throw validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (keys.size() == 2 && text_of(keys[1], "KeyType") != "RANGE")
    throw validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
}

void check_undefined(const std::vector<std::string>& keys, const std::vector<std::string>& defs) {
  for (const auto& k : keys)
    if (std::find(defs.begin(), defs.end(), k) == defs.end())
      throw validation(kInvalid + "Some index key attributes are not defined in "
                                  "AttributeDefinitions. Keys: [" + joined(keys) +
                       "], AttributeDefinitions: [" + joined(defs) + "]");
}

// An index's projection: a ProjectionType, and NonKeyAttributes only with INCLUDE.
void check_projection(const Json& index) {
  const Json* projection = member(index, "Projection");
  const Json* type = projection ? member(*projection, "ProjectionType") : nullptr;
  if (!type) throw validation(kInvalid + "Unknown ProjectionType: null");
  std::string name = type->is_string() ? type->get<std::string>() : "";
  if (member(*projection, "NonKeyAttributes") && name != "INCLUDE")
    throw validation(kInvalid + "ProjectionType is " + name + ", but NonKeyAttributes is specified");
}

}  // namespace

void check_create_table(const Json& body) {
  const Json* billing = member(body, "BillingMode");
  bool on_demand = billing && billing->is_string() && *billing == "PAY_PER_REQUEST";
  const Json* throughput = member(body, "ProvisionedThroughput");
  if (on_demand) {
    if (throughput)
      throw validation(kInvalid + "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                  "specified when BillingMode is PAY_PER_REQUEST");
  } else {
    const Json* read = throughput ? member(*throughput, "ReadCapacityUnits") : nullptr;
    const Json* write = throughput ? member(*throughput, "WriteCapacityUnits") : nullptr;
    if (!read || !write)
      throw validation(kInvalid + "ReadCapacityUnits and WriteCapacityUnits must both be "
                                  "specified when BillingMode is PROVISIONED");
    for (auto [value, name] : {std::pair{read, "ReadCapacityUnits"},
                               std::pair{write, "WriteCapacityUnits"}})
      if (value->is_number() && value->get<double>() > static_cast<double>(kMaxCapacityUnits))
        throw validation("Given value " + value->dump() + " for " + name + " is out of bounds");
  }

  std::vector<std::string> defs;
  if (const Json* d = member(body, "AttributeDefinitions"); d && d->is_array())
    for (const auto& def : *d) defs.push_back(text_of(def, "AttributeName"));
  const Json* keys = member(body, "KeySchema");
  if (!keys || !keys->is_array() || keys->empty()) return;  // the shape check's to answer
  auto names = key_names(*keys);
  if (names.size() > defs.size())
    throw validation("Invalid KeySchema: Some index key attribute have no definition");
  check_undefined(names, defs);
  check_key_types(*keys, names);

  const Json* locals = member(body, "LocalSecondaryIndexes");
  const Json* globals = member(body, "GlobalSecondaryIndexes");
  if (!locals && !globals && names.size() != defs.size())
    throw validation(kInvalid + "Number of attributes in KeySchema does not exactly match number "
                                "of attributes defined in AttributeDefinitions");

  std::set<std::string> index_names;
  auto each_index = [&](const Json& index, auto&& specific) {
    std::string name = text_of(index, "IndexName");
    const Json* index_keys = member(index, "KeySchema");
    if (!index_keys || !index_keys->is_array() || index_keys->empty()) return;
    auto kn = key_names(*index_keys);
    check_undefined(kn, defs);
    check_key_types(*index_keys, kn);
    specific(index, name, kn);
    check_projection(index);
  };
  if (locals && locals->is_array()) {
    if (locals->empty()) throw validation(kInvalid + "List of LocalSecondaryIndexes is empty");
    if (names.size() != 2)
      throw validation(kInvalid + "Table KeySchema does not have a range key, which is required "
                                  "when specifying a LocalSecondaryIndex");
    for (const auto& index : *locals) {
      each_index(index, [&](const Json&, const std::string& name,
                            const std::vector<std::string>& kn) {
        if (kn.size() != 2)
          throw validation(kInvalid + "Index KeySchema does not have a range key for index: " + name);
        if (kn[0] != names[0])
          throw validation(kInvalid + "Index KeySchema does not have the same leading hash key as "
                                      "table KeySchema for index: " + name + ". index hash key: " +
                           kn[0] + ", table hash key: " + names[0]);
      });
      std::string name = text_of(index, "IndexName");
      if (!index_names.insert(name).second)
        throw validation(kInvalid + "Duplicate index name: " + name);
    }
    if (locals->size() > 5)
      throw validation(kInvalid + "Number of LocalSecondaryIndexes exceeds per-table limit of 5");
  }
  if (globals && globals->is_array()) {
    if (globals->empty()) throw validation(kInvalid + "List of GlobalSecondaryIndexes is empty");
    for (const auto& index : *globals) {
      each_index(index, [](const Json&, const std::string&, const std::vector<std::string>&) {});
      std::string name = text_of(index, "IndexName");
      if (on_demand && member(index, "ProvisionedThroughput"))
        throw validation(kInvalid + "ProvisionedThroughput should not be specified for index: " +
                         name + " when BillingMode is PAY_PER_REQUEST");
      if (!index_names.insert(name).second)
        throw validation(kInvalid + "Duplicate index name: " + name);
    }
    if (globals->size() > 20)
      throw validation(kInvalid + "GlobalSecondaryIndex count exceeds the per-table limit of 20");
  }
}

void check_update_table(const Json& body) {
  const Json* updates = member(body, "GlobalSecondaryIndexUpdates");
  bool has_updates = updates && updates->is_array() && !updates->empty();
  bool any = has_updates;
  for (const char* name : {"ProvisionedThroughput", "BillingMode", "StreamSpecification",
                           "SSESpecification", "ReplicaUpdates", "DeletionProtectionEnabled",
                           "TableClass", "OnDemandThroughput", "WarmThroughput"})
    if (member(body, name)) any = true;
  if (!any)
    throw validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                     "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is "
                     "required");
  const Json* billing = member(body, "BillingMode");
  const Json* throughput = member(body, "ProvisionedThroughput");
  if (billing && billing->is_string() && *billing == "PROVISIONED" && !throughput)
    throw validation(kInvalid + "ProvisionedThroughput must be specified when BillingMode is "
                                "PROVISIONED");
  if (throughput)
    for (const char* name : {"ReadCapacityUnits", "WriteCapacityUnits"})
      if (const Json* v = member(*throughput, name);
          v && v->is_number() && v->get<double>() > static_cast<double>(kMaxCapacityUnits))
        throw validation("Given value " + v->dump() + " for " + name + " is out of bounds");
  if (!has_updates) return;
  std::set<std::string> names;
  for (const auto& u : *updates) {
    const Json* action = nullptr;
    for (const char* kind : {"Update", "Create", "Delete"})
      if (!action) action = member(u, kind);
    if (!action)
      throw validation(kInvalid + "One of GlobalSecondaryIndexUpdate.Update, "
                                  "GlobalSecondaryIndexUpdate.Create, "
                                  "GlobalSecondaryIndexUpdate.Delete must not be null");
    std::string name = text_of(*action, "IndexName");
    if (!names.insert(name).second)
      throw validation(kInvalid + "Only one global secondary index update per index is allowed "
                                  "simultaneously. Index: " + name);
  }
}

std::string check_tagging(const Json& body, std::string_view action,
                          std::string_view list_member, const std::string& account_id) {
  const Json* arn_value = member(body, "ResourceArn");
  if (!arn_value) throw validation("Invalid TableArn");
  std::string arn = arn_value->get<std::string>();
  // Anything not shaped like a resource ARN (six colon-separated fields, then a '/') is a
  // resource the caller has no permission on.
  auto parts_ok = [&] {
    std::size_t colons = 0, at = 0;
    for (; at < arn.size() && colons < 5; ++at)
      if (arn[at] == ':') {
        if (at == 0 || arn[at - 1] == ':') return false;
        ++colons;
      }
    if (colons < 5 || at >= arn.size()) return false;
    auto slash = arn.find('/', at);
    return slash != std::string::npos && slash > at && slash + 1 < arn.size();
  };
  if (!parts_ok())
    throw ApiError(400, "com.amazon.coral.service#AccessDeniedException",
                   "User: arn:aws:iam::" + account_id + ":root is not authorized to perform: "
                   "dynamodb:" + std::string(action) + " on resource: " +
                   (arn.empty() ? std::string("*") : arn));
  const Json* list = list_member.empty() ? nullptr : member(body, std::string(list_member).c_str());
  if (!list_member.empty() && !list) {
    std::string at(list_member);
    at[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(at[0])));
    throw validation("1 validation error detected: Value null at '" + at +
                     "' failed to satisfy constraint: Member must not be null");
  }
  // arn:aws:dynamodb:<region>:<digits>:table/<name of 3 or more, no '/'>
  auto invalid_arn = [&] {
    return validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
  };
  const std::string prefix = "arn:aws:dynamodb:";
  if (!arn.starts_with(prefix)) throw invalid_arn();
  auto table = arn.find(":table/", prefix.size());
  if (table == std::string::npos) throw invalid_arn();
  auto region_end = arn.find(':', prefix.size());
  if (region_end == prefix.size() || region_end >= table) throw invalid_arn();
  std::string account = arn.substr(region_end + 1, table - region_end - 1);
  if (account.empty() ||
      !std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw invalid_arn();
  std::string name = arn.substr(table + 7);
  if (name.size() < 3 || name.find('/') != std::string::npos) throw invalid_arn();
  if (list && list->is_array() && list->empty())
    throw validation(list_member == "Tags" ? "Atleast one Tag needs to be provided as Input."
                                           : "Atleast one Tag Key needs to be provided as Input.");
  return name;
}

}  // namespace serverlite::table::front
