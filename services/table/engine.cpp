#include "services/table/engine.hpp"
#include "services/table/engine_support.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "emulator/aws/api_error.hpp"

namespace serverlite::table {

namespace {

// Version 2: items keep one index instead of two (ItemStore converts version 1).
// Version 3: item counts and sizes are kept in ddb_counts (counted once when opening an older
// state).
// Version 4: scan-order tokens are DynamoDB's partition hash (hash_order.hpp); older tokens,
// an MD5 of the stored key encoding, are recomputed when opening an older state.
constexpr int kItemsVersion = 2;
constexpr int kSchemaVersion = 3;
constexpr int kHashOrderVersion = 4;

Error error(ErrorCode code, std::string message) { return Error{code, std::move(message), {}}; }

using engine_detail::epoch_ms;
using engine_detail::invalid;
using engine_detail::validation;

TimePoint from_ms(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

ValueType key_type_of(std::string_view name) {
  return name == "N" ? ValueType::N : name == "B" ? ValueType::B : ValueType::S;
}

}  // namespace

std::string_view error_type(ErrorCode code) {
  switch (code) {
    case ErrorCode::ResourceNotFound:
      return "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException";
    case ErrorCode::ResourceInUse:
      return "com.amazonaws.dynamodb.v20120810#ResourceInUseException";
    case ErrorCode::Validation:
      return "com.amazon.coral.validate#ValidationException";
    case ErrorCode::LimitExceeded:
      return "com.amazonaws.dynamodb.v20120810#LimitExceededException";
    case ErrorCode::ConditionalCheckFailed:
      return "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException";
    case ErrorCode::TransactionCanceled:
      return "com.amazonaws.dynamodb.v20120810#TransactionCanceledException";
    case ErrorCode::IdempotentParameterMismatch:
      return "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException";
    case ErrorCode::DuplicateItem:
      return "com.amazonaws.dynamodb.v20120810#DuplicateItemException";
    case ErrorCode::TableNotFound:
      return "com.amazonaws.dynamodb.v20120810#TableNotFoundException";
  }
  return "com.amazonaws.dynamodb.v20120810#InternalServerError";
}

std::string_view projection_type_name(ProjectionType type) {
  switch (type) {
    case ProjectionType::KeysOnly: return "KEYS_ONLY";
    case ProjectionType::Include: return "INCLUDE";
    case ProjectionType::All: return "ALL";
  }
  return "ALL";
}

bool IndexInfo::projects(const std::string& attribute, const KeySchema& table_key) const {
  if (projection.type == ProjectionType::All) return true;
  for (const KeySchema* k : {&table_key, &key})
    if (attribute == k->hash.name || (k->range && attribute == k->range->name)) return true;
  return std::find(projection.non_key_attributes.begin(), projection.non_key_attributes.end(),
                   attribute) != projection.non_key_attributes.end();
}

std::string_view billing_mode_name(BillingMode mode) {
  return mode == BillingMode::PayPerRequest ? "PAY_PER_REQUEST" : "PROVISIONED";
}

// ---- storage: one row per table, its definition as JSON ---------------------------------------

static Json key_json(const KeySchema& k) {
  Json key = {{"hash", {k.hash.name, type_name(k.hash.type)}}};
  if (k.range) key["range"] = {k.range->name, type_name(k.range->type)};
  return key;
}

static KeySchema key_from_json(const Json& j) {
  KeySchema k;
  k.hash = {j["hash"][0].get<std::string>(), key_type_of(j["hash"][1].get<std::string>())};
  if (j.contains("range"))
    k.range = KeyElement{j["range"][0].get<std::string>(),
                         key_type_of(j["range"][1].get<std::string>())};
  return k;
}

static Json throughput_json(const std::optional<Throughput>& t) {
  return t ? Json::array({t->read, t->write}) : Json();
}

static std::optional<Throughput> throughput_from_json(const Json& j) {
  if (!j.is_array() || j.size() != 2) return std::nullopt;
  return Throughput{j[0].get<std::int64_t>(), j[1].get<std::int64_t>()};
}

static Status status_from_name(const std::string& name) {
  return name == "CREATING"   ? Status::Creating
         : name == "UPDATING" ? Status::Updating
         : name == "DELETING" ? Status::Deleting
                              : Status::Active;
}

static Json index_json(const IndexInfo& x) {
  return {{"name", x.name},
          {"status", status_name(x.status)},
          {"pending", throughput_json(x.pending_throughput)},
          {"global", x.global},
          {"key", key_json(x.key)},
          {"projection", projection_type_name(x.projection.type)},
          {"non_key", x.projection.non_key_attributes},
          {"read", x.throughput.read},
          {"write", x.throughput.write}};
}

static IndexInfo index_from_json(const Json& j) {
  IndexInfo x;
  x.name = j.at("name").get<std::string>();
  x.global = j.at("global").get<bool>();
  x.key = key_from_json(j.at("key"));
  std::string type = j.at("projection").get<std::string>();
  x.projection.type = type == "KEYS_ONLY" ? ProjectionType::KeysOnly
                      : type == "INCLUDE" ? ProjectionType::Include
                                          : ProjectionType::All;
  x.projection.non_key_attributes = j.value("non_key", std::vector<std::string>{});
  x.throughput = {j.value("read", std::int64_t{0}), j.value("write", std::int64_t{0})};
  x.status = status_from_name(j.value("status", std::string("ACTIVE")));
  if (j.contains("pending")) x.pending_throughput = throughput_from_json(j["pending"]);
  return x;
}

static Json to_json(const TableEngine::Table& t) {
  const TableInfo& i = t.info;
  Json defs = Json::array();
  for (const auto& [name, type] : i.attribute_definitions) defs.push_back({name, type_name(type)});
  Json key = {{"hash", {i.key.hash.name, type_name(i.key.hash.type)}}};
  if (i.key.range) key["range"] = {i.key.range->name, type_name(i.key.range->type)};
  return {{"arn", i.arn},
          {"id", i.table_id},
          {"key", key},
          {"definitions", defs},
          {"billing", billing_mode_name(i.billing)},
          {"read", i.throughput.read},
          {"write", i.throughput.write},
          {"created_ms", epoch_ms(i.created)},
          {"throughput_changed_ms", epoch_ms(i.last_throughput_change)},
          {"deletion_protection", i.deletion_protection},
          {"status", status_name(i.status)},
          {"status_until_ms", epoch_ms(i.status_until)},
          {"pending", throughput_json(i.pending_throughput)},
          {"throughput_decreased_ms", epoch_ms(i.last_throughput_decrease)},
          {"decreases_today", i.decreases_today},
          {"ttl_attribute", i.ttl_attribute},
          {"pitr_since_ms", i.pitr_since ? Json(epoch_ms(*i.pitr_since)) : Json()},
          {"pitr_days", i.pitr_recovery_days},
          {"extra", i.extra},
          {"indexes", [&] {
             Json a = Json::array();
             for (const auto& x : i.indexes) a.push_back(index_json(x));
             return a;
           }()},
          {"tags", t.tags}};
}

static std::unique_ptr<TableEngine::Table> from_json(const std::string& name, const Json& j) {
  auto t = std::make_unique<TableEngine::Table>();
  TableInfo& i = t->info;
  i.name = name;
  i.arn = j.at("arn").get<std::string>();
  i.table_id = j.at("id").get<std::string>();
  i.key.hash = {j["key"]["hash"][0].get<std::string>(),
                key_type_of(j["key"]["hash"][1].get<std::string>())};
  if (j["key"].contains("range"))
    i.key.range = KeyElement{j["key"]["range"][0].get<std::string>(),
                             key_type_of(j["key"]["range"][1].get<std::string>())};
  for (const auto& d : j.at("definitions"))
    i.attribute_definitions.emplace_back(d[0].get<std::string>(), key_type_of(d[1].get<std::string>()));
  i.billing = j.at("billing") == "PAY_PER_REQUEST" ? BillingMode::PayPerRequest
                                                   : BillingMode::Provisioned;
  i.throughput = {j.at("read").get<std::int64_t>(), j.at("write").get<std::int64_t>()};
  i.created = from_ms(j.at("created_ms").get<std::int64_t>());
  i.last_throughput_change = from_ms(j.value("throughput_changed_ms", std::int64_t{0}));
  i.deletion_protection = j.value("deletion_protection", false);
  i.status = status_from_name(j.value("status", std::string("ACTIVE")));
  i.status_until = from_ms(j.value("status_until_ms", std::int64_t{0}));
  if (j.contains("pending")) i.pending_throughput = throughput_from_json(j["pending"]);
  i.last_throughput_decrease = from_ms(j.value("throughput_decreased_ms", std::int64_t{0}));
  i.decreases_today = j.value("decreases_today", std::int64_t{0});
  i.ttl_attribute = j.value("ttl_attribute", std::string());
  if (j.contains("pitr_since_ms") && j["pitr_since_ms"].is_number_integer())
    i.pitr_since = from_ms(j["pitr_since_ms"].get<std::int64_t>());
  i.pitr_recovery_days = j.value("pitr_days", 35);
  i.extra = j.value("extra", Json::object());
  if (j.contains("indexes"))
    for (const auto& x : j["indexes"]) i.indexes.push_back(index_from_json(x));
  t->tags = j.value("tags", std::map<std::string, std::string>{});
  return t;
}

TableEngine::TableEngine(store::Database& db, EngineOptions options, Clock clock)
    : db_(db), options_(std::move(options)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS ddb_tables(name TEXT PRIMARY KEY, definition TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS ddb_expiry(
      tbl TEXT NOT NULL, expires INTEGER NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL,
      PRIMARY KEY(tbl, expires, hash, range)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ddb_transaction_tokens(
      token TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, expires_ms INTEGER NOT NULL);
  )");
  int stored = 0;
  db_.transaction([&] {
    stored = db_.schema_version("table");
    items_ = std::make_unique<ItemStore>(db_, stored);
    if (stored < kItemsVersion) db_.set_schema_version("table", kItemsVersion);
  });
  indexes_ = std::make_unique<IndexStore>(db_, stored);
  db_.transaction([&] {
    open_counts(stored);
    if (stored < kSchemaVersion) db_.set_schema_version("table", kSchemaVersion);
  });
  streams_ = std::make_unique<StreamLog>(db_, options_.region, options_.account_id, clock_);
  load();
  db_.transaction([&] {
    for (const auto& [name, t] : tables_) ensure_counts(*t);
    if (stored > 0 && stored < kHashOrderVersion)
      for (const auto& [name, t] : tables_) {
        items_->retoken(name, t->info.key.hash.type);
        for (const auto& x : t->info.indexes)
          indexes_->retoken(name, x.name, x.key.hash.type, t->info.key.hash.type,
                            t->info.key.range ? std::optional(t->info.key.range->type)
                                              : std::nullopt);
      }
    if (stored < kHashOrderVersion) db_.set_schema_version("table", kHashOrderVersion);
  });
  load_deletions();
}

TableEngine::~TableEngine() = default;

void TableEngine::load() {
  auto st = db_.prepare("SELECT name, definition FROM ddb_tables");
  while (st->step()) {
    std::string name = st->column_text(0);
    tables_[name] = from_json(name, Json::parse(st->column_text(1)));
    if (tables_[name]->info.status != Status::Active) states_pending_ = true;
  }
}

void TableEngine::save(const Table& t) {
  auto st = db_.prepare("INSERT OR REPLACE INTO ddb_tables(name, definition) VALUES (?, ?)");
  st->bind(1, t.info.name).bind(2, to_json(t).dump());
  st->step();
}

std::string TableEngine::table_arn(std::string_view name) const {
  return "arn:aws:dynamodb:" + options_.region + ":" + options_.account_id + ":table/" +
         std::string(name);
}

std::optional<std::string> TableEngine::name_from_arn(std::string_view arn) const {
  std::string prefix = "arn:aws:dynamodb:" + options_.region + ":" + options_.account_id + ":table/";
  if (!arn.starts_with(prefix) || arn.size() == prefix.size()) return std::nullopt;
  std::string rest(arn.substr(prefix.size()));
  if (rest.find('/') != std::string::npos) return std::nullopt;  // an index or stream ARN
  return rest;
}

bool TableEngine::table_exists(const std::string& name) const { return tables_.contains(name); }

Result<TableEngine::Table*> TableEngine::find(const std::string& name) {
  auto it = tables_.find(name);
  if (it != tables_.end() && settle(*it->second)) return it->second.get();
  return error(ErrorCode::ResourceNotFound, "Requested resource not found: Table: " + name +
                                                " not found");
}

// ---- tables ----------------------------------------------------------------------------------

namespace {

// DynamoDB's checks on the secondary indexes of a table being created, or of one being added.
std::optional<Error> check_index(const IndexInfo& x, const KeySchema& table_key,
                                 BillingMode billing, bool throughput_given) {
  const std::string prefix = "One or more parameter values were invalid: ";
  if (!x.global) {
    if (!table_key.range)
      return error(ErrorCode::Validation, prefix + "Table KeySchema does not have a range key, "
                                                   "which is required when specifying a "
                                                   "LocalSecondaryIndex");
    if (x.key.hash.name != table_key.hash.name)
      return error(ErrorCode::Validation,
                   prefix + "Index KeySchema does not have the same leading hash key as table "
                            "KeySchema for index: " + x.name + ". index hash key: " +
                       x.key.hash.name + ", table hash key: " + table_key.hash.name);
    if (!x.key.range)
      return error(ErrorCode::Validation,
                   prefix + "Index KeySchema must have a range key for index: " + x.name);
  }
  if (x.projection.type != ProjectionType::Include && !x.projection.non_key_attributes.empty())
    return error(ErrorCode::Validation,
                 prefix + "ProjectionType is " +
                     std::string(projection_type_name(x.projection.type)) +
                     ", but NonKeyAttributes is specified");
  if (x.projection.type == ProjectionType::Include && x.projection.non_key_attributes.empty())
    return error(ErrorCode::Validation,
                 prefix + "NonKeyAttributes must be specified when ProjectionType is INCLUDE "
                          "for index: " + x.name);
  if (x.global) {
    if (billing == BillingMode::Provisioned && !throughput_given)
      return error(ErrorCode::Validation,
                   prefix + "ProvisionedThroughput must be specified for index: " + x.name);
    if (billing == BillingMode::PayPerRequest && throughput_given)
      return error(ErrorCode::Validation,
                   prefix + "ProvisionedThroughput should not be specified for index: " + x.name +
                       " when BillingMode is PAY_PER_REQUEST");
  }
  return std::nullopt;
}

std::optional<Error> check_indexes(const std::vector<IndexInfo>& indexes, const KeySchema& key,
                                   BillingMode billing) {
  std::size_t globals = 0, locals = 0;
  std::set<std::string> names;
  for (const auto& x : indexes) {
    (x.global ? globals : locals)++;
    if (!names.insert(x.name).second)
      return error(ErrorCode::Validation,
                   "One or more parameter values were invalid: Duplicate index name: " + x.name);
    bool given = x.throughput.read != 0 || x.throughput.write != 0;
    if (auto e = check_index(x, key, billing, given)) return e;
  }
  if (globals > 20)
    return error(ErrorCode::LimitExceeded,
                 "Subscriber limit exceeded: The number of global secondary indexes exceeds the "
                 "per-table limit of 20");
  if (locals > 5)
    return error(ErrorCode::Validation,
                 "One or more parameter values were invalid: Number of LocalSecondaryIndexes "
                 "exceeds per-table limit of 5");
  return std::nullopt;
}

}  // namespace

void TableEngine::add_stream_info(TableInfo& info) const {
  if (auto current = streams_->current(info.name))
    info.stream = StreamSpecification{true, std::string(stream_view_type_name(current->view))};
  else
    info.stream.reset();
  if (auto latest = streams_->latest(info.name)) {
    info.latest_stream_arn = latest->arn;
    info.latest_stream_label = latest->label;
  } else {
    info.latest_stream_arn.clear();
    info.latest_stream_label.clear();
  }
}

// StreamSpecification of CreateTable or UpdateTable: checked, then applied (inside the caller's
// transaction when there is one).
std::optional<Error> TableEngine::apply_stream_specification(const std::string& table,
                                                             const StreamSpecification& spec,
                                                             bool creating) {
  auto view = parse_stream_view_type(spec.view_type);
  if (spec.enabled && spec.view_type.empty())
    return invalid("StreamViewType is required when StreamEnabled is true");
  if (!spec.view_type.empty() && !view)
    return error(ErrorCode::Validation,
                 "1 validation error detected: Value '" + spec.view_type +
                     "' at 'streamSpecification.streamViewType' failed to satisfy constraint: "
                     "Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, "
                     "NEW_AND_OLD_IMAGES, KEYS_ONLY]");
  if (!spec.enabled && !spec.view_type.empty())
    return invalid("StreamViewType cannot be specified when StreamEnabled is false");
  bool has = streams_->current(table).has_value();
  if (spec.enabled && has)
    return error(ErrorCode::Validation, "Table already has an enabled stream: TableName: " + table);
  if (!spec.enabled && !has && !creating)
    return error(ErrorCode::Validation, "Table does not have an enabled stream: TableName: " + table);
  return std::nullopt;
}

Result<TableInfo> TableEngine::create_table(const CreateTableRequest& request) {
  static const std::regex pattern("[a-zA-Z0-9_.-]+");
  auto name_error = [&](const std::string& constraint) {
    return error(ErrorCode::Validation, "1 validation error detected: Value '" + request.name +
                                            "' at 'tableName' failed to satisfy constraint: "
                                            "Member must " + constraint);
  };
  if (request.name.size() < 3) return name_error("have length greater than or equal to 3");
  if (request.name.size() > 255) return name_error("have length less than or equal to 255");
  if (!std::regex_match(request.name, pattern))
    return name_error("satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  if (request.billing == BillingMode::Provisioned && !request.throughput)
    return invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when "
                   "BillingMode is PROVISIONED");
  if (request.billing == BillingMode::PayPerRequest && request.throughput)
    return invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                   "BillingMode is PAY_PER_REQUEST");
  if (request.throughput && (request.throughput->read < 1 || request.throughput->write < 1))
    return error(ErrorCode::Validation,
                 "1 validation error detected: Value '" +
                     std::to_string(std::min(request.throughput->read, request.throughput->write)) +
                     "' at 'provisionedThroughput' failed to satisfy constraint: Member must have "
                     "value greater than or equal to 1");
  if (auto e = check_indexes(request.indexes, request.key, request.billing)) return *e;
  if (auto it = tables_.find(request.name); it != tables_.end() && !settle(*it->second))
    remove_table(request.name);
  if (tables_.contains(request.name))
    return error(ErrorCode::ResourceInUse, "Table already exists: " + request.name);
  if (deleting_.contains(request.name))
    return error(ErrorCode::ResourceInUse,
                 "Attempt to change a resource which is still in use: Table is being deleted: " +
                     request.name);
  if (request.stream)
    if (auto e = apply_stream_specification(request.name, *request.stream, true)) return *e;
  if (tables_.size() >= options_.max_tables)
    return error(ErrorCode::LimitExceeded,
                 "Subscriber limit exceeded: Only " + std::to_string(options_.max_tables) +
                     " tables can be created per account");
  auto t = std::make_unique<Table>();
  TableInfo& i = t->info;
  i.name = request.name;
  i.arn = table_arn(request.name);
  i.table_id = aws::new_request_id();  // a version 4 UUID, as TableId is
  i.key = request.key;
  i.attribute_definitions = request.attribute_definitions;
  i.billing = request.billing;
  if (request.throughput) i.throughput = *request.throughput;
  i.created = clock_();
  i.deletion_protection = request.deletion_protection;
  i.indexes = request.indexes;
  i.extra = request.extra;
  if (options_.create_time.count() > 0 && !request.immediate) {
    i.status = Status::Creating;
    i.status_until = status_end(options_.create_time);
    for (auto& x : i.indexes)
      if (x.global) x.status = Status::Creating;
    states_pending_ = true;
  }
  for (const auto& [k, v] : request.tags) t->tags[k] = v;
  db_.transaction([&] {
    save(*t);
    ensure_counts(*t);
    if (request.stream && request.stream->enabled)
      streams_->enable(i.name, i.arn, *parse_stream_view_type(request.stream->view_type));
  });
  TableInfo out = i;
  add_stream_info(out);
  tables_[request.name] = std::move(t);
  return out;
}

Result<TableInfo> TableEngine::delete_table(const std::string& name) {
  if (auto it = deleting_.find(name); it != deleting_.end()) return it->second->info;
  auto found = find(name);
  if (!found) return found.error();
  Table& t = **found;
  // DynamoDB refuses a table being created or updated, and answers a table already being
  // deleted as it is.
  if (t.info.status == Status::Deleting) return t.info;
  if (t.info.status != Status::Active)
    return error(ErrorCode::ResourceInUse,
                 "Attempt to change a resource which is still in use: Table is being " +
                     std::string(t.info.status == Status::Creating ? "created" : "updated") +
                     ": " + name);
  if (t.info.deletion_protection)
    return error(ErrorCode::Validation,
                 "Resource cannot be deleted as it is currently protected against deletion. "
                 "Disable deletion protection first.");
  TableInfo out = t.info;
  read_counts(out);
  out.status = Status::Deleting;
  if (options_.delete_time.count() > 0) {
    t.info.status = Status::Deleting;
    t.info.status_until = status_end(options_.delete_time);
    states_pending_ = true;
    db_.transaction([&] { save(t); });
  } else {
    remove_table(name);
  }
  add_stream_info(out);
  return out;
}

Result<TableInfo> TableEngine::describe_table(const std::string& name) {
  if (auto it = deleting_.find(name); it != deleting_.end()) return it->second->info;
  auto found = find(name);
  if (!found) return found.error();
  TableInfo info = (*found)->info;
  read_counts(info);
  add_stream_info(info);
  return info;
}

std::optional<KeySchema> TableEngine::key_schema(const std::string& name) const {
  auto it = tables_.find(name);
  if (it == tables_.end()) return std::nullopt;
  return it->second->info.key;
}

const TableInfo* TableEngine::table_info(const std::string& name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : &it->second->info;
}

Result<TableInfo> TableEngine::update_table(const UpdateTableRequest& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  Table& t = **found;
  if (t.info.status != Status::Active && !request.immediate)
    return error(ErrorCode::ResourceInUse,
                 "Attempt to change a resource which is still in use: Table is being " +
                     std::string(t.info.status == Status::Creating   ? "created"
                                 : t.info.status == Status::Updating ? "updated"
                                                                     : "deleted") +
                     ": " + request.name);
  const bool delayed = options_.update_time.count() > 0 && !request.immediate;
  if ((request.billing.value_or(t.info.billing) == BillingMode::PayPerRequest) &&
      request.throughput)
    return invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                   "BillingMode is PAY_PER_REQUEST");
  if (request.index_updates.size() > 5)
    return error(ErrorCode::LimitExceeded,
                 "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                 "simultaneously per table");
  for (const auto& u : request.index_updates)
    if (u.action == IndexUpdate::Action::Update &&
        (u.index.throughput.read > 1000000000000 || u.index.throughput.write > 1000000000000))
      return validation("This operation cannot be performed with given input values. Please "
                        "contact DynamoDB service team for more info: Action Blocked: "
                        "IndexUpdate");
  const TimePoint now = clock_();
  TableInfo next = t.info;
  if (request.billing) next.billing = *request.billing;
  if (request.deletion_protection) next.deletion_protection = *request.deletion_protection;
  if (next.billing == BillingMode::PayPerRequest) {
    if (request.throughput)
      return invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                     "BillingMode is PAY_PER_REQUEST");
    next.throughput = {};
  } else if (request.throughput) {
    if (request.throughput->read < 1 || request.throughput->write < 1)
      return error(ErrorCode::Validation,
                   "1 validation error detected: Value '" +
                       std::to_string(std::min(request.throughput->read,
                                               request.throughput->write)) +
                       "' at 'provisionedThroughput' failed to satisfy constraint: Member must "
                       "have value greater than or equal to 1");
    if (t.info.billing == BillingMode::Provisioned && !request.billing &&
        request.throughput->read == t.info.throughput.read &&
        request.throughput->write == t.info.throughput.write && !request.deletion_protection)
      return error(ErrorCode::Validation,
                   "The provisioned throughput for the table will not change. The requested value "
                   "equals the current value. Current ReadCapacityUnits provisioned for the table: " +
                       std::to_string(t.info.throughput.read) +
                       ". Requested ReadCapacityUnits: " + std::to_string(request.throughput->read) +
                       ". Current WriteCapacityUnits provisioned for the table: " +
                       std::to_string(t.info.throughput.write) +
                       ". Requested WriteCapacityUnits: " +
                       std::to_string(request.throughput->write) +
                       ". Refer to the Amazon DynamoDB Developer Guide for current limits and how "
                       "to request higher limits.");
    const Throughput& to = *request.throughput;
    bool increase = to.read > t.info.throughput.read || to.write > t.info.throughput.write;
    bool decrease = to.read < t.info.throughput.read || to.write < t.info.throughput.write;
    if (t.info.billing == BillingMode::PayPerRequest) increase = decrease = false;
    if (increase) next.last_throughput_change = now;
    if (decrease) next.last_throughput_decrease = now;
    if (delayed && t.info.billing == BillingMode::Provisioned) {
      next.pending_throughput = to;  // in force once ACTIVE (settle)
    } else {
      next.throughput = to;
      if (decrease) ++next.decreases_today;
    }
  } else if (t.info.billing == BillingMode::PayPerRequest && request.billing) {
    return invalid("ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
  }
  // GlobalSecondaryIndexUpdates: indexes are built at once (ACTIVE in the answer), as table
  // creation is.
  std::vector<std::string> created, deleted;
  std::size_t online = 0;
  for (const auto& u : request.index_updates) {
    auto it = std::find_if(next.indexes.begin(), next.indexes.end(),
                           [&](const IndexInfo& x) { return x.name == u.index.name; });
    switch (u.action) {
      case IndexUpdate::Action::Create: {
        if (it != next.indexes.end())
          return invalid("Attempting to create an index which already exists");
        IndexInfo x = u.index;
        x.global = true;
        if (delayed) x.status = Status::Creating;
        bool given = x.throughput.read != 0 || x.throughput.write != 0;
        if (auto e = check_index(x, next.key, next.billing, given)) return *e;
        for (const KeyElement* k : {&x.key.hash, x.key.range ? &*x.key.range : nullptr}) {
          if (!k) continue;
          auto def = std::find_if(next.attribute_definitions.begin(),
                                  next.attribute_definitions.end(),
                                  [&](const auto& d) { return d.first == k->name; });
          if (def == next.attribute_definitions.end())
            next.attribute_definitions.emplace_back(k->name, k->type);
          else if (def->second != k->type)
            return invalid("Cannot change the type of an attribute in AttributeDefinitions: " +
                           k->name);
        }
        next.indexes.push_back(x);
        created.push_back(x.name);
        ++online;
        break;
      }
      case IndexUpdate::Action::Delete:
        if (it == next.indexes.end() || !it->global)
          return error(ErrorCode::ResourceNotFound,
                       "Requested resource not found: Index: " + u.index.name + " not found");
        deleted.push_back(it->name);
        next.indexes.erase(it);
        ++online;
        break;
      case IndexUpdate::Action::Update:
        if (it == next.indexes.end() || !it->global)
          return error(ErrorCode::ResourceNotFound,
                       "Requested resource not found: Index: " + u.index.name + " not found");
        if (next.billing == BillingMode::PayPerRequest)
          return invalid("ProvisionedThroughput should not be specified for index: " +
                         u.index.name + " when BillingMode is PAY_PER_REQUEST");
        if (delayed) {
          it->pending_throughput = u.index.throughput;
          it->status = Status::Updating;
        } else {
          it->throughput = u.index.throughput;
        }
        break;
    }
  }
  if (online > 1)
    return error(ErrorCode::LimitExceeded,
                 "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                 "simultaneously per table");
  if (next.billing == BillingMode::PayPerRequest)
    for (auto& x : next.indexes) x.throughput = {};
  if (request.stream)
    if (auto e = apply_stream_specification(request.name, *request.stream, false)) return *e;
  if (!request.billing && !request.throughput && !request.deletion_protection &&
      request.index_updates.empty() && !request.stream)
    return error(ErrorCode::Validation,
                 "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                 "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  if (delayed) {
    next.status = Status::Updating;
    next.status_until = status_end(options_.update_time);
    states_pending_ = true;
  }
  t.info = next;
  db_.transaction([&] {
    save(t);
    for (const auto& name : deleted) {
      forget_counts(t.info.name, name);
      indexes_->drop(t.info.name, name);
    }
    ensure_counts(t);
    for (const auto& name : created) backfill(t, name);
    if (request.stream) {
      if (request.stream->enabled)
        streams_->enable(t.info.name, t.info.arn,
                         *parse_stream_view_type(request.stream->view_type));
      else
        streams_->disable(t.info.name);
    }
  });
  TableInfo out = t.info;
  add_stream_info(out);
  return out;
}

Result<ListTablesResult> TableEngine::list_tables(const ListTablesRequest& request) {
  if (request.limit && (*request.limit < 1 || *request.limit > 100))
    return error(ErrorCode::Validation,
                 "1 validation error detected: Value '" + std::to_string(*request.limit) +
                     "' at 'limit' failed to satisfy constraint: Member must have value " +
                     (*request.limit < 1 ? "greater than or equal to 1" : "less than or equal to 100"));
  std::size_t limit = static_cast<std::size_t>(request.limit.value_or(100));
  settle_states();
  ListTablesResult out;
  // The tables, and those being deleted (DynamoDB lists DELETING tables), in name order.
  const std::string* start =
      request.exclusive_start_table_name ? &*request.exclusive_start_table_name : nullptr;
  auto a = start ? tables_.upper_bound(*start) : tables_.begin();
  auto b = start ? deleting_.upper_bound(*start) : deleting_.begin();
  while (a != tables_.end() || b != deleting_.end()) {
    bool take_a = b == deleting_.end() || (a != tables_.end() && a->first < b->first);
    const std::string& name = take_a ? (a++)->first : (b++)->first;
    out.names.push_back(name);
    if (out.names.size() == limit) {
      if (a != tables_.end() || b != deleting_.end()) out.last_evaluated_table_name = name;
      break;
    }
  }
  return out;
}

Result<Empty> TableEngine::tag_resource(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& tags) {
  auto found = find(name);
  if (!found) return Error{ErrorCode::ResourceNotFound,
                           "Requested resource not found: ResourcArn: " + table_arn(name) +
                               " not found", {}};
  Table& t = **found;
  auto merged = t.tags;
  for (const auto& [k, v] : tags) merged[k] = v;
  if (merged.size() > 50)
    return error(ErrorCode::LimitExceeded,
                 "The number of tags exceeds the limit allowed for the resource. 50 tags are "
                 "allowed per resource.");
  t.tags = std::move(merged);
  db_.transaction([&] { save(t); });
  return Empty{};
}

Result<Empty> TableEngine::untag_resource(const std::string& name,
                                          const std::vector<std::string>& keys) {
  auto found = find(name);
  if (!found) return Error{ErrorCode::ResourceNotFound,
                           "Requested resource not found: ResourcArn: " + table_arn(name) +
                               " not found", {}};
  Table& t = **found;
  for (const auto& k : keys) t.tags.erase(k);
  db_.transaction([&] { save(t); });
  return Empty{};
}

Result<ListTagsResult> TableEngine::list_tags(const std::string& name) {
  auto found = find(name);
  if (!found) return Error{ErrorCode::ResourceNotFound,
                           "Requested resource not found: ResourcArn: " + table_arn(name) +
                               " not found", {}};
  ListTagsResult out;
  for (const auto& [k, v] : (*found)->tags) out.tags.emplace_back(k, v);
  return out;
}

}  // namespace serverlite::table
