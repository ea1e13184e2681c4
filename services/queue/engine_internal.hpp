// What the queue engine's source files (engine.cpp, queues.cpp, send.cpp, receive.cpp) share:
// the engine's state and prepared statements, and the helpers more than one of them uses.
// Private to services/queue.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/http/base64.hpp"
#include "emulator/store/database.hpp"
#include "services/queue/engine.hpp"

namespace serverlite::queue {

namespace engine_detail {

constexpr int kMaxVisibilityTimeout = 43200;  // 12 hours, SQS's ceiling
constexpr int kMaxBatchEntries = 10;
// SQS's message size ceiling since August 2025 (1 MiB; it was 256 KiB): the largest and the
// default MaximumMessageSize, and the most a SendMessageBatch may carry in all.
constexpr int kMaxMessageBytes = 1048576;

inline bool contains(std::initializer_list<std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}
template <class Range>
bool contains(const Range& range, std::string_view s) {
  return std::find(std::begin(range), std::end(range), s) != std::end(range);
}

inline std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

inline Error error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

inline Error invalid_parameter(std::string_view parameter, std::string_view value,
                               std::string_view reason) {
  return error(ErrorCode::InvalidParameterValue, "Value " + std::string(value) + " for parameter " +
                                                     std::string(parameter) +
                                                     " is invalid. Reason: " + std::string(reason));
}
// The names of the storage rows upkeep.cpp adds to sqs_queues: no queue name has a '#'.
inline bool is_storage_name(std::string_view name) {
  return name.find('#') != std::string_view::npos;
}

// A random version 4 UUID (send.cpp).
std::string new_message_id();

// The part of an SQS ARN after the last ':' is the queue name.
inline std::string name_from_arn(std::string_view arn) {
  auto colon = arn.rfind(':');
  return std::string(colon == std::string_view::npos ? arn : arn.substr(colon + 1));
}

inline Error non_existent_queue() {
  return error(ErrorCode::NonExistentQueue, "The specified queue does not exist.");
}

inline bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

inline bool valid_batch_entry_id(std::string_view id) {
  return !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), is_name_char);
}

// Attributes are stored as length-prefixed fields ("<len>:<bytes>" for name, type and value),
// binary values in base64 so the TEXT column only ever holds text.
inline void append_field(std::string& out, std::string_view s) {
  out.append(std::to_string(s.size())).push_back(':');
  out.append(s);
}
inline std::string encode_attributes(const MessageAttributes& attributes) {
  std::string out;
  for (const auto& [name, v] : attributes) {
    append_field(out, name);
    append_field(out, v.data_type);
    append_field(out, v.is_binary() ? http::base64_encode(v.binary_value) : v.string_value);
  }
  return out;
}
inline MessageAttributes decode_attributes(std::string_view in) {
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

inline std::string format_sequence(std::uint64_t counter) {
  // 20 decimal digits that grow with every send to the queue, as SQS's look; equal widths make
  // string order numeric order.
  return std::to_string(10000000000000000000ULL + counter * 65536ULL);
}

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

constexpr std::string_view kMessageColumns =
    "seq, message_id, body, attributes, system_attributes, md5_body, sent_at, visible_at,"
    " expires_at, receive_count, first_received_at, group_id, dedup_id, sequence_number,"
    " sender_id, dead_letter_source, receive_token";

inline std::optional<std::string> opt_text(const store::Statement& s, int column) {
  if (s.column_is_null(column)) return std::nullopt;
  return s.column_text(column);
}
inline store::Value opt_value(const std::optional<std::string>& v) {
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

}  // namespace engine_detail

// The engine's source files use the helpers above unqualified.
using namespace engine_detail;

// ---- state ------------------------------------------------------------------------------------

struct QueueEngine::Queue {
  std::string name;
  // The `queue` of its rows in sqs_messages: the name, or after a large purge a name of its own
  // (upkeep.cpp), while the purged messages are removed under the old one.
  std::string storage;
  bool fifo = false;
  std::int64_t created_ms = 0;
  std::int64_t modified_ms = 0;
  std::uint64_t next_sequence = 0;
  QueueAttributes attributes;  // stored attributes, normalised, defaults included
  Tags tags;
  std::optional<std::int64_t> last_purge_ms;

  // Parsed from `attributes` by apply_attributes.
  int visibility_timeout = 30;
  int maximum_message_size = kMaxMessageBytes;
  int retention_seconds = 345600;
  int delay_seconds = 0;
  bool content_based_deduplication = false;
  bool dedup_per_group = false;
  struct Redrive {
    std::string target_name;
    int max_receive_count = 0;
  };
  std::optional<Redrive> redrive;

  // FIFO: the receives made with a ReceiveRequestAttemptId in the last 5 minutes, by that id.
  // In memory only: a restart forgets them (a retry then receives afresh).
  struct Attempt {
    std::int64_t expires_ms = 0;
    struct Received {
      std::string message_id;
      std::string receive_token;
      std::int64_t visible_at = 0;  // as that receive (or its last retry) set it
    };
    std::vector<Received> messages;
  };
  std::map<std::string, Attempt> attempts;
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
    // At most a small slice at a time: what a mass expiry leaves goes with the next receive or the
    // retention sweep (expire_messages).
    delete_expired = p("DELETE FROM sqs_messages WHERE seq IN (SELECT seq FROM sqs_messages"
                       " WHERE queue = ?1 AND expires_at <= ?2 LIMIT 200)");
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
    // The counts: the kept total, less the expired not yet deleted and the hidden ones (in
    // flight or delayed), each a range of an index: their cost is what they count, never the
    // queue's size.
    total = p("SELECT messages FROM sqs_counts WHERE storage = ?");
    counts =
        p("SELECT COALESCE(SUM(receive_count > 0), 0), COALESCE(SUM(receive_count = 0), 0)"
          " FROM sqs_messages INDEXED BY sqs_messages_visible"
          " WHERE queue = ?2 AND visible_at > ?1 AND expires_at > ?1");
    expired = p("SELECT COUNT(*) FROM sqs_messages INDEXED BY sqs_messages_expiry"
                " WHERE queue = ?2 AND expires_at <= ?1");
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
      mark_received, select_by_id, delete_by_seq, set_visible_at, total, counts, expired,
      next_visible, purge, find_dedup, upsert_dedup;
};

}  // namespace serverlite::queue
