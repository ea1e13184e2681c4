#include "emulator/store/database.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "emulator/store/checkpointer.hpp"

namespace serverlite::store {

namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw StoreError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK)
    fail(db, "prepare");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, const Value& value) {
  int rc = std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) return sqlite3_bind_null(stmt_, index);
        else if constexpr (std::is_same_v<T, std::int64_t>) return sqlite3_bind_int64(stmt_, index, v);
        else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt_, index, v);
        else return sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()),
                                      SQLITE_TRANSIENT);
      },
      value);
  if (rc != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind_text(int index, const std::string& text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::column_text(int column) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
              : std::string();
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Database::Database(std::optional<std::filesystem::path> path, Durability durability,
                   int checkpoint_pages)
    : in_memory_(!path) {
  std::string name = path ? path->string() : ":memory:";
  if (path) {
    // One serverlite per state: a second one on the same file is refused at once, rather than
    // interleaving its writes with this one's. The lock is the kernel's, so it ends with the
    // process however that ends; the file stays (removing it would race with the next start).
    lock_fd_ = ::open((name + "-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0)
      throw StoreError("cannot open " + name + "-lock: " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      int error = errno;
      ::close(lock_fd_);
      throw StoreError(error == EWOULDBLOCK
                           ? name + " is in use by another serverlite (its lock is held)"
                           : "cannot lock " + name + "-lock: " + std::strerror(error));
    }
    // The state is the user's alone: the file is made (or kept) 0600, and SQLite gives its WAL
    // the database file's mode.
    int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::fchmod(fd, 0600);
      ::close(fd);
    }
    ::chmod((name + "-wal").c_str(), 0600);  // one left by an earlier run, if any
  }
  if (sqlite3_open_v2(name.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    if (lock_fd_ >= 0) ::close(lock_fd_);
    throw StoreError("cannot open " + name + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 2000);
  const char* synchronous = durability == Durability::Full ? "FULL" : "NORMAL";
  try {
    if (!in_memory_) exec("PRAGMA journal_mode=WAL");
    exec(std::string("PRAGMA synchronous=") + synchronous);
    // Checkpoints every 10,000 pages (40 MB of WAL) by default rather than SQLite's 1,000: a
    // page rewritten by many commits is copied to the database once per checkpoint, with one
    // fdatasync; a durable write costs 7-30% less CPU (scripts/bench queue, table).
    if (!in_memory_)
      checkpointer_ = std::make_unique<Checkpointer>(db_, name, synchronous, checkpoint_pages,
                                                     4 * checkpoint_pages);
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    if (lock_fd_ >= 0) ::close(lock_fd_);
    throw StoreError(e.what());
  }
  exec("PRAGMA foreign_keys=ON");
  exec("CREATE TABLE IF NOT EXISTS schema_versions ("
       " component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  begin_ = prepare("BEGIN IMMEDIATE");
  commit_ = prepare("COMMIT");
  rollback_ = prepare("ROLLBACK");
  savepoint_ = prepare("SAVEPOINT step");
  release_ = prepare("RELEASE step");
  rollback_to_ = prepare("ROLLBACK TO step");
}

Database::~Database() {
  if (group_open_) flush_group();
  begin_.reset(), commit_.reset(), rollback_.reset();
  savepoint_.reset(), release_.reset(), rollback_to_.reset();
  checkpointer_.reset();  // before the last connection closes (and checkpoints what is left)
  sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

namespace {

void run(Statement& statement) {
  try {
    statement.step();
  } catch (...) {
    statement.reset();
    throw;
  }
  statement.reset();
}

}  // namespace

void Database::begin() {
  if (!schedule_flush_) return run(*begin_);
  if (!group_open_) {
    run(*begin_);
    group_open_ = true;
    schedule_flush_();
  } else if (sqlite3_get_autocommit(db_)) {
    // An I/O error made SQLite roll the whole group back: what it held is lost, so the flush
    // must report failure; this and later transactions start a new SQLite transaction.
    group_lost_ = true;
    run(*begin_);
  }
  run(*savepoint_);
}

void Database::commit() { run(schedule_flush_ ? *release_ : *commit_); }

void Database::rollback() {
  try {
    if (!schedule_flush_) return run(*rollback_);
    run(*rollback_to_);
    run(*release_);
  } catch (const StoreError&) {
    if (group_open_ && sqlite3_get_autocommit(db_)) group_lost_ = true;
    // SQLite already rolled back (a full disk, say); the caller's exception is the one to report.
  }
}

void Database::enable_group_commit(std::function<void()> schedule_flush) {
  schedule_flush_ = std::move(schedule_flush);
}

std::optional<std::string> Database::flush_group() {
  if (!group_open_) return std::nullopt;
  group_open_ = false;
  bool lost = std::exchange(group_lost_, false);
  try {
    if (!sqlite3_get_autocommit(db_)) run(*commit_);
    if (lost) return std::string("the transaction was rolled back by an I/O error");
    return std::nullopt;
  } catch (const StoreError& e) {
    if (!sqlite3_get_autocommit(db_)) {
      try {
        run(*rollback_);
      } catch (const StoreError&) {
      }
    }
    return std::string(e.what());
  }
}

void Database::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError(msg + " (in: " + s.substr(0, 80) + ")");
  }
}

std::unique_ptr<Statement> Database::prepare(std::string_view sql) {
  return std::make_unique<Statement>(db_, sql);
}

Durability Database::durability() {
  auto st = prepare("PRAGMA synchronous");
  return st->step() && st->column_int(0) >= 2 ? Durability::Full : Durability::Normal;
}

CheckpointCounts Database::checkpoints() const {
  return checkpointer_ ? checkpointer_->counts() : CheckpointCounts{};
}

bool Database::checkpoint_under_way() const { return checkpointer_ && checkpointer_->under_way(); }

int Database::changes() const { return sqlite3_changes(db_); }

int Database::schema_version(std::string_view component) {
  auto st = prepare("SELECT version FROM schema_versions WHERE component = ?");
  st->bind(1, std::string(component));
  return st->step() ? static_cast<int>(st->column_int(0)) : 0;
}

void Database::set_schema_version(std::string_view component, int version) {
  auto st = prepare(
      "INSERT INTO schema_versions(component, version) VALUES(?, ?)"
      " ON CONFLICT(component) DO UPDATE SET version = excluded.version");
  st->bind(1, std::string(component)).bind(2, std::int64_t{version});
  st->step();
}

}  // namespace serverlite::store
