// A queue as a function's trigger: Lambda's SQS event source mapping. It receives batches from
// the queue engine (in process, never over HTTP), invokes the function synchronously with the SQS
// event, deletes what succeeded, and leaves what failed to reappear after the visibility timeout
// (so the queue's redrive policy applies). With ReportBatchItemFailures only the reported
// messages stay. Messages no filter pattern matches are deleted unseen, as Lambda does.
//
// One batch per mapping is in flight at a time; the next poll starts when it is done.
// Threading: owned by the io thread.
#pragma once

#include <memory>
#include <string>

#include "emulator/app/app_spec.hpp"
#include "emulator/invoker/invoker.hpp"
#include "emulator/platform/clock.hpp"
#include "services/queue/engine.hpp"

namespace serverlite::events {

struct QueueTriggerSpec {
  std::string function_key;
  std::string queue_name;
  std::string queue_arn;
  std::string region;
  app::QueueEventSpec event;
};

class QueueTrigger : public std::enable_shared_from_this<QueueTrigger> {
 public:
  QueueTrigger(platform::Clock& clock, queue::QueueEngine& engine, invoker::Invoker& invoker,
               QueueTriggerSpec spec);
  ~QueueTrigger();

  void start();
  // After stop() the trigger touches neither the engine nor the invoker again; a batch in flight
  // is left to reappear after its visibility timeout.
  void stop();
  // The engine says a message of this queue became receivable.
  void wake();
  const std::string& queue_name() const { return spec_.queue_name; }

 private:
  void poll();
  void wait_until(platform::WallTime when);
  void invoke();
  void on_result(std::vector<queue::ReceivedMessage> batch, invoker::InvokeResult result);
  void delete_messages(const std::vector<queue::ReceivedMessage>& messages);
  bool passes_filters(const queue::ReceivedMessage& message) const;
  void log(const std::string& line) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
  queue::QueueEngine& engine_;
  invoker::Invoker& invoker_;
  QueueTriggerSpec spec_;
  std::vector<queue::ReceivedMessage> batch_;
  platform::WallTime window_ends_;
  bool in_flight_ = false;
  bool stopped_ = false;
  bool reported_missing_queue_ = false;
};

}  // namespace serverlite::events
