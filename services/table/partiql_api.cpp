// PartiQL on the DynamoDB front: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.
//
// partiql.hpp turns each statement into DynamoDB expressions; this file runs them on the engine
// as the equivalent API calls, as DynamoDB does: a SELECT naming the whole key is a GetItem, one
// naming the hash key a Query (IN lists: one Query per value), anything else a Scan; INSERT is a
// PutItem that may not replace (DuplicateItemException); UPDATE an UpdateItem of an item that
// must exist; DELETE a DeleteItem (nothing to delete is not an error); EXISTS (in transactions
// only) a ConditionCheck.
#include <deque>

#include "emulator/http/base64.hpp"
#include "services/table/api.hpp"
#include "services/table/api_support.hpp"
#include "services/table/expression.hpp"
#include "services/table/partiql.hpp"

namespace serverlite::table {

using namespace front;

namespace {

// A statement, parsed, with its expressions parsed against its own placeholders.
struct Statement {
  partiql::Plan plan;
  const TableInfo* table = nullptr;
  const IndexInfo* index = nullptr;
  std::optional<ExpressionContext> context;
  std::optional<ConditionExpression> condition;
  std::optional<ProjectionExpression> projection;
  std::optional<UpdateExpression> update;
  std::optional<Json> key;  // the whole primary key, when WHERE names it with equalities
};

Statement prepare(TableEngine& engine, const Json& request) {
  std::string text = required(request, "Statement");
  Json parameters = request.contains("Parameters") ? request["Parameters"] : Json();
  Statement st;
  try {
    st.plan = partiql::parse(text, parameters);
  } catch (const partiql::Error& e) {
    throw validation(e.message);
  }
  const partiql::Plan& p = st.plan;
  st.table = engine.table_info(p.table);
  if (!st.table)
    throw ApiError(400, std::string(error_type(ErrorCode::ResourceNotFound)),
                   "Requested resource not found");
  if (p.index) {
    for (const auto& x : st.table->indexes)
      if (x.name == *p.index) st.index = &x;
    if (!st.index) throw validation("The table does not have the specified index: " + *p.index);
  }
  st.context.emplace(p.names.empty() ? Json() : p.names, p.values.empty() ? Json() : p.values);
  if (!p.condition.empty())
    st.condition = parse_condition(p.condition, *st.context, ExpressionKind::Condition);
  if (!p.projection.empty()) st.projection = parse_projection(p.projection, *st.context);
  if (!p.update.empty()) st.update = parse_update(p.update, *st.context);
  const KeySchema& k = st.table->key;
  auto hash = p.equalities.find(k.hash.name);
  auto range = k.range ? p.equalities.find(k.range->name) : p.equalities.end();
  if (hash != p.equalities.end() && (!k.range || range != p.equalities.end())) {
    Json key = {{k.hash.name, hash->second}};
    if (k.range) key[k.range->name] = range->second;
    st.key = std::move(key);
  }
  bool needs_key = p.kind == partiql::Kind::Update || p.kind == partiql::Kind::Delete ||
                   p.kind == partiql::Kind::Exists;
  if (needs_key && !st.key) throw validation(std::string(partiql::kIncompleteKeyMessage));
  return st;
}

ReturnValues returning(partiql::Returning r) {
  switch (r) {
    case partiql::Returning::None: return ReturnValues::None;
    case partiql::Returning::AllOld: return ReturnValues::AllOld;
    case partiql::Returning::ModifiedOld: return ReturnValues::UpdatedOld;
    case partiql::Returning::AllNew: return ReturnValues::AllNew;
    case partiql::Returning::ModifiedNew: return ReturnValues::UpdatedNew;
  }
  return ReturnValues::None;
}

// NextToken is LastEvaluatedKey, opaque to the client.
std::string next_token(const Json& last_key) { return http::base64_encode(last_key.dump()); }

Json key_of_token(const std::string& token) {
  auto text = http::base64_decode(token);
  Json key = text ? Json::parse(*text, nullptr, false) : Json();
  if (!key.is_object()) throw validation("Invalid NextToken");
  return key;
}

// The condition an INSERT adds: the item must not exist yet.
struct NotExists {
  ExpressionContext context;
  ConditionExpression condition;
  explicit NotExists(const std::string& hash)
      : context(Json{{"#k", hash}}, Json()),
        condition(parse_condition("attribute_not_exists(#k)", context)) {}
};

}  // namespace

// One statement of ExecuteStatement / BatchExecuteStatement: its `Items`, and the key to
// resume from for a SELECT that stopped early.
Json TableApi::run_statement(const Json& request, bool single) {
  Statement st = prepare(engine_, request);
  const partiql::Plan& p = st.plan;
  const std::string& table = p.table;
  bool consistent = aws::optional_bool(request, "ConsistentRead").value_or(false);
  bool all_old_on_failure =
      aws::optional_string(request, "ReturnValuesOnConditionCheckFailure").value_or("NONE") ==
      "ALL_OLD";
  Json out = {{"Items", Json::array()}};
  switch (p.kind) {
    case partiql::Kind::Exists:
      throw validation(std::string(partiql::kExistsOutsideTransactionMessage));
    case partiql::Kind::Insert: {
      NotExists guard(st.table->key.hash.name);
      WriteOptions options{&guard.condition, ReturnValues::None, false};
      auto r = engine_.put_item(table, p.item, options);
      if (!r && r.error().code == ErrorCode::ConditionalCheckFailed)
        throw ApiError(400, std::string(error_type(ErrorCode::DuplicateItem)),
                       "Duplicate primary key exists in table");
      unwrap(r);
      return out;
    }
    case partiql::Kind::Update: {
      WriteOptions options{st.condition ? &*st.condition : nullptr, returning(p.returning),
                           all_old_on_failure};
      auto r = engine_.update_item(table, *st.key, st.update ? &*st.update : nullptr, options);
      auto& written = unwrap(r);
      if (written.attributes) out["Items"].push_back(*written.attributes);
      return out;
    }
    case partiql::Kind::Delete: {
      // Deleting what is not there succeeds; a WHERE beyond the key must hold for what is.
      auto current = engine_.get_item(table, *st.key, true);
      if (!unwrap(current).item) return out;
      WriteOptions options{st.condition ? &*st.condition : nullptr, returning(p.returning),
                           all_old_on_failure};
      auto r = engine_.delete_item(table, *st.key, options);
      auto& written = unwrap(r);
      if (written.attributes) out["Items"].push_back(*written.attributes);
      return out;
    }
    case partiql::Kind::Select:
      break;
  }
  auto project = [&](const Json& item) { return st.projection ? st.projection->project(item) : item; };
  if (st.key && !st.index) {
    auto r = engine_.get_item(table, *st.key, consistent);
    auto& got = unwrap(r);
    if (got.item && (!st.condition || st.condition->evaluate(*got.item)))
      out["Items"].push_back(project(*got.item));
    return out;
  }
  if (st.index && st.index->global && consistent)
    throw validation("Consistent reads are not supported on global secondary indexes");
  const KeySchema& schema = st.index ? st.index->key : st.table->key;
  ReadRequest req;
  req.consistent = consistent;
  req.filter = st.condition ? &*st.condition : nullptr;
  if (st.index) req.index = st.index->name;
  if (single) {
    req.limit = aws::optional_int(request, "Limit");
    if (auto token = aws::optional_string(request, "NextToken"))
      req.exclusive_start_key = key_of_token(*token);
  }
  for (const auto& order : p.order_by) {
    if (!schema.range || order.name != schema.range->name)
      throw validation("Must have WHERE clause in the statement when using ORDER BY clause.");
    req.forward = !order.descending;
  }
  std::vector<Json> hashes;
  if (auto eq = p.equalities.find(schema.hash.name); eq != p.equalities.end())
    hashes.push_back(eq->second);
  else if (auto in = p.in_lists.find(schema.hash.name); in != p.in_lists.end())
    hashes = in->second;
  auto emit = [&](ReadResult& page) {
    for (const auto& item : page.items) out["Items"].push_back(project(item));
    if (page.last_evaluated_key) {
      out["LastEvaluatedKey"] = *page.last_evaluated_key;
      out["NextToken"] = next_token(*page.last_evaluated_key);
    }
  };
  if (hashes.empty()) {
    if (!p.order_by.empty())
      throw validation("Must have WHERE clause in the statement when using ORDER BY clause.");
    auto r = engine_.scan(table, req);
    emit(unwrap(r));
    return out;
  }
  if (hashes.size() > 1) req.limit.reset();  // one Query per value, read whole
  for (const auto& h : hashes) {
    KeyCondition key{schema.hash.name, h, std::nullopt};
    req.key = &key;
    auto r = engine_.query(table, req);
    emit(unwrap(r));
  }
  return out;
}

Json TableApi::execute_statement(Call& call) {
  auto limit = aws::optional_int(call.body, "Limit");
  if (limit && *limit < 1)
    throw validation("1 validation error detected: Value '" + std::to_string(*limit) +
                     "' at 'limit' failed to satisfy constraint: Member must have value greater "
                     "than or equal to 1");
  return run_statement(call.body, true);
}

// BatchExecuteStatement: up to 25 statements, all reads (whole-key SELECTs) or all writes, each
// answered on its own: its item, or its error.
Json TableApi::batch_execute_statement(Call& call) {
  const Json* list = &bounded_list(call.body, "Statements", 25);
  Json responses = Json::array();
  for (const auto& request : *list) {
    Json response = Json::object();
    try {
      Statement st = prepare(engine_, request);
      response["TableName"] = st.plan.table;
      if (st.plan.kind == partiql::Kind::Select && (!st.key || st.index))
        throw validation("Batch read statements must specify the full primary key");
      Json result = run_statement(request, false);
      if (st.plan.kind == partiql::Kind::Select && !result["Items"].empty())
        response["Item"] = result["Items"][0];
    } catch (const ApiError& e) {
      std::string code = e.code;
      if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
      if (code.ends_with("Exception")) code.resize(code.size() - 9);
      if (code == "Validation") code = "ValidationError";
      response["Error"] = {{"Code", code}, {"Message", e.message()}};
    } catch (const ExpressionError& e) {
      response["Error"] = {{"Code", "ValidationError"}, {"Message", e.message}};
    } catch (const ConditionFailed& e) {
      response["Error"] = {{"Code", "ConditionalCheckFailed"}, {"Message", e.message}};
      if (e.item) response["Error"]["Item"] = *e.item;
    }
    responses.push_back(std::move(response));
  }
  return {{"Responses", std::move(responses)}};
}

// ExecuteTransaction: the statements as one TransactWriteItems (INSERT, UPDATE, DELETE, EXISTS)
// or one TransactGetItems (whole-key SELECTs).
Json TableApi::execute_transaction(Call& call) {
  const Json* list = &bounded_list(call.body, "TransactStatements", 100);
  std::deque<Statement> statements;
  std::deque<NotExists> guards;
  std::deque<ConditionExpression> delete_conditions;
  std::deque<ExpressionContext> delete_contexts;
  std::size_t reads = 0;
  for (std::size_t i = 0; i < list->size(); ++i) {
    try {
      statements.push_back(prepare(engine_, (*list)[i]));
    } catch (const ApiError& e) {
      if (e.code != kValidationType) throw;
      throw validation("Validation failed in TransactStatements[" + std::to_string(i) + "]: " +
                       e.message());
    }
    const Statement& st = statements.back();
    if (st.plan.kind == partiql::Kind::Select) {
      if (!st.key || st.index)
        throw validation("Select statements in transaction must specify the full primary key");
      ++reads;
    }
  }
  if (reads != 0 && reads != statements.size())
    throw validation("Transaction must contain either only read or only write statements");
  if (reads) {
    std::vector<TableEngine::TransactGet> gets;
    for (const auto& st : statements) gets.push_back({st.plan.table, *st.key});
    auto r = engine_.transact_get(gets);
    auto& items = unwrap(r);
    Json responses = Json::array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Statement& st = statements[i];
      Json response = Json::object();
      if (items[i] && (!st.condition || st.condition->evaluate(*items[i])))
        response["Item"] = st.projection ? st.projection->project(*items[i]) : *items[i];
      responses.push_back(std::move(response));
    }
    return {{"Responses", std::move(responses)}};
  }
  using Kind = TableEngine::TransactWrite::Kind;
  std::vector<TableEngine::TransactWrite> writes;
  for (const auto& st : statements) {
    TableEngine::TransactWrite w;
    w.table = st.plan.table;
    switch (st.plan.kind) {
      case partiql::Kind::Insert:
        w.kind = Kind::Put;
        w.item = st.plan.item;
        guards.emplace_back(st.table->key.hash.name);
        w.condition = &guards.back().condition;
        break;
      case partiql::Kind::Update:
        w.kind = Kind::Update;
        w.key = *st.key;
        w.condition = st.condition ? &*st.condition : nullptr;
        w.update = st.update ? &*st.update : nullptr;
        break;
      case partiql::Kind::Delete: {
        // As a single DELETE: nothing there is fine; what is there must satisfy WHERE.
        w.kind = Kind::Delete;
        w.key = *st.key;
        if (st.condition) {
          Json names = st.plan.names;
          names["#absent"] = st.table->key.hash.name;
          delete_contexts.emplace_back(names, st.plan.values.empty() ? Json() : st.plan.values);
          delete_conditions.push_back(parse_condition(
              "attribute_not_exists(#absent) OR (" + st.plan.condition + ")",
              delete_contexts.back()));
          w.condition = &delete_conditions.back();
        }
        break;
      }
      case partiql::Kind::Exists:
        w.kind = Kind::ConditionCheck;
        w.key = *st.key;
        w.condition = st.condition ? &*st.condition : nullptr;
        break;
      case partiql::Kind::Select:
        break;
    }
    writes.push_back(std::move(w));
  }
  auto token = aws::optional_string(call.body, "ClientRequestToken");
  auto r = engine_.transact_write(writes, token, call.body["TransactStatements"].dump());
  if (!r && r.error().code == ErrorCode::TransactionCanceled) {
    // An INSERT that found its key taken is a DuplicateItem, not a failed condition.
    Error e = r.error();
    std::string codes;
    for (std::size_t i = 0; i < e.reasons.size(); ++i) {
      if (statements[i].plan.kind == partiql::Kind::Insert &&
          e.reasons[i].code == "ConditionalCheckFailed")
        e.reasons[i] = {"DuplicateItem", "Duplicate primary key exists in table", std::nullopt};
      codes += (i ? ", " : "") + e.reasons[i].code;
    }
    e.message = "Transaction cancelled, please refer cancellation reasons for specific reasons [" +
                codes + "]";
    throw Cancelled{std::move(e)};
  }
  unwrap(r);
  return Json::object();
}

}  // namespace serverlite::table
