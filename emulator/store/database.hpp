// SQLite behind a narrow interface: one connection, owned by the io thread, WAL mode,
// synchronous=NORMAL by default (a committed write survives a crash of serverlite; FULL also
// survives a power loss). A file of state is held by one serverlite at a time (a lock beside it),
// and its WAL is checkpointed by a thread of its own (store/checkpointer.hpp). Each service owns
// its tables and records its schema version here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace serverlite::store {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Durability { Normal, Full };

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

// A prepared statement, reusable: bind, step through rows, reset.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const Value& value);  // 1-based, as SQLite numbers them
  // Text, without first copying it into a Value (SQLite still takes its own copy): for the
  // large values of hot statements.
  Statement& bind_text(int index, const std::string& text);
  bool step();                                      // true while a row is available
  void reset();
  std::int64_t column_int(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Checkpointer;
struct CheckpointCounts;

class Database {
 public:
  // Opens (creating) `path`, or an in-memory database when nullopt. A file's WAL is checkpointed
  // in the background once it holds `checkpoint_pages` pages (of 4 KiB), and by the committing
  // thread itself should it reach four times that.
  explicit Database(std::optional<std::filesystem::path> path,
                    Durability durability = Durability::Normal, int checkpoint_pages = 10000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);  // one or more statements, no results
  std::unique_ptr<Statement> prepare(std::string_view sql);
  // Rows the last INSERT, UPDATE or DELETE changed.
  int changes() const;

  // The schema version a component last recorded (0 when none), and recording a new one.
  int schema_version(std::string_view component);
  void set_schema_version(std::string_view component, int version);

  // Runs `fn` in one transaction: committed when it returns, rolled back when it throws.
  // With group commit on, the transactions that run before the next flush_group() share one
  // SQLite transaction: each is a savepoint in it (its own rollback still undoes only itself),
  // and none is durable before flush_group() commits them all.
  template <class Fn>
  void transaction(Fn&& fn) {
    begin();
    try {
      fn();
    } catch (...) {
      rollback();
      throw;
    }
    commit();
  }

  // Group commit: `schedule_flush` is called when a group opens, and must arrange for
  // flush_group() to run soon on the same thread (after the work already queued there).
  void enable_group_commit(std::function<void()> schedule_flush);
  bool group_open() const { return group_open_; }
  // Commits the open group; on failure rolls it back and returns the reason.
  std::optional<std::string> flush_group();

  bool in_memory() const { return in_memory_; }
  // What SQLite's `synchronous` setting of this connection is: FULL (or EXTRA) is Full.
  Durability durability();
  // The checkpoints run so far (none in memory).
  CheckpointCounts checkpoints() const;
  // Whether a background checkpoint is asked for or running (Checkpointer::under_way).
  bool checkpoint_under_way() const;

 private:
  void begin();
  void commit();
  void rollback();

  sqlite3* db_ = nullptr;
  bool in_memory_;
  int lock_fd_ = -1;  // the state's lock file, held (flock) while this is open
  std::unique_ptr<Checkpointer> checkpointer_;
  // Prepared once: BEGIN, COMMIT, ROLLBACK and the savepoint statements of group commit.
  std::unique_ptr<Statement> begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
  std::function<void()> schedule_flush_;
  bool group_open_ = false;
  bool group_lost_ = false;
};

}  // namespace serverlite::store
