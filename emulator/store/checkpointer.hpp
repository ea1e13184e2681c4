// WAL checkpoints off the io thread. SQLite's own automatic checkpoint runs inside the commit
// that crosses its threshold, on the thread that commits: copying tens of megabytes of WAL into
// the database file and syncing it held the io thread for 50-160 ms. Here the commit only reports
// the WAL's size; past `pages`, a thread of its own, with a second connection, runs a PASSIVE
// checkpoint (which never blocks the writer nor waits for it), and the next write transaction
// that finds the whole WAL copied starts it again from its beginning.
//
// Should the WAL still reach `limit` pages (a writer so busy that it never finds the WAL wholly
// copied), the committing thread checkpoints it itself, once: the copy left is what the thread
// had not reached, and the WAL then restarts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace serverlite::store {

struct CheckpointCounts {
  std::int64_t background = 0;  // PASSIVE checkpoints run by the checkpoint thread
  std::int64_t inline_ = 0;     // checkpoints the committing thread had to run itself
};

class Checkpointer {
 public:
  // `writer` is the connection that commits (its WAL hook is taken over); `path` is opened again
  // for the thread's own connection, with `synchronous` ("NORMAL" or "FULL") as the writer's.
  Checkpointer(sqlite3* writer, const std::string& path, const char* synchronous, int pages,
               int limit);
  ~Checkpointer();  // stops the thread (after the checkpoint under way, if any)
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  CheckpointCounts counts() const;
  // From the commit that asks for a background checkpoint until that checkpoint is over. Bulk
  // background writing waits meanwhile: the WAL restarts only when a write transaction begins
  // with all of it copied, which a writer committing every few milliseconds keeps from happening.
  bool under_way() const { return under_way_.load(std::memory_order_acquire); }

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  sqlite3* writer_;
  sqlite3* own_ = nullptr;
  int pages_, limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false, stopping_ = false;
  std::atomic<std::int64_t> background_{0}, inline_{0};
  std::atomic<bool> under_way_{false};
  std::thread thread_;
};

}  // namespace serverlite::store
