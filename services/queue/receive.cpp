// Receiving messages and what follows a receive: ReceiveMessage (with the moves to dead-letter
// queues), DeleteMessage and ChangeMessageVisibility, single and batched (see engine.hpp).
#include <map>

#include "services/queue/engine.hpp"
#include "services/queue/engine_internal.hpp"
#include "services/queue/md5.hpp"
#include "services/queue/receipt_handle.hpp"

namespace serverlite::queue {

namespace {

constexpr std::int64_t kAttemptWindowMs = 5 * 60 * 1000;  // ReceiveRequestAttemptId's interval
constexpr std::size_t kMaxAttemptsPerQueue = 10000;  // past it the oldest attempts are forgotten

// ReceiveRequestAttemptId: 1..128 alphanumeric or punctuation characters.
bool valid_attempt_id(std::string_view value) {
  return !value.empty() && value.size() <= 128 &&
         std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

bool matches_attribute_filter(const std::vector<std::string>& filters, const std::string& name) {
  for (const auto& f : filters) {
    if (f == "All" || f == ".*" || f == name) return true;
    if (f.size() > 2 && f.ends_with(".*") && name.starts_with(f.substr(0, f.size() - 1)))
      return true;
  }
  return false;
}

}  // namespace

// ---- receiving --------------------------------------------------------------------------------

void QueueEngine::delete_expired(const Queue& q, std::int64_t now) {
  {
    Use s(*st_->delete_expired);
    s->bind(1, q.storage).bind(2, now);
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

// What a receive answers for the stored message `m`, as the receive left it (its count, first
// receive and token), with the system and message attributes the request asks for.
ReceivedMessage received_message(const std::string& queue_name, bool fifo, const StoredMessage& m,
                                 const ReceiveMessageRequest& request) {
  auto want = [&](std::string_view name) {
    return contains(request.attribute_names, "All") || contains(request.attribute_names, name);
  };
  ReceivedMessage out;
  out.message_id = m.message_id;
  out.receipt_handle =
      encode_receipt_handle({queue_name, m.message_id, m.receive_token.value_or("")});
  out.body = m.body;
  out.md5_of_body = m.md5_body;
  auto system = decode_attributes(m.system_attributes);
  auto put = [&](std::string_view name, std::optional<std::string> value) {
    if (value && want(name)) out.attributes[std::string(name)] = std::move(*value);
  };
  put("SenderId", m.sender_id);
  put("SentTimestamp", std::to_string(m.sent_at));
  put("ApproximateReceiveCount", std::to_string(m.receive_count));
  if (m.first_received_at)
    put("ApproximateFirstReceiveTimestamp", std::to_string(*m.first_received_at));
  if (fifo) {
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
  return out;
}

}  // namespace

std::optional<ReceiveMessageResult> QueueEngine::repeat_attempt(
    Queue& q, const ReceiveMessageRequest& request, int visibility, std::int64_t now) {
  auto it = q.attempts.find(*request.receive_request_attempt_id);
  if (it == q.attempts.end()) return std::nullopt;
  Queue::Attempt& attempt = it->second;
  std::vector<StoredMessage> rows;
  for (const auto& sent : attempt.messages) {
    Use s(*st_->select_by_id);
    s->bind(1, q.storage).bind(2, sent.message_id);
    // Deleted, received again, its visibility changed or run out: the attempt is over.
    if (!s->step()) break;
    auto m = read_message(s.s);
    if (m.receive_token != sent.receive_token || m.visible_at != sent.visible_at ||
        m.visible_at <= now)
      break;
    rows.push_back(std::move(m));
  }
  if (rows.size() != attempt.messages.size()) {
    q.attempts.erase(it);
    return std::nullopt;
  }
  // The same messages and receipt handles; their visibility timeout starts again.
  std::int64_t visible_at = now + std::int64_t{visibility} * 1000;
  ReceiveMessageResult result;
  db_.transaction([&] {
    for (auto& m : rows) {
      Use s(*st_->set_visible_at);
      s->bind(1, visible_at).bind(2, m.seq);
      s->step();
    }
  });
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].visible_at = attempt.messages[i].visible_at = visible_at;
    result.messages.push_back(received_message(q.name, q.fifo, rows[i], request));
  }
  return result;
}

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
  s->bind(1, target.storage)
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
  const auto& attempt_id = request.receive_request_attempt_id;
  if (q->fifo && attempt_id && !valid_attempt_id(*attempt_id))
    return invalid_parameter("ReceiveRequestAttemptId", *attempt_id,
                             "ReceiveRequestAttemptId can only include alphanumeric and "
                             "punctuation characters. 1 to 128 in length.");
  std::optional<Queue::Attempt> attempt;
  if (q->fifo && attempt_id) {
    std::erase_if(q->attempts, [&](const auto& a) { return a.second.expires_ms <= now; });
    if (auto again = repeat_attempt(*q, request, visibility, now)) return std::move(*again);
    attempt = Queue::Attempt{now + kAttemptWindowMs, {}};
  }
  ReceiveMessageResult result;
  std::vector<std::string> dead_letter_targets;

  db_.transaction([&] {
    result = {};
    if (attempt) attempt->messages.clear();
    dead_letter_targets.clear();
    delete_expired(*q, now);
    // Candidates, oldest first. A few more than asked for, so that messages moved to the
    // dead-letter queue on the way do not leave the answer short.
    std::vector<StoredMessage> candidates;
    std::size_t wanted_candidates = static_cast<std::size_t>(max) + 16;
    if (!q->fifo) {
      Use s(*st_->select_visible);
      s->bind(1, q->storage).bind(2, now).bind(3, static_cast<std::int64_t>(wanted_candidates));
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
        s->bind(1, q->storage).bind(2, now);
        while (s->step()) groups[s->column_text(0)] = {s->column_int(1), s->column_int(2) != 0};
      }
      Use s(*st_->select_visible_fifo);
      s->bind(1, q->storage).bind(2, now);
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
      // The row as the receive left it.
      m.receive_count += 1;
      if (!m.first_received_at) m.first_received_at = now;
      m.receive_token = token;
      m.visible_at = now + std::int64_t{visibility} * 1000;
      result.messages.push_back(received_message(q->name, q->fifo, m, request));
      if (attempt) attempt->messages.push_back({m.message_id, token, m.visible_at});
    }
  });
  if (attempt && !attempt->messages.empty()) {
    if (q->attempts.size() >= kMaxAttemptsPerQueue) q->attempts.erase(q->attempts.begin());
    q->attempts[*request.receive_request_attempt_id] = std::move(*attempt);
  }
  for (const auto& target : dead_letter_targets) notify(target);
  return result;
}

std::optional<TimePoint> QueueEngine::next_visible_at(const std::string& queue_name) {
  Queue* q = find(queue_name);
  if (!q) return std::nullopt;
  Use s(*st_->next_visible);
  s->bind(1, q->storage).bind(2, now_ms());
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
    s->bind(1, q.storage).bind(2, handle->message_id);
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
    s->bind(1, q.storage).bind(2, handle->message_id);
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
