// The queue engine's construction and lookups, and SQS's error names (see engine.hpp).
#include "services/queue/engine.hpp"

#include "services/queue/engine_internal.hpp"

namespace serverlite::queue {

namespace {

// Version 2: message counts kept in sqs_counts; messages stored under a storage key (upkeep.cpp).
constexpr int kSchemaVersion = 2;

}  // namespace

// ---- error names ------------------------------------------------------------------------------

namespace {

// Each code's name in the query protocol (the Code of the XML error) and its __type in the JSON
// protocol, which SQS names apart.
struct ErrorNames {
  std::string_view query, json;
};

ErrorNames error_names(ErrorCode code) {
  switch (code) {
    case ErrorCode::NonExistentQueue:
      return {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"};
    case ErrorCode::QueueAlreadyExists:
      return {"QueueAlreadyExists", "QueueNameExists"};
    case ErrorCode::InvalidParameterValue:
      return {"InvalidParameterValue", "InvalidParameterValue"};
    case ErrorCode::InvalidAttributeName:
      return {"InvalidAttributeName", "InvalidAttributeName"};
    case ErrorCode::InvalidAttributeValue:
      return {"InvalidAttributeValue", "InvalidAttributeValue"};
    case ErrorCode::MissingParameter:
      return {"MissingParameter", "MissingParameter"};
    case ErrorCode::InvalidMessageContents:
      return {"InvalidMessageContents", "InvalidMessageContents"};
    case ErrorCode::ReceiptHandleIsInvalid:
      return {"ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid"};
    case ErrorCode::MessageNotInflight:
      return {"AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight"};
    case ErrorCode::BatchEntryIdsNotDistinct:
      return {"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct"};
    case ErrorCode::TooManyEntriesInBatchRequest:
      return {"AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
              "TooManyEntriesInBatchRequest"};
    case ErrorCode::EmptyBatchRequest:
      return {"AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest"};
    case ErrorCode::InvalidBatchEntryId:
      return {"AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId"};
    case ErrorCode::BatchRequestTooLong:
      return {"AWS.SimpleQueueService.BatchRequestTooLong", "BatchRequestTooLong"};
    case ErrorCode::PurgeQueueInProgress:
      return {"AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress"};
    case ErrorCode::QueueDeletedRecently:
      return {"AWS.SimpleQueueService.QueueDeletedRecently", "QueueDeletedRecently"};
    case ErrorCode::OverLimit:
      return {"OverLimit", "OverLimit"};
    case ErrorCode::ResourceNotFound:
      return {"ResourceNotFoundException", "ResourceNotFoundException"};
    case ErrorCode::UnsupportedOperation:
      return {"AWS.SimpleQueueService.UnsupportedOperation", "UnsupportedOperation"};
  }
  return {"InternalFailure", "InternalFailure"};  // unreachable: the switch covers every code
}

}  // namespace

std::string_view error_code_name(ErrorCode code) { return error_names(code).query; }

std::string_view json_error_type(ErrorCode code) { return error_names(code).json; }

// ---- construction -----------------------------------------------------------------------------

QueueEngine::QueueEngine(store::Database& db, EngineOptions options, Clock clock)
    : db_(db), options_(std::move(options)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  // The schema is written down in services/queue/schema.md; keep the two in step.
  db_.transaction([&] {
    db_.exec(
        "CREATE TABLE IF NOT EXISTS sqs_queues ("
        " name TEXT PRIMARY KEY, fifo INTEGER NOT NULL, created_at INTEGER NOT NULL,"
        " modified_at INTEGER NOT NULL, next_sequence INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS sqs_queue_attributes ("
        " queue TEXT NOT NULL REFERENCES sqs_queues(name) ON DELETE CASCADE,"
        " name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (queue, name)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS sqs_queue_tags ("
        " queue TEXT NOT NULL REFERENCES sqs_queues(name) ON DELETE CASCADE,"
        " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (queue, key)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS sqs_messages ("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " queue TEXT NOT NULL REFERENCES sqs_queues(name) ON DELETE CASCADE,"
        " message_id TEXT NOT NULL, body TEXT NOT NULL, attributes TEXT NOT NULL,"
        " system_attributes TEXT NOT NULL, md5_body TEXT NOT NULL, sent_at INTEGER NOT NULL,"
        " visible_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
        " receive_count INTEGER NOT NULL, first_received_at INTEGER, received_at INTEGER,"
        " receive_token TEXT, group_id TEXT, dedup_id TEXT, sequence_number TEXT,"
        " sender_id TEXT NOT NULL, dead_letter_source TEXT);"
        "CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages(queue, visible_at);"
        "CREATE INDEX IF NOT EXISTS sqs_messages_expiry ON sqs_messages(queue, expires_at);"
        "CREATE INDEX IF NOT EXISTS sqs_messages_id ON sqs_messages(queue, message_id);"
        "CREATE TABLE IF NOT EXISTS sqs_dedup ("
        " queue TEXT NOT NULL REFERENCES sqs_queues(name) ON DELETE CASCADE,"
        " dedup_key TEXT NOT NULL, expires_at INTEGER NOT NULL, message_id TEXT NOT NULL,"
        " sequence_number TEXT, PRIMARY KEY (queue, dedup_key)) WITHOUT ROWID;");
    int stored = db_.schema_version("queue");
    open_upkeep(stored);
    if (stored < kSchemaVersion) db_.set_schema_version("queue", kSchemaVersion);
  });
  st_ = std::make_unique<Statements>(db_);
  finish_cleanup();

  auto queues =
      db_.prepare("SELECT name, fifo, created_at, modified_at, next_sequence FROM sqs_queues");
  while (queues->step()) {
    auto q = std::make_unique<Queue>();
    q->name = queues->column_text(0);
    if (is_storage_name(q->name)) continue;  // where a purged queue's new messages go
    q->storage = q->name;
    q->fifo = queues->column_int(1) != 0;
    q->created_ms = queues->column_int(2);
    q->modified_ms = queues->column_int(3);
    q->next_sequence = static_cast<std::uint64_t>(queues->column_int(4));
    queues_.emplace(q->name, std::move(q));
  }
  auto attributes = db_.prepare("SELECT queue, name, value FROM sqs_queue_attributes");
  while (attributes->step())
    if (auto* q = find(attributes->column_text(0)))
      q->attributes[attributes->column_text(1)] = attributes->column_text(2);
  auto tags = db_.prepare("SELECT queue, key, value FROM sqs_queue_tags");
  while (tags->step())
    if (auto* q = find(tags->column_text(0))) q->tags[tags->column_text(1)] = tags->column_text(2);
  for (auto& [name, q] : queues_) apply_attributes(*q);
  load_storage();
}

QueueEngine::~QueueEngine() = default;

std::int64_t QueueEngine::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

QueueEngine::Queue* QueueEngine::find(const std::string& name) {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}

bool QueueEngine::queue_exists(const std::string& name) const { return queues_.contains(name); }

std::optional<int> QueueEngine::default_wait_time_seconds(const std::string& name) const {
  auto it = queues_.find(name);
  if (it == queues_.end()) return std::nullopt;
  const auto& attributes = it->second->attributes;
  auto wait = attributes.find("ReceiveMessageWaitTimeSeconds");
  if (wait == attributes.end()) return 0;
  return static_cast<int>(parse_int(wait->second).value_or(0));
}

std::string QueueEngine::queue_arn(std::string_view name) const {
  return "arn:aws:sqs:" + options_.region + ":" + options_.account_id + ":" + std::string(name);
}

void QueueEngine::set_on_visible(std::function<void(const std::string&)> hook) {
  on_visible_ = std::move(hook);
}

void QueueEngine::notify(const std::string& name) {
  if (on_visible_) on_visible_(name);
}

}  // namespace serverlite::queue
