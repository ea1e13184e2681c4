// The table engine's item operations: keys and their limits, conditions that leave no trace,
// return values, Query bounds and pages (Limit and the 1 MB page), Scan segments.
#include <gtest/gtest.h>

#include <algorithm>

#include "services/table/engine.hpp"

namespace serverlite::table {
namespace {

Json S(const std::string& s) { return {{"S", s}}; }
Json N(const std::string& n) { return {{"N", n}}; }

class TableItemsTest : public ::testing::Test {
 protected:
  TableItemsTest() : db(std::nullopt), engine(db) {
    CreateTableRequest r;
    r.name = "items";
    r.key.hash = {"pk", ValueType::S};
    r.key.range = KeyElement{"sk", ValueType::N};
    r.attribute_definitions = {{"pk", ValueType::S}, {"sk", ValueType::N}};
    r.billing = BillingMode::PayPerRequest;
    EXPECT_TRUE(engine.create_table(r).ok());
  }
  void put(Json item) {
    auto r = engine.put_item("items", std::move(item), {});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  ReadResult query(const std::string& text, Json values, std::optional<std::int64_t> limit = {},
                   std::optional<Json> start = {}, bool forward = true) {
    ExpressionContext ctx(Json(), values);
    KeyCondition kc = parse_key_condition(text, ctx, "pk", std::string("sk"));
    ReadRequest req;
    req.key = &kc;
    req.limit = limit;
    req.exclusive_start_key = std::move(start);
    req.forward = forward;
    auto r = engine.query("items", req);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : ReadResult{};
  }
  static std::vector<std::string> sks(const ReadResult& r) {
    std::vector<std::string> out;
    for (const auto& i : r.items) out.push_back(i["sk"]["N"]);
    return out;
  }

  store::Database db;
  TableEngine engine;
};

TEST_F(TableItemsTest, KeysAreCheckedAndLimited) {
  auto missing = engine.put_item("items", {{"pk", S("a")}}, {});
  EXPECT_EQ(missing.error().message,
            "One or more parameter values were invalid: Missing the key sk in the item");
  auto empty = engine.put_item("items", {{"pk", S("")}, {"sk", N("1")}}, {});
  EXPECT_EQ(empty.error().message,
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk");
  auto long_hash = engine.put_item("items", {{"pk", S(std::string(2049, 'h'))}, {"sk", N("1")}}, {});
  EXPECT_EQ(long_hash.error().message,
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
            "size limit of2048 bytes");
  EXPECT_TRUE(engine.put_item("items", {{"pk", S(std::string(2048, 'h'))}, {"sk", N("1")}}, {}).ok());
  auto extra = engine.get_item("items", {{"pk", S("a")}, {"sk", N("1")}, {"x", S("y")}}, false);
  EXPECT_EQ(extra.error().message, "The provided key element does not match the schema");
  auto numbers = engine.get_item("items", {{"pk", S("a")}, {"sk", N("1.0")}}, false);
  EXPECT_TRUE(numbers.ok());  // "1.0" is the key 1
}

TEST_F(TableItemsTest, AFailedConditionLeavesNoTraceAndReturnsTheOldItemWhenAsked) {
  put({{"pk", S("a")}, {"sk", N("1")}, {"v", N("1")}});
  ExpressionContext ctx(Json(), Json{{":two", N("2")}});
  auto cond = parse_condition("v = :two", ctx);
  auto r = engine.update_item("items", {{"pk", S("a")}, {"sk", N("1")}}, nullptr,
                              {&cond, ReturnValues::None, true});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::ConditionalCheckFailed);
  ASSERT_TRUE(r.error().item);
  EXPECT_EQ((*r.error().item)["v"], N("1"));
  auto del = engine.delete_item("items", {{"pk", S("a")}, {"sk", N("1")}}, {&cond});
  EXPECT_FALSE(del.ok());
  EXPECT_TRUE(engine.get_item("items", {{"pk", S("a")}, {"sk", N("1")}}, true)->item);
}

TEST_F(TableItemsTest, UpdateReturnValuesAndKeyProtection) {
  ExpressionContext ctx(Json(), Json{{":one", N("1")}});
  auto update = parse_update("ADD hits :one", ctx);
  auto created = engine.update_item("items", {{"pk", S("a")}, {"sk", N("1")}}, &update,
                                    {nullptr, ReturnValues::AllNew});
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(*created->attributes, (Json{{"pk", S("a")}, {"sk", N("1")}, {"hits", N("1")}}));
  auto again = engine.update_item("items", {{"pk", S("a")}, {"sk", N("1")}}, &update,
                                  {nullptr, ReturnValues::UpdatedOld});
  EXPECT_EQ(*again->attributes, (Json{{"hits", N("1")}}));
  // An item created by UpdateItem stores its key values canonically.
  auto made = engine.update_item("items", {{"pk", S("c")}, {"sk", N("2.50")}}, &update,
                                 {nullptr, ReturnValues::AllNew});
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made->attributes)["sk"], N("2.5"));
  ExpressionContext ctx2(Json(), Json{{":v", S("b")}});
  auto key_change = parse_update("SET pk = :v", ctx2);
  auto refused = engine.update_item("items", {{"pk", S("a")}, {"sk", N("1")}}, &key_change, {});
  EXPECT_EQ(refused.error().message,
            "One or more parameter values were invalid: Cannot update attribute pk. This "
            "attribute is part of the key");
}

TEST_F(TableItemsTest, QueryBoundsOrderAndPages) {
  for (const char* sk : {"-1.5", "0", "2", "10", "100", "1e3"}) put({{"pk", S("h")}, {"sk", N(sk)}});
  put({{"pk", S("other")}, {"sk", N("5")}});
  EXPECT_EQ(sks(query("pk = :h", {{":h", S("h")}})),
            (std::vector<std::string>{"-1.5", "0", "2", "10", "100", "1000"}));
  EXPECT_EQ(sks(query("pk = :h AND sk BETWEEN :a AND :b", {{":h", S("h")}, {":a", N("0")},
                                                           {":b", N("10")}})),
            (std::vector<std::string>{"0", "2", "10"}));
  EXPECT_EQ(sks(query("pk = :h AND sk < :a", {{":h", S("h")}, {":a", N("2")}}, {}, {}, false)),
            (std::vector<std::string>{"0", "-1.5"}));
  auto first = query("pk = :h", {{":h", S("h")}}, 4);
  ASSERT_TRUE(first.last_evaluated_key);
  EXPECT_EQ(*first.last_evaluated_key, (Json{{"pk", S("h")}, {"sk", N("10")}}));
  auto rest = query("pk = :h", {{":h", S("h")}}, 4, first.last_evaluated_key);
  EXPECT_EQ(sks(rest), (std::vector<std::string>{"100", "1000"}));
  EXPECT_FALSE(rest.last_evaluated_key);
}

TEST_F(TableItemsTest, BeginsWithReadsThePrefixInBothDirections) {
  CreateTableRequest r;
  r.name = "prefixes";
  r.key.hash = {"pk", ValueType::S};
  r.key.range = KeyElement{"sk", ValueType::S};
  r.attribute_definitions = {{"pk", ValueType::S}, {"sk", ValueType::S}};
  r.billing = BillingMode::PayPerRequest;
  ASSERT_TRUE(engine.create_table(r).ok());
  for (const char* sk : {"a", "ab", "abc", "abd", "ac", "b"})
    ASSERT_TRUE(engine.put_item("prefixes", {{"pk", S("h")}, {"sk", S(sk)}}, {}).ok());
  for (bool forward : {true, false}) {
    ExpressionContext ctx(Json(), Json{{":h", S("h")}, {":p", S("ab")}});
    KeyCondition kc = parse_key_condition("pk = :h AND begins_with(sk, :p)", ctx, "pk",
                                          std::string("sk"));
    ReadRequest req;
    req.key = &kc;
    req.forward = forward;
    auto got = engine.query("prefixes", req);
    ASSERT_TRUE(got.ok());
    std::vector<std::string> sks;
    for (const auto& i : got->items) sks.push_back(i["sk"]["S"]);
    std::vector<std::string> expected = {"ab", "abc", "abd"};
    if (!forward) std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(sks, expected);
  }
}

TEST_F(TableItemsTest, AQueryPageStopsAtOneMegabyte) {
  std::string big(100 * 1024, 'x');
  for (int i = 0; i < 15; ++i) put({{"pk", S("h")}, {"sk", N(std::to_string(i))}, {"d", S(big)}});
  auto page = query("pk = :h", {{":h", S("h")}});
  EXPECT_LT(page.items.size(), 15u);
  EXPECT_GE(page.items.size(), 10u);
  ASSERT_TRUE(page.last_evaluated_key);
  auto next = query("pk = :h", {{":h", S("h")}}, {}, page.last_evaluated_key);
  EXPECT_EQ(page.items.size() + next.items.size(), 15u);
}

// Raw reads hand the stored text over unparsed: the same items, count and page ends as parsed
// reads, for Query and Scan, and a filter turns them back into parsed reads.
TEST_F(TableItemsTest, RawReadsGiveTheSameItemsAndPagesAsParsedOnes) {
  for (int i = 0; i < 7; ++i)
    put({{"pk", S(i % 2 ? "h" : "g")}, {"sk", N(std::to_string(i))}, {"d", S("\u00e9\"x")}});
  ExpressionContext ctx(Json(), Json{{":h", S("h")}});
  KeyCondition kc = parse_key_condition("pk = :h", ctx, "pk", std::string("sk"));
  for (bool is_query : {true, false}) {
    std::optional<Json> start;
    std::vector<Json> parsed_all, raw_all;
    for (int page = 0; page < 10; ++page) {
      ReadRequest req;
      if (is_query) req.key = &kc;
      req.limit = 2;
      req.exclusive_start_key = start;
      auto parsed = is_query ? engine.query("items", req) : engine.scan("items", req);
      req.raw = true;
      auto raw = is_query ? engine.query("items", req) : engine.scan("items", req);
      ASSERT_TRUE(parsed.ok() && raw.ok());
      EXPECT_FALSE(parsed->raw);
      EXPECT_TRUE(raw->raw || raw->raw_items.empty());
      EXPECT_TRUE(raw->items.empty());
      EXPECT_EQ(raw->scanned, parsed->scanned);
      EXPECT_EQ(raw->last_evaluated_key, parsed->last_evaluated_key);
      ASSERT_EQ(raw->raw_items.size(), parsed->items.size());
      for (std::size_t i = 0; i < raw->raw_items.size(); ++i) {
        EXPECT_EQ(raw->raw_items[i], parsed->items[i].dump());  // the text the answer carries
        raw_all.push_back(Json::parse(raw->raw_items[i]));
        parsed_all.push_back(parsed->items[i]);
      }
      start = parsed->last_evaluated_key;
      if (!start) break;
    }
    EXPECT_EQ(raw_all, parsed_all);
    EXPECT_EQ(raw_all.size(), is_query ? 3u : 7u);
  }
  // GetItem: the same text, and nothing for a missing item.
  Json key{{"pk", S("h")}, {"sk", N("3")}};
  auto parsed = engine.get_item("items", key, false);
  auto raw = engine.get_item("items", key, false, true);
  ASSERT_TRUE(parsed.ok() && raw.ok() && parsed->item && raw->raw_item);
  EXPECT_FALSE(raw->item);
  EXPECT_EQ(*raw->raw_item, parsed->item->dump());
  EXPECT_EQ(raw->capacity_units, parsed->capacity_units);
  auto missing = engine.get_item("items", Json{{"pk", S("h")}, {"sk", N("99")}}, false, true);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->raw_item || missing->item);
  // With a filter the rows are parsed to be evaluated.
  ExpressionContext fctx(Json(), Json{{":h", S("h")}, {":one", N("1")}});
  KeyCondition fkc = parse_key_condition("pk = :h", fctx, "pk", std::string("sk"));
  auto filter = parse_condition("sk > :one", fctx, ExpressionKind::Filter);
  ReadRequest req;
  req.key = &fkc;
  req.filter = &filter;
  req.raw = true;
  auto filtered = engine.query("items", req);
  ASSERT_TRUE(filtered.ok());
  EXPECT_FALSE(filtered->raw);
  EXPECT_EQ(sks(*filtered), (std::vector<std::string>{"3", "5"}));
}

// A put that reports no capacity skips looking the old item up; it replaces it all the same.
// One that reports capacity charges the larger of the old and the new item.
TEST_F(TableItemsTest, APutReplacesTheOldItemWhetherOrNotItReportsCapacity) {
  auto item = [](const std::string& v) {
    return Json{{"pk", S("a")}, {"sk", N("1")}, {"v", S(v)}};
  };
  WriteOptions quiet;
  quiet.capacity = false;
  ASSERT_TRUE(engine.put_item("items", item(std::string(3000, 'x')), quiet).ok());
  ASSERT_TRUE(engine.put_item("items", item("second"), quiet).ok());
  auto got = engine.get_item("items", {{"pk", S("a")}, {"sk", N("1")}}, false);
  ASSERT_TRUE(got.ok() && got->item);
  EXPECT_EQ((*got->item)["v"], S("second"));
  EXPECT_EQ(query("pk = :p", {{":p", S("a")}}).items.size(), 1u);

  ASSERT_TRUE(engine.put_item("items", item(std::string(3000, 'y')), {}).ok());
  auto charged = engine.put_item("items", item("small"), {});
  ASSERT_TRUE(charged.ok());
  EXPECT_EQ(charged->capacity_units, 3);  // the old item's 3 KB, not the new one's
}

TEST_F(TableItemsTest, BatchWritesAreAllOrNothing) {
  std::vector<TableEngine::BatchWrite> writes = {
      {"items", Json{{"pk", S("b")}, {"sk", N("1")}}, std::nullopt},
      {"items", Json{{"pk", S("b")}}, std::nullopt},  // no range key: the batch fails
  };
  EXPECT_FALSE(engine.batch_write(writes).ok());
  EXPECT_FALSE(engine.get_item("items", {{"pk", S("b")}, {"sk", N("1")}}, true)->item);
  writes.pop_back();
  writes.push_back({"items", std::nullopt, Json{{"pk", S("b")}, {"sk", N("1")}}});
  auto dup = engine.batch_write(writes);
  EXPECT_EQ(dup.error().message, "Provided list of item keys contains duplicates");
}

}  // namespace
}  // namespace serverlite::table
