#include "services/queue/engine.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "emulator/http/base64.hpp"
#include "services/queue/md5.hpp"
#include "services/queue/receipt_handle.hpp"

namespace serverlite::queue {

namespace {

constexpr int kSchemaVersion = 1;
constexpr int kMaxVisibilityTimeout = 43200;  // 12 hours, SQS's ceiling
constexpr int kMaxBatchEntries = 10;
constexpr std::int64_t kMaxBatchBytes = 262144;
constexpr std::int64_t kDedupWindowMs = 5 * 60 * 1000;  // SQS's FIFO deduplication interval
constexpr std::int64_t kPurgeGuardMs = 60 * 1000;
constexpr int kMaxMessageAttributes = 10;

// Integer queue attributes: name, range and default, from the SetQueueAttributes reference.
struct IntAttribute {
  std::string_view name;
  std::int64_t min;
  std::int64_t max;
  std::optional<std::int64_t> default_value;
};
constexpr IntAttribute kIntAttributes[] = {
    {"DelaySeconds", 0, 900, 0},
    {"MaximumMessageSize", 1024, 262144, 262144},
    {"MessageRetentionPeriod", 60, 1209600, 345600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20, 0},
    {"VisibilityTimeout", 0, kMaxVisibilityTimeout, 30},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400, std::nullopt},
};
// Computed on every GetQueueAttributes; never stored, never settable.
constexpr std::string_view kReadOnlyAttributes[] = {"ApproximateNumberOfMessages",
                                                    "ApproximateNumberOfMessagesNotVisible",
                                                    "ApproximateNumberOfMessagesDelayed",
                                                    "CreatedTimestamp",
                                                    "LastModifiedTimestamp",
                                                    "QueueArn"};
constexpr std::string_view kVerbatimAttributes[] = {"Policy", "KmsMasterKeyId",
                                                    "RedriveAllowPolicy"};
constexpr std::string_view kFifoOnlyAttributes[] = {"ContentBasedDeduplication",
                                                    "DeduplicationScope", "FifoThroughputLimit"};

bool contains(std::initializer_list<std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}
template <class Range>
bool contains(const Range& range, std::string_view s) {
  return std::find(std::begin(range), std::end(range), s) != std::end(range);
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

Error error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

Error invalid_attribute_value(std::string_view name) {
  return error(ErrorCode::InvalidAttributeValue,
               "Invalid value for the parameter " + std::string(name) + ".");
}
Error unknown_attribute(std::string_view name) {
  return error(ErrorCode::InvalidAttributeName, "Unknown Attribute " + std::string(name) + ".");
}
Error invalid_parameter(std::string_view parameter, std::string_view value,
                        std::string_view reason) {
  return error(ErrorCode::InvalidParameterValue, "Value " + std::string(value) + " for parameter " +
                                                     std::string(parameter) +
                                                     " is invalid. Reason: " + std::string(reason));
}
Error non_existent_queue() {
  return error(ErrorCode::NonExistentQueue, "The specified queue does not exist.");
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Standard: 1..80 of [A-Za-z0-9_-]; FIFO: the same followed by ".fifo", 80 in all.
bool valid_queue_name(std::string_view name, bool fifo) {
  if (name.empty() || name.size() > 80) return false;
  if (fifo) {
    constexpr std::string_view suffix = ".fifo";
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) return false;
    name.remove_suffix(suffix.size());
  }
  return std::all_of(name.begin(), name.end(), is_name_char);
}

bool valid_batch_entry_id(std::string_view id) {
  return !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), is_name_char);
}

// MessageGroupId and MessageDeduplicationId: 1..128 alphanumeric or punctuation characters.
bool valid_fifo_token(std::string_view value) {
  return !value.empty() && value.size() <= 128 &&
         std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// The first character outside the set SQS accepts in bodies and String attribute values, or
// nullopt. Invalid UTF-8 reports its first byte.
std::optional<std::uint32_t> first_invalid_character(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    std::uint32_t cp;
    std::size_t len;
    if (b < 0x80)
      cp = b, len = 1;
    else if ((b & 0xe0) == 0xc0)
      cp = b & 0x1f, len = 2;
    else if ((b & 0xf0) == 0xe0)
      cp = b & 0x0f, len = 3;
    else if ((b & 0xf8) == 0xf0)
      cp = b & 0x07, len = 4;
    else
      return b;
    if (i + len > text.size()) return b;
    for (std::size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xc0) != 0x80) return b;
      cp = (cp << 6) | (c & 0x3f);
    }
    bool ok = cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
              (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) return cp;
    i += len;
  }
  return std::nullopt;
}

std::string new_message_id() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("RAND_bytes failed");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

// Attributes are stored as length-prefixed fields ("<len>:<bytes>" for name, type and value),
// binary values in base64 so the TEXT column only ever holds text.
void append_field(std::string& out, std::string_view s) {
  out.append(std::to_string(s.size())).push_back(':');
  out.append(s);
}
std::string encode_attributes(const MessageAttributes& attributes) {
  std::string out;
  for (const auto& [name, v] : attributes) {
    append_field(out, name);
    append_field(out, v.data_type);
    append_field(out, v.is_binary() ? http::base64_encode(v.binary_value) : v.string_value);
  }
  return out;
}
MessageAttributes decode_attributes(std::string_view in) {
  MessageAttributes out;
  auto field = [&]() {
    auto colon = in.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("corrupt attributes");
    auto len = parse_int(in.substr(0, colon));
    if (!len || *len < 0 || colon + 1 + static_cast<std::size_t>(*len) > in.size())
      throw std::runtime_error("corrupt attributes");
    std::string value(in.substr(colon + 1, static_cast<std::size_t>(*len)));
    in.remove_prefix(colon + 1 + static_cast<std::size_t>(*len));
    return value;
  };
  while (!in.empty()) {
    std::string name = field();
    MessageAttributeValue v;
    v.data_type = field();
    std::string value = field();
    if (v.is_binary())
      v.binary_value = http::base64_decode(value).value_or("");
    else
      v.string_value = std::move(value);
    out.emplace(std::move(name), std::move(v));
  }
  return out;
}

std::int64_t attributes_size(const MessageAttributes& attributes) {
  std::int64_t size = 0;
  for (const auto& [name, v] : attributes)
    size += static_cast<std::int64_t>(name.size() + v.data_type.size() +
                                      (v.is_binary() ? v.binary_value : v.string_value).size());
  return size;
}

std::int64_t message_size(const MessageInput& m) {
  return static_cast<std::int64_t>(m.body.size()) + attributes_size(m.message_attributes);
}

std::optional<Error> validate_message_attributes(const MessageAttributes& attributes) {
  if (attributes.size() > kMaxMessageAttributes)
    return error(ErrorCode::InvalidParameterValue,
                 "Number of message attributes [" + std::to_string(attributes.size()) +
                     "] exceeds the allowed maximum [" + std::to_string(kMaxMessageAttributes) +
                     "].");
  for (const auto& [name, v] : attributes) {
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool name_ok =
        !name.empty() && name.size() <= 256 && name.front() != '.' && name.back() != '.' &&
        name.find("..") == std::string::npos && !lower.starts_with("aws.") &&
        !lower.starts_with("amazon.") &&
        std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c) || c == '.'; });
    if (!name_ok)
      return error(ErrorCode::InvalidParameterValue,
                   "Message (user) attribute name '" + name +
                       "' is invalid. Names can only include alphanumeric characters, hyphens, "
                       "underscores and periods, and must not start with AWS. or Amazon.");
    std::string_view type = v.data_type;
    std::string_view base = type.substr(0, type.find('.'));
    if (type.size() > 256 || (base != "String" && base != "Number" && base != "Binary") ||
        (type.size() > base.size() && type.size() == base.size() + 1))
      return error(ErrorCode::InvalidParameterValue,
                   "The type of message (user) attribute '" + name +
                       "' is invalid. You must use only the following supported type prefixes: "
                       "Binary, Number, String.");
    const std::string& value = v.is_binary() ? v.binary_value : v.string_value;
    if (value.empty())
      return error(ErrorCode::InvalidParameterValue,
                   "Message (user) attribute '" + name +
                       "' must contain a non-empty value of type '" + std::string(base) + "'.");
    if (base == "Number") {
      std::string_view s = value;
      if (s.front() == '-' || s.front() == '+') s.remove_prefix(1);
      bool digit = false, bad = false, dot = false;
      for (std::size_t i = 0; i < s.size() && !bad; ++i) {
        char c = s[i];
        if (std::isdigit(static_cast<unsigned char>(c)))
          digit = true;
        else if (c == '.' && !dot)
          dot = true;
        else if ((c == 'e' || c == 'E') && digit) {
          auto exp = s.substr(i + 1);
          if (!exp.empty() && (exp.front() == '-' || exp.front() == '+')) exp.remove_prefix(1);
          bad = exp.empty() || !std::all_of(exp.begin(), exp.end(), [](char d) {
                  return std::isdigit(static_cast<unsigned char>(d));
                });
          break;
        } else
          bad = true;
      }
      if (!digit || bad)
        return error(ErrorCode::InvalidParameterValue,
                     "Could not cast message attribute '" + name + "' value to number.");
    }
    if (!v.is_binary()) {
      if (auto bad = first_invalid_character(value)) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%X", *bad);
        return error(ErrorCode::InvalidParameterValue, "Message (user) attribute '" + name +
                                                           "' contains the invalid character #x" +
                                                           hex + ".");
      }
    }
  }
  return std::nullopt;
}

// The part of an SQS ARN after the last ':' is the queue name.
std::string name_from_arn(std::string_view arn) {
  auto colon = arn.rfind(':');
  return std::string(colon == std::string_view::npos ? arn : arn.substr(colon + 1));
}

bool matches_attribute_filter(const std::vector<std::string>& filters, const std::string& name) {
  for (const auto& f : filters) {
    if (f == "All" || f == ".*" || f == name) return true;
    if (f.size() > 2 && f.ends_with(".*") && name.starts_with(f.substr(0, f.size() - 1)))
      return true;
  }
  return false;
}

std::string format_sequence(std::uint64_t counter) {
  // 20 decimal digits that grow with every send to the queue, as SQS's look; equal widths make
  // string order numeric order.
  return std::to_string(10000000000000000000ULL + counter * 65536ULL);
}

std::string encode_token(std::string_view last) { return http::base64_encode(last); }

}  // namespace

// ---- error names ------------------------------------------------------------------------------

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::NonExistentQueue:
      return "AWS.SimpleQueueService.NonExistentQueue";
    case ErrorCode::QueueAlreadyExists:
      return "QueueAlreadyExists";
    case ErrorCode::InvalidParameterValue:
      return "InvalidParameterValue";
    case ErrorCode::InvalidAttributeName:
      return "InvalidAttributeName";
    case ErrorCode::InvalidAttributeValue:
      return "InvalidAttributeValue";
    case ErrorCode::MissingParameter:
      return "MissingParameter";
    case ErrorCode::InvalidMessageContents:
      return "InvalidMessageContents";
    case ErrorCode::ReceiptHandleIsInvalid:
      return "ReceiptHandleIsInvalid";
    case ErrorCode::MessageNotInflight:
      return "AWS.SimpleQueueService.MessageNotInflight";
    case ErrorCode::BatchEntryIdsNotDistinct:
      return "AWS.SimpleQueueService.BatchEntryIdsNotDistinct";
    case ErrorCode::TooManyEntriesInBatchRequest:
      return "AWS.SimpleQueueService.TooManyEntriesInBatchRequest";
    case ErrorCode::EmptyBatchRequest:
      return "AWS.SimpleQueueService.EmptyBatchRequest";
    case ErrorCode::InvalidBatchEntryId:
      return "AWS.SimpleQueueService.InvalidBatchEntryId";
    case ErrorCode::BatchRequestTooLong:
      return "AWS.SimpleQueueService.BatchRequestTooLong";
    case ErrorCode::PurgeQueueInProgress:
      return "AWS.SimpleQueueService.PurgeQueueInProgress";
    case ErrorCode::OverLimit:
      return "OverLimit";
  }
  return "InternalFailure";  // unreachable: the switch covers every code
}

std::string_view json_error_type(ErrorCode code) {
  switch (code) {
    case ErrorCode::NonExistentQueue:
      return "QueueDoesNotExist";
    case ErrorCode::QueueAlreadyExists:
      return "QueueNameExists";
    case ErrorCode::InvalidParameterValue:
      return "InvalidParameterValue";
    case ErrorCode::InvalidAttributeName:
      return "InvalidAttributeName";
    case ErrorCode::InvalidAttributeValue:
      return "InvalidAttributeValue";
    case ErrorCode::MissingParameter:
      return "MissingParameter";
    case ErrorCode::InvalidMessageContents:
      return "InvalidMessageContents";
    case ErrorCode::ReceiptHandleIsInvalid:
      return "ReceiptHandleIsInvalid";
    case ErrorCode::MessageNotInflight:
      return "MessageNotInflight";
    case ErrorCode::BatchEntryIdsNotDistinct:
      return "BatchEntryIdsNotDistinct";
    case ErrorCode::TooManyEntriesInBatchRequest:
      return "TooManyEntriesInBatchRequest";
    case ErrorCode::EmptyBatchRequest:
      return "EmptyBatchRequest";
    case ErrorCode::InvalidBatchEntryId:
      return "InvalidBatchEntryId";
    case ErrorCode::BatchRequestTooLong:
      return "BatchRequestTooLong";
    case ErrorCode::PurgeQueueInProgress:
      return "PurgeQueueInProgress";
    case ErrorCode::OverLimit:
      return "OverLimit";
  }
  return "InternalFailure";
}

// ---- state ------------------------------------------------------------------------------------

struct QueueEngine::Queue {
  std::string name;
  bool fifo = false;
  std::int64_t created_ms = 0;
  std::int64_t modified_ms = 0;
  std::uint64_t next_sequence = 0;
  QueueAttributes attributes;  // stored attributes, normalised, defaults included
  Tags tags;
  std::optional<std::int64_t> last_purge_ms;

  // Parsed from `attributes` by apply_attributes.
  int visibility_timeout = 30;
  int maximum_message_size = 262144;
  int retention_seconds = 345600;
  int delay_seconds = 0;
  bool content_based_deduplication = false;
  bool dedup_per_group = false;
  struct Redrive {
    std::string target_name;
    int max_receive_count = 0;
  };
  std::optional<Redrive> redrive;
};

namespace detail {
struct StoredMessage {
  std::int64_t seq = 0;
  std::string message_id, body, attributes, system_attributes, md5_body;
  std::int64_t sent_at = 0, visible_at = 0, expires_at = 0, receive_count = 0;
  std::optional<std::int64_t> first_received_at;
  std::optional<std::string> group_id, dedup_id, sequence_number;
  std::string sender_id;
  std::optional<std::string> dead_letter_source, receive_token;
};
}  // namespace detail

using detail::StoredMessage;

namespace {

constexpr std::string_view kMessageColumns =
    "seq, message_id, body, attributes, system_attributes, md5_body, sent_at, visible_at,"
    " expires_at, receive_count, first_received_at, group_id, dedup_id, sequence_number,"
    " sender_id, dead_letter_source, receive_token";

std::optional<std::string> opt_text(const store::Statement& s, int column) {
  if (s.column_is_null(column)) return std::nullopt;
  return s.column_text(column);
}
store::Value opt_value(const std::optional<std::string>& v) {
  if (!v) return nullptr;
  return *v;
}

// RAII: a statement is reset (and its bindings cleared) when the scope using it ends, so no
// statement stays active across a COMMIT.
struct Use {
  explicit Use(store::Statement& s) : s(s) {}
  ~Use() { s.reset(); }
  store::Statement* operator->() { return &s; }
  store::Statement& s;
};

}  // namespace

struct QueueEngine::Statements {
  explicit Statements(store::Database& db) {
    auto p = [&](std::string_view sql) { return db.prepare(sql); };
    std::string cols(kMessageColumns);
    insert_queue =
        p("INSERT INTO sqs_queues(name, fifo, created_at, modified_at, next_sequence)"
          " VALUES(?, ?, ?, ?, 0)");
    touch_queue = p("UPDATE sqs_queues SET modified_at = ? WHERE name = ?");
    set_sequence = p("UPDATE sqs_queues SET next_sequence = ? WHERE name = ?");
    delete_queue = p("DELETE FROM sqs_queues WHERE name = ?");
    upsert_attribute =
        p("INSERT INTO sqs_queue_attributes(queue, name, value) VALUES(?, ?, ?)"
          " ON CONFLICT(queue, name) DO UPDATE SET value = excluded.value");
    delete_attribute = p("DELETE FROM sqs_queue_attributes WHERE queue = ? AND name = ?");
    upsert_tag =
        p("INSERT INTO sqs_queue_tags(queue, key, value) VALUES(?, ?, ?)"
          " ON CONFLICT(queue, key) DO UPDATE SET value = excluded.value");
    delete_tag = p("DELETE FROM sqs_queue_tags WHERE queue = ? AND key = ?");
    insert_message =
        p("INSERT INTO sqs_messages(queue, message_id, body, attributes, system_attributes,"
          " md5_body, sent_at, visible_at, expires_at, receive_count, first_received_at, group_id,"
          " dedup_id, sequence_number, sender_id, dead_letter_source)"
          " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    delete_expired = p("DELETE FROM sqs_messages WHERE queue = ? AND expires_at <= ?");
    delete_expired_dedup = p("DELETE FROM sqs_dedup WHERE queue = ? AND expires_at <= ?");
    select_visible = p("SELECT " + cols +
                       " FROM sqs_messages WHERE queue = ?1 AND visible_at <= ?2"
                       " AND expires_at > ?2 ORDER BY visible_at, seq LIMIT ?3");
    select_visible_fifo = p("SELECT " + cols +
                            " FROM sqs_messages WHERE queue = ?1 AND visible_at <= ?2"
                            " AND expires_at > ?2 ORDER BY seq");
    select_hidden_groups =
        p("SELECT group_id, MIN(seq), MAX(receive_count > 0) FROM sqs_messages"
          " WHERE queue = ?1 AND visible_at > ?2 AND expires_at > ?2 GROUP BY group_id");
    mark_received =
        p("UPDATE sqs_messages SET receive_count = receive_count + 1,"
          " first_received_at = COALESCE(first_received_at, ?1), received_at = ?1,"
          " receive_token = ?2, visible_at = ?3 WHERE seq = ?4");
    select_by_id =
        p("SELECT " + cols + ", received_at FROM sqs_messages WHERE queue = ? AND message_id = ?");
    delete_by_seq = p("DELETE FROM sqs_messages WHERE seq = ?");
    set_visible_at = p("UPDATE sqs_messages SET visible_at = ? WHERE seq = ?");
    counts =
        p("SELECT SUM(visible_at <= ?1), SUM(visible_at > ?1 AND receive_count > 0),"
          " SUM(visible_at > ?1 AND receive_count = 0) FROM sqs_messages"
          " WHERE queue = ?2 AND expires_at > ?1");
    next_visible =
        p("SELECT MIN(visible_at) FROM sqs_messages WHERE queue = ?1 AND visible_at > ?2"
          " AND expires_at > ?2");
    purge = p("DELETE FROM sqs_messages WHERE queue = ?");
    find_dedup =
        p("SELECT message_id, sequence_number FROM sqs_dedup"
          " WHERE queue = ? AND dedup_key = ? AND expires_at > ?");
    upsert_dedup =
        p("INSERT INTO sqs_dedup(queue, dedup_key, expires_at, message_id, sequence_number)"
          " VALUES(?, ?, ?, ?, ?) ON CONFLICT(queue, dedup_key) DO UPDATE SET"
          " expires_at = excluded.expires_at, message_id = excluded.message_id,"
          " sequence_number = excluded.sequence_number");
  }

  std::unique_ptr<store::Statement> insert_queue, touch_queue, set_sequence, delete_queue,
      upsert_attribute, delete_attribute, upsert_tag, delete_tag, insert_message, delete_expired,
      delete_expired_dedup, select_visible, select_visible_fifo, select_hidden_groups,
      mark_received, select_by_id, delete_by_seq, set_visible_at, counts, next_visible, purge,
      find_dedup, upsert_dedup;
};

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
    if (db_.schema_version("queue") < kSchemaVersion)
      db_.set_schema_version("queue", kSchemaVersion);
  });
  st_ = std::make_unique<Statements>(db_);

  auto queues =
      db_.prepare("SELECT name, fifo, created_at, modified_at, next_sequence FROM sqs_queues");
  while (queues->step()) {
    auto q = std::make_unique<Queue>();
    q->name = queues->column_text(0);
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

// ---- attributes -------------------------------------------------------------------------------

Result<QueueAttributes> QueueEngine::validate_attributes(const QueueAttributes& in, bool fifo,
                                                         const std::string& self_name) {
  QueueAttributes out;
  for (const auto& [name, value] : in) {
    if (auto spec = std::find_if(std::begin(kIntAttributes), std::end(kIntAttributes),
                                 [&](const IntAttribute& a) { return a.name == name; });
        spec != std::end(kIntAttributes)) {
      auto n = parse_int(value);
      if (!n || *n < spec->min || *n > spec->max) return invalid_attribute_value(name);
      out[name] = std::to_string(*n);
    } else if (name == "FifoQueue") {
      auto b = parse_bool(value);
      if (!b || *b != fifo) return invalid_attribute_value(name);
      if (fifo) out[name] = "true";
    } else if (contains(kFifoOnlyAttributes, name)) {
      if (!fifo) return unknown_attribute(name);
      if (name == "ContentBasedDeduplication") {
        auto b = parse_bool(value);
        if (!b) return invalid_attribute_value(name);
        out[name] = *b ? "true" : "false";
      } else if (name == "DeduplicationScope") {
        if (value != "messageGroup" && value != "queue") return invalid_attribute_value(name);
        out[name] = value;
      } else {
        if (value != "perQueue" && value != "perMessageGroupId")
          return invalid_attribute_value(name);
        out[name] = value;
      }
    } else if (name == "SqsManagedSseEnabled") {
      auto b = parse_bool(value);
      if (!b) return invalid_attribute_value(name);
      out[name] = *b ? "true" : "false";
    } else if (contains(kVerbatimAttributes, name)) {
      out[name] = value;
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {  // SetQueueAttributes with "" removes the policy
        out[name] = "";
        continue;
      }
      auto reject = [&](std::string_view reason) {
        return invalid_parameter("RedrivePolicy", value, reason);
      };
      auto json = nlohmann::json::parse(value, nullptr, false);
      if (json.is_discarded() || !json.is_object())
        return reject("Redrive policy is not a valid JSON map.");
      if (!json.contains("deadLetterTargetArn"))
        return reject("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
      if (!json.contains("maxReceiveCount"))
        return reject("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
      const auto& arn = json["deadLetterTargetArn"];
      const auto& count = json["maxReceiveCount"];
      std::optional<std::int64_t> n;
      if (count.is_number_integer())
        n = count.get<std::int64_t>();
      else if (count.is_string())
        n = parse_int(count.get<std::string>());
      if (!n || *n < 1 || *n > 1000)
        return reject("Invalid value for maxReceiveCount: " +
                      (count.is_string() ? count.get<std::string>() : count.dump()) +
                      ", valid values are from 1 to 1000 both inclusive.");
      if (!arn.is_string()) return reject("Invalid value for deadLetterTargetArn.");
      std::string target = name_from_arn(arn.get<std::string>());
      const Queue* dlq = find(target);
      if (!dlq || target == self_name) return reject("Dead letter target does not exist.");
      if (dlq->fifo != fifo)
        return reject("Dead-letter queue must be same type of queue as the source.");
      nlohmann::json normal = {{"deadLetterTargetArn", arn.get<std::string>()},
                               {"maxReceiveCount", *n}};
      out[name] = normal.dump();
    } else {
      return unknown_attribute(name);
    }
  }
  return out;
}

void QueueEngine::apply_attributes(Queue& q) {
  auto integer = [&](std::string_view name, int fallback) {
    auto it = q.attributes.find(std::string(name));
    if (it == q.attributes.end()) return fallback;
    return static_cast<int>(parse_int(it->second).value_or(fallback));
  };
  q.visibility_timeout = integer("VisibilityTimeout", 30);
  q.maximum_message_size = integer("MaximumMessageSize", 262144);
  q.retention_seconds = integer("MessageRetentionPeriod", 345600);
  q.delay_seconds = integer("DelaySeconds", 0);
  auto cbd = q.attributes.find("ContentBasedDeduplication");
  q.content_based_deduplication = cbd != q.attributes.end() && cbd->second == "true";
  auto scope = q.attributes.find("DeduplicationScope");
  q.dedup_per_group = scope != q.attributes.end() && scope->second == "messageGroup";
  q.redrive.reset();
  if (auto rp = q.attributes.find("RedrivePolicy"); rp != q.attributes.end()) {
    auto json = nlohmann::json::parse(rp->second, nullptr, false);
    if (json.is_object() && json["deadLetterTargetArn"].is_string() &&
        json["maxReceiveCount"].is_number_integer())
      q.redrive = Queue::Redrive{name_from_arn(json["deadLetterTargetArn"].get<std::string>()),
                                 json["maxReceiveCount"].get<int>()};
  }
}

// ---- queues -----------------------------------------------------------------------------------

Result<CreateQueueResult> QueueEngine::create_queue(const CreateQueueRequest& request) {
  const std::string& name = request.queue_name;
  if (name.empty())
    return error(ErrorCode::MissingParameter, "The request must contain the parameter QueueName.");
  bool fifo = false;
  if (auto it = request.attributes.find("FifoQueue"); it != request.attributes.end()) {
    auto b = parse_bool(it->second);
    if (!b) return invalid_attribute_value("FifoQueue");
    fifo = *b;
  }
  if (!valid_queue_name(name, fifo))
    return error(ErrorCode::InvalidParameterValue,
                 fifo ? "The name of a FIFO queue can only include alphanumeric characters, "
                        "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                        "length."
                      : "Can only include alphanumeric characters, hyphens, or underscores. 1 to "
                        "80 in length");
  auto attributes = validate_attributes(request.attributes, fifo, name);
  if (!attributes) return attributes.error();

  if (Queue* existing = find(name)) {
    // SQS compares the attributes given against the queue's; the first difference is named.
    for (const auto& [key, value] : attributes.value()) {
      auto it = existing->attributes.find(key);
      std::string current = it == existing->attributes.end()
                                ? (key == "FifoQueue" ? (existing->fifo ? "true" : "false") : "")
                                : it->second;
      if (current != value)
        return error(ErrorCode::QueueAlreadyExists,
                     "A queue already exists with the same name and a different value for "
                     "attribute " +
                         key);
    }
    return CreateQueueResult{name};
  }

  auto q = std::make_unique<Queue>();
  q->name = name;
  q->fifo = fifo;
  q->created_ms = q->modified_ms = now_ms();
  for (const auto& spec : kIntAttributes)
    if (spec.default_value)
      q->attributes[std::string(spec.name)] = std::to_string(*spec.default_value);
  if (fifo) {
    q->attributes["FifoQueue"] = "true";
    q->attributes["ContentBasedDeduplication"] = "false";
    q->attributes["DeduplicationScope"] = "queue";
    q->attributes["FifoThroughputLimit"] = "perQueue";
  }
  for (const auto& [key, value] : attributes.value())
    if (!value.empty()) q->attributes[key] = value;
  q->tags = request.tags;
  apply_attributes(*q);

  db_.transaction([&] {
    {
      Use s(*st_->insert_queue);
      s->bind(1, q->name).bind(2, std::int64_t{fifo}).bind(3, q->created_ms);
      s->bind(4, q->modified_ms);
      s->step();
    }
    write_attributes(*q);
    for (const auto& [key, value] : q->tags) {
      Use s(*st_->upsert_tag);
      s->bind(1, q->name).bind(2, key).bind(3, value);
      s->step();
    }
  });
  queues_.emplace(name, std::move(q));
  return CreateQueueResult{name};
}

void QueueEngine::write_attributes(const Queue& q) {
  for (const auto& [key, value] : q.attributes) {
    Use s(*st_->upsert_attribute);
    s->bind(1, q.name).bind(2, key).bind(3, value);
    s->step();
  }
}

Result<GetQueueUrlResult> QueueEngine::get_queue_url(const GetQueueUrlRequest& request) {
  if (!find(request.queue_name)) return non_existent_queue();
  return GetQueueUrlResult{request.queue_name};
}

namespace {

// One page of `names` (sorted) after the position in `next_token`.
Result<ListQueuesResult> paginate(const std::vector<std::string>& names,
                                  std::optional<int> max_results, const std::string& next_token) {
  if (max_results && (*max_results < 1 || *max_results > 1000))
    return invalid_parameter("MaxResults", std::to_string(*max_results),
                             "MaxResults must be an integer between 1 and 1000.");
  std::string after;
  if (!next_token.empty()) {
    auto decoded = http::base64_decode(next_token);
    if (!decoded) return error(ErrorCode::InvalidParameterValue, "Invalid NextToken value.");
    after = *decoded;
  }
  std::size_t limit = static_cast<std::size_t>(max_results.value_or(1000));
  ListQueuesResult result;
  auto it =
      next_token.empty() ? names.begin() : std::upper_bound(names.begin(), names.end(), after);
  for (; it != names.end() && result.queue_names.size() < limit; ++it)
    result.queue_names.push_back(*it);
  // SQS hands out a NextToken only to callers that asked for pages with MaxResults.
  if (it != names.end() && (max_results || !next_token.empty()))
    result.next_token = encode_token(result.queue_names.back());
  return result;
}

}  // namespace

Result<ListQueuesResult> QueueEngine::list_queues(const ListQueuesRequest& request) {
  std::vector<std::string> names;
  for (const auto& [name, q] : queues_)
    if (name.starts_with(request.queue_name_prefix)) names.push_back(name);
  return paginate(names, request.max_results, request.next_token);
}

Result<ListDeadLetterSourceQueuesResult> QueueEngine::list_dead_letter_source_queues(
    const ListDeadLetterSourceQueuesRequest& request) {
  if (!find(request.queue_name)) return non_existent_queue();
  std::vector<std::string> names;
  for (const auto& [name, q] : queues_)
    if (q->redrive && q->redrive->target_name == request.queue_name) names.push_back(name);
  return paginate(names, request.max_results, request.next_token);
}

Result<Empty> QueueEngine::delete_queue(const DeleteQueueRequest& request) {
  if (!find(request.queue_name)) return non_existent_queue();
  db_.transaction([&] {
    // Messages and dedup entries go by ON DELETE CASCADE.
    Use s(*st_->delete_queue);
    s->bind(1, request.queue_name);
    s->step();
  });
  queues_.erase(request.queue_name);
  return Empty{};
}

Result<GetQueueAttributesResult> QueueEngine::get_queue_attributes(
    const GetQueueAttributesRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  bool all = false;
  for (const auto& name : request.attribute_names) {
    if (name == "All") {
      all = true;
      continue;
    }
    bool known = contains(kReadOnlyAttributes, name) || contains(kVerbatimAttributes, name) ||
                 contains(kFifoOnlyAttributes, name) ||
                 contains({"FifoQueue", "RedrivePolicy", "SqsManagedSseEnabled"}, name) ||
                 std::any_of(std::begin(kIntAttributes), std::end(kIntAttributes),
                             [&](const IntAttribute& a) { return a.name == name; });
    if (!known) return unknown_attribute(name);
  }
  auto wanted = [&](std::string_view name) {
    return all || contains(request.attribute_names, name);
  };
  GetQueueAttributesResult result;
  for (const auto& [key, value] : q->attributes)
    if (wanted(key)) result.attributes[key] = value;
  std::int64_t now = now_ms();
  if (wanted("ApproximateNumberOfMessages") || wanted("ApproximateNumberOfMessagesNotVisible") ||
      wanted("ApproximateNumberOfMessagesDelayed")) {
    Use s(*st_->counts);
    s->bind(1, now).bind(2, q->name);
    s->step();
    std::int64_t counts[3] = {s->column_int(0), s->column_int(1), s->column_int(2)};
    if (wanted("ApproximateNumberOfMessages"))
      result.attributes["ApproximateNumberOfMessages"] = std::to_string(counts[0]);
    if (wanted("ApproximateNumberOfMessagesNotVisible"))
      result.attributes["ApproximateNumberOfMessagesNotVisible"] = std::to_string(counts[1]);
    if (wanted("ApproximateNumberOfMessagesDelayed"))
      result.attributes["ApproximateNumberOfMessagesDelayed"] = std::to_string(counts[2]);
  }
  // SQS gives both timestamps in whole seconds since the epoch.
  if (wanted("CreatedTimestamp"))
    result.attributes["CreatedTimestamp"] = std::to_string(q->created_ms / 1000);
  if (wanted("LastModifiedTimestamp"))
    result.attributes["LastModifiedTimestamp"] = std::to_string(q->modified_ms / 1000);
  if (wanted("QueueArn")) result.attributes["QueueArn"] = queue_arn(q->name);
  return result;
}

Result<Empty> QueueEngine::set_queue_attributes(const SetQueueAttributesRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  auto attributes = validate_attributes(request.attributes, q->fifo, q->name);
  if (!attributes) return attributes.error();
  Queue updated = *q;
  std::vector<std::string> removed;
  for (const auto& [key, value] : attributes.value()) {
    if (value.empty() && key == "RedrivePolicy") {
      updated.attributes.erase(key);
      removed.push_back(key);
    } else {
      updated.attributes[key] = value;
    }
  }
  updated.modified_ms = now_ms();
  apply_attributes(updated);
  db_.transaction([&] {
    write_attributes(updated);
    for (const auto& key : removed) {
      Use s(*st_->delete_attribute);
      s->bind(1, q->name).bind(2, key);
      s->step();
    }
    Use s(*st_->touch_queue);
    s->bind(1, updated.modified_ms).bind(2, q->name);
    s->step();
  });
  *q = std::move(updated);
  return Empty{};
}

Result<Empty> QueueEngine::purge_queue(const PurgeQueueRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  std::int64_t now = now_ms();
  if (q->last_purge_ms && now - *q->last_purge_ms < kPurgeGuardMs)
    return error(ErrorCode::PurgeQueueInProgress,
                 "Only one PurgeQueue operation on " + q->name + " is allowed every 60 seconds.");
  db_.transaction([&] {
    Use s(*st_->purge);
    s->bind(1, q->name);
    s->step();
  });
  q->last_purge_ms = now;
  return Empty{};
}

Result<Empty> QueueEngine::tag_queue(const TagQueueRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  Tags merged = q->tags;
  for (const auto& [key, value] : request.tags) {
    if (key.empty() || key.size() > 128 || value.size() > 256)
      return error(ErrorCode::InvalidParameterValue,
                   "Tag keys must be 1 to 128 characters and values at most 256.");
    merged[key] = value;
  }
  if (merged.size() > 50)  // SQS allows 50 tags per queue
    return error(ErrorCode::InvalidParameterValue,
                 "Too many tags added for queue " + q->name + ".");
  db_.transaction([&] {
    for (const auto& [key, value] : request.tags) {
      Use s(*st_->upsert_tag);
      s->bind(1, q->name).bind(2, key).bind(3, value);
      s->step();
    }
  });
  q->tags = std::move(merged);
  return Empty{};
}

Result<Empty> QueueEngine::untag_queue(const UntagQueueRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  db_.transaction([&] {
    for (const auto& key : request.tag_keys) {
      Use s(*st_->delete_tag);
      s->bind(1, q->name).bind(2, key);
      s->step();
    }
  });
  for (const auto& key : request.tag_keys) q->tags.erase(key);
  return Empty{};
}

Result<ListQueueTagsResult> QueueEngine::list_queue_tags(const ListQueueTagsRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  return ListQueueTagsResult{q->tags};
}

// ---- sending ----------------------------------------------------------------------------------

std::optional<Error> QueueEngine::validate_message(const Queue& q, const MessageInput& m) const {
  if (m.body.empty())
    return error(ErrorCode::MissingParameter,
                 "The request must contain the parameter MessageBody.");
  if (auto bad = first_invalid_character(m.body)) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%X", *bad);
    return error(ErrorCode::InvalidMessageContents,
                 std::string("Invalid binary character '#x") + hex +
                     "' was found in the message body, the set of allowed characters is #x9 | "
                     "#xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
  }
  if (m.delay_seconds) {
    if (q.fifo)
      return invalid_parameter("DelaySeconds", std::to_string(*m.delay_seconds),
                               "The request include parameter that is not valid for this queue "
                               "type.");
    if (*m.delay_seconds < 0 || *m.delay_seconds > 900)
      return invalid_parameter("DelaySeconds", std::to_string(*m.delay_seconds),
                               "DelaySeconds must be >= 0 and <= 900.");
  }
  if (auto e = validate_message_attributes(m.message_attributes)) return e;
  for (const auto& [name, v] : m.message_system_attributes) {
    if (name != "AWSTraceHeader")
      return error(ErrorCode::InvalidParameterValue,
                   "Message system attribute name '" + name + "' is invalid.");
    if (v.data_type != "String" || v.string_value.empty())
      return error(ErrorCode::InvalidParameterValue,
                   "Message system attribute 'AWSTraceHeader' must contain a non-empty value of "
                   "type 'String'.");
  }
  if (message_size(m) > q.maximum_message_size)
    return error(ErrorCode::InvalidParameterValue,
                 "One or more parameters are invalid. Reason: Message must be shorter than " +
                     std::to_string(q.maximum_message_size) + " bytes.");
  if (m.message_group_id && !valid_fifo_token(*m.message_group_id))
    return invalid_parameter("MessageGroupId", *m.message_group_id,
                             "MessageGroupId can only include alphanumeric and punctuation "
                             "characters. 1 to 128 in length.");
  if (q.fifo) {
    if (!m.message_group_id)
      return error(ErrorCode::MissingParameter,
                   "The request must contain the parameter MessageGroupId.");
    if (m.message_deduplication_id && !valid_fifo_token(*m.message_deduplication_id))
      return invalid_parameter("MessageDeduplicationId", *m.message_deduplication_id,
                               "MessageDeduplicationId can only include alphanumeric and "
                               "punctuation characters. 1 to 128 in length.");
    if (!m.message_deduplication_id && !q.content_based_deduplication)
      return error(ErrorCode::InvalidParameterValue,
                   "The queue should either have ContentBasedDeduplication enabled or "
                   "MessageDeduplicationId provided explicitly");
  } else if (m.message_deduplication_id) {
    return invalid_parameter("MessageDeduplicationId", *m.message_deduplication_id,
                             "The request includes a parameter that is not valid for this queue "
                             "type.");
  }
  return std::nullopt;
}

std::uint64_t QueueEngine::next_sequence(Queue& q) {
  std::uint64_t n = ++q.next_sequence;
  Use s(*st_->set_sequence);
  s->bind(1, static_cast<std::int64_t>(n)).bind(2, q.name);
  s->step();
  return n;
}

Result<SendMessageResult> QueueEngine::insert_message(Queue& q, const MessageInput& m,
                                                      std::int64_t now, bool& visible_now) {
  SendMessageResult result;
  result.md5_of_message_body = md5_of_message_body(m.body);
  if (!m.message_attributes.empty())
    result.md5_of_message_attributes = md5_of_message_attributes(m.message_attributes);
  if (!m.message_system_attributes.empty())
    result.md5_of_message_system_attributes =
        md5_of_message_attributes(m.message_system_attributes);

  std::optional<std::string> dedup_id;
  std::string dedup_key;
  if (q.fifo) {
    dedup_id = m.message_deduplication_id ? *m.message_deduplication_id : sha256_hex(m.body);
    dedup_key = q.dedup_per_group ? *m.message_group_id + "\n" + *dedup_id : *dedup_id;
    Use s(*st_->find_dedup);
    s->bind(1, q.name).bind(2, dedup_key).bind(3, now);
    if (s->step()) {
      // A duplicate within the 5-minute window is accepted and not delivered again; SQS answers
      // with the first message's id.
      result.message_id = s->column_text(0);
      result.sequence_number = opt_text(s.s, 1);
      return result;
    }
  }

  result.message_id = new_message_id();
  if (q.fifo) result.sequence_number = format_sequence(next_sequence(q));
  int delay = m.delay_seconds.value_or(q.delay_seconds);
  visible_now = visible_now || delay == 0;
  {
    Use s(*st_->insert_message);
    s->bind(1, q.name)
        .bind(2, result.message_id)
        .bind(3, m.body)
        .bind(4, encode_attributes(m.message_attributes))
        .bind(5, encode_attributes(m.message_system_attributes))
        .bind(6, result.md5_of_message_body)
        .bind(7, now)
        .bind(8, now + std::int64_t{delay} * 1000)
        .bind(9, now + std::int64_t{q.retention_seconds} * 1000)
        .bind(10, std::int64_t{0})
        .bind(11, nullptr)
        .bind(12, opt_value(m.message_group_id))
        .bind(13, opt_value(dedup_id))
        .bind(14, opt_value(result.sequence_number))
        .bind(15, options_.sender_id)
        .bind(16, nullptr);
    s->step();
  }
  if (q.fifo) {
    Use s(*st_->upsert_dedup);
    s->bind(1, q.name)
        .bind(2, dedup_key)
        .bind(3, now + kDedupWindowMs)
        .bind(4, result.message_id)
        .bind(5, opt_value(result.sequence_number));
    s->step();
  }
  return result;
}

Result<SendMessageResult> QueueEngine::send_message(const SendMessageRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (auto e = validate_message(*q, request.message)) return *e;
  std::int64_t now = now_ms();
  bool visible_now = false;
  std::optional<Result<SendMessageResult>> result;
  std::uint64_t sequence_before = q->next_sequence;
  try {
    db_.transaction([&] { result = insert_message(*q, request.message, now, visible_now); });
  } catch (...) {
    q->next_sequence = sequence_before;  // the rolled-back counter
    throw;
  }
  if (visible_now) notify(q->name);
  return std::move(*result);
}

namespace {

template <class Entry>
std::optional<Error> validate_batch(const std::vector<Entry>& entries,
                                    std::string_view entry_type) {
  if (entries.empty())
    return error(ErrorCode::EmptyBatchRequest,
                 "There should be at least one " + std::string(entry_type) + " in the request.");
  if (entries.size() > kMaxBatchEntries)
    return error(ErrorCode::TooManyEntriesInBatchRequest,
                 "Maximum number of entries per request are " + std::to_string(kMaxBatchEntries) +
                     ". You have sent " + std::to_string(entries.size()) + ".");
  std::set<std::string> ids;
  for (const auto& e : entries) {
    if (!valid_batch_entry_id(e.id))
      return error(ErrorCode::InvalidBatchEntryId,
                   "A batch entry id can only contain alphanumeric characters, hyphens and "
                   "underscores. It can be at most 80 letters long.");
    if (!ids.insert(e.id).second)
      return error(ErrorCode::BatchEntryIdsNotDistinct, "Id " + e.id + " repeated.");
  }
  return std::nullopt;
}

}  // namespace

Result<SendMessageBatchResult> QueueEngine::send_message_batch(
    const SendMessageBatchRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (auto e = validate_batch(request.entries, "SendMessageBatchRequestEntry")) return *e;
  std::int64_t total = 0;
  for (const auto& e : request.entries) total += message_size(e.message);
  if (total > kMaxBatchBytes)
    return error(ErrorCode::BatchRequestTooLong,
                 "Batch requests cannot be longer than " + std::to_string(kMaxBatchBytes) +
                     " bytes. You have sent " + std::to_string(total) + " bytes.");
  std::int64_t now = now_ms();
  bool visible_now = false;
  SendMessageBatchResult result;
  std::uint64_t sequence_before = q->next_sequence;
  try {
    db_.transaction([&] {
      result = {};
      for (const auto& entry : request.entries) {
        if (auto e = validate_message(*q, entry.message)) {
          result.failed.push_back({entry.id, true, e->code, e->message});
          continue;
        }
        auto sent = insert_message(*q, entry.message, now, visible_now);
        if (sent)
          result.successful.push_back({entry.id, std::move(sent.value())});
        else
          result.failed.push_back({entry.id, true, sent.error().code, sent.error().message});
      }
    });
  } catch (...) {
    q->next_sequence = sequence_before;
    throw;
  }
  if (visible_now) notify(q->name);
  return result;
}

// ---- receiving --------------------------------------------------------------------------------

void QueueEngine::delete_expired(const Queue& q, std::int64_t now) {
  {
    Use s(*st_->delete_expired);
    s->bind(1, q.name).bind(2, now);
    s->step();
  }
  if (q.fifo) {
    Use s(*st_->delete_expired_dedup);
    s->bind(1, q.name).bind(2, now);
    s->step();
  }
}

namespace {

StoredMessage read_message(const store::Statement& s) {
  StoredMessage m;
  m.seq = s.column_int(0);
  m.message_id = s.column_text(1);
  m.body = s.column_text(2);
  m.attributes = s.column_text(3);
  m.system_attributes = s.column_text(4);
  m.md5_body = s.column_text(5);
  m.sent_at = s.column_int(6);
  m.visible_at = s.column_int(7);
  m.expires_at = s.column_int(8);
  m.receive_count = s.column_int(9);
  if (!s.column_is_null(10)) m.first_received_at = s.column_int(10);
  m.group_id = opt_text(s, 11);
  m.dedup_id = opt_text(s, 12);
  m.sequence_number = opt_text(s, 13);
  m.sender_id = s.column_text(14);
  m.dead_letter_source = opt_text(s, 15);
  m.receive_token = opt_text(s, 16);
  return m;
}

}  // namespace

void QueueEngine::move_to_dead_letter_queue(Queue& source, Queue& target, const StoredMessage& m,
                                            std::int64_t now) {
  {
    Use s(*st_->delete_by_seq);
    s->bind(1, m.seq);
    s->step();
  }
  std::optional<std::string> sequence;
  if (target.fifo) sequence = format_sequence(next_sequence(target));
  // Standard dead-letter queues keep the original enqueue time for retention; FIFO ones restart
  // it (SQS developer guide, "Using dead-letter queues").
  std::int64_t retention_from = target.fifo ? now : m.sent_at;
  Use s(*st_->insert_message);
  s->bind(1, target.name)
      .bind(2, m.message_id)
      .bind(3, m.body)
      .bind(4, m.attributes)
      .bind(5, m.system_attributes)
      .bind(6, m.md5_body)
      .bind(7, m.sent_at)
      .bind(8, now)
      .bind(9, retention_from + std::int64_t{target.retention_seconds} * 1000)
      .bind(10, m.receive_count)
      .bind(11, m.first_received_at ? store::Value(*m.first_received_at) : store::Value(nullptr))
      .bind(12, opt_value(m.group_id))
      .bind(13, opt_value(m.dedup_id))
      .bind(14, opt_value(sequence))
      .bind(15, m.sender_id)
      .bind(16, queue_arn(source.name));
  s->step();
}

Result<ReceiveMessageResult> QueueEngine::receive_message(const ReceiveMessageRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  int max = request.max_number_of_messages;
  if (max < 1 || max > 10)
    return invalid_parameter("MaxNumberOfMessages", std::to_string(max),
                             "Must be between 1 and 10, if provided.");
  if (request.visibility_timeout &&
      (*request.visibility_timeout < 0 || *request.visibility_timeout > kMaxVisibilityTimeout))
    return invalid_parameter("VisibilityTimeout", std::to_string(*request.visibility_timeout),
                             "Must be >= 0 and <= 43200, if provided.");
  if (request.wait_time_seconds &&
      (*request.wait_time_seconds < 0 || *request.wait_time_seconds > 20))
    return invalid_parameter("WaitTimeSeconds", std::to_string(*request.wait_time_seconds),
                             "Must be >= 0 and <= 20, if provided.");
  int visibility = request.visibility_timeout.value_or(q->visibility_timeout);
  std::int64_t now = now_ms();
  ReceiveMessageResult result;
  std::vector<std::string> dead_letter_targets;

  auto want = [&](std::string_view name) {
    return contains(request.attribute_names, "All") || contains(request.attribute_names, name);
  };

  db_.transaction([&] {
    result = {};
    dead_letter_targets.clear();
    delete_expired(*q, now);
    // Candidates, oldest first. A few more than asked for, so that messages moved to the
    // dead-letter queue on the way do not leave the answer short.
    std::vector<StoredMessage> candidates;
    std::size_t wanted_candidates = static_cast<std::size_t>(max) + 16;
    if (!q->fifo) {
      Use s(*st_->select_visible);
      s->bind(1, q->name).bind(2, now).bind(3, static_cast<std::int64_t>(wanted_candidates));
      while (s->step()) candidates.push_back(read_message(s.s));
    } else {
      // FIFO: a group with a message in flight is blocked; otherwise only the messages before
      // its first not-yet-visible one may go, so order within a group always holds.
      struct GroupState {
        std::int64_t first_hidden_seq;
        bool in_flight;
      };
      std::map<std::string, GroupState> groups;
      {
        Use s(*st_->select_hidden_groups);
        s->bind(1, q->name).bind(2, now);
        while (s->step()) groups[s->column_text(0)] = {s->column_int(1), s->column_int(2) != 0};
      }
      Use s(*st_->select_visible_fifo);
      s->bind(1, q->name).bind(2, now);
      while (candidates.size() < wanted_candidates && s->step()) {
        auto m = read_message(s.s);
        auto g = groups.find(m.group_id.value_or(""));
        if (g != groups.end() && (g->second.in_flight || m.seq > g->second.first_hidden_seq))
          continue;
        candidates.push_back(std::move(m));
      }
    }

    for (auto& m : candidates) {
      if (result.messages.size() >= static_cast<std::size_t>(max)) break;
      if (q->redrive && m.receive_count >= q->redrive->max_receive_count) {
        Queue* target = find(q->redrive->target_name);
        if (target && target != q) {
          move_to_dead_letter_queue(*q, *target, m, now);
          dead_letter_targets.push_back(target->name);
          continue;
        }
      }
      std::string token = new_receive_token();
      {
        Use s(*st_->mark_received);
        s->bind(1, now)
            .bind(2, token)
            .bind(3, now + std::int64_t{visibility} * 1000)
            .bind(4, m.seq);
        s->step();
      }
      ReceivedMessage out;
      out.message_id = m.message_id;
      out.receipt_handle = encode_receipt_handle({q->name, m.message_id, token});
      out.body = m.body;
      out.md5_of_body = m.md5_body;
      auto system = decode_attributes(m.system_attributes);
      auto put = [&](std::string_view name, std::optional<std::string> value) {
        if (value && want(name)) out.attributes[std::string(name)] = std::move(*value);
      };
      put("SenderId", m.sender_id);
      put("SentTimestamp", std::to_string(m.sent_at));
      put("ApproximateReceiveCount", std::to_string(m.receive_count + 1));
      put("ApproximateFirstReceiveTimestamp", std::to_string(m.first_received_at.value_or(now)));
      if (q->fifo) {
        put("MessageDeduplicationId", m.dedup_id);
        put("SequenceNumber", m.sequence_number);
      }
      put("MessageGroupId", m.group_id);
      if (auto trace = system.find("AWSTraceHeader"); trace != system.end())
        put("AWSTraceHeader", trace->second.string_value);
      put("DeadLetterQueueSourceArn", m.dead_letter_source);
      for (auto& [name, value] : decode_attributes(m.attributes))
        if (matches_attribute_filter(request.message_attribute_names, name))
          out.message_attributes.emplace(name, std::move(value));
      if (!out.message_attributes.empty())
        out.md5_of_message_attributes = md5_of_message_attributes(out.message_attributes);
      result.messages.push_back(std::move(out));
    }
  });
  for (const auto& target : dead_letter_targets) notify(target);
  return result;
}

std::optional<TimePoint> QueueEngine::next_visible_at(const std::string& queue_name) {
  if (!find(queue_name)) return std::nullopt;
  Use s(*st_->next_visible);
  s->bind(1, queue_name).bind(2, now_ms());
  if (!s->step() || s->column_is_null(0)) return std::nullopt;
  return TimePoint(std::chrono::milliseconds(s->column_int(0)));
}

// ---- deleting and visibility ------------------------------------------------------------------

namespace {

Error invalid_handle(const std::string& handle) {
  return error(ErrorCode::ReceiptHandleIsInvalid,
               "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}
Error foreign_handle(const std::string& handle) {
  return error(ErrorCode::ReceiptHandleIsInvalid,
               "The receipt handle \"" + handle + "\" is not valid for this queue.");
}

}  // namespace

std::optional<Error> QueueEngine::delete_one(Queue& q, const std::string& receipt_handle) {
  auto handle = decode_receipt_handle(receipt_handle);
  if (!handle) return invalid_handle(receipt_handle);
  if (handle->queue_name != q.name) return foreign_handle(receipt_handle);
  std::optional<StoredMessage> m;
  {
    Use s(*st_->select_by_id);
    s->bind(1, q.name).bind(2, handle->message_id);
    if (s->step()) m = read_message(s.s);
  }
  if (!m) return std::nullopt;  // already deleted: SQS answers success
  if (q.fifo && (m->receive_token != handle->receive_token || m->visible_at <= now_ms()))
    // FIFO receipt handles expire with their visibility timeout; a later receive supersedes them.
    return invalid_parameter("ReceiptHandle", receipt_handle, "The receipt handle has expired.");
  Use s(*st_->delete_by_seq);
  s->bind(1, m->seq);
  s->step();
  return std::nullopt;
}

Result<Empty> QueueEngine::delete_message(const DeleteMessageRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (request.receipt_handle.empty())
    return error(ErrorCode::MissingParameter,
                 "The request must contain the parameter ReceiptHandle.");
  std::optional<Error> failure;
  db_.transaction([&] { failure = delete_one(*q, request.receipt_handle); });
  if (failure) return *failure;
  if (q->fifo) notify(q->name);  // the group may now be unblocked
  return Empty{};
}

Result<DeleteMessageBatchResult> QueueEngine::delete_message_batch(
    const DeleteMessageBatchRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (auto e = validate_batch(request.entries, "DeleteMessageBatchRequestEntry")) return *e;
  BatchResult result;
  db_.transaction([&] {
    result = {};
    for (const auto& entry : request.entries) {
      if (auto e = delete_one(*q, entry.receipt_handle))
        result.failed.push_back({entry.id, true, e->code, e->message});
      else
        result.successful.push_back(entry.id);
    }
  });
  if (q->fifo && !result.successful.empty()) notify(q->name);
  return result;
}

std::optional<Error> QueueEngine::change_visibility(Queue& q, const std::string& receipt_handle,
                                                    int visibility_timeout, std::int64_t now,
                                                    bool& visible_now) {
  auto handle = decode_receipt_handle(receipt_handle);
  if (!handle) return invalid_handle(receipt_handle);
  if (handle->queue_name != q.name) return foreign_handle(receipt_handle);
  if (visibility_timeout < 0 || visibility_timeout > kMaxVisibilityTimeout)
    return invalid_parameter("VisibilityTimeout", std::to_string(visibility_timeout),
                             "Must be >= 0 and <= 43200.");
  std::optional<StoredMessage> m;
  std::int64_t received_at = 0;
  {
    Use s(*st_->select_by_id);
    s->bind(1, q.name).bind(2, handle->message_id);
    if (s->step()) {
      m = read_message(s.s);
      received_at = s->column_int(17);
    }
  }
  if (!m || m->receive_token != handle->receive_token)
    return invalid_parameter("ReceiptHandle", receipt_handle,
                             "Message does not exist or is not available for visibility timeout "
                             "change.");
  // The current handle of a message whose visibility already ran out: SQS accepts the call and
  // changes nothing (the message is receivable again).
  if (m->visible_at <= now) return std::nullopt;
  // The 12-hour ceiling counts from the receive, not from now (ChangeMessageVisibility docs).
  std::int64_t deadline = now + std::int64_t{visibility_timeout} * 1000;
  if (deadline - received_at > std::int64_t{kMaxVisibilityTimeout} * 1000)
    return invalid_parameter("VisibilityTimeout", std::to_string(visibility_timeout),
                             "Total VisibilityTimeout for the message is beyond the limit [43200 "
                             "seconds]");
  Use s(*st_->set_visible_at);
  s->bind(1, deadline).bind(2, m->seq);
  s->step();
  if (visibility_timeout == 0) visible_now = true;
  return std::nullopt;
}

Result<Empty> QueueEngine::change_message_visibility(
    const ChangeMessageVisibilityRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (request.receipt_handle.empty())
    return error(ErrorCode::MissingParameter,
                 "The request must contain the parameter ReceiptHandle.");
  std::optional<Error> failure;
  bool visible_now = false;
  std::int64_t now = now_ms();
  db_.transaction([&] {
    failure =
        change_visibility(*q, request.receipt_handle, request.visibility_timeout, now, visible_now);
  });
  if (failure) return *failure;
  if (visible_now) notify(q->name);
  return Empty{};
}

Result<ChangeMessageVisibilityBatchResult> QueueEngine::change_message_visibility_batch(
    const ChangeMessageVisibilityBatchRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (auto e = validate_batch(request.entries, "ChangeMessageVisibilityBatchRequestEntry"))
    return *e;
  BatchResult result;
  bool visible_now = false;
  std::int64_t now = now_ms();
  db_.transaction([&] {
    result = {};
    for (const auto& entry : request.entries) {
      if (auto e = change_visibility(*q, entry.receipt_handle, entry.visibility_timeout, now,
                                     visible_now))
        result.failed.push_back({entry.id, true, e->code, e->message});
      else
        result.successful.push_back(entry.id);
    }
  });
  if (visible_now) notify(q->name);
  return result;
}

}  // namespace serverlite::queue
