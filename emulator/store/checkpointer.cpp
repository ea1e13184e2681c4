#include "emulator/store/checkpointer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <sqlite3.h>

#include <stdexcept>

namespace serverlite::store {

Checkpointer::Checkpointer(sqlite3* writer, const std::string& path, const char* synchronous,
                           int pages, int limit)
    : writer_(writer), pages_(pages), limit_(limit) {
  if (sqlite3_open_v2(path.c_str(), &own_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = own_ ? sqlite3_errmsg(own_) : "out of memory";
    sqlite3_close(own_);
    throw std::runtime_error("cannot open " + path + " for checkpoints: " + msg);
  }
  // A checkpoint syncs the WAL before copying it and the database after, as its connection's
  // `synchronous` says: the writer's setting, so that --durability full holds here too.
  std::string pragma = std::string("PRAGMA synchronous=") + synchronous;
  sqlite3_exec(own_, pragma.c_str(), nullptr, nullptr, nullptr);
  sqlite3_wal_hook(writer_, &Checkpointer::on_commit, this);
  thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close(own_);
}

CheckpointCounts Checkpointer::counts() const {
  return {background_.load(std::memory_order_relaxed), inline_.load(std::memory_order_relaxed)};
}

// Called by SQLite on the committing thread, after each commit, with the WAL's size in pages.
int Checkpointer::on_commit(void* self_ptr, sqlite3* db, const char* schema, int wal_pages) {
  auto* self = static_cast<Checkpointer*>(self_ptr);
  if (wal_pages >= self->limit_) {
    // The writer is the only one: with nothing committing meanwhile, this copies the WAL to its
    // end, and the next write transaction restarts it.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    self->inline_.fetch_add(1, std::memory_order_relaxed);
  } else if (wal_pages >= self->pages_) {
    {
      std::lock_guard lock(self->mutex_);
      self->wanted_ = true;
      self->under_way_.store(true, std::memory_order_release);
    }
    self->wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::run() {
  // Below the io thread: on a machine of few cores, copying pages must not take the core from
  // the thread that answers requests.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, without taking the writer's lock. BUSY (the
    // writer checkpointing inline at that moment) leaves it to the next commit's request.
    int rc = sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc == SQLITE_OK) background_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
    if (!wanted_) under_way_.store(false, std::memory_order_release);
  }
}

}  // namespace serverlite::store
