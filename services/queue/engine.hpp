// The SQS queue engine: every operation of SQS over SQLite, without HTTP or wire formats.
//
// Contract:
// - Threading: single-threaded. A QueueEngine, like the store::Database it is built on, is owned
//   by the io thread; no method may be called from another thread.
// - Durability: every acknowledged write (a result returned without Error) is one committed
//   SQLite transaction, so it survives a crash of the process (Database: WAL, synchronous=NORMAL).
// - Expected outcomes (no such queue, invalid values, bad receipt handles, batch errors ...) come
//   back as Result errors with SQS's codes and messages; exceptions mean a broken store.
// - Receive never blocks. Long polling is the front's: it waits until `next_visible_at(queue)`
//   or until the on-visible hook fires, whichever comes first, then receives again.
// - Time comes from the injected Clock only, so tests move time without sleeping.
// - Queue attribute names, ranges and messages follow the SQS API reference; where the engine
//   differs from SQS, the header of the function says so.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/store/database.hpp"
#include "services/queue/model.hpp"

namespace serverlite::queue {

namespace detail {
struct StoredMessage;  // a row of sqs_messages, private to the engine (engine_internal.hpp)
}

struct EngineOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // The SenderId system attribute: SQS gives the IAM user or role id of the sender.
  std::string sender_id = "AIDAIT2UOQQY3AUEKVGXU";
};

class QueueEngine {
 public:
  // Creates the engine's tables in `db` when missing and records schema version "queue".
  QueueEngine(store::Database& db, EngineOptions options = {}, Clock clock = {});
  ~QueueEngine();
  QueueEngine(const QueueEngine&) = delete;
  QueueEngine& operator=(const QueueEngine&) = delete;

  // Idempotent: an existing queue is returned when every attribute given equals its value;
  // QueueAlreadyExists otherwise. The name of a queue deleted less than 60 s ago (service clock),
  // or whose messages are still being deleted, is QueueDeletedRecently. The 60-second guard is
  // kept in memory only, like PurgeQueue's.
  Result<CreateQueueResult> create_queue(const CreateQueueRequest& request);
  Result<GetQueueUrlResult> get_queue_url(const GetQueueUrlRequest& request);
  Result<ListQueuesResult> list_queues(const ListQueuesRequest& request);
  Result<Empty> delete_queue(const DeleteQueueRequest& request);
  Result<GetQueueAttributesResult> get_queue_attributes(const GetQueueAttributesRequest& request);
  Result<Empty> set_queue_attributes(const SetQueueAttributesRequest& request);
  // Deletes every message; a second purge within 60 s is PurgeQueueInProgress. The 60-second
  // guard is kept in memory only.
  Result<Empty> purge_queue(const PurgeQueueRequest& request);
  Result<Empty> tag_queue(const TagQueueRequest& request);
  Result<Empty> untag_queue(const UntagQueueRequest& request);
  Result<ListQueueTagsResult> list_queue_tags(const ListQueueTagsRequest& request);
  // The Policy attribute's statements (permissions.cpp); serverlite keeps them, it does not
  // enforce them (every local caller is the queue's owner).
  Result<Empty> add_permission(const AddPermissionRequest& request);
  Result<Empty> remove_permission(const RemovePermissionRequest& request);
  // Message move tasks (move_tasks.cpp). The tasks are kept in memory: a restart forgets them
  // (the messages already moved stay moved).
  Result<std::string> start_message_move_task(const StartMessageMoveTaskRequest& request);
  Result<std::vector<MessageMoveTask>> list_message_move_tasks(
      const ListMessageMoveTasksRequest& request);
  Result<std::int64_t> cancel_message_move_task(const std::string& task_handle);
  // Moves up to `rows` messages for the running tasks, in one transaction, each task within
  // its MaxNumberOfMessagesPerSecond. Returns whether a task is still running.
  bool move_slice(std::size_t rows);
  bool moves_pending() const;
  Result<ListDeadLetterSourceQueuesResult> list_dead_letter_source_queues(
      const ListDeadLetterSourceQueuesRequest& request);

  Result<SendMessageResult> send_message(const SendMessageRequest& request);
  // Request-level errors (empty, too many, ids, total size) fail the whole call; entry errors are
  // reported per entry. All accepted entries are committed in one transaction.
  Result<SendMessageBatchResult> send_message_batch(const SendMessageBatchRequest& request);
  // What is receivable now: never waits. Messages past maxReceiveCount move to the dead-letter
  // queue here, on the receive that would have exceeded it, as SQS does.
  Result<ReceiveMessageResult> receive_message(const ReceiveMessageRequest& request);
  // As SQS: an older receipt handle of the message still deletes it (standard queues); a handle of
  // a message already gone succeeds; a malformed handle or another queue's is
  // ReceiptHandleIsInvalid.
  Result<Empty> delete_message(const DeleteMessageRequest& request);
  Result<DeleteMessageBatchResult> delete_message_batch(const DeleteMessageBatchRequest& request);
  // A stale handle (the message was received again, or deleted) is InvalidParameterValue
  // "... Reason: Message does not exist or is not available for visibility timeout change.";
  // the current handle of a message whose visibility already ran out is accepted and changes
  // nothing, as SQS answers it.
  Result<Empty> change_message_visibility(const ChangeMessageVisibilityRequest& request);
  Result<ChangeMessageVisibilityBatchResult> change_message_visibility_batch(
      const ChangeMessageVisibilityBatchRequest& request);

  // When the next delayed or in-flight message of `queue` becomes visible; nullopt when none is
  // waiting (or no such queue). For the front's long polling.
  std::optional<TimePoint> next_visible_at(const std::string& queue_name);
  // Called after a commit made a message receivable now: a send without delay, a visibility
  // change to 0, a move to a dead-letter queue, a delete that may unblock a FIFO group.
  void set_on_visible(std::function<void(const std::string& queue_name)> hook);

  // The queue's ReceiveMessageWaitTimeSeconds, for a ReceiveMessage without WaitTimeSeconds;
  // nullopt when there is no such queue.
  std::optional<int> default_wait_time_seconds(const std::string& queue_name) const;
  bool queue_exists(const std::string& queue_name) const;
  std::string queue_arn(std::string_view queue_name) const;
  const EngineOptions& options() const { return options_; }

  // ---- upkeep (upkeep.cpp) ----
  // PurgeQueue and DeleteQueue of more than this many messages answer at once and leave the
  // messages to cleanup_slice(); fewer are deleted by the call itself.
  static constexpr std::int64_t kInlineDeleteRows = 2000;
  // Deletes up to `rows` messages of a purged or deleted queue, in one transaction. Returns
  // whether any remain to delete.
  bool cleanup_slice(std::size_t rows);
  bool cleanup_pending() const { return !cleanup_.empty(); }
  // Deletes up to `rows` messages whose retention period has passed, of every queue. Returns
  // how many it deleted.
  std::size_t expire_messages(std::size_t rows);

 private:
  struct Queue;
  struct Statements;

  std::int64_t now_ms() const;
  Queue* find(const std::string& name);
  Result<QueueAttributes> validate_attributes(const QueueAttributes& attributes, bool fifo,
                                              const std::string& self_name);
  void apply_attributes(Queue& queue);
  void write_attributes(const Queue& queue);
  std::optional<Error> validate_message(const Queue& queue, const MessageInput& message) const;
  Result<SendMessageResult> insert_message(Queue& queue, const MessageInput& message,
                                           std::int64_t now, bool& visible_now);
  void move_to_dead_letter_queue(Queue& source, Queue& target, const detail::StoredMessage& message,
                                 std::int64_t now);
  std::optional<Error> change_visibility(Queue& queue, const std::string& receipt_handle,
                                         int visibility_timeout, std::int64_t now,
                                         bool& visible_now);
  std::optional<Error> delete_one(Queue& queue, const std::string& receipt_handle);
  // FIFO ReceiveRequestAttemptId: the earlier answer again, when the attempt is known and each of
  // its messages is still in flight from it; nullopt otherwise (the attempt is forgotten).
  std::optional<ReceiveMessageResult> repeat_attempt(Queue& queue,
                                                     const ReceiveMessageRequest& request,
                                                     int visibility, std::int64_t now);
  void delete_expired(const Queue& queue, std::int64_t now);
  std::uint64_t next_sequence(Queue& queue);
  void notify(const std::string& queue_name);
  // upkeep.cpp
  void open_upkeep(int stored_version);
  void load_storage();
  void finish_cleanup();
  std::int64_t stored_messages(const std::string& storage);
  // Takes `storage`'s messages out of sight in the caller's transaction: deleted when few, else
  // listed for cleanup_slice(). `drop_row`: its sqs_queues row goes too once it is empty.
  // Returns whether it was listed.
  bool retire_storage(const std::string& storage, bool drop_row);
  // A new, empty storage for `queue` (after a large purge).
  void new_storage(Queue& queue);

  store::Database& db_;
  EngineOptions options_;
  Clock clock_;
  std::function<void(const std::string&)> on_visible_;
  std::map<std::string, std::unique_ptr<Queue>> queues_;  // the queues table, cached
  std::unique_ptr<Statements> st_;
  // Storages whose messages cleanup_slice() is deleting, and whether their sqs_queues row goes
  // afterwards (the row of a deleted queue: its name cannot be reused until then).
  std::map<std::string, bool> cleanup_;
  // When each recently deleted queue was deleted (ms): its name is not reusable for 60 s.
  std::map<std::string, std::int64_t> deleted_at_;
  std::uint64_t storage_counter_ = 0;
  // Message move tasks, oldest first, with what move_slice() needs besides what is listed.
  struct MoveTask {
    MessageMoveTask listed;
    std::string source_name;
    std::int64_t last_seq = 0;     // the newest message of the source when the task started
    std::int64_t allowance_ms = 0;  // when the rate last let messages through
  };
  std::vector<MoveTask> move_tasks_;
};

}  // namespace serverlite::queue
