// What keeps the table engine's work on the io thread short whatever the size of the tables:
// item counts and sizes kept as writes happen, and the rows of deleted tables removed a slice at
// a time.
//
// ddb_counts holds one row per table (index "") and per secondary index: how many items or
// entries it has and their total size. Triggers on ddb_items and ddb_index_items keep it, so
// every write path (single writes, batches, transactions, PartiQL, TTL deletions, index
// backfills) updates it in the write's own transaction: exact, and durable with the write.
// A table that is deleted loses its counts rows first, so the removal of its rows changes none.
//
// ddb_deleting lists the tables whose rows are still being removed after DeleteTable; a crash
// leaves them there and the next open removes what is left before anything is served.
#include "services/table/engine.hpp"

namespace serverlite::table {

void TableEngine::open_counts(int stored_version) {
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS ddb_counts(
      tbl TEXT NOT NULL, idx TEXT NOT NULL, items INTEGER NOT NULL, bytes INTEGER NOT NULL,
      PRIMARY KEY(tbl, idx)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ddb_deleting(tbl TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TRIGGER IF NOT EXISTS ddb_items_counted_insert AFTER INSERT ON ddb_items BEGIN
      UPDATE ddb_counts SET items = items + 1, bytes = bytes + NEW.size
        WHERE tbl = NEW.tbl AND idx = '';
    END;
    CREATE TRIGGER IF NOT EXISTS ddb_items_counted_delete AFTER DELETE ON ddb_items BEGIN
      UPDATE ddb_counts SET items = items - 1, bytes = bytes - OLD.size
        WHERE tbl = OLD.tbl AND idx = '';
    END;
    CREATE TRIGGER IF NOT EXISTS ddb_items_counted_update AFTER UPDATE OF size ON ddb_items BEGIN
      UPDATE ddb_counts SET bytes = bytes - OLD.size + NEW.size
        WHERE tbl = NEW.tbl AND idx = '';
    END;
    CREATE TRIGGER IF NOT EXISTS ddb_index_counted_insert AFTER INSERT ON ddb_index_items BEGIN
      UPDATE ddb_counts SET items = items + 1, bytes = bytes + NEW.size
        WHERE tbl = NEW.tbl AND idx = NEW.idx;
    END;
    CREATE TRIGGER IF NOT EXISTS ddb_index_counted_delete AFTER DELETE ON ddb_index_items BEGIN
      UPDATE ddb_counts SET items = items - 1, bytes = bytes - OLD.size
        WHERE tbl = OLD.tbl AND idx = OLD.idx;
    END;
    CREATE TRIGGER IF NOT EXISTS ddb_index_counted_update AFTER UPDATE OF size ON ddb_index_items
    BEGIN
      UPDATE ddb_counts SET bytes = bytes - OLD.size + NEW.size
        WHERE tbl = NEW.tbl AND idx = NEW.idx;
    END;
  )");
  if (stored_version >= 3) return;
  // A state from before the counts were kept: counted once, here.
  db_.exec(R"(
    DELETE FROM ddb_counts;
    INSERT INTO ddb_counts(tbl, idx, items, bytes)
      SELECT tbl, '', COUNT(*), COALESCE(SUM(size), 0) FROM ddb_items GROUP BY tbl;
    INSERT INTO ddb_counts(tbl, idx, items, bytes)
      SELECT tbl, idx, COUNT(*), COALESCE(SUM(size), 0) FROM ddb_index_items GROUP BY tbl, idx;
  )");
}

void TableEngine::ensure_counts(const Table& t) {
  auto st = db_.prepare("INSERT OR IGNORE INTO ddb_counts(tbl, idx, items, bytes) VALUES (?, ?, 0, 0)");
  st->bind(1, t.info.name).bind(2, std::string());
  st->step();
  for (const auto& x : t.info.indexes) {
    st->reset();
    st->bind(1, t.info.name).bind(2, x.name);
    st->step();
  }
}

void TableEngine::forget_counts(const std::string& table, const std::string& index) {
  // Index "" forgets the table's row and every index's.
  auto st = db_.prepare(index.empty() ? "DELETE FROM ddb_counts WHERE tbl = ?"
                                      : "DELETE FROM ddb_counts WHERE tbl = ? AND idx = ?");
  st->bind(1, table);
  if (!index.empty()) st->bind(2, index);
  st->step();
}

void TableEngine::read_counts(TableInfo& info) {
  auto st = db_.prepare("SELECT idx, items, bytes FROM ddb_counts WHERE tbl = ?");
  st->bind(1, info.name);
  while (st->step()) {
    std::string index = st->column_text(0);
    if (index.empty()) {
      info.item_count = st->column_int(1);
      info.size_bytes = st->column_int(2);
      continue;
    }
    for (auto& x : info.indexes)
      if (x.name == index) {
        x.item_count = st->column_int(1);
        x.size_bytes = st->column_int(2);
      }
  }
}

std::int64_t TableEngine::stored_rows(const std::string& table) {
  auto st = db_.prepare("SELECT COALESCE(SUM(items), 0) FROM ddb_counts WHERE tbl = ?");
  st->bind(1, table);
  return st->step() ? st->column_int(0) : 0;
}

bool TableEngine::delete_slice(std::size_t rows) {
  if (deleting_.empty()) return false;
  const std::string name = deleting_.begin()->first;
  // Items, then index entries, then expiry entries: each statement takes what the slice has
  // left, and finding fewer than that means that kind is done.
  static constexpr const char* kSlices[] = {
      "DELETE FROM ddb_items WHERE rowid IN "
      "(SELECT rowid FROM ddb_items WHERE tbl = ?1 LIMIT ?2)",
      "DELETE FROM ddb_index_items WHERE (tbl, idx, hash, range, item_hash, item_range) IN "
      "(SELECT tbl, idx, hash, range, item_hash, item_range FROM ddb_index_items "
      "WHERE tbl = ?1 LIMIT ?2)",
      "DELETE FROM ddb_expiry WHERE (tbl, expires, hash, range) IN "
      "(SELECT tbl, expires, hash, range FROM ddb_expiry WHERE tbl = ?1 LIMIT ?2)",
  };
  bool done = false;
  db_.transaction([&] {
    auto left = static_cast<std::int64_t>(rows);
    for (const char* sql : kSlices) {
      if (left <= 0) break;
      auto st = db_.prepare(sql);
      st->bind(1, name).bind(2, left);
      st->step();
      left -= db_.changes();
    }
    done = left > 0;
    if (done) {
      auto st = db_.prepare("DELETE FROM ddb_deleting WHERE tbl = ?");
      st->bind(1, name);
      st->step();
    }
  });
  if (done) deleting_.erase(name);
  return !deleting_.empty();
}

void TableEngine::load_deletions() {
  std::vector<std::string> names;
  {
    auto st = db_.prepare("SELECT tbl FROM ddb_deleting");
    while (st->step()) names.push_back(st->column_text(0));
  }
  for (const auto& name : names) {
    auto t = std::make_unique<Table>();
    t->info.name = name;
    t->info.deleting = true;
    deleting_[name] = std::move(t);
  }
  while (delete_slice(10000)) {
  }
}

}  // namespace serverlite::table
