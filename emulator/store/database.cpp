#include "emulator/store/database.hpp"

#include <sqlite3.h>

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

Database::Database(std::optional<std::filesystem::path> path, Durability durability)
    : in_memory_(!path) {
  std::string name = path ? path->string() : ":memory:";
  if (sqlite3_open_v2(name.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("cannot open " + name + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 2000);
  if (!in_memory_) exec("PRAGMA journal_mode=WAL");
  exec(durability == Durability::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  exec("CREATE TABLE IF NOT EXISTS schema_versions ("
       " component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
}

Database::~Database() { sqlite3_close_v2(db_); }

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
