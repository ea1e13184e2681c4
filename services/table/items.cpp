// The item operations of the table engine (see engine.hpp).
#include "services/table/engine.hpp"
#include "services/table/item_checks.hpp"
#include "services/table/engine_support.hpp"
#include "emulator/fast_json.hpp"
#include "services/table/hash_order.hpp"

namespace serverlite::table {

namespace {

constexpr std::int64_t kPageBytes = 1024 * 1024;  // Query and Scan stop at 1 MB read

using engine_detail::only_removes;
using engine_detail::invalid;
using engine_detail::read_units;
using engine_detail::validation;
using engine_detail::write_units;

// Where an item goes among the entries of one index key (hash_order.hpp).
std::uint32_t item_order(const KeySchema& table_key, const StoredKey& key) {
  return key_order_token(table_key.hash.type, key.hash,
                         table_key.range ? std::optional(table_key.range->type) : std::nullopt,
                         key.range);
}

Error schema_mismatch() { return validation("The provided key element does not match the schema"); }

// Whether a table read's rows come unparsed (ItemStore's `parse` off): ReadRequest::raw.
bool unparsed(const ReadRequest& request) { return request.raw && !request.filter; }

// Query's and Scan's page: rows come from `fetch(n)` (at most n, each call resuming after the
// last row it returned) until Limit rows were evaluated, 1 MB was read, or none are left. Rows
// the filter rejects still count as evaluated, as DynamoDB counts them. `last_item` is set when
// the page stopped early: the caller answers its key as LastEvaluatedKey.
template <class Fetch>
ReadResult read_page(const ReadRequest& request, Fetch fetch, std::optional<Json>& last_item) {
  ReadResult out;
  std::int64_t bytes = 0;
  double fetched_units = 0;  // items fetched from the table, each read on its own
  std::size_t limit = request.limit ? static_cast<std::size_t>(*request.limit) : SIZE_MAX;
  for (;;) {
    std::size_t chunk = std::min<std::size_t>(1000, limit - static_cast<std::size_t>(out.scanned));
    auto rows = fetch(chunk);
    for (auto& row : rows) {
      ++out.scanned;
      bytes += row.size;
      bool last = static_cast<std::size_t>(out.scanned) >= limit || bytes >= kPageBytes;
      if constexpr (requires { row.table_size; }) {
        if (row.table_size >= 0) fetched_units += read_units(row.table_size, request.consistent);
      }
      if constexpr (requires { row.text; }) {
        if (unparsed(request)) {
          // Unparsed rows (ItemStore without parse): only the page's last one is read, for
          // its key.
          if (last) last_item = parse_json(row.text);
          out.raw_items.push_back(std::move(row.text));
          out.raw = true;
          if (last) break;
          continue;
        }
      }
      if (last) last_item = row.item;
      if (!request.filter || request.filter->evaluate(row.item))
        out.items.push_back(std::move(row.item));
      if (last) break;
    }
    if (last_item || rows.size() < chunk) break;
  }
  // One read of the rows' total size, rounded up to 4 KB (halved when eventually consistent).
  out.capacity_units = read_units(bytes, request.consistent) + fetched_units;
  out.fetched_units = fetched_units;
  return out;
}

// A failed ConditionExpression: ConditionalCheckFailedException, with the item when asked.
Error condition_failed(const std::optional<StoredItem>& old, const WriteOptions& options) {
  Error e{ErrorCode::ConditionalCheckFailed, "The conditional request failed", {}};
  if (old && options.all_old_on_condition_failure) e.item = old->item;
  return e;
}

bool condition_holds(const std::optional<StoredItem>& old, const WriteOptions& options) {
  return !options.condition || options.condition->evaluate(old ? old->item : Json::object());
}

}  // namespace

Result<TableEngine::Table*> TableEngine::find_for_items(const std::string& name) {
  auto found = find(name);
  // A table being created or deleted is not there yet, or any more, for items.
  if (!found || (*found)->info.status == Status::Creating ||
      (*found)->info.status == Status::Deleting)
    return Error{ErrorCode::ResourceNotFound, "Requested resource not found", {}};
  return *found;
}

Json TableEngine::key_attributes(const Table& t, const Json& item) const {
  const TableInfo& info = t.info;
  Json key = Json::object();
  key[info.key.hash.name] = item.at(info.key.hash.name);
  if (info.key.range) key[info.key.range->name] = item.at(info.key.range->name);
  return key;
}

std::optional<Error> TableEngine::check_index_keys(const Table& t, const Json& item) const {
  for (const auto& x : t.info.indexes)
    for (const KeyElement* k : {&x.key.hash, x.key.range ? &*x.key.range : nullptr}) {
      if (!k) continue;
      auto it = item.find(k->name);
      if (it == item.end()) continue;
      auto type = type_of(*it);
      if (type != k->type)
        return invalid("Type mismatch for Index Key " + k->name + " Expected: " +
                       std::string(type_name(k->type)) +
                       " Actual: " + std::string(type ? type_name(*type) : "?") +
                       " IndexName: " + x.name);
      const Json& v = it->begin().value();
      if (v.is_string() && v.get_ref<const std::string&>().empty())
        return validation("One or more parameter values are not valid. A value specified for a "
                          "secondary index key is not supported. The AttributeValue for a key "
                          "attribute cannot contain an empty " +
                          std::string(k->type == ValueType::B ? "binary" : "string") +
                          " value. IndexName: " + x.name + ", IndexKey: " + k->name);
    }
  return std::nullopt;
}

std::optional<IndexEntry> TableEngine::index_entry(const Table& t, const IndexInfo& x,
                                                   const StoredKey& item_key,
                                                   const Json& item) const {
  // A key attribute missing, of another type than declared, or empty leaves the item out of the
  // index. Writes refuse the last two; items already in the table when UpdateTable adds a
  // global index may have them, and DynamoDB's backfill skips those items.
  auto usable = [&](const KeyElement& k) {
    auto it = item.find(k.name);
    if (it == item.end() || type_of(*it) != k.type) return false;
    const Json& v = it->begin().value();
    return !(v.is_string() && v.get_ref<const std::string&>().empty());
  };
  if (!usable(x.key.hash) || (x.key.range && !usable(*x.key.range))) return std::nullopt;
  auto hash = item.find(x.key.hash.name);
  IndexEntry e;
  e.position.item = item_key;
  e.position.item_order = item_order(t.info.key, item_key);
  e.position.index.hash = encode_key_value(*hash);
  e.position.index.token = ItemStore::token_of(x.key.hash.type, e.position.index.hash);
  if (x.key.range) {
    auto range = item.find(x.key.range->name);
    e.position.index.range = encode_key_value(*range);
  }
  if (x.projection.type == ProjectionType::All) {
    e.item = item;
  } else {
    e.item = Json::object();
    for (const auto& [name, value] : item.items())
      if (x.projects(name, t.info.key)) e.item[name] = value;
  }
  e.size = static_cast<std::int64_t>(item_size(e.item));
  return e;
}

IndexUnits TableEngine::index_write_units(const Table& t, const StoredKey& key, const Json* old,
                                          const Json* now) const {
  IndexUnits out;
  for (const auto& x : t.info.indexes) {
    auto before = old ? index_entry(t, x, key, *old) : std::nullopt;
    auto after = now ? index_entry(t, x, key, *now) : std::nullopt;
    double units = 0;
    if (before && after) {
      bool moved = before->position.index.hash != after->position.index.hash ||
                   before->position.index.range != after->position.index.range;
      if (moved) units = write_units(before->size) + write_units(after->size);
      else if (before->item != after->item) units = write_units(std::max(before->size, after->size));
    } else if (before || after) {
      units = write_units(before ? before->size : after->size);
    }
    if (units > 0) (x.global ? out.global : out.local)[x.name] = units;
  }
  return out;
}

bool TableEngine::needs_old_item(const Table& t) const {
  return !t.info.indexes.empty() || !t.info.ttl_attribute.empty() ||
         streams_->has_stream(t.info.name);
}

void TableEngine::apply_change(const Table& t, const StoredKey& key,
                               const std::optional<StoredItem>& old,
                               const std::optional<StoredItem>& now, bool by_ttl) {
  const std::string& table = t.info.name;
  if (now) items_->put(table, *now);
  else if (old) items_->erase(table, key);
  if (!t.info.ttl_attribute.empty()) track_expiry(t, key, old, now);
  // Building the change copies both images: only for a table whose stream is on.
  if ((old || now) && streams_->has_stream(table)) {
    StreamLog::ItemChange change;
    change.table = table;
    change.keys = key_attributes(t, now ? now->item : old->item);
    if (old) change.old_image = old->item;
    if (now) change.new_image = now->item;
    change.by_ttl = by_ttl;
    streams_->append(change);
  }
  for (const auto& x : t.info.indexes) {
    auto before = old ? index_entry(t, x, key, old->item) : std::nullopt;
    auto after = now ? index_entry(t, x, key, now->item) : std::nullopt;
    if (before && (!after || !(before->position.index.hash == after->position.index.hash &&
                               before->position.index.range == after->position.index.range)))
      indexes_->erase(table, x.name, before->position);
    if (after) indexes_->put(table, x.name, *after);
  }
}

void TableEngine::backfill(const Table& t, const std::string& index) {
  auto x = std::find_if(t.info.indexes.begin(), t.info.indexes.end(),
                        [&](const IndexInfo& i) { return i.name == index; });
  if (x == t.info.indexes.end()) return;
  std::optional<StoredKey> after;
  for (;;) {
    auto rows = items_->scan(t.info.name, 0, 1, after, 1000);
    for (const auto& row : rows)
      if (auto e = index_entry(t, *x, row.key, row.item)) indexes_->put(t.info.name, index, *e);
    if (rows.size() < 1000) break;
    after = rows.back().key;
  }
}

Result<StoredKey> TableEngine::key_of(const Table& t, const Json& item, bool for_item) const {
  const TableInfo& info = t.info;
  StoredKey out;
  std::size_t key_count = 1;
  for (const KeyElement* k : {&info.key.hash, info.key.range ? &*info.key.range : nullptr}) {
    if (!k) continue;
    if (k != &info.key.hash) ++key_count;
    auto it = item.find(k->name);
    if (it == item.end())
      return for_item ? invalid("Missing the key " + k->name + " in the item") : schema_mismatch();
    auto type = type_of(*it);
    if (type != k->type)
      return for_item ? invalid("Type mismatch for key " + k->name + " expected: " +
                                std::string(type_name(k->type)) + " actual: " +
                                std::string(type ? type_name(*type) : "?"))
                      : schema_mismatch();
    const Json& v = it->begin().value();
    if (v.is_string() && v.get_ref<const std::string&>().empty())
      // DynamoDB words it differently for an item and for a Key parameter.
      return validation(std::string(for_item ? "One or more parameter values are not valid. "
                                             : "One or more parameter values were invalid: ") +
                        "The AttributeValue for a key attribute cannot contain an empty " +
                        std::string(k->type == ValueType::B ? "binary" : "string") +
                        " value. Key: " + k->name);
    std::string encoded = encode_key_value(*it);
    // DynamoDB's key size limits, on the value's bytes (decoded, for binary).
    std::size_t bytes = value_size(*it);
    if (k == &info.key.hash && bytes > 2048)
      return invalid("Size of hashkey has exceeded the maximum size limit of2048 bytes");
    if (k != &info.key.hash && bytes > 1024)
      return invalid("Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
    (k == &info.key.hash ? out.hash : out.range) = std::move(encoded);
  }
  if (!for_item && item.size() != key_count) return schema_mismatch();
  out.token = ItemStore::token_of(info.key.hash.type, out.hash);
  return out;
}

// A PutItem (or BatchWriteItem put) item: its values validated and canonicalised, its key
// attributes present and typed as declared, its index keys typed, its size within 400 KB.
Result<StoredItem> TableEngine::new_item(const Table& t, Json item) const {
  if (auto e = validate_item(item)) return validation(*e);
  auto key = key_of(t, item, true);
  if (!key) return key.error();
  auto size = static_cast<std::int64_t>(item_size(item));
  if (size > static_cast<std::int64_t>(kMaxItemBytes))
    return validation("Item size has exceeded the maximum allowed size");
  if (auto e = check_index_keys(t, item)) return *e;
  return StoredItem{*key, std::move(item), size};
}

// A Key parameter: its values validated (numbers canonical, so "1.0" finds the key 1), then
// encoded. `canonical`, when given, receives the key with canonical values.
Result<StoredKey> TableEngine::request_key(const Table& table, const Json& key,
                                           Json* canonical) const {
  Json k = key;
  if (auto e = validate_item(k)) return validation(*e);
  auto stored = key_of(table, k, false);
  if (stored && canonical) *canonical = std::move(k);
  return stored;
}

Result<WriteResult> TableEngine::put_item(const std::string& table, Json item,
                                          const WriteOptions& options) {
  auto found = find_for_items(table);
  if (!found) return found.error();
  Table& t = **found;
  auto now = new_item(t, std::move(item));
  if (!now) return now.error();
  const StoredKey& key = now->key;
  std::optional<Error> failed;
  WriteResult out;
  // The old item is parsed only when something reads it, and looked up at all only for that or
  // for its size (the capacity reported).
  bool read_old = options.condition || options.return_values == ReturnValues::AllOld ||
                  needs_old_item(t);
  bool look_up = read_old || options.capacity;
  db_.transaction([&] {
    auto old = look_up ? items_->get(table, key, read_old) : std::nullopt;
    if (!condition_holds(old, options)) {
      failed = condition_failed(old, options);
      return;
    }
    apply_change(t, key, old, *now);
    if (old && options.return_values == ReturnValues::AllOld) out.attributes = old->item;
    out.capacity_units = write_units(std::max(now->size, old ? old->size : 0));
    if (options.capacity && !t.info.indexes.empty()) {
      out.index_units = index_write_units(t, key, old ? &old->item : nullptr, &now->item);
      out.capacity_units += out.index_units.sum();
    }
  });
  if (failed) return *failed;
  return out;
}

Result<GetResult> TableEngine::get_item(const std::string& table, const Json& key,
                                        bool consistent, bool raw) {
  auto found = find_for_items(table);
  if (!found) return found.error();
  auto stored_key = request_key(**found, key);
  if (!stored_key) return stored_key.error();
  GetResult out;
  auto got = items_->get(table, *stored_key, !raw);
  if (got && raw) out.raw_item = std::move(got->text);
  else if (got) out.item = std::move(got->item);
  out.capacity_units = read_units(got ? got->size : 0, consistent);
  return out;
}

Result<WriteResult> TableEngine::delete_item(const std::string& table, const Json& key,
                                             const WriteOptions& options) {
  auto found = find_for_items(table);
  if (!found) return found.error();
  auto stored_key = request_key(**found, key);
  if (!stored_key) return stored_key.error();
  std::optional<Error> failed;
  WriteResult out;
  db_.transaction([&] {
    auto old = items_->get(table, *stored_key);
    if (!condition_holds(old, options)) {
      failed = condition_failed(old, options);
      return;
    }
    if (old) apply_change(**found, *stored_key, old, std::nullopt);
    if (old && options.return_values == ReturnValues::AllOld) out.attributes = old->item;
    out.capacity_units = write_units(old ? old->size : 0);
    if (options.capacity && old && !(*found)->info.indexes.empty()) {
      out.index_units = index_write_units(**found, *stored_key, &old->item, nullptr);
      out.capacity_units += out.index_units.sum();
    }
  });
  if (failed) return *failed;
  return out;
}

// Whether an updated item holds an index key attribute of another type than the index declares
// (a value read from the item, which the checks before the update could not know).
static bool update_mistypes_index_key(const TableInfo& info, const Json& item) {
  for (const auto& x : info.indexes)
    for (const KeyElement* k : {&x.key.hash, x.key.range ? &*x.key.range : nullptr}) {
      if (!k) continue;
      auto it = item.find(k->name);
      if (it != item.end() && type_of(*it) != k->type) return true;
    }
  return false;
}

Result<WriteResult> TableEngine::update_item(const std::string& table, const Json& key,
                                             const UpdateExpression* update,
                                             const WriteOptions& options) {
  auto found = find_for_items(table);
  if (!found) return found.error();
  Table& t = **found;
  const TableInfo& info = t.info;
  Json k;
  auto stored_key = request_key(t, key, &k);
  if (!stored_key) return stored_key.error();
  if (update)
    for (const auto& action : update->actions) {
      const std::string& top = action.path.front().name;
      if (top == info.key.hash.name || (info.key.range && top == info.key.range->name))
        return invalid("Cannot update attribute " + top + ". This attribute is part of the key");
    }
  if (update)
    if (auto e = update_key_error(info, *update)) return validation(*e);
  std::optional<Error> failed;
  WriteResult out;
  db_.transaction([&] {
    auto old = items_->get(table, *stored_key);
    if (!condition_holds(old, options)) {
      failed = condition_failed(old, options);
      return;
    }
    Json before = old ? old->item : k;
    UpdateResult result{before, {}, {}};
    if (update) {
      try {
        result = update->apply(before);
      } catch (const ExpressionError& e) {
        bool mistyped = e.message == "An operand in the update expression has an incorrect data type";
        failed = validation(mistyped && update->from_attribute_updates
                                ? "Type mismatch for attribute to update" : e.message);
        return;
      }
    }
    // Nothing to remove from a missing item: it stays missing, the write is still charged.
    if (!old && only_removes(update)) {
      out.capacity_units = write_units(static_cast<std::int64_t>(item_size(result.item)));
      return;
    }
    auto size = static_cast<std::int64_t>(item_size(result.item));
    if (size > static_cast<std::int64_t>(kMaxItemBytes)) {
      failed = validation("Item size to update has exceeded the maximum allowed size");
      return;
    }
    if (update_mistypes_index_key(info, result.item)) {
      failed = validation("The update expression attempted to update the secondary index key to "
                          "unsupported type");
      return;
    }
    if (auto e = check_index_keys(t, result.item)) {
      failed = *e;
      return;
    }
    apply_change(t, *stored_key, old, StoredItem{*stored_key, result.item, size});
    switch (options.return_values) {
      case ReturnValues::None:
        break;
      case ReturnValues::AllOld:
        if (old) out.attributes = old->item;
        break;
      case ReturnValues::AllNew:
        out.attributes = result.item;
        break;
      case ReturnValues::UpdatedOld:
        if (old) out.attributes = project_paths(old->item, result.updated_paths);
        break;
      case ReturnValues::UpdatedNew:
        out.attributes = project_paths(result.item, result.updated_paths);
        break;
    }
    if (out.attributes && out.attributes->empty()) out.attributes.reset();
    out.capacity_units = write_units(std::max(size, old ? old->size : 0));
    if (options.capacity && !t.info.indexes.empty()) {
      out.index_units = index_write_units(t, *stored_key, old ? &old->item : nullptr, &result.item);
      out.capacity_units += out.index_units.sum();
    }
  });
  if (failed) return *failed;
  return out;
}

// The index a read names, or null for the table; an error when the table has no such index.
static Result<const IndexInfo*> index_of(const TableInfo& info, const std::string& name) {
  if (name.empty()) return static_cast<const IndexInfo*>(nullptr);
  for (const auto& x : info.indexes)
    if (x.name == name) return &x;
  return validation("The table does not have the specified index: " + name);
}

// The position an index read resumes after: ExclusiveStartKey carries the index key and the
// table key.
Result<IndexPosition> TableEngine::index_start(const Table& t, const IndexInfo& x,
                                               const Json& start) const {
  auto bad = [] {
    return validation("The provided starting key is invalid: The provided key element does not "
                      "match the schema");
  };
  IndexPosition p;
  Json item_key = Json::object(), index_key = Json::object();
  std::set<std::string> names;  // the key attributes of the table and the index, nothing else
  for (const KeySchema* schema : {&t.info.key, &x.key})
    for (const KeyElement* k : {&schema->hash, schema->range ? &*schema->range : nullptr}) {
      if (!k) continue;
      auto it = start.find(k->name);
      if (it == start.end() || type_of(*it) != k->type) return bad();
      (schema == &t.info.key ? item_key : index_key)[k->name] = *it;
      names.insert(k->name);
    }
  if (start.size() != names.size()) return bad();
  auto stored = key_of(t, item_key, false);
  if (!stored) return bad();
  p.item = *stored;
  p.item_order = item_order(t.info.key, *stored);
  p.index.hash = encode_key_value(index_key.at(x.key.hash.name));
  p.index.token = ItemStore::token_of(x.key.hash.type, p.index.hash);
  if (x.key.range) p.index.range = encode_key_value(index_key.at(x.key.range->name));
  return p;
}

// LastEvaluatedKey: the table's key attributes, and the index's when reading an index.
Json TableEngine::last_key(const Table& t, const IndexInfo* x, const Json& item) const {
  Json key = key_attributes(t, item);
  if (x) {
    key[x->key.hash.name] = item.at(x->key.hash.name);
    if (x->key.range) key[x->key.range->name] = item.at(x->key.range->name);
  }
  return key;
}

Result<ReadResult> TableEngine::query(const std::string& table, const ReadRequest& request) {
  auto found = find_for_items(table);
  if (!found) return found.error();
  Table& t = **found;
  const TableInfo& info = t.info;
  auto index = index_of(info, request.index);
  if (!index) return index.error();
  const IndexInfo* x = *index;
  const KeySchema& schema = x ? x->key : info.key;
  const KeyCondition& kc = *request.key;
  if (type_of(kc.hash_value) != schema.hash.type)
    return invalid("Condition parameter type does not match schema type");
  std::string hash = encode_key_value(kc.hash_value);
  std::optional<RangeBound> lower, upper;
  if (kc.range) {
    const RangeCondition& rc = *kc.range;
    if (!schema.range || type_of(rc.value) != schema.range->type ||
        (rc.op == RangeOperator::Between && type_of(rc.upper) != schema.range->type))
      return invalid("Condition parameter type does not match schema type");
    if (rc.op == RangeOperator::BeginsWith && schema.range->type == ValueType::N)
      return validation("Invalid KeyConditionExpression: Incorrect operand type for operator or "
                        "function; operator or function: begins_with, operand type: N");
    std::string v = encode_key_value(rc.value);
    switch (rc.op) {
      case RangeOperator::EQ: lower = RangeBound{v, true}; upper = RangeBound{v, true}; break;
      case RangeOperator::LT: upper = RangeBound{v, false}; break;
      case RangeOperator::LE: upper = RangeBound{v, true}; break;
      case RangeOperator::GT: lower = RangeBound{v, false}; break;
      case RangeOperator::GE: lower = RangeBound{v, true}; break;
      case RangeOperator::BeginsWith: {
        // S and B keys encode as their bytes: the prefix's range ends before the prefix with
        // its last byte (ignoring trailing 0xFF bytes) incremented.
        lower = RangeBound{v, true};
        std::string next = v;
        while (!next.empty() && static_cast<unsigned char>(next.back()) == 0xff) next.pop_back();
        if (!next.empty()) {
          next.back() = static_cast<char>(static_cast<unsigned char>(next.back()) + 1);
          upper = RangeBound{next, false};
        }
        break;
      }
      case RangeOperator::Between: {
        std::string hi = encode_key_value(rc.upper);
        if (hi < v)
          return validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper "
                            "bound to be greater than or equal to lower bound; lower operand: " +
                            rc.value.dump() + ", upper operand: " + rc.upper.dump());
        lower = RangeBound{v, true};
        upper = RangeBound{hi, true};
        break;
      }
    }
  }
  // A (well-formed) starting key outside the range condition cannot resume this query.
  auto outside_range = [&] {
    if (!kc.range) return false;
    auto it = request.exclusive_start_key->find(kc.range->name);
    return it != request.exclusive_start_key->end() && !kc.range->matches(*it);
  };
  // Checked first; then a starting key of another partition, which this query cannot reach.
  const char* kOutside = "The provided starting key does not match the range key predicate";
  const char* kOtherHash = "The query can return at most one row and cannot be restarted";
  std::optional<Json> last;
  ReadResult out;
  if (x) {
    std::optional<IndexPosition> after;
    if (request.exclusive_start_key) {
      auto start = index_start(t, *x, *request.exclusive_start_key);
      if (!start) return start.error();
      if (outside_range()) return validation(kOutside);
      if (start->index.hash != hash) return validation(kOtherHash);
      after = *start;
    }
    auto fetch = [&](std::size_t n) {
      auto rows = indexes_->query(table, x->name, info.key.hash.type, hash, lower, upper,
                                     request.forward, after, n);
      if (!rows.empty()) after = rows.back().position;
      if (request.fetch_table_items) table_items(table, rows);
      return rows;
    };
    out = read_page(request, fetch, last);
  } else {
    std::optional<std::string> after;
    if (request.exclusive_start_key) {
      auto start = key_of(t, *request.exclusive_start_key, false);
      if (!start)
        return validation("The provided starting key is invalid: The provided key element does "
                          "not match the schema");
      if (outside_range()) return validation(kOutside);
      if (start->hash != hash) return validation(kOtherHash);
      after = start->range;
    }
    auto fetch = [&](std::size_t n) {
      auto rows = items_->query(table, schema.hash.type, hash, lower, upper, request.forward, after, n,
                                !unparsed(request));
      if (!rows.empty()) after = rows.back().key.range;
      return rows;
    };
    out = read_page(request, fetch, last);
  }
  if (last) out.last_evaluated_key = last_key(t, x, *last);
  if (x) (x->global ? out.index_units.global : out.index_units.local)[x->name] =
      out.capacity_units - out.fetched_units;
  return out;
}

// Index entries replaced by their items in the table, for LSI reads that need more attributes.
void TableEngine::table_items(const std::string& table, std::vector<IndexEntry>& rows) {
  for (auto& row : rows)
    if (auto item = items_->get(table, row.position.item)) {
      row.item = std::move(item->item);
      row.table_size = item->size;
    }
}

Result<ReadResult> TableEngine::scan(const std::string& table, const ReadRequest& request) {
  auto found = find_for_items(table);
  if (!found) return found.error();
  Table& t = **found;
  auto index = index_of(t.info, request.index);
  if (!index) return index.error();
  const IndexInfo* x = *index;
  std::optional<Json> last;
  ReadResult out;
  if (x) {
    std::optional<IndexPosition> after;
    if (request.exclusive_start_key) {
      auto start = index_start(t, *x, *request.exclusive_start_key);
      if (!start) return start.error();
      after = *start;
    }
    auto fetch = [&](std::size_t n) {
      auto rows = indexes_->scan(table, x->name, t.info.key.hash.type, request.segment,
                                    request.total_segments, after, n);
      if (!rows.empty()) after = rows.back().position;
      if (request.fetch_table_items) table_items(table, rows);
      return rows;
    };
    out = read_page(request, fetch, last);
  } else {
    std::optional<StoredKey> after;
    if (request.exclusive_start_key) {
      auto start = key_of(t, *request.exclusive_start_key, false);
      if (!start)
        return validation("The provided starting key is invalid: The provided key element does "
                          "not match the schema");
      after = *start;
    }
    auto fetch = [&](std::size_t n) {
      auto rows = items_->scan(table, request.segment, request.total_segments, after, n,
                               !unparsed(request));
      if (!rows.empty()) after = rows.back().key;
      return rows;
    };
    out = read_page(request, fetch, last);
  }
  if (last) out.last_evaluated_key = last_key(t, x, *last);
  if (x) (x->global ? out.index_units.global : out.index_units.local)[x->name] =
      out.capacity_units - out.fetched_units;
  return out;
}

// Whether an item holds the table's key attributes with their declared types. BatchWriteItem
// answers a put whose item does not as DynamoDB answers a Key that does not match the schema.
static bool has_key_attributes(const TableInfo& info, const Json& item) {
  for (const KeyElement* k : {&info.key.hash, info.key.range ? &*info.key.range : nullptr}) {
    if (!k) continue;
    auto it = item.find(k->name);
    if (it == item.end() || !it->is_object() || type_of(*it) != k->type) return false;
  }
  return true;
}

Result<std::map<std::string, TableCapacity>> TableEngine::batch_write(
    std::vector<BatchWrite> writes, bool capacity) {
  struct Prepared {
    std::string table;
    StoredKey key;
    std::optional<Json> item;
    std::int64_t size = 0;
  };
  std::vector<Prepared> prepared;
  for (auto& w : writes) {
    auto found = find_for_items(w.table);
    if (!found) return found.error();
    if (w.put) {
      if (!has_key_attributes((*found)->info, *w.put)) return schema_mismatch();
      auto now = new_item(**found, std::move(*w.put));
      if (!now) return now.error();
      prepared.push_back({w.table, now->key, std::move(now->item), now->size});
    } else {
      auto key = request_key(**found, *w.key);
      if (!key) return key.error();
      prepared.push_back({w.table, *key, std::nullopt, 0});
    }
  }
  for (std::size_t i = 0; i < prepared.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (prepared[i].table == prepared[j].table && prepared[i].key.hash == prepared[j].key.hash &&
          prepared[i].key.range == prepared[j].key.range)
        return validation("Provided list of item keys contains duplicates");
  std::map<std::string, TableCapacity> units;
  db_.transaction([&] {
    for (auto& p : prepared) {
      const Table& t = *tables_.at(p.table);
      bool read_old = needs_old_item(t);
      auto old = read_old || capacity ? items_->get(p.table, p.key, read_old) : std::nullopt;
      if (capacity) {
        // Each write as its own PutItem or DeleteItem would cost.
        TableCapacity& c = units[p.table];
        c.units += write_units(std::max(p.item ? p.size : 0, old ? old->size : 0));
        if (!t.info.indexes.empty()) {
          auto idx = index_write_units(t, p.key, old ? &old->item : nullptr,
                                       p.item ? &*p.item : nullptr);
          c.units += idx.sum();
          for (const auto& [name, u] : idx.global) c.indexes.global[name] += u;
          for (const auto& [name, u] : idx.local) c.indexes.local[name] += u;
        }
      }
      if (!read_old && !p.item) items_->erase(p.table, p.key);
      else if (p.item) apply_change(t, p.key, old, StoredItem{p.key, std::move(*p.item), p.size});
      else if (old) apply_change(t, p.key, old, std::nullopt);
    }
  });
  return units;
}

}  // namespace serverlite::table
