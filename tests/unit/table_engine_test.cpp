// The DynamoDB table engine: tables, their definitions and tags, with an injected clock.
#include <gtest/gtest.h>

#include <filesystem>

#include "services/table/engine.hpp"

namespace serverlite::table {
namespace {

using namespace std::chrono_literals;

CreateTableRequest request(const std::string& name) {
  CreateTableRequest r;
  r.name = name;
  r.key.hash = {"pk", ValueType::S};
  r.key.range = KeyElement{"sk", ValueType::N};
  r.attribute_definitions = {{"pk", ValueType::S}, {"sk", ValueType::N}};
  r.throughput = Throughput{5, 5};
  return r;
}

class TableEngineTest : public ::testing::Test {
 protected:
  TableEngineTest() : db(std::nullopt), engine(db, {}, [this] { return now; }) {}
  TimePoint now = TimePoint(1700000000000ms);
  store::Database db;
  TableEngine engine;
};

TEST_F(TableEngineTest, CreateDescribeListDelete) {
  auto created = engine.create_table(request("orders"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->arn, "arn:aws:dynamodb:us-east-1:000000000000:table/orders");
  EXPECT_EQ(created->table_id.size(), 36u);
  EXPECT_EQ(created->created, now);

  auto again = engine.create_table(request("orders"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::ResourceInUse);
  EXPECT_EQ(again.error().message, "Table already exists: orders");

  auto described = engine.describe_table("orders");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->key.range->name, "sk");
  EXPECT_EQ(described->key.range->type, ValueType::N);

  auto missing = engine.describe_table("nope");
  EXPECT_EQ(missing.error().code, ErrorCode::ResourceNotFound);
  EXPECT_EQ(missing.error().message, "Requested resource not found: Table: nope not found");

  ASSERT_TRUE(engine.create_table(request("alpha")).ok());
  ASSERT_TRUE(engine.create_table(request("zeta")).ok());
  auto page = engine.list_tables({std::nullopt, 2});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->names, (std::vector<std::string>{"alpha", "orders"}));
  EXPECT_EQ(page->last_evaluated_table_name, "orders");
  auto rest = engine.list_tables({"orders", 2});
  EXPECT_EQ(rest->names, std::vector<std::string>{"zeta"});
  EXPECT_FALSE(rest->last_evaluated_table_name);
  EXPECT_EQ(engine.list_tables({std::nullopt, 0}).error().code, ErrorCode::Validation);

  ASSERT_TRUE(engine.delete_table("orders").ok());
  EXPECT_FALSE(engine.table_exists("orders"));
  EXPECT_EQ(engine.delete_table("orders").error().message,
            "Requested resource not found: Table: orders not found");
}

TEST_F(TableEngineTest, BillingAndThroughputRules) {
  auto r = request("tbl1");
  r.throughput.reset();
  EXPECT_EQ(engine.create_table(r).error().message,
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
            "must both be specified when BillingMode is PROVISIONED");
  r.billing = BillingMode::PayPerRequest;
  ASSERT_TRUE(engine.create_table(r).ok());
  auto bad = request("tbl2");
  bad.billing = BillingMode::PayPerRequest;
  EXPECT_EQ(engine.create_table(bad).error().code, ErrorCode::Validation);
  auto short_name = request("ab");
  EXPECT_EQ(engine.create_table(short_name).error().code, ErrorCode::Validation);

  ASSERT_TRUE(engine.create_table(request("tbl3")).ok());
  now += 1min;
  auto same = engine.update_table({"tbl3", std::nullopt, Throughput{5, 5}, std::nullopt});
  ASSERT_FALSE(same.ok());
  EXPECT_TRUE(same.error().message.starts_with("The provisioned throughput for the table will "
                                               "not change."));
  auto up = engine.update_table({"tbl3", std::nullopt, Throughput{10, 20}, std::nullopt});
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->throughput.write, 20);
  EXPECT_EQ(up->last_throughput_change, now);
  auto on_demand = engine.update_table({"tbl3", BillingMode::PayPerRequest, std::nullopt, std::nullopt});
  ASSERT_TRUE(on_demand.ok());
  EXPECT_EQ(on_demand->throughput.read, 0);
  auto nothing = engine.update_table({"tbl3", std::nullopt, std::nullopt, std::nullopt});
  EXPECT_EQ(nothing.error().code, ErrorCode::Validation);
}

TEST_F(TableEngineTest, DeletionProtectionAndTags) {
  auto r = request("guarded");
  r.deletion_protection = true;
  r.tags = {{"team", "a"}};
  ASSERT_TRUE(engine.create_table(r).ok());
  EXPECT_EQ(engine.delete_table("guarded").error().code, ErrorCode::Validation);
  ASSERT_TRUE(engine.tag_resource("guarded", {{"env", "dev"}, {"team", "b"}}).ok());
  auto tags = engine.list_tags("guarded");
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->tags, (std::vector<std::pair<std::string, std::string>>{{"env", "dev"},
                                                                          {"team", "b"}}));
  ASSERT_TRUE(engine.untag_resource("guarded", {"env"}).ok());
  EXPECT_EQ(engine.list_tags("guarded")->tags.size(), 1u);
  ASSERT_TRUE(engine.update_table({"guarded", std::nullopt, std::nullopt, false}).ok());
  EXPECT_TRUE(engine.delete_table("guarded").ok());
  EXPECT_EQ(engine.name_from_arn("arn:aws:dynamodb:us-east-1:000000000000:table/x"), "x");
  EXPECT_FALSE(engine.name_from_arn("arn:aws:dynamodb:us-east-1:000000000000:table/x/index/i"));
}

// A state file whose items are in schema version 1 (a primary key and a scan index) is brought
// to version 2 on open, its items kept.
TEST(TableEngineDurability, Version1ItemsAreConverted) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-table-migrate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Json key{{"pk", {{"S", "a"}}}, {"sk", {{"N", "1"}}}};
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    ASSERT_TRUE(engine.create_table(request("kept")).ok());
    Json item = key;
    item["v"] = {{"S", "old"}};
    ASSERT_TRUE(engine.put_item("kept", item, {}).ok());
    db.exec(R"(
      CREATE TABLE old(
        tbl TEXT NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL, token INTEGER NOT NULL,
        item TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(tbl, hash, range));
      INSERT INTO old SELECT tbl, hash, range, token, item, size FROM ddb_items;
      DROP TABLE ddb_items;
      ALTER TABLE old RENAME TO ddb_items;
      CREATE INDEX ddb_items_scan ON ddb_items(tbl, token, hash, range);
    )");
    db.set_schema_version("table", 1);
  }
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    EXPECT_EQ(db.schema_version("table"), 4);
    auto got = engine.get_item("kept", key, true);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->item.has_value());
    EXPECT_EQ((*got->item)["v"]["S"], "old");
  }
  std::filesystem::remove_all(dir);
}

// Before version 4, scan tokens were an MD5 of the stored key encoding: opening such a state
// recomputes them, so its items scan in DynamoDB's hash order and key lookups find them.
TEST(TableEngineDurability, Version3TokensAreRecomputed) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-table-retoken-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::string> keys = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    ASSERT_TRUE(engine.create_table(request("kept")).ok());
    for (const auto& k : keys)
      ASSERT_TRUE(engine.put_item("kept", Json{{"pk", {{"S", k}}}, {"sk", {{"N", "1"}}}}, {}).ok());
    db.exec("UPDATE ddb_items SET token = 0");
    db.set_schema_version("table", 3);
  }
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    EXPECT_EQ(db.schema_version("table"), 4);
    auto page = engine.scan("kept", ReadRequest{});
    ASSERT_TRUE(page.ok());
    std::vector<std::string> order;
    for (const auto& item : page->items) order.push_back(item["pk"]["S"]);
    EXPECT_EQ(order, (std::vector<std::string>{"2", "8", "9", "1", "6", "0", "5", "4", "7", "3"}));
    auto got = engine.get_item("kept", Json{{"pk", {{"S", "7"}}}, {"sk", {{"N", "1"}}}}, true);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->item.has_value());
  }
  std::filesystem::remove_all(dir);
}

TEST(TableEngineDurability, TablesSurviveReopening) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-table-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string id;
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    auto r = request("kept");
    r.tags = {{"k", "v"}};
    id = engine.create_table(r)->table_id;
  }
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db);
    auto t = engine.describe_table("kept");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->table_id, id);
    EXPECT_EQ(t->key.hash.name, "pk");
    EXPECT_EQ(t->throughput.read, 5);
    EXPECT_EQ(engine.list_tags("kept")->tags.size(), 1u);
  }
  std::filesystem::remove_all(dir);
}

// CREATING, UPDATING and DELETING last the times of EngineOptions by the engine's clock; the
// status and its end are stored, so a reopened engine settles them by the clock too.
TEST(TableEngineLifecycle, StatusesEndByTheClock) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-table-life-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  TimePoint now = TimePoint(1700000000000ms);
  EngineOptions options;
  options.create_time = 100ms;
  options.update_time = 100ms;
  options.delete_time = 100ms;
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db, options, [&] { return now; });
    ASSERT_TRUE(engine.create_table(request("tbl")).ok());
    EXPECT_EQ(engine.describe_table("tbl")->status, Status::Creating);
    EXPECT_EQ(engine.get_item("tbl", {{"pk", {{"S", "a"}}}, {"sk", {{"N", "1"}}}}, false)
                  .error().code, ErrorCode::ResourceNotFound);
    EXPECT_EQ(engine.delete_table("tbl").error().code, ErrorCode::ResourceInUse);
  }
  now += 100ms;
  {
    store::Database db(dir / "state.db");
    TableEngine engine(db, options, [&] { return now; });
    EXPECT_EQ(engine.describe_table("tbl")->status, Status::Active);
    UpdateTableRequest u;
    u.name = "tbl";
    u.throughput = Throughput{9, 9};
    auto updated = engine.update_table(u);
    ASSERT_TRUE(updated.ok());
    EXPECT_EQ(updated->status, Status::Updating);
    EXPECT_EQ(updated->throughput.read, 5);  // in force once ACTIVE
    now += 100ms;
    EXPECT_EQ(engine.describe_table("tbl")->throughput.read, 9);
    ASSERT_TRUE(engine.delete_table("tbl").ok());
    EXPECT_EQ(engine.describe_table("tbl")->status, Status::Deleting);
    now += 99ms;
    engine.settle_states();
    EXPECT_TRUE(engine.table_exists("tbl"));
    now += 1ms;
    engine.settle_states();
    EXPECT_FALSE(engine.table_exists("tbl"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serverlite::table
