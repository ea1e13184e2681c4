#include "services/table/item_store.hpp"

#include <utility>

#include "emulator/fast_json.hpp"
#include "services/table/hash_order.hpp"

namespace serverlite::table {

namespace {

// A row read: its item parsed from `text` (by simdjson: nlohmann's parser was half the cost of
// reading an item), or left as the text (`parse` off).
StoredItem stored(StoredKey key, std::int64_t size, std::string text, bool parse) {
  StoredItem out{std::move(key), nullptr, size, std::move(text)};
  if (parse) out.item = parse_json(std::exchange(out.text, {}));
  return out;
}

}  // namespace

struct ItemStore::Statements {
  explicit Statements(store::Database& db)
      : get(db.prepare("SELECT item, size FROM ddb_items "
                       "WHERE tbl = ? AND token = ? AND hash = ? AND range = ?")),
        put(db.prepare("INSERT INTO ddb_items(tbl, token, hash, range, item, size) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(tbl, token, hash, range) "
                       "DO UPDATE SET item = excluded.item, size = excluded.size")),
        erase(db.prepare("DELETE FROM ddb_items "
                         "WHERE tbl = ? AND token = ? AND hash = ? AND range = ?")),
        count(db.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ddb_items WHERE tbl = ?")) {}
  std::unique_ptr<store::Statement> get, put, erase, count;
};

ItemStore::ItemStore(store::Database& db, int stored_version) : db_(db) {
  // Version 1's table (primary key on tbl, hash, range; index ddb_items_scan) is renamed, copied
  // in key order and dropped with its index.
  bool migrate = stored_version == 1;
  if (migrate) db_.exec("ALTER TABLE ddb_items RENAME TO ddb_items_v1");
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS ddb_items(
      tbl TEXT NOT NULL, token INTEGER NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL,
      item TEXT NOT NULL, size INTEGER NOT NULL);
    CREATE UNIQUE INDEX IF NOT EXISTS ddb_items_key ON ddb_items(tbl, token, hash, range);
  )");
  if (migrate)
    db_.exec(
        "INSERT INTO ddb_items(tbl, token, hash, range, item, size) "
        "SELECT tbl, token, hash, range, item, size FROM ddb_items_v1 "
        "ORDER BY tbl, token, hash, range; "
        "DROP TABLE ddb_items_v1;");
  st_ = std::make_unique<Statements>(db_);
}

ItemStore::~ItemStore() = default;

std::uint32_t ItemStore::token_of(ValueType type, const std::string& encoded_hash) {
  return hash_token(type, encoded_hash);
}

std::optional<StoredItem> ItemStore::get(const std::string& table, const StoredKey& key,
                                         bool parse) {
  auto& st = *st_->get;
  st.reset();
  st.bind_text(1, table).bind(2, std::int64_t{key.token}).bind_text(3, key.hash)
      .bind_text(4, key.range);
  std::optional<StoredItem> out;
  if (st.step()) out = stored(key, st.column_int(1), st.column_text(0), parse);
  st.reset();
  return out;
}

void ItemStore::put(const std::string& table, const StoredItem& item) {
  auto& st = *st_->put;
  st.reset();
  st.bind_text(1, table).bind(2, std::int64_t{item.key.token}).bind_text(3, item.key.hash)
      .bind_text(4, item.key.range).bind_text(5, item.item.dump()).bind(6, item.size);
  st.step();
  st.reset();
}

void ItemStore::erase(const std::string& table, const StoredKey& key) {
  auto& st = *st_->erase;
  st.reset();
  st.bind_text(1, table).bind(2, std::int64_t{key.token}).bind_text(3, key.hash)
      .bind_text(4, key.range);
  st.step();
  st.reset();
}

void ItemStore::drop(const std::string& table) {
  auto st = db_.prepare("DELETE FROM ddb_items WHERE tbl = ?");
  st->bind(1, table);
  st->step();
}

std::vector<StoredItem> ItemStore::query(const std::string& table, ValueType hash_type,
                                         const std::string& hash,
                                         const std::optional<RangeBound>& lower,
                                         const std::optional<RangeBound>& upper, bool forward,
                                         const std::optional<std::string>& start_after,
                                         std::size_t limit, bool parse) {
  std::uint32_t token = token_of(hash_type, hash);
  std::string sql =
      "SELECT range, item, size FROM ddb_items WHERE tbl = ? AND token = ? AND hash = ?";
  std::vector<store::Value> args = {table, std::int64_t{token}, hash};
  if (lower) {
    sql += lower->inclusive ? " AND range >= ?" : " AND range > ?";
    args.push_back(lower->value);
  }
  if (upper) {
    sql += upper->inclusive ? " AND range <= ?" : " AND range < ?";
    args.push_back(upper->value);
  }
  if (start_after) {
    sql += forward ? " AND range > ?" : " AND range < ?";
    args.push_back(*start_after);
  }
  sql += forward ? " ORDER BY range ASC LIMIT ?" : " ORDER BY range DESC LIMIT ?";
  args.push_back(static_cast<std::int64_t>(limit));
  auto& st = cached(sql);
  for (std::size_t i = 0; i < args.size(); ++i) st.bind(static_cast<int>(i + 1), args[i]);
  std::vector<StoredItem> out;
  while (st.step())
    out.push_back(stored({hash, st.column_text(0), token}, st.column_int(2), st.column_text(1),
                         parse));
  st.reset();
  return out;
}

std::vector<StoredItem> ItemStore::scan(const std::string& table, int segment, int total,
                                        const std::optional<StoredKey>& start_after,
                                        std::size_t limit, bool parse) {
  auto [lo, hi] = segment_tokens(segment, total);
  std::string sql =
      "SELECT token, hash, range, item, size FROM ddb_items WHERE tbl = ? AND token >= ? AND "
      "token < ?";
  std::vector<store::Value> args = {table, lo, hi};
  if (start_after) {
    sql += " AND (token, hash, range) > (?, ?, ?)";
    args.push_back(std::int64_t{start_after->token});
    args.push_back(start_after->hash);
    args.push_back(start_after->range);
  }
  sql += " ORDER BY token, hash, range LIMIT ?";
  args.push_back(static_cast<std::int64_t>(limit));
  auto& st = cached(sql);
  for (std::size_t i = 0; i < args.size(); ++i) st.bind(static_cast<int>(i + 1), args[i]);
  std::vector<StoredItem> out;
  while (st.step())
    out.push_back(stored({st.column_text(1), st.column_text(2),
                          static_cast<std::uint32_t>(st.column_int(0))},
                         st.column_int(4), st.column_text(3), parse));
  st.reset();
  return out;
}

void ItemStore::retoken(const std::string& table, ValueType hash_type) {
  std::vector<std::pair<std::int64_t, std::string>> rows;
  {
    auto st = db_.prepare("SELECT rowid, hash FROM ddb_items WHERE tbl = ?");
    st->bind(1, table);
    while (st->step()) rows.emplace_back(st->column_int(0), st->column_text(1));
  }
  auto update = db_.prepare("UPDATE ddb_items SET token = ? WHERE rowid = ?");
  for (const auto& [rowid, hash] : rows) {
    update->reset();
    update->bind(1, std::int64_t{token_of(hash_type, hash)}).bind(2, rowid);
    update->step();
  }
}

store::Statement& ItemStore::cached(const std::string& sql) {
  auto& st = reads_[sql];
  if (!st) st = db_.prepare(sql);
  st->reset();  // a read an exception cut short left it mid-way
  return *st;
}

std::int64_t ItemStore::count(const std::string& table) {
  auto& st = *st_->count;
  st.reset();
  st.bind(1, table);
  std::int64_t n = st.step() ? st.column_int(0) : 0;
  st.reset();
  return n;
}

std::int64_t ItemStore::total_size(const std::string& table) {
  auto& st = *st_->count;
  st.reset();
  st.bind(1, table);
  std::int64_t n = st.step() ? st.column_int(1) : 0;
  st.reset();
  return n;
}

}  // namespace serverlite::table
