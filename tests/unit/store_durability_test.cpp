// `up --durability`: the store opens SQLite with synchronous=NORMAL or FULL, and says which.
#include <gtest/gtest.h>

#include <filesystem>

#include "emulator/store/database.hpp"

namespace serverlite::store {
namespace {

std::filesystem::path temp_db(const char* name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-durability-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "state.db";
}

int synchronous(Database& db) {
  auto st = db.prepare("PRAGMA synchronous");
  return st->step() ? static_cast<int>(st->column_int(0)) : -1;
}

TEST(StoreDurability, NormalByDefault) {
  auto path = temp_db("normal");
  Database db(path);
  EXPECT_EQ(synchronous(db), 1);  // NORMAL
  EXPECT_EQ(db.durability(), Durability::Normal);
  std::filesystem::remove_all(path.parent_path());
}

TEST(StoreDurability, FullWhenAsked) {
  auto path = temp_db("full");
  {
    Database db(path, Durability::Full);
    EXPECT_EQ(synchronous(db), 2);  // FULL
    EXPECT_EQ(db.durability(), Durability::Full);
  }
  // It is a setting of the connection, not of the file: reopening without it is NORMAL again.
  Database again(path);
  EXPECT_EQ(again.durability(), Durability::Normal);
  std::filesystem::remove_all(path.parent_path());
}

}  // namespace
}  // namespace serverlite::store
