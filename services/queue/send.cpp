// Sending messages: SendMessage and SendMessageBatch, with the checks of bodies and message
// attributes (see engine.hpp).
#include <openssl/rand.h>

#include <cstdio>
#include <stdexcept>

#include "services/queue/engine.hpp"
#include "services/queue/engine_internal.hpp"
#include "services/queue/md5.hpp"
#include "emulator/ascii.hpp"

namespace serverlite::queue {

namespace {

constexpr std::int64_t kMaxBatchBytes = kMaxMessageBytes;
constexpr std::int64_t kDedupWindowMs = 5 * 60 * 1000;  // SQS's FIFO deduplication interval
constexpr int kMaxMessageAttributes = 10;

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
    std::string lower = ascii_lower(name);
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

}  // namespace

// A message's id (and a move task's): a random version 4 UUID.
std::string engine_detail::new_message_id() {
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
    s->bind(1, q.storage)
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

}  // namespace serverlite::queue
