// Message move tasks: StartMessageMoveTask moves the messages of a dead-letter queue back to the
// queues they came from (each message's DeadLetterQueueSourceArn) or to one destination queue,
// ListMessageMoveTasks shows a source's tasks, newest first, CancelMessageMoveTask stops one.
//
// A task moves the messages that were in its source when it started (ApproximateNumberOfMessages-
// ToMove), as they become visible, oldest first, a bounded slice per run of the upkeep, at most
// MaxNumberOfMessagesPerSecond by the service's clock when one is given. A moved message is a
// new message of its destination (received 0 times, its retention restarting) with the same id,
// body and attributes. A task whose destination is gone fails ("FailureReason": the error's code).
// Tasks live in memory: a restart forgets them.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "services/queue/engine.hpp"
#include "services/queue/engine_internal.hpp"

namespace serverlite::queue {

namespace {

constexpr std::int64_t kMaxRate = 500;  // messages per second, SQS's ceiling for a task
constexpr std::size_t kKeptTasks = 1000;  // finished tasks kept for listing, in all

bool is_sqs_arn(std::string_view arn) {
  return arn.starts_with("arn:") && arn.find(":sqs:") != std::string_view::npos;
}

Error not_found(std::string_view parameter) {
  return error(ErrorCode::ResourceNotFound, "The resource that you specified for the " +
                                                std::string(parameter) +
                                                " parameter doesn't exist.");
}

}  // namespace

Result<std::string> QueueEngine::start_message_move_task(
    const StartMessageMoveTaskRequest& request) {
  if (request.source_arn.empty())
    return error(ErrorCode::MissingParameter, "The request must contain the parameter SourceArn.");
  if (!is_sqs_arn(request.source_arn)) return not_found("SourceArn");
  Queue* source = find(name_from_arn(request.source_arn));
  if (!source) return not_found("SourceArn");
  if (!request.destination_arn.empty() &&
      (!is_sqs_arn(request.destination_arn) || !find(name_from_arn(request.destination_arn))))
    return not_found("DestinationArn");
  if (request.max_per_second && (*request.max_per_second < 1 || *request.max_per_second > kMaxRate))
    return invalid_parameter("MaxNumberOfMessagesPerSecond", std::to_string(*request.max_per_second),
                             "Must be between 1 and 500.");
  // Only a dead-letter queue of another queue is a source.
  auto sources = list_dead_letter_source_queues({source->name, std::nullopt, ""});
  if (!sources || sources.value().queue_names.empty())
    return error(ErrorCode::InvalidParameterValue,
                 "Source queue must be configured as a Dead Letter Queue.");
  for (const auto& task : move_tasks_)
    if (task.source_name == source->name && task.listed.status == "RUNNING")
      return error(ErrorCode::InvalidParameterValue,
                   "There is already a task running. Only one active task is allowed for a "
                   "source queue arn at a given time.");

  MoveTask task;
  task.source_name = source->name;
  task.listed.source_arn = request.source_arn;
  task.listed.destination_arn = request.destination_arn;
  task.listed.max_per_second = request.max_per_second;
  task.listed.status = "RUNNING";
  task.listed.started_ms = task.allowance_ms = now_ms();
  auto count = db_.prepare("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM sqs_messages WHERE queue = ?");
  count->bind(1, source->storage);
  if (count->step()) {
    task.listed.to_move = count->column_int(0);
    task.last_seq = count->column_int(1);
  }
  task.listed.task_handle = http::base64_encode(
      nlohmann::json{{"taskId", new_message_id()}, {"sourceArn", request.source_arn}}.dump());
  move_tasks_.push_back(task);
  // Keep a bounded history: the oldest finished tasks go first.
  if (move_tasks_.size() > kKeptTasks) {
    auto finished = std::find_if(move_tasks_.begin(), move_tasks_.end(),
                                 [](const MoveTask& t) { return t.listed.status != "RUNNING"; });
    if (finished != move_tasks_.end()) move_tasks_.erase(finished);
  }
  return task.listed.task_handle;
}

Result<std::vector<MessageMoveTask>> QueueEngine::list_message_move_tasks(
    const ListMessageMoveTasksRequest& request) {
  if (request.source_arn.empty())
    return error(ErrorCode::MissingParameter, "The request must contain the parameter SourceArn.");
  std::int64_t max = request.max_results.value_or(1);
  if (max < 1 || max > 10)
    return invalid_parameter("MaxResults", std::to_string(max), "Must be between 1 and 10.");
  if (!is_sqs_arn(request.source_arn) || !find(name_from_arn(request.source_arn)))
    return not_found("SourceArn");
  std::vector<MessageMoveTask> out;
  for (auto it = move_tasks_.rbegin(); it != move_tasks_.rend() && std::ssize(out) < max; ++it)
    if (it->listed.source_arn == request.source_arn) out.push_back(it->listed);
  return out;
}

Result<std::int64_t> QueueEngine::cancel_message_move_task(const std::string& task_handle) {
  if (task_handle.empty())
    return error(ErrorCode::MissingParameter, "The request must contain the parameter TaskHandle.");
  for (auto& task : move_tasks_) {
    if (task.listed.task_handle != task_handle) continue;
    if (task.listed.status != "RUNNING")
      return error(ErrorCode::UnsupportedOperation,
                   "Only a task that is running can be cancelled; this one is " +
                       task.listed.status + ".");
    task.listed.status = "CANCELLED";
    return task.listed.moved;
  }
  return not_found("TaskHandle");
}

bool QueueEngine::moves_pending() const {
  return std::any_of(move_tasks_.begin(), move_tasks_.end(),
                     [](const MoveTask& t) { return t.listed.status == "RUNNING"; });
}

bool QueueEngine::move_slice(std::size_t rows) {
  std::int64_t now = now_ms();
  std::vector<std::string> destinations;
  db_.transaction([&] {
    for (auto& task : move_tasks_) {
      if (task.listed.status != "RUNNING" || rows == 0) continue;
      Queue* source = find(task.source_name);
      if (!source) {
        task.listed.status = "FAILED";
        task.listed.failure_reason = "AWS.SimpleQueueService.NonExistentQueue";
        continue;
      }
      std::int64_t budget = static_cast<std::int64_t>(rows);
      if (task.listed.max_per_second) {
        // At most a second's worth at once, however long the task waited.
        task.allowance_ms = std::max(task.allowance_ms, now - 1000);
        std::int64_t allowed = (now - task.allowance_ms) * *task.listed.max_per_second / 1000;
        if (allowed <= 0) continue;
        budget = std::min(budget, allowed);
      }
      auto select = db_.prepare(
          "SELECT seq, message_id, body, attributes, system_attributes, md5_body, sent_at,"
          " group_id, dedup_id, sender_id, dead_letter_source FROM sqs_messages"
          " WHERE queue = ?1 AND seq <= ?2 AND visible_at <= ?3 AND expires_at > ?3"
          " ORDER BY seq LIMIT ?4");
      select->bind(1, source->storage).bind(2, task.last_seq).bind(3, now).bind(4, budget);
      std::int64_t moved = 0;
      while (select->step()) {
        std::string target_arn = task.listed.destination_arn.empty()
                                     ? opt_text(*select, 10).value_or("")
                                     : task.listed.destination_arn;
        Queue* target = target_arn.empty() ? nullptr : find(name_from_arn(target_arn));
        if (!target) {
          task.listed.status = "FAILED";
          task.listed.failure_reason = "AWS.SimpleQueueService.NonExistentQueue";
          break;
        }
        std::optional<std::string> sequence;
        if (target->fifo) sequence = format_sequence(next_sequence(*target));
        Use insert(*st_->insert_message);
        insert->bind(1, target->storage)
            .bind(2, select->column_text(1))
            .bind(3, select->column_text(2))
            .bind(4, select->column_text(3))
            .bind(5, select->column_text(4))
            .bind(6, select->column_text(5))
            .bind(7, select->column_int(6))
            .bind(8, now)
            .bind(9, now + std::int64_t{target->retention_seconds} * 1000)
            .bind(10, std::int64_t{0})
            .bind(11, store::Value(nullptr))
            .bind(12, opt_value(opt_text(*select, 7)))
            .bind(13, opt_value(opt_text(*select, 8)))
            .bind(14, opt_value(sequence))
            .bind(15, select->column_text(9))
            .bind(16, store::Value(nullptr));
        insert->step();
        Use remove(*st_->delete_by_seq);
        remove->bind(1, select->column_int(0));
        remove->step();
        ++moved;
        destinations.push_back(target->name);
      }
      task.listed.moved += moved;
      rows -= static_cast<std::size_t>(std::min<std::int64_t>(moved, static_cast<std::int64_t>(rows)));
      if (task.listed.max_per_second && moved > 0)
        task.allowance_ms += moved * 1000 / *task.listed.max_per_second;
      if (task.listed.status != "RUNNING") continue;
      // Done when nothing of what was there at the start is left in the source.
      auto left = db_.prepare("SELECT 1 FROM sqs_messages WHERE queue = ? AND seq <= ? LIMIT 1");
      left->bind(1, source->storage).bind(2, task.last_seq);
      if (!left->step()) task.listed.status = "COMPLETED";
    }
  });
  std::sort(destinations.begin(), destinations.end());
  destinations.erase(std::unique(destinations.begin(), destinations.end()), destinations.end());
  for (const auto& name : destinations) notify(name);
  return moves_pending();
}

}  // namespace serverlite::queue
