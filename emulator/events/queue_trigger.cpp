#include "emulator/events/queue_trigger.hpp"

#include <unistd.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "emulator/events/filter_pattern.hpp"
#include "emulator/fast_json.hpp"
#include "services/queue/lambda_event.hpp"

namespace serverlite::events {

using Json = nlohmann::json;

struct QueueTrigger::Impl {
  explicit Impl(platform::Clock& clock) : clock(clock), timer(clock) {}
  platform::Clock& clock;
  platform::ClockTimer timer;
};

QueueTrigger::QueueTrigger(platform::Clock& clock, queue::QueueEngine& engine,
                           invoker::Invoker& invoker, QueueTriggerSpec spec)
    : impl_(std::make_unique<Impl>(clock)), engine_(engine), invoker_(invoker), spec_(std::move(spec)) {}

QueueTrigger::~QueueTrigger() = default;

void QueueTrigger::start() { poll(); }

void QueueTrigger::stop() {
  stopped_ = true;
  impl_->timer.cancel();
}

void QueueTrigger::wake() {
  if (!stopped_ && !in_flight_) impl_->timer.cancel();  // the timer's handler polls
}

void QueueTrigger::log(const std::string& line) const {
  std::string out = "[" + spec_.function_key + "] " + line + "\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
}

bool QueueTrigger::passes_filters(const queue::ReceivedMessage& m) const {
  if (spec_.event.filter_patterns.empty()) return true;
  // Lambda matches patterns against the record, with a JSON body as JSON.
  Json record = queue::sqs_record(m, spec_.queue_arn, spec_.region);
  // A body nested deeper than a request body may be is matched as text: copying or matching a
  // value 100,000 levels deep would overflow the stack.
  if (!json_nesting_exceeds(m.body))
    if (auto body = Json::parse(m.body, nullptr, false); !body.is_discarded())
      record["body"] = std::move(body);
  for (const auto& text : spec_.event.filter_patterns) {
    try {
      if (matches_filter(Json::parse(text), record)) return true;
    } catch (const std::exception& e) {
      log("filter pattern ignored: " + std::string(e.what()));
    }
  }
  return false;
}

void QueueTrigger::poll() {
  if (stopped_ || in_flight_) return;
  const int batch_size = spec_.event.batch_size;
  // Gather up to batchSize: receives of at most 10, within the batching window.
  while (static_cast<int>(batch_.size()) < batch_size) {
    queue::ReceiveMessageRequest req;
    req.queue_name = spec_.queue_name;
    req.max_number_of_messages = std::min(10, batch_size - static_cast<int>(batch_.size()));
    req.attribute_names = {"All"};
    req.message_attribute_names = {"All"};
    auto got = engine_.receive_message(req);
    if (!got) {
      if (!reported_missing_queue_)
        log("sqs trigger: " + got.error().message + " (" + spec_.queue_arn + "); retrying");
      reported_missing_queue_ = true;
      return wait_until(impl_->clock.now() + std::chrono::seconds(1));
    }
    reported_missing_queue_ = false;
    if (got->messages.empty()) break;
    if (batch_.empty())
      window_ends_ = impl_->clock.now() + std::chrono::seconds(spec_.event.maximum_batching_window_seconds);
    std::vector<queue::ReceivedMessage> filtered_out;
    for (auto& m : got->messages)
      (passes_filters(m) ? batch_ : filtered_out).push_back(std::move(m));
    delete_messages(filtered_out);
  }
  bool full = static_cast<int>(batch_.size()) >= batch_size;
  if (!batch_.empty() && (full || impl_->clock.now() >= window_ends_)) return invoke();
  if (!batch_.empty()) return wait_until(window_ends_);
  // Nothing to do: wait for the next delayed or in-flight message, or a wake from the engine.
  auto next = engine_.next_visible_at(spec_.queue_name);
  auto when = impl_->clock.now() + std::chrono::seconds(20);
  if (next) when = std::min(when, *next);
  wait_until(when);
}

void QueueTrigger::wait_until(platform::WallTime when) {
  impl_->timer.expires_at(when);
  impl_->timer.async_wait([self = shared_from_this()](bool) {
    if (!self->stopped_) self->poll();
  });
}

void QueueTrigger::invoke() {
  in_flight_ = true;
  auto batch = std::move(batch_);
  batch_.clear();
  invoker::InvokeRequest req;
  req.function = spec_.function_key;
  req.payload = queue::sqs_event(batch, spec_.queue_arn, spec_.region).dump();
  invoker_.invoke(std::move(req), [self = shared_from_this(), batch = std::move(batch)](
                                      invoker::InvokeResult result) mutable {
    self->in_flight_ = false;
    if (self->stopped_) return;
    self->on_result(std::move(batch), std::move(result));
  });
}

void QueueTrigger::on_result(std::vector<queue::ReceivedMessage> batch,
                             invoker::InvokeResult result) {
  using invoker::InvokeStatus;
  switch (result.status) {
    case InvokeStatus::Ok:
      break;
    case InvokeStatus::FunctionError:
      log("sqs batch of " + std::to_string(batch.size()) + " from " + spec_.queue_name +
          " failed (" + result.error_type + "); its messages return after the visibility timeout");
      return poll();
    case InvokeStatus::Throttled:
      // Lambda backs off and retries; the messages stay in flight until their timeout.
      return wait_until(impl_->clock.now() + std::chrono::seconds(1));
    case InvokeStatus::ShuttingDown:
      return;
  }
  std::vector<queue::ReceivedMessage> done;
  if (spec_.event.report_batch_item_failures) {
    // {"batchItemFailures": [{"itemIdentifier": messageId}]}: those stay. An answer Lambda cannot
    // read (not that shape, or an unknown id) fails the whole batch.
    std::set<std::string> failed;
    bool whole_batch_failed = false;
    auto answer = Json::parse(result.payload, nullptr, false);
    if (answer.is_object() && answer.contains("batchItemFailures")) {
      const Json& list = answer["batchItemFailures"];
      if (!list.is_array()) whole_batch_failed = true;
      for (const auto& f : list.is_array() ? list : Json::array()) {
        auto id = f.is_object() ? f.value("itemIdentifier", Json()) : Json();
        bool known = id.is_string() && std::any_of(batch.begin(), batch.end(), [&](auto& m) {
                       return m.message_id == id.get<std::string>();
                     });
        if (!known) whole_batch_failed = true;
        else failed.insert(id.get<std::string>());
      }
    }
    if (whole_batch_failed) {
      log("sqs batch response could not be read; the whole batch returns after the visibility "
          "timeout");
      return poll();
    }
    for (auto& m : batch)
      if (!failed.contains(m.message_id)) done.push_back(std::move(m));
  } else {
    done = std::move(batch);
  }
  delete_messages(done);
  poll();
}

void QueueTrigger::delete_messages(const std::vector<queue::ReceivedMessage>& messages) {
  for (std::size_t i = 0; i < messages.size(); i += 10) {
    queue::DeleteMessageBatchRequest req;
    req.queue_name = spec_.queue_name;
    for (std::size_t j = i; j < std::min(messages.size(), i + 10); ++j)
      req.entries.push_back({std::to_string(j), messages[j].receipt_handle});
    auto r = engine_.delete_message_batch(req);
    if (!r) log("sqs trigger: cannot delete processed messages: " + r.error().message);
  }
}

}  // namespace serverlite::events
