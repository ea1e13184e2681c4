// The item store under the table engine: keys, range queries in both directions, pages,
// parallel scan segments, and the conversion of a version 1 schema.
#include <gtest/gtest.h>

#include <set>

#include "services/table/item_store.hpp"

namespace serverlite::table {
namespace {

StoredItem item(const std::string& hash, const std::string& range, int n) {
  return {{hash, range, ItemStore::token_of(ValueType::S, hash)}, Json{{"n", {{"N", std::to_string(n)}}}}, 10};
}

std::vector<std::string> ranges(const std::vector<StoredItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.key.range);
  return out;
}

TEST(TableItemStore, PutGetEraseAndCounts) {
  store::Database db(std::nullopt);
  ItemStore items(db, 0);
  items.put("t", item("h", "a", 1));
  items.put("t", item("h", "a", 2));  // replaces
  items.put("other", item("h", "a", 3));
  auto got = items.get("t", {"h", "a", ItemStore::token_of(ValueType::S, "h")});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->item["n"]["N"], "2");
  EXPECT_EQ(items.count("t"), 1);
  EXPECT_EQ(items.total_size("t"), 10);
  items.erase("t", {"h", "a", ItemStore::token_of(ValueType::S, "h")});
  EXPECT_FALSE(items.get("t", {"h", "a", ItemStore::token_of(ValueType::S, "h")}));
  EXPECT_EQ(items.count("t"), 0);
  items.drop("other");
  EXPECT_EQ(items.count("other"), 0);
}

TEST(TableItemStore, QueryByRangeBoundsBothWaysWithPages) {
  store::Database db(std::nullopt);
  ItemStore items(db, 0);
  for (std::string r : {"a", "b", "bb", "c", "d"}) items.put("t", item("h", r, 0));
  items.put("t", item("g", "b", 0));  // another hash key: never in h's results
  EXPECT_EQ(ranges(items.query("t", ValueType::S, "h", std::nullopt, std::nullopt, true, std::nullopt, 100)),
            (std::vector<std::string>{"a", "b", "bb", "c", "d"}));
  EXPECT_EQ(ranges(items.query("t", ValueType::S, "h", RangeBound{"b", true}, RangeBound{"c", false}, true,
                               std::nullopt, 100)),
            (std::vector<std::string>{"b", "bb"}));
  EXPECT_EQ(ranges(items.query("t", ValueType::S, "h", RangeBound{"b", false}, std::nullopt, false,
                               std::nullopt, 2)),
            (std::vector<std::string>{"d", "c"}));
  EXPECT_EQ(ranges(items.query("t", ValueType::S, "h", std::nullopt, std::nullopt, false, std::string("c"), 10)),
            (std::vector<std::string>{"bb", "b", "a"}));
  EXPECT_EQ(ranges(items.query("t", ValueType::S, "h", std::nullopt, std::nullopt, true, std::string("bb"), 10)),
            (std::vector<std::string>{"c", "d"}));
}

TEST(TableItemStore, ScanSegmentsPartitionTheTableAndPage) {
  store::Database db(std::nullopt);
  ItemStore items(db, 0);
  for (int i = 0; i < 200; ++i) items.put("t", item("h" + std::to_string(i), "", i));
  std::set<std::string> seen;
  for (int segment = 0; segment < 4; ++segment) {
    std::optional<StoredKey> after;
    for (;;) {
      auto page = items.scan("t", segment, 4, after, 7);
      if (page.empty()) break;
      for (const auto& i : page) EXPECT_TRUE(seen.insert(i.key.hash).second) << i.key.hash;
      after = page.back().key;
    }
  }
  EXPECT_EQ(seen.size(), 200u);
  auto all = items.scan("t", 0, 1, std::nullopt, 1000);
  ASSERT_EQ(all.size(), 200u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LE(all[i - 1].key.token, all[i].key.token);
}

// A replacing put updates the row in place: same rowid, new item and size.
TEST(TableItemStore, ReplacingKeepsTheRow) {
  store::Database db(std::nullopt);
  ItemStore items(db, 0);
  items.put("t", item("h", "a", 1));
  auto rowid = [&] {
    auto st = db.prepare("SELECT rowid, size FROM ddb_items");
    EXPECT_TRUE(st->step());
    return std::pair{st->column_int(0), st->column_int(1)};
  };
  auto before = rowid();
  auto bigger = item("h", "a", 2);
  bigger.size = 99;
  items.put("t", bigger);
  auto after = rowid();
  EXPECT_EQ(after.first, before.first);
  EXPECT_EQ(after.second, 99);
  EXPECT_EQ(items.get("t", bigger.key)->item["n"]["N"], "2");
}

// Version 1 kept a primary key on (tbl, hash, range) and a scan index: opening it with its
// version converts it, items and order kept, and leaves only the new table and index.
TEST(TableItemStore, Version1IsConverted) {
  store::Database db(std::nullopt);
  db.exec(R"(
    CREATE TABLE ddb_items(
      tbl TEXT NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL, token INTEGER NOT NULL,
      item TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(tbl, hash, range));
    CREATE INDEX ddb_items_scan ON ddb_items(tbl, token, hash, range);
  )");
  auto old = db.prepare(
      "INSERT INTO ddb_items(tbl, hash, range, token, item, size) VALUES (?, ?, ?, ?, ?, ?)");
  for (std::string h : {"h", "g"})
    for (std::string r : {"c", "a", "b"}) {
      old->reset();
      old->bind(1, std::string("t")).bind(2, h).bind(3, r)
          .bind(4, std::int64_t{ItemStore::token_of(ValueType::S, h)})
          .bind(5, std::string(R"({"r":{"S":")") + r + "\"}}").bind(6, std::int64_t{7});
      old->step();
    }
  std::unique_ptr<ItemStore> items;
  db.transaction([&] { items = std::make_unique<ItemStore>(db, 1); });

  auto got = items->get("t", {"h", "b", ItemStore::token_of(ValueType::S, "h")});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->item["r"]["S"], "b");
  EXPECT_EQ(got->size, 7);
  EXPECT_EQ(ranges(items->query("t", ValueType::S, "g", std::nullopt, std::nullopt, true, std::nullopt, 10)),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(items->scan("t", 0, 1, std::nullopt, 10).size(), 6u);
  EXPECT_EQ(items->count("t"), 6);
  items->put("t", item("h", "a", 5));  // replaces through the new unique index
  EXPECT_EQ(items->count("t"), 6);

  auto names = db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'ddb_items%' ORDER BY name");
  std::vector<std::string> schema;
  while (names->step()) schema.push_back(names->column_text(0));
  EXPECT_EQ(schema, (std::vector<std::string>{"ddb_items", "ddb_items_key"}));
}

}  // namespace
}  // namespace serverlite::table
