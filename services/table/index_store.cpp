#include "services/table/index_store.hpp"
#include "emulator/fast_json.hpp"

namespace serverlite::table {

struct IndexStore::Statements {
  explicit Statements(store::Database& db)
      // An upsert, not INSERT OR REPLACE: REPLACE's implicit delete fires no trigger, and the
      // kept counts (upkeep.cpp) are triggers.
      : put(db.prepare("INSERT INTO ddb_index_items(tbl, idx, hash, range, item_hash, "
                       "item_range, token, item, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT(tbl, idx, hash, range, item_hash, item_range) DO UPDATE SET "
                       "token = excluded.token, item = excluded.item, size = excluded.size")),
        erase(db.prepare("DELETE FROM ddb_index_items WHERE tbl = ? AND idx = ? AND hash = ? AND "
                         "range = ? AND item_hash = ? AND item_range = ?")),
        count(db.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ddb_index_items "
                         "WHERE tbl = ? AND idx = ?")) {}
  std::unique_ptr<store::Statement> put, erase, count;
};

IndexStore::IndexStore(store::Database& db) : db_(db) {
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS ddb_index_items(
      tbl TEXT NOT NULL, idx TEXT NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL,
      item_hash BLOB NOT NULL, item_range BLOB NOT NULL, token INTEGER NOT NULL,
      item TEXT NOT NULL, size INTEGER NOT NULL,
      PRIMARY KEY(tbl, idx, hash, range, item_hash, item_range)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ddb_index_items_scan
      ON ddb_index_items(tbl, idx, token, hash, range, item_hash, item_range);
  )");
  st_ = std::make_unique<Statements>(db_);
}

IndexStore::~IndexStore() = default;

void IndexStore::put(const std::string& table, const std::string& index, const IndexEntry& e) {
  auto& st = *st_->put;
  st.reset();
  st.bind(1, table).bind(2, index).bind(3, e.position.index.hash).bind(4, e.position.index.range)
      .bind(5, e.position.item.hash).bind(6, e.position.item.range)
      .bind(7, std::int64_t{e.position.index.token}).bind(8, e.item.dump()).bind(9, e.size);
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

std::vector<IndexEntry> run(store::Statement& st) {
  std::vector<IndexEntry> out;
  while (st.step()) {
    IndexEntry e;
    e.position.index = {st.column_text(1), st.column_text(2),
                        static_cast<std::uint32_t>(st.column_int(0))};
    e.position.item = {st.column_text(3), st.column_text(4),
                       ItemStore::token_of(st.column_text(3))};
    e.item = parse_json(st.column_text(5));
    e.size = st.column_int(6);
    out.push_back(std::move(e));
  }
  return out;
}

constexpr const char* kColumns =
    "SELECT token, hash, range, item_hash, item_range, item, size FROM ddb_index_items ";

}  // namespace

std::vector<IndexEntry> IndexStore::query(const std::string& table, const std::string& index,
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
    sql += forward ? " AND (range, item_hash, item_range) > (?, ?, ?)"
                   : " AND (range, item_hash, item_range) < (?, ?, ?)";
    args.push_back(start_after->index.range);
    args.push_back(start_after->item.hash);
    args.push_back(start_after->item.range);
  }
  sql += forward ? " ORDER BY range, item_hash, item_range LIMIT ?"
                 : " ORDER BY range DESC, item_hash DESC, item_range DESC LIMIT ?";
  args.push_back(static_cast<std::int64_t>(limit));
  auto st = db_.prepare(sql);
  for (std::size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
  return run(*st);
}

std::vector<IndexEntry> IndexStore::scan(const std::string& table, const std::string& index,
                                         int segment, int total,
                                         const std::optional<IndexPosition>& start_after,
                                         std::size_t limit) {
  std::int64_t span = (std::int64_t{1} << 32) / total;
  std::int64_t lo = span * segment;
  std::int64_t hi = segment + 1 == total ? (std::int64_t{1} << 32) : span * (segment + 1);
  std::string sql = std::string(kColumns) + "WHERE tbl = ? AND idx = ? AND token >= ? AND token < ?";
  std::vector<store::Value> args = {table, index, lo, hi};
  if (start_after) {
    sql += " AND (token, hash, range, item_hash, item_range) > (?, ?, ?, ?, ?)";
    args.push_back(std::int64_t{start_after->index.token});
    args.push_back(start_after->index.hash);
    args.push_back(start_after->index.range);
    args.push_back(start_after->item.hash);
    args.push_back(start_after->item.range);
  }
  sql += " ORDER BY token, hash, range, item_hash, item_range LIMIT ?";
  args.push_back(static_cast<std::int64_t>(limit));
  auto st = db_.prepare(sql);
  for (std::size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
  return run(*st);
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
