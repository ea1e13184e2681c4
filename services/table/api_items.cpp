// The item operations of the DynamoDB front: PutItem, GetItem, DeleteItem, UpdateItem,
// BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems (see api.hpp); Query and
// Scan are in api_reads.cpp.
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

