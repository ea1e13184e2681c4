#include "services/table/index_store.hpp"
#include "emulator/fast_json.hpp"
#include "services/table/hash_order.hpp"

namespace serverlite::table {

struct IndexStore::Statements {
  explicit Statements(store::Database& db)
      // An upsert, not INSERT OR REPLACE: REPLACE's implicit delete fires no trigger, and the
      // kept counts (upkeep.cpp) are triggers.
      : put(db.prepare("INSERT INTO ddb_index_items(tbl, idx, hash, range, item_hash, "
                       "item_range, token, item, size, item_order) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT(tbl, idx, hash, range, item_hash, item_range) DO UPDATE SET "
                       "token = excluded.token, item = excluded.item, size = excluded.size, "
                       "item_order = excluded.item_order")),
        erase(db.prepare("DELETE FROM ddb_index_items WHERE tbl = ? AND idx = ? AND hash = ? AND "
                         "range = ? AND item_hash = ? AND item_range = ?")),
        count(db.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ddb_index_items "
                         "WHERE tbl = ? AND idx = ?")) {}
  std::unique_ptr<store::Statement> put, erase, count;
};

IndexStore::IndexStore(store::Database& db, int stored_version) : db_(db) {
  // Entries with one index key go in the order of their item's key hash (item_order): an index
  // of that order serves Query, and the scan index orders by it too. Before version 4 there was
  // no such column, and the scan index lacked it.
  if (stored_version > 0 && stored_version < 4) {
    // (A state may have the column already, if it was written by this version and marked older.)
    auto st = db_.prepare("SELECT COUNT(*), COALESCE(SUM(name = 'item_order'), 0) "
                          "FROM pragma_table_info('ddb_index_items')");
    bool exists = st->step() && st->column_int(0) > 0 && st->column_int(1) == 0;
    st.reset();
    if (exists)
      db_.exec(R"(
        ALTER TABLE ddb_index_items ADD COLUMN item_order INTEGER NOT NULL DEFAULT 0;
        DROP INDEX IF EXISTS ddb_index_items_scan;
      )");
  }
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS ddb_index_items(
      tbl TEXT NOT NULL, idx TEXT NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL,
      item_hash BLOB NOT NULL, item_range BLOB NOT NULL, token INTEGER NOT NULL,
      item TEXT NOT NULL, size INTEGER NOT NULL, item_order INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY(tbl, idx, hash, range, item_hash, item_range)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ddb_index_items_order
      ON ddb_index_items(tbl, idx, hash, range, item_order, item_hash, item_range);
    CREATE INDEX IF NOT EXISTS ddb_index_items_by_token
      ON ddb_index_items(tbl, idx, token, hash, range, item_order, item_hash, item_range);
  )");
  st_ = std::make_unique<Statements>(db_);
}

IndexStore::~IndexStore() = default;

void IndexStore::put(const std::string& table, const std::string& index, const IndexEntry& e) {
  auto& st = *st_->put;
  st.reset();
  st.bind(1, table).bind(2, index).bind(3, e.position.index.hash).bind(4, e.position.index.range)
      .bind(5, e.position.item.hash).bind(6, e.position.item.range)
      .bind(7, std::int64_t{e.position.index.token}).bind(8, e.item.dump()).bind(9, e.size)
      .bind(10, std::int64_t{e.position.item_order});
  st.step();
  st.reset();
}

void IndexStore::erase(const std::string& table, const std::string& index,
                       const IndexPosition& p) {
  auto& st = *st_->erase;
  st.reset();
  st.bind(1, table).bind(2, index).bind(3, p.index.hash).bind(4, p.index.range)
      .bind(5, p.item.hash).bind(6, p.item.range);
  st.step();
  st.reset();
}

void IndexStore::drop(const std::string& table, const std::string& index) {
  auto st = db_.prepare(index.empty() ? "DELETE FROM ddb_index_items WHERE tbl = ?"
                                      : "DELETE FROM ddb_index_items WHERE tbl = ? AND idx = ?");
  st->bind(1, table);
  if (!index.empty()) st->bind(2, index);
  st->step();
}

namespace {

std::vector<IndexEntry> run(store::Statement& st, ValueType item_hash_type) {
  std::vector<IndexEntry> out;
  while (st.step()) {
    IndexEntry e;
    e.position.index = {st.column_text(1), st.column_text(2),
                        static_cast<std::uint32_t>(st.column_int(0))};
    e.position.item = {st.column_text(3), st.column_text(4),
                       ItemStore::token_of(item_hash_type, st.column_text(3))};
    e.item = parse_json(st.column_text(5));
    e.size = st.column_int(6);
    e.position.item_order = static_cast<std::uint32_t>(st.column_int(7));
    out.push_back(std::move(e));
  }
  return out;
}

constexpr const char* kColumns =
    "SELECT token, hash, range, item_hash, item_range, item, size, item_order "
    "FROM ddb_index_items ";

}  // namespace

void IndexStore::retoken(const std::string& table, const std::string& index,
                         ValueType hash_type, ValueType item_hash_type,
                         std::optional<ValueType> item_range_type) {
  struct Row {
    std::string hash, range, item_hash, item_range;
  };
  std::vector<Row> rows;
  {
    auto st = db_.prepare("SELECT hash, range, item_hash, item_range FROM ddb_index_items "
                          "WHERE tbl = ? AND idx = ?");
    st->bind(1, table).bind(2, index);
    while (st->step())
      rows.push_back({st->column_text(0), st->column_text(1), st->column_text(2),
                      st->column_text(3)});
  }
  auto update = db_.prepare(
      "UPDATE ddb_index_items SET token = ?, item_order = ? WHERE tbl = ? AND idx = ? AND "
      "hash = ? AND range = ? AND item_hash = ? AND item_range = ?");
  for (const auto& r : rows) {
    update->reset();
    update->bind(1, std::int64_t{ItemStore::token_of(hash_type, r.hash)})
        .bind(2, std::int64_t{key_order_token(item_hash_type, r.item_hash, item_range_type,
                                              r.item_range)})
        .bind(3, table).bind(4, index).bind(5, r.hash).bind(6, r.range).bind(7, r.item_hash)
        .bind(8, r.item_range);
    update->step();
  }
}

std::vector<IndexEntry> IndexStore::query(const std::string& table, const std::string& index,
                                          ValueType item_hash_type,
                                          const std::string& hash,
                                          const std::optional<RangeBound>& lower,
                                          const std::optional<RangeBound>& upper, bool forward,
                                          const std::optional<IndexPosition>& start_after,
                                          std::size_t limit) {
  std::string sql = std::string(kColumns) + "WHERE tbl = ? AND idx = ? AND hash = ?";
  std::vector<store::Value> args = {table, index, hash};
  if (lower) {
    sql += lower->inclusive ? " AND range >= ?" : " AND range > ?";
    args.push_back(lower->value);
  }
  if (upper) {
    sql += upper->inclusive ? " AND range <= ?" : " AND range < ?";
    args.push_back(upper->value);
  }
  if (start_after) {
    sql += forward ? " AND (range, item_order, item_hash, item_range) > (?, ?, ?, ?)"
                   : " AND (range, item_order, item_hash, item_range) < (?, ?, ?, ?)";
    args.push_back(start_after->index.range);
    args.push_back(std::int64_t{start_after->item_order});
    args.push_back(start_after->item.hash);
    args.push_back(start_after->item.range);
  }
  sql += forward ? " ORDER BY range, item_order, item_hash, item_range LIMIT ?"
                 : " ORDER BY range DESC, item_order DESC, item_hash DESC, item_range DESC LIMIT ?";
  args.push_back(static_cast<std::int64_t>(limit));
  auto st = db_.prepare(sql);
  for (std::size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
  return run(*st, item_hash_type);
}

std::vector<IndexEntry> IndexStore::scan(const std::string& table, const std::string& index,
                                         ValueType item_hash_type,
                                         int segment, int total,
                                         const std::optional<IndexPosition>& start_after,
                                         std::size_t limit) {
  auto [lo, hi] = segment_tokens(segment, total);
  std::string sql = std::string(kColumns) + "WHERE tbl = ? AND idx = ? AND token >= ? AND token < ?";
  std::vector<store::Value> args = {table, index, lo, hi};
  if (start_after) {
    sql += " AND (token, hash, range, item_order, item_hash, item_range) > (?, ?, ?, ?, ?, ?)";
    args.push_back(std::int64_t{start_after->index.token});
    args.push_back(start_after->index.hash);
    args.push_back(start_after->index.range);
    args.push_back(std::int64_t{start_after->item_order});
    args.push_back(start_after->item.hash);
    args.push_back(start_after->item.range);
  }
  sql += " ORDER BY token, hash, range, item_order, item_hash, item_range LIMIT ?";
  args.push_back(static_cast<std::int64_t>(limit));
  auto st = db_.prepare(sql);
  for (std::size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
  return run(*st, item_hash_type);
}

std::int64_t IndexStore::count(const std::string& table, const std::string& index) {
  auto& st = *st_->count;
  st.reset();
  st.bind(1, table).bind(2, index);
  std::int64_t n = st.step() ? st.column_int(0) : 0;
  st.reset();
  return n;
}

std::int64_t IndexStore::total_size(const std::string& table, const std::string& index) {
  auto& st = *st_->count;
  st.reset();
  st.bind(1, table).bind(2, index);
  std::int64_t n = st.step() ? st.column_int(1) : 0;
  st.reset();
  return n;
}

}  // namespace serverlite::table
