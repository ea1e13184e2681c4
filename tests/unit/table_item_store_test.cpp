// The item store under the table engine: keys, range queries in both directions, pages, and
// parallel scan segments.
#include <gtest/gtest.h>

#include <set>

#include "services/table/item_store.hpp"

namespace serverlite::table {
namespace {

StoredItem item(const std::string& hash, const std::string& range, int n) {
  return {{hash, range, ItemStore::token_of(hash)}, Json{{"n", {{"N", std::to_string(n)}}}}, 10};
}

std::vector<std::string> ranges(const std::vector<StoredItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.key.range);
  return out;
}

TEST(TableItemStore, PutGetEraseAndCounts) {
  store::Database db(std::nullopt);
  ItemStore items(db);
  items.put("t", item("h", "a", 1));
  items.put("t", item("h", "a", 2));  // replaces
  items.put("other", item("h", "a", 3));
  auto got = items.get("t", {"h", "a", ItemStore::token_of("h")});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->item["n"]["N"], "2");
  EXPECT_EQ(items.count("t"), 1);
  EXPECT_EQ(items.total_size("t"), 10);
  items.erase("t", {"h", "a", 0});
  EXPECT_FALSE(items.get("t", {"h", "a", 0}));
  items.drop("other");
  EXPECT_EQ(items.count("other"), 0);
}

TEST(TableItemStore, QueryByRangeBoundsBothWaysWithPages) {
  store::Database db(std::nullopt);
  ItemStore items(db);
  for (std::string r : {"a", "b", "bb", "c", "d"}) items.put("t", item("h", r, 0));
  items.put("t", item("g", "b", 0));  // another hash key: never in h's results
  EXPECT_EQ(ranges(items.query("t", "h", std::nullopt, std::nullopt, true, std::nullopt, 100)),
            (std::vector<std::string>{"a", "b", "bb", "c", "d"}));
  EXPECT_EQ(ranges(items.query("t", "h", RangeBound{"b", true}, RangeBound{"c", false}, true,
                               std::nullopt, 100)),
            (std::vector<std::string>{"b", "bb"}));
  EXPECT_EQ(ranges(items.query("t", "h", RangeBound{"b", false}, std::nullopt, false,
                               std::nullopt, 2)),
            (std::vector<std::string>{"d", "c"}));
  EXPECT_EQ(ranges(items.query("t", "h", std::nullopt, std::nullopt, false, std::string("c"), 10)),
            (std::vector<std::string>{"bb", "b", "a"}));
  EXPECT_EQ(ranges(items.query("t", "h", std::nullopt, std::nullopt, true, std::string("bb"), 10)),
            (std::vector<std::string>{"c", "d"}));
}

TEST(TableItemStore, ScanSegmentsPartitionTheTableAndPage) {
  store::Database db(std::nullopt);
  ItemStore items(db);
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

}  // namespace
}  // namespace serverlite::table
