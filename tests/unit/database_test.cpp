#include "emulator/store/database.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

namespace serverlite::store {
namespace {

TEST(Database, InMemoryStatementsBindAndStep) {
  Database db(std::nullopt);
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)");
  auto ins = db.prepare("INSERT INTO t VALUES (?, ?)");
  ins->bind(1, std::string("a")).bind(2, std::int64_t{1});
  EXPECT_FALSE(ins->step());
  ins->reset();
  ins->bind(1, std::string("b")).bind(2, nullptr);
  ins->step();
  auto sel = db.prepare("SELECT k, n FROM t ORDER BY k");
  ASSERT_TRUE(sel->step());
  EXPECT_EQ(sel->column_text(0), "a");
  EXPECT_EQ(sel->column_int(1), 1);
  ASSERT_TRUE(sel->step());
  EXPECT_TRUE(sel->column_is_null(1));
  EXPECT_FALSE(sel->step());
}

TEST(Database, TransactionRollsBackWhenTheBodyThrows) {
  Database db(std::nullopt);
  db.exec("CREATE TABLE t (n INTEGER)");
  EXPECT_THROW(db.transaction([&] {
    db.exec("INSERT INTO t VALUES (1)");
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  auto count = db.prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->column_int(0), 0);
  db.transaction([&] { db.exec("INSERT INTO t VALUES (2)"); });
  count->reset();
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->column_int(0), 1);
}

TEST(Database, SchemaVersionsPersistInAFile) {
  char dir[] = "/tmp/serverlite-db-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  auto path = std::filesystem::path(dir) / "state.db";
  {
    Database db(path);
    EXPECT_EQ(db.schema_version("queue"), 0);
    db.set_schema_version("queue", 2);
    db.set_schema_version("queue", 3);
  }
  {
    Database db(path);
    EXPECT_EQ(db.schema_version("queue"), 3);
    auto mode = db.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode->step());
    EXPECT_EQ(mode->column_text(0), "wal");
  }
  std::filesystem::remove_all(dir);
}

TEST(Database, ErrorsNameTheProblem) {
  Database db(std::nullopt);
  try {
    db.exec("SELECT * FROM missing");
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("no such table: missing"), std::string::npos);
  }
}

}  // namespace
}  // namespace serverlite::store
