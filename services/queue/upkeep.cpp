// What keeps the queue engine's work on the io thread short whatever the size of the queues:
// message counts kept as writes happen, purges and deletions of large queues done a slice at a
// time, and retention expiry in slices.
//
// sqs_counts holds, per storage (the `queue` column of sqs_messages), how many messages it has;
// triggers on sqs_messages keep it in the transaction of every write (send, batch, dead-letter
// move, delete, expiry, purge), so it is exact and as durable as the write. The visibility counts
// are this total less the rows that an index range finds hidden (in flight or delayed) or
// expired: their cost is bounded by what is in flight, delayed or expired, not by the queue.
//
// A purge of a large queue gives it a new storage, a row of sqs_queues named "<queue>#<n>" (no
// queue name has a '#'), recorded in sqs_storage; the old storage is listed in sqs_cleanup and
// cleanup_slice() deletes its messages. A deleted queue's storage is listed the same way, with
// drop_row: its sqs_queues row goes once empty, and until then its name cannot be reused
// (QueueDeletedRecently, as SQS answers for 60 seconds). A crash leaves sqs_cleanup as it was
// and the next open finishes it before anything is served.
#include "services/queue/engine_internal.hpp"

namespace serverlite::queue {

void QueueEngine::open_upkeep(int stored_version) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS sqs_counts ("
      " storage TEXT PRIMARY KEY, messages INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS sqs_storage ("
      " queue TEXT PRIMARY KEY REFERENCES sqs_queues(name) ON DELETE CASCADE,"
      " storage TEXT NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS sqs_cleanup ("
      " storage TEXT PRIMARY KEY, drop_row INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TRIGGER IF NOT EXISTS sqs_messages_counted_insert AFTER INSERT ON sqs_messages"
      " BEGIN UPDATE sqs_counts SET messages = messages + 1 WHERE storage = NEW.queue; END;"
      "CREATE TRIGGER IF NOT EXISTS sqs_messages_counted_delete AFTER DELETE ON sqs_messages"
      " BEGIN UPDATE sqs_counts SET messages = messages - 1 WHERE storage = OLD.queue; END;");
  if (stored_version >= 2) return;
  // A state from before the counts were kept: counted once, here.
  db_.exec(
      "DELETE FROM sqs_counts;"
      "INSERT INTO sqs_counts(storage, messages) SELECT name, 0 FROM sqs_queues;"
      "UPDATE sqs_counts SET messages ="
      " (SELECT COUNT(*) FROM sqs_messages WHERE queue = sqs_counts.storage);");
}

void QueueEngine::load_storage() {
  auto st = db_.prepare("SELECT queue, storage FROM sqs_storage");
  while (st->step())
    if (Queue* q = find(st->column_text(0))) q->storage = st->column_text(1);
  storage_counter_ = static_cast<std::uint64_t>(now_ms());
}

void QueueEngine::finish_cleanup() {
  auto st = db_.prepare("SELECT storage, drop_row FROM sqs_cleanup");
  while (st->step()) cleanup_[st->column_text(0)] = st->column_int(1) != 0;
  st.reset();
  while (cleanup_slice(10000)) {
  }
}

std::int64_t QueueEngine::stored_messages(const std::string& storage) {
  Use s(*st_->total);
  s->bind(1, storage);
  return s->step() ? s->column_int(0) : 0;
}

bool QueueEngine::retire_storage(const std::string& storage, bool drop_row) {
  bool listed = stored_messages(storage) > kInlineDeleteRows;
  auto forget = db_.prepare("DELETE FROM sqs_counts WHERE storage = ?");
  forget->bind(1, storage);
  forget->step();
  if (listed) {
    auto st = db_.prepare("INSERT OR REPLACE INTO sqs_cleanup(storage, drop_row) VALUES(?, ?)");
    st->bind(1, storage).bind(2, std::int64_t{drop_row});
    st->step();
    cleanup_[storage] = drop_row;
    return true;
  }
  Use s(*st_->purge);
  s->bind(1, storage);
  s->step();
  if (drop_row && is_storage_name(storage)) {
    Use d(*st_->delete_queue);
    d->bind(1, storage);
    d->step();
  }
  return false;
}

void QueueEngine::new_storage(Queue& q) {
  // A name no row has: a counter from the clock, moved on past any taken.
  for (;;) {
    std::string storage = q.name + "#" + std::to_string(++storage_counter_);
    auto st = db_.prepare(
        "INSERT OR IGNORE INTO sqs_queues(name, fifo, created_at, modified_at, next_sequence)"
        " VALUES(?, ?, ?, ?, 0)");
    st->bind(1, storage).bind(2, std::int64_t{q.fifo}).bind(3, q.created_ms).bind(4, q.modified_ms);
    st->step();
    if (db_.changes() == 0) continue;
    auto record = db_.prepare("INSERT OR REPLACE INTO sqs_storage(queue, storage) VALUES(?, ?)");
    record->bind(1, q.name).bind(2, storage);
    record->step();
    auto counts = db_.prepare("INSERT OR REPLACE INTO sqs_counts(storage, messages) VALUES(?, 0)");
    counts->bind(1, storage);
    counts->step();
    q.storage = storage;
    return;
  }
}

bool QueueEngine::cleanup_slice(std::size_t rows) {
  if (cleanup_.empty()) return false;
  const std::string storage = cleanup_.begin()->first;
  const bool drop_row = cleanup_.begin()->second;
  bool done = false;
  db_.transaction([&] {
    auto st = db_.prepare(
        "DELETE FROM sqs_messages WHERE seq IN"
        " (SELECT seq FROM sqs_messages WHERE queue = ? LIMIT ?)");
    st->bind(1, storage).bind(2, static_cast<std::int64_t>(rows));
    st->step();
    done = static_cast<std::size_t>(db_.changes()) < rows;
    if (!done) return;
    if (drop_row) {
      // Nothing refers to it any more: its attributes, tags and dedup entries went with
      // DeleteQueue.
      Use d(*st_->delete_queue);
      d->bind(1, storage);
      d->step();
    }
    auto forget = db_.prepare("DELETE FROM sqs_cleanup WHERE storage = ?");
    forget->bind(1, storage);
    forget->step();
  });
  if (done) cleanup_.erase(storage);
  return !cleanup_.empty();
}

std::size_t QueueEngine::expire_messages(std::size_t rows) {
  std::int64_t now = now_ms();
  std::size_t deleted = 0;
  auto st = db_.prepare(
      "DELETE FROM sqs_messages WHERE seq IN (SELECT seq FROM sqs_messages"
      " WHERE queue = ? AND expires_at <= ? LIMIT ?)");
  db_.transaction([&] {
    deleted = 0;
    for (const auto& [name, q] : queues_) {
      if (deleted >= rows) break;
      st->reset();
      st->bind(1, q->storage).bind(2, now).bind(3, static_cast<std::int64_t>(rows - deleted));
      st->step();
      deleted += static_cast<std::size_t>(db_.changes());
    }
  });
  return deleted;
}

}  // namespace serverlite::queue
