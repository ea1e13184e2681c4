// The queue operations of the queue engine: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue,
// PurgeQueue, the queue attributes and tags (see engine.hpp).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "emulator/http/base64.hpp"
#include "services/queue/engine.hpp"
#include "services/queue/engine_internal.hpp"
#include "emulator/ascii.hpp"

namespace serverlite::queue {

namespace {

constexpr std::int64_t kPurgeGuardMs = 60 * 1000;
constexpr std::int64_t kDeleteGuardMs = 60 * 1000;  // before a deleted queue's name is reusable

// Integer queue attributes: name, range and default, from the SetQueueAttributes reference.
struct IntAttribute {
  std::string_view name;
  std::int64_t min;
  std::int64_t max;
  std::optional<std::int64_t> default_value;
};
constexpr IntAttribute kIntAttributes[] = {
    {"DelaySeconds", 0, 900, 0},
    {"MaximumMessageSize", 1024, kMaxMessageBytes, kMaxMessageBytes},
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

std::optional<bool> parse_bool(std::string_view text) {
  std::string lower = ascii_lower(text);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

Error invalid_attribute_value(std::string_view name) {
  return error(ErrorCode::InvalidAttributeValue,
               "Invalid value for the parameter " + std::string(name) + ".");
}
Error unknown_attribute(std::string_view name) {
  return error(ErrorCode::InvalidAttributeName, "Unknown Attribute " + std::string(name) + ".");
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

std::string encode_token(std::string_view last) { return http::base64_encode(last); }

}  // namespace

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
  q.maximum_message_size = integer("MaximumMessageSize", kMaxMessageBytes);
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

  // Its name is the one of a queue deleted less than 60 s ago, or of a deleted queue whose
  // messages are still being deleted.
  std::int64_t now = now_ms();
  std::erase_if(deleted_at_, [&](const auto& d) { return now - d.second >= kDeleteGuardMs; });
  bool cleaning = [&] {
    auto it = cleanup_.find(name);
    return it != cleanup_.end() && it->second;
  }();
  if (!find(name) && (cleaning || deleted_at_.contains(name)))
    return error(ErrorCode::QueueDeletedRecently,
                 "You must wait 60 seconds after deleting a queue before you can create another "
                 "with the same name.");
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
  q->storage = name;
  q->fifo = fifo;
  q->created_ms = q->modified_ms = now;
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
    {
      auto counts = db_.prepare("INSERT OR REPLACE INTO sqs_counts(storage, messages) VALUES(?, 0)");
      counts->bind(1, q->storage);
      counts->step();
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
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  db_.transaction([&] {
    // A purge's storage goes with its row; the queue's own row goes now unless messages under
    // its name are still being deleted, in which case it goes with them (cleanup_slice) and
    // what else it owns goes now.
    if (q->storage != q->name) retire_storage(q->storage, true);
    bool busy = cleanup_.contains(q->name) ||
                (q->storage == q->name && retire_storage(q->name, true));
    if (!busy) {
      // Attributes, tags and dedup entries go by ON DELETE CASCADE.
      Use s(*st_->delete_queue);
      s->bind(1, q->name);
      s->step();
      return;
    }
    for (const char* sql : {"DELETE FROM sqs_queue_attributes WHERE queue = ?",
                            "DELETE FROM sqs_queue_tags WHERE queue = ?",
                            "DELETE FROM sqs_dedup WHERE queue = ?",
                            "DELETE FROM sqs_storage WHERE queue = ?",
                            "UPDATE sqs_cleanup SET drop_row = 1 WHERE storage = ?"}) {
      auto st = db_.prepare(sql);
      st->bind(1, q->name);
      st->step();
    }
  });
  if (auto it = cleanup_.find(q->name); it != cleanup_.end()) it->second = true;
  deleted_at_[q->name] = now_ms();
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
    std::int64_t counts[3] = {0, 0, 0};
    {
      Use s(*st_->total);
      s->bind(1, q->storage);
      if (s->step()) counts[0] = s->column_int(0);
    }
    {
      Use s(*st_->expired);
      s->bind(1, now).bind(2, q->storage);
      if (s->step()) counts[0] -= s->column_int(0);
    }
    {
      Use s(*st_->counts);
      s->bind(1, now).bind(2, q->storage);
      if (s->step()) {
        counts[1] = s->column_int(0);
        counts[2] = s->column_int(1);
      }
    }
    counts[0] = std::max<std::int64_t>(0, counts[0] - counts[1] - counts[2]);
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
    // An empty RedrivePolicy or Policy removes it, as SQS does.
    if (value.empty() && (key == "RedrivePolicy" || key == "Policy")) {
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
  // A large queue gets a new, empty storage at once and its messages are deleted a slice at a
  // time afterwards (upkeep.cpp).
  db_.transaction([&] {
    if (stored_messages(q->storage) <= kInlineDeleteRows) {
      Use s(*st_->purge);
      s->bind(1, q->storage);
      s->step();
      return;
    }
    std::string old = q->storage;
    new_storage(*q);
    retire_storage(old, old != q->name);
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

}  // namespace serverlite::queue
