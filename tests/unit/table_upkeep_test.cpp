// The table engine's upkeep: item counts and sizes kept through every write path (each compared
// with a recount of the rows), and large tables deleted a slice at a time, across a restart too.
#include <gtest/gtest.h>

#include <filesystem>

#include "services/table/engine.hpp"

namespace serverlite::table {
namespace {

using namespace std::chrono_literals;

Json S(const std::string& s) { return {{"S", s}}; }
Json N(const std::string& n) { return {{"N", n}}; }

CreateTableRequest counted_table(const std::string& name) {
  CreateTableRequest r;
  r.name = name;
  r.key.hash = {"pk", ValueType::S};
  r.attribute_definitions = {{"pk", ValueType::S}, {"g", ValueType::S}};
  r.billing = BillingMode::PayPerRequest;
  IndexInfo by_g;
  by_g.name = "byG";
  by_g.key.hash = {"g", ValueType::S};
  r.indexes = {by_g};
  r.stream = StreamSpecification{true, "NEW_AND_OLD_IMAGES"};
  return r;
}

// The rows as they are, counted: what DescribeTable would have counted before.
struct Recount {
  std::int64_t items = 0, bytes = 0;
  bool operator==(const Recount&) const = default;
};
Recount recount(store::Database& db, const std::string& table, const std::string& index = "") {
  auto st = index.empty()
                ? db.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ddb_items WHERE tbl = ?")
                : db.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ddb_index_items "
                             "WHERE tbl = ? AND idx = ?");
  st->bind(1, table);
  if (!index.empty()) st->bind(2, index);
  st->step();
  return {st->column_int(0), st->column_int(1)};
}

std::int64_t rows_of(store::Database& db, const std::string& table) {
  std::int64_t n = 0;
  for (const char* sql : {"SELECT COUNT(*) FROM ddb_items WHERE tbl = ?",
                          "SELECT COUNT(*) FROM ddb_index_items WHERE tbl = ?",
                          "SELECT COUNT(*) FROM ddb_expiry WHERE tbl = ?"}) {
    auto st = db.prepare(sql);
    st->bind(1, table);
    st->step();
    n += st->column_int(0);
  }
  return n;
}

class TableUpkeepTest : public ::testing::Test {
 protected:
  TableUpkeepTest() : db(std::nullopt), engine(db, {}, [this] { return now; }) {
    auto r = engine.create_table(counted_table("counted"));
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  // The kept counts equal a recount, for the table and its index.
  void expect_counts(const std::string& where) {
    auto info = engine.describe_table("counted");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ((Recount{info->item_count, info->size_bytes}), recount(db, "counted")) << where;
    for (const auto& x : info->indexes)
      EXPECT_EQ((Recount{x.item_count, x.size_bytes}), recount(db, "counted", x.name))
          << where << " (" << x.name << ")";
  }
  void put(Json item) {
    auto r = engine.put_item("counted", std::move(item), {.capacity = false});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  TimePoint now = TimePoint(1700000000000ms);
  store::Database db;
  TableEngine engine;
};

TEST_F(TableUpkeepTest, CountsFollowEveryWritePath) {
  expect_counts("empty");
  put({{"pk", S("a")}, {"g", S("x")}, {"v", S("short")}});
  put({{"pk", S("b")}, {"v", S("not in the index")}});
  expect_counts("puts");
  put({{"pk", S("a")}, {"g", S("y")}, {"v", S(std::string(300, 'l'))}});  // replaced, bigger
  expect_counts("put over an item");

  ExpressionContext ctx(Json(), Json{{":g", S("z")}, {":v", S("v")}});
  auto set = parse_update("SET g = :g, v = :v", ctx);
  ASSERT_TRUE(engine.update_item("counted", {{"pk", S("b")}}, &set, {}).ok());  // into the index
  ExpressionContext none;
  auto remove = parse_update("REMOVE g", none);
  ASSERT_TRUE(engine.update_item("counted", {{"pk", S("a")}}, &remove, {}).ok());  // out of it
  ASSERT_TRUE(engine.update_item("counted", {{"pk", S("new")}}, &set, {}).ok());  // created
  expect_counts("updates");

  ASSERT_TRUE(engine.delete_item("counted", {{"pk", S("new")}}, {}).ok());
  ASSERT_TRUE(engine.delete_item("counted", {{"pk", S("absent")}}, {}).ok());
  expect_counts("deletes");

  std::vector<TableEngine::BatchWrite> batch;
  for (int i = 0; i < 20; ++i)
    batch.push_back({"counted", Json{{"pk", S("batch" + std::to_string(i))}, {"g", S("x")}},
                     std::nullopt});
  batch.push_back({"counted", std::nullopt, Json{{"pk", S("a")}}});
  ASSERT_TRUE(engine.batch_write(std::move(batch)).ok());
  expect_counts("batch");

  using W = TableEngine::TransactWrite;
  std::vector<W> writes(3);
  writes[0].table = writes[1].table = writes[2].table = "counted";
  writes[0].item = {{"pk", S("t1")}, {"g", S("x")}};
  writes[1].kind = W::Kind::Delete;
  writes[1].key = {{"pk", S("batch0")}};
  writes[2].kind = W::Kind::Update;
  writes[2].key = {{"pk", S("batch1")}};
  writes[2].update = &remove;
  ASSERT_TRUE(engine.transact_write(writes, std::nullopt, "").ok());
  expect_counts("transaction");
  // A cancelled transaction changes nothing.
  ExpressionContext names(Json{{"#k", "pk"}}, Json());
  auto absent = parse_condition("attribute_not_exists(#k)", names);
  writes[0].condition = &absent;
  writes[0].item = {{"pk", S("t1")}};
  ASSERT_FALSE(engine.transact_write(writes, std::nullopt, "").ok());
  expect_counts("cancelled transaction");

  // Time to live deletions.
  ASSERT_TRUE(engine.update_ttl("counted", true, "exp").ok());
  auto expires = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                    now.time_since_epoch()).count() - 10);
  put({{"pk", S("old1")}, {"g", S("x")}, {"exp", N(expires)}});
  put({{"pk", S("old2")}, {"exp", N(expires)}});
  EXPECT_EQ(engine.expire_items(100), 2u);
  expect_counts("time to live");

  // A new index counts what it backfills; a deleted one is forgotten.
  UpdateTableRequest add;
  add.name = "counted";
  IndexUpdate create;
  create.action = IndexUpdate::Action::Create;
  create.index.name = "byV";
  create.index.key.hash = {"v", ValueType::S};
  add.index_updates = {create};
  ASSERT_TRUE(engine.update_table(add).ok());
  expect_counts("index created");
  UpdateTableRequest drop;
  drop.name = "counted";
  IndexUpdate del;
  del.action = IndexUpdate::Action::Delete;
  del.index.name = "byG";
  drop.index_updates = {del};
  ASSERT_TRUE(engine.update_table(drop).ok());
  expect_counts("index deleted");
  auto info = engine.describe_table("counted");
  ASSERT_EQ(info->indexes.size(), 1u);
  EXPECT_GT(info->item_count, 20);
  EXPECT_GT(info->indexes[0].item_count, 0);
}

TEST_F(TableUpkeepTest, SmallTableIsDeletedAtOnce) {
  put({{"pk", S("a")}, {"g", S("x")}});
  ASSERT_TRUE(engine.delete_table("counted").ok());
  EXPECT_FALSE(engine.deletions_pending());
  EXPECT_EQ(engine.describe_table("counted").error().code, ErrorCode::ResourceNotFound);
  EXPECT_EQ(rows_of(db, "counted"), 0);
  ASSERT_TRUE(engine.create_table(counted_table("counted")).ok());
  expect_counts("created again");
}

// Puts `n` items through BatchWriteItem, with the index and a time to live.
void fill(TableEngine& engine, const std::string& table, int n) {
  ASSERT_TRUE(engine.update_ttl(table, true, "exp").ok());
  std::vector<TableEngine::BatchWrite> batch;
  for (int i = 0; i < n; ++i)
    batch.push_back({table,
                     Json{{"pk", S("item" + std::to_string(i))}, {"g", S("x")},
                          {"exp", N("4000000000")}},
                     std::nullopt});
  ASSERT_TRUE(engine.batch_write(std::move(batch)).ok());
}

TEST_F(TableUpkeepTest, LargeTableIsDeletedInSlices) {
  fill(engine, "counted", 3000);
  ASSERT_TRUE(engine.create_table(counted_table("neighbour")).ok());
  ASSERT_TRUE(engine.put_item("neighbour", {{"pk", S("kept")}}, {}).ok());
  auto deleted = engine.delete_table("counted");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(engine.deletions_pending());

  // DELETING: described and listed, nothing else reaches it, its name is in use.
  auto info = engine.describe_table("counted");
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->deleting);
  EXPECT_EQ(engine.list_tables({})->names, (std::vector<std::string>{"counted", "neighbour"}));
  EXPECT_EQ(engine.get_item("counted", {{"pk", S("item1")}}, false).error().code,
            ErrorCode::ResourceNotFound);
  EXPECT_EQ(engine.put_item("counted", {{"pk", S("item1")}}, {}).error().code,
            ErrorCode::ResourceNotFound);
  auto again = engine.create_table(counted_table("counted"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::ResourceInUse);
  EXPECT_EQ(again.error().message,
            "Attempt to change a resource which is still in use: Table is being deleted: counted");
  // DeleteTable of a table already being deleted answers it, as DynamoDB does.
  auto repeated = engine.delete_table("counted");
  ASSERT_TRUE(repeated.ok());
  EXPECT_TRUE(repeated->deleting);

  // Slices of 1,000 rows: 3,000 items, 3,000 index entries and 3,000 expiry entries.
  std::int64_t before = rows_of(db, "counted");
  EXPECT_EQ(before, 9000);
  int slices = 1;
  EXPECT_TRUE(engine.delete_slice(1000));
  EXPECT_EQ(rows_of(db, "counted"), before - 1000);
  while (engine.delete_slice(1000)) ++slices;
  ++slices;
  EXPECT_EQ(slices, 10);
  EXPECT_EQ(rows_of(db, "counted"), 0);
  EXPECT_EQ(engine.describe_table("counted").error().code, ErrorCode::ResourceNotFound);
  EXPECT_EQ(engine.list_tables({})->names, std::vector<std::string>{"neighbour"});
  EXPECT_TRUE(engine.get_item("neighbour", {{"pk", S("kept")}}, false)->item.has_value());

  // The name is free again, and the new table starts empty.
  ASSERT_TRUE(engine.create_table(counted_table("counted")).ok());
  expect_counts("created again");
  EXPECT_EQ(engine.describe_table("counted")->item_count, 0);
}

TEST(TableUpkeepDurability, DeletionInterruptedIsFinishedAtOpen) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-table-upkeep-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    ASSERT_TRUE(engine.create_table(counted_table("big")).ok());
    fill(engine, "big", 3000);
    ASSERT_TRUE(engine.delete_table("big").ok());
    ASSERT_TRUE(engine.delete_slice(1000));  // then the process dies
  }
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    EXPECT_FALSE(engine.deletions_pending());
    EXPECT_EQ(rows_of(db, "big"), 0);
    EXPECT_EQ(engine.describe_table("big").error().code, ErrorCode::ResourceNotFound);
    ASSERT_TRUE(engine.create_table(counted_table("big")).ok());
    EXPECT_EQ(engine.describe_table("big")->item_count, 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(TableUpkeepDurability, CountsOfAnOlderStateAreCountedOnce) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-table-counts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    ASSERT_TRUE(engine.create_table(counted_table("older")).ok());
    ASSERT_TRUE(engine.create_table(counted_table("empty")).ok());
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(engine.put_item("older", {{"pk", S(std::to_string(i))}, {"g", S("x")}}, {}).ok());
    // As a state written before the counts were kept: none, and version 2.
    for (const char* trigger : {"ddb_items_counted_insert", "ddb_items_counted_delete",
                                "ddb_items_counted_update", "ddb_index_counted_insert",
                                "ddb_index_counted_delete", "ddb_index_counted_update"})
      db.exec(std::string("DROP TRIGGER ") + trigger + ";");
    db.exec("DROP TABLE ddb_counts; DROP TABLE ddb_deleting;");
    db.set_schema_version("table", 2);
  }
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    EXPECT_EQ(db.schema_version("table"), 4);
    auto info = engine.describe_table("older");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ((Recount{info->item_count, info->size_bytes}), recount(db, "older"));
    EXPECT_EQ(info->item_count, 5);
    EXPECT_EQ(info->indexes[0].item_count, 5);
    EXPECT_EQ(engine.describe_table("empty")->item_count, 0);
    ASSERT_TRUE(engine.put_item("empty", {{"pk", S("one")}}, {}).ok());
    EXPECT_EQ(engine.describe_table("empty")->item_count, 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serverlite::table
