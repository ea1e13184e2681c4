#include "emulator/store/database.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include "emulator/store/checkpointer.hpp"

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

// A state file in a fresh temporary directory, removed with it.
struct TempState {
  TempState() {
    char tmpl[] = "/tmp/serverlite-db-test-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
    dir = tmpl;
  }
  ~TempState() { std::filesystem::remove_all(dir); }
  std::filesystem::path file() const { return dir / "state.db"; }
  std::filesystem::path dir;
};

std::vector<std::int64_t> numbers(Database& db) {
  std::vector<std::int64_t> out;
  auto sel = db.prepare("SELECT n FROM t ORDER BY n");
  while (sel->step()) out.push_back(sel->column_int(0));
  return out;
}

TEST(Database, GroupCommitSharesOneCommitAndEachTransactionStillRollsBackAlone) {
  TempState state;
  {
    Database db(state.file());
    db.exec("CREATE TABLE t (n INTEGER)");
    int scheduled = 0;
    db.enable_group_commit([&] { ++scheduled; });
    auto ins = db.prepare("INSERT INTO t VALUES (?)");
    auto insert = [&](std::int64_t n) {
      ins->bind(1, n);
      ins->step();
      ins->reset();
    };
    EXPECT_FALSE(db.group_open());
    db.transaction([&] { insert(1); });
    EXPECT_TRUE(db.group_open());
    EXPECT_THROW(db.transaction([&] {
      insert(2);
      throw std::runtime_error("refused");
    }), std::runtime_error);
    db.transaction([&] { insert(3); });
    EXPECT_EQ(scheduled, 1);  // one flush for the whole group
    EXPECT_EQ(numbers(db), (std::vector<std::int64_t>{1, 3}));
    EXPECT_EQ(db.flush_group(), std::nullopt);
    EXPECT_FALSE(db.group_open());
    db.transaction([&] { insert(4); });
    EXPECT_EQ(scheduled, 2);  // the next group
    EXPECT_EQ(db.flush_group(), std::nullopt);
    EXPECT_EQ(db.flush_group(), std::nullopt);  // nothing open: nothing to do
  }
  Database reopened(state.file());
  EXPECT_EQ(numbers(reopened), (std::vector<std::int64_t>{1, 3, 4}));
}

TEST(Database, AGroupStillOpenIsCommittedWhenTheDatabaseCloses) {
  TempState state;
  {
    Database db(state.file());
    db.exec("CREATE TABLE t (n INTEGER)");
    db.enable_group_commit([] {});
    db.transaction([&] { db.exec("INSERT INTO t VALUES (7)"); });
    EXPECT_TRUE(db.group_open());
  }
  Database reopened(state.file());
  EXPECT_EQ(numbers(reopened), (std::vector<std::int64_t>{7}));
}

TEST(Database, NestedTransactionsInAGroupAreSavepoints) {
  TempState state;
  Database db(state.file());
  db.exec("CREATE TABLE t (n INTEGER)");
  db.enable_group_commit([] {});
  db.transaction([&] {
    db.exec("INSERT INTO t VALUES (1)");
    EXPECT_THROW(db.transaction([&] {
      db.exec("INSERT INTO t VALUES (2)");
      throw std::runtime_error("inner");
    }), std::runtime_error);
  });
  EXPECT_EQ(db.flush_group(), std::nullopt);
  EXPECT_EQ(numbers(db), (std::vector<std::int64_t>{1}));
}

// The state's lock file is held while it is open: a second open (another serverlite on the same
// state directory) is refused at once with a clear reason, and the first is unharmed; once the
// first is closed, the state opens again.
TEST(Database, ASecondOpenOfTheSameStateIsRefusedUntilTheFirstCloses) {
  TempState state;
  {
    Database first(state.file());
    auto started = std::chrono::steady_clock::now();
    try {
      Database second(state.file());
      FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("in use by another serverlite"), std::string::npos)
          << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    first.exec("CREATE TABLE t (n INTEGER)");
    first.exec("INSERT INTO t VALUES (7)");
  }
  Database again(state.file());
  EXPECT_EQ(numbers(again), (std::vector<std::int64_t>{7}));
}

// A writer that, like serverlite's bulk background work, commits only while no checkpoint is
// under way lets every checkpoint copy the whole WAL, so that the WAL restarts: it stays bounded
// and the committing thread never has to checkpoint it itself.
TEST(Database, WritesThatWaitForTheCheckpointLetTheWalRestart) {
  TempState state;
  Database db(state.file(), Durability::Normal, /*checkpoint_pages=*/16);
  db.exec("CREATE TABLE t (n INTEGER, pad TEXT)");
  auto insert = db.prepare("INSERT INTO t VALUES (?, ?)");
  std::string pad(3000, 'x');  // about one page per commit
  int waited = 0;
  for (int i = 0; i < 1000; ++i) {
    while (db.checkpoint_under_way()) {
      ++waited;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    db.transaction([&] {
      insert->bind(1, std::int64_t{i}).bind_text(2, pad);
      insert->step();
      insert->reset();
    });
  }
  EXPECT_GT(waited, 0);  // the flag was up: a checkpoint was asked for
  EXPECT_GT(db.checkpoints().background, 0);
  EXPECT_EQ(db.checkpoints().inline_, 0);
  // Without restarts, the WAL would hold every commit: 1,000 pages, 4 MB.
  auto wal = std::filesystem::file_size(state.dir / "state.db-wal");
  EXPECT_LT(wal, 1024u * 1024) << "WAL of " << wal << " bytes";
}

// Commits past the threshold are checkpointed by the background thread, the WAL restarts instead
// of growing with every commit, and every committed row is there after a reopen.
TEST(Database, TheWalIsCheckpointedInTheBackgroundAndStaysBounded) {
  TempState state;
  constexpr int kCommits = 2000;
  {
    Database db(state.file(), Durability::Normal, /*checkpoint_pages=*/16);
    db.exec("CREATE TABLE t (n INTEGER, pad TEXT)");
    db.exec("CREATE TABLE u (n INTEGER)");
    auto insert = db.prepare("INSERT INTO t VALUES (?, ?)");
    auto mark = db.prepare("INSERT INTO u VALUES (?)");
    std::string pad(3000, 'x');  // about one page per commit
    // Whether a background checkpoint ends within `tries` × 5 ms.
    auto wait_for_checkpoint = [&](int tries) {
      auto before = db.checkpoints().background;
      for (; db.checkpoints().background == before && tries > 0; --tries)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return db.checkpoints().background > before;
    };
    for (int i = 0; i < kCommits; ++i) {
      db.transaction([&] {
        insert->bind(1, std::int64_t{i}).bind_text(2, pad);
        insert->step();
        insert->reset();
      });
      // Every 100 commits the writer waits a little for the background thread (which may be
      // slow to get a core on a loaded machine): for the checkpoint the last commit asked for
      // (none when the WAL restarted late in the batch), then one commit, which restarts the WAL
      // if that checkpoint copied all of it, or else asks for another, after which the next
      // commit restarts it.
      if (i % 100 == 99) {
        wait_for_checkpoint(200);
        db.transaction([&] {
          mark->bind(1, std::int64_t{i});
          mark->step();
          mark->reset();
        });
        wait_for_checkpoint(40);
      }
    }
    EXPECT_GT(db.checkpoints().background, 0);
    // Without restarts, the WAL would hold every commit: 2,000 pages, 8 MB.
    auto wal = std::filesystem::file_size(state.dir / "state.db-wal");
    EXPECT_LT(wal, 2u * 1024 * 1024) << "WAL of " << wal << " bytes";
    auto count = db.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(count->step());
    EXPECT_EQ(count->column_int(0), kCommits);
  }
  Database reopened(state.file());
  auto count = reopened.prepare("SELECT count(*), sum(n) FROM t");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->column_int(0), kCommits);
  EXPECT_EQ(count->column_int(1), std::int64_t{kCommits} * (kCommits - 1) / 2);
}

TEST(Database, InMemoryHasNoCheckpoints) {
  Database db(std::nullopt);
  db.exec("CREATE TABLE t (n INTEGER)");
  db.exec("INSERT INTO t VALUES (1)");
  EXPECT_EQ(db.checkpoints().background, 0);
  EXPECT_EQ(db.checkpoints().inline_, 0);
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
