// The table engine beyond single items: index entries kept in step with every write and read
// in index order, transactions that leave no trace when cancelled, and the time-to-live sweep
// with an injected clock.
#include <gtest/gtest.h>

#include <chrono>

#include "services/table/engine.hpp"

namespace serverlite::table {
namespace {

Json S(const std::string& s) { return {{"S", s}}; }
Json N(const std::string& n) { return {{"N", n}}; }

class TableFeaturesTest : public ::testing::Test {
 protected:
  TableFeaturesTest()
      : db(std::nullopt), engine(db, {}, [this] { return now; }) {
    CreateTableRequest r;
    r.name = "features";
    r.key.hash = {"pk", ValueType::S};
    r.attribute_definitions = {{"pk", ValueType::S}, {"g", ValueType::S}, {"r", ValueType::N}};
    r.billing = BillingMode::PayPerRequest;
    IndexInfo gsi;
    gsi.name = "byG";
    gsi.key.hash = {"g", ValueType::S};
    gsi.key.range = KeyElement{"r", ValueType::N};
    gsi.projection.type = ProjectionType::KeysOnly;
    r.indexes = {gsi};
    r.stream = StreamSpecification{true, "NEW_AND_OLD_IMAGES"};
    auto created = engine.create_table(r);
    EXPECT_TRUE(created.ok()) << created.error().message;
  }

  void put(Json item) {
    auto r = engine.put_item("features", std::move(item), {});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // The pk of each entry of index byG under `g`, in index order.
  std::vector<std::string> index_pks(const std::string& g, bool forward = true,
                                     std::optional<std::int64_t> limit = {},
                                     std::optional<Json> start = {},
                                     std::optional<Json>* last = nullptr) {
    KeyCondition kc{"g", S(g), std::nullopt};
    ReadRequest req;
    req.key = &kc;
    req.index = "byG";
    req.forward = forward;
    req.limit = limit;
    req.exclusive_start_key = std::move(start);
    auto r = engine.query("features", req);
    EXPECT_TRUE(r.ok()) << r.error().message;
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& i : r.value().items) {
      EXPECT_FALSE(i.contains("other")) << "KEYS_ONLY entry holds a non-key attribute";
      out.push_back(i["pk"]["S"]);
    }
    if (last) *last = r.value().last_evaluated_key;
    return out;
  }

  std::size_t stream_records() {
    auto d = engine.stream_log().current("features");
    return d ? engine.stream_log().read_after(*d, 0, 1000).size() : 0;
  }

  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  store::Database db;
  TableEngine engine;
};

TEST_F(TableFeaturesTest, IndexEntriesFollowEveryWriteInIndexOrder) {
  put({{"pk", S("a")}, {"g", S("x")}, {"r", N("3")}, {"other", S("1")}});
  put({{"pk", S("b")}, {"g", S("x")}, {"r", N("-1.5")}});
  // Same index key as a: in the order of the table key's hash, where c comes before a.
  put({{"pk", S("c")}, {"g", S("x")}, {"r", N("3")}});
  put({{"pk", S("d")}, {"g", S("y")}, {"r", N("1")}});
  put({{"pk", S("e")}, {"other", S("no index key")}});  // sparse: not in byG
  EXPECT_EQ(index_pks("x"), (std::vector<std::string>{"b", "c", "a"}));
  EXPECT_EQ(index_pks("x", false), (std::vector<std::string>{"a", "c", "b"}));
  // Pages resume after a position that carries the index key and the table key.
  std::optional<Json> last;
  EXPECT_EQ(index_pks("x", true, 2, std::nullopt, &last), (std::vector<std::string>{"b", "c"}));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, Json({{"pk", S("c")}, {"g", S("x")}, {"r", N("3")}}));
  EXPECT_EQ(index_pks("x", true, 2, last), (std::vector<std::string>{"a"}));
  // Moving, removing and deleting.
  ExpressionContext ctx(Json(), Json{{":y", S("y")}});
  auto move = parse_update("SET g = :y", ctx);
  ASSERT_TRUE(engine.update_item("features", {{"pk", S("a")}}, &move, {}).ok());
  ExpressionContext none;
  auto drop = parse_update("REMOVE r", none);
  ASSERT_TRUE(engine.update_item("features", {{"pk", S("c")}}, &drop, {}).ok());
  ASSERT_TRUE(engine.delete_item("features", {{"pk", S("d")}}, {}).ok());
  EXPECT_EQ(index_pks("x"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(index_pks("y"), (std::vector<std::string>{"a"}));
  auto info = engine.describe_table("features");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info.value().indexes[0].item_count, 2);
  // A wrong index key type refuses the write and leaves everything as it was.
  auto bad = engine.put_item("features", {{"pk", S("z")}, {"g", N("1")}}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "One or more parameter values were invalid: Type mismatch for "
                                 "Index Key g Expected: S Actual: N IndexName: byG");
}

TEST_F(TableFeaturesTest, CancelledTransactionsLeaveNoTrace) {
  put({{"pk", S("a")}, {"g", S("x")}, {"r", N("1")}});
  std::size_t records = stream_records();
  ExpressionContext ctx(Json{{"#k", "pk"}}, Json());
  auto absent = parse_condition("attribute_not_exists(#k)", ctx);
  using W = TableEngine::TransactWrite;
  std::vector<W> writes(2);
  writes[0].kind = W::Kind::Put;
  writes[0].table = "features";
  writes[0].item = {{"pk", S("new")}, {"g", S("x")}, {"r", N("2")}};
  writes[1].kind = W::Kind::Put;
  writes[1].table = "features";
  writes[1].item = {{"pk", S("a")}};
  writes[1].condition = &absent;
  writes[1].all_old_on_condition_failure = true;
  auto r = engine.transact_write(writes, std::nullopt, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::TransactionCanceled);
  ASSERT_EQ(r.error().reasons.size(), 2u);
  EXPECT_EQ(r.error().reasons[0].code, "None");
  EXPECT_EQ(r.error().reasons[1].code, "ConditionalCheckFailed");
  EXPECT_EQ(r.error().reasons[1].item->at("g"), S("x"));
  EXPECT_FALSE(engine.get_item("features", {{"pk", S("new")}}, true).value().item.has_value());
  EXPECT_EQ(index_pks("x"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(stream_records(), records);
  // Without the failing action, both writes land, with their index entries and records.
  writes.pop_back();
  writes.push_back({W::Kind::Delete, "features", {}, {{"pk", S("a")}}, nullptr, nullptr, false});
  ASSERT_TRUE(engine.transact_write(writes, std::string("tok"), "req").ok());
  EXPECT_EQ(index_pks("x"), (std::vector<std::string>{"new"}));
  EXPECT_EQ(stream_records(), records + 2);
  // The token makes the same request a no-op, and a different one an error.
  ASSERT_TRUE(engine.transact_write(writes, std::string("tok"), "req").ok());
  EXPECT_EQ(stream_records(), records + 2);
  auto other = engine.transact_write(writes, std::string("tok"), "other request");
  EXPECT_EQ(other.error().code, ErrorCode::IdempotentParameterMismatch);
  // Ten minutes later the token is forgotten.
  now += std::chrono::minutes(11);
  EXPECT_TRUE(engine.transact_write(writes, std::string("tok"), "other request").ok());
}

TEST_F(TableFeaturesTest, TimeToLiveSweepsWhatHasExpired) {
  auto at = [this](std::int64_t offset) {
    return N(std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() +
        offset));
  };
  put({{"pk", S("before")}, {"exp", at(-10)}});
  ASSERT_TRUE(engine.update_ttl("features", true, "exp").ok());
  put({{"pk", S("soon")}, {"exp", at(60)}});
  put({{"pk", S("text")}, {"exp", S("1")}});
  put({{"pk", S("ancient")}, {"exp", at(-6LL * 365 * 24 * 3600)}});
  put({{"pk", S("fraction")}, {"exp", N("1799999999.9")}});
  std::size_t records = stream_records();
  EXPECT_EQ(engine.expire_items(100), 2u);  // "before", "fraction"
  EXPECT_FALSE(engine.get_item("features", {{"pk", S("before")}}, true).value().item.has_value());
  EXPECT_TRUE(engine.get_item("features", {{"pk", S("soon")}}, true).value().item.has_value());
  EXPECT_EQ(stream_records(), records + 2);
  auto d = engine.stream_log().current("features");
  auto last = engine.stream_log().read_after(*d, 0, 1000).back();
  EXPECT_TRUE(last.by_ttl);
  EXPECT_EQ(last.event_name, "REMOVE");
  now += std::chrono::seconds(61);
  EXPECT_EQ(engine.expire_items(100), 1u);  // "soon"
  EXPECT_EQ(engine.expire_items(100), 0u);
  EXPECT_TRUE(engine.get_item("features", {{"pk", S("ancient")}}, true).value().item.has_value());
  EXPECT_TRUE(engine.get_item("features", {{"pk", S("text")}}, true).value().item.has_value());
  // Off: nothing expires any more.
  put({{"pk", S("later")}, {"exp", at(-1)}});
  ASSERT_TRUE(engine.update_ttl("features", false, "exp").ok());
  EXPECT_EQ(engine.expire_items(100), 0u);
}

}  // namespace
}  // namespace serverlite::table
