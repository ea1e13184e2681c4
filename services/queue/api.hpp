// The SQS protocol fronts on the AWS endpoint: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Action>`,
// current SDKs) and the query protocol (`Action=<Action>` forms, XML answers; older SDKs and
// CLIs). Both decode into the engine's typed requests through one Input interface, run the same
// operation from one dispatch table, and encode one JSON-shaped result, written as XML by rules
// for the query protocol. Long polling (WaitTimeSeconds) waits here, on timers (the deadline in real
// seconds, the next message's visibility on the service clock) and the engine's on-visible hook,
// never by busy polling.
//
// Threading: owned by the io thread, like the engine.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/http/message.hpp"
#include "emulator/platform/clock.hpp"
#include "services/queue/engine.hpp"

namespace serverlite::queue {

class QueueApi {
 public:
  // `endpoint_url` ("http://127.0.0.1:4566") is the base of the queue URLs answered.
  QueueApi(platform::Clock& clock, QueueEngine& engine, std::string endpoint_url);
  ~QueueApi();

  void handle_json(http::Request request, http::Responder respond);
  void handle_query(http::Request request, http::Responder respond);

  // Every action of the dispatch table, for the router's query-protocol table.
  static std::vector<std::string> action_names();

  std::string queue_url(const std::string& queue_name) const;

  // Answers every waiting long poll with an empty receive (serverlite is stopping).
  void shutdown();
  // A message of `queue_name` became receivable: waiting long polls try again. Whoever owns the
  // engine connects its on-visible hook here.
  void wake(const std::string& queue_name);

  struct Call;
  class Input;
  using Operation = void (QueueApi::*)(Call&);

 private:
  static const std::map<std::string, Operation, std::less<>>& routes();
  void dispatch(std::shared_ptr<Call> call, const std::string& action);
  void finish(Call& call, const nlohmann::json& result);
  void respond_error(Call& call, const aws::ApiError& error);
  std::string queue_name_of(Call& call) const;

  void create_queue(Call&);
  void get_queue_url(Call&);
  void list_queues(Call&);
  void delete_queue(Call&);
  void get_queue_attributes(Call&);
  void set_queue_attributes(Call&);
  void purge_queue(Call&);
  void tag_queue(Call&);
  void untag_queue(Call&);
  void list_queue_tags(Call&);
  void add_permission(Call&);
  void remove_permission(Call&);
  void start_message_move_task(Call&);
  void list_message_move_tasks(Call&);
  void cancel_message_move_task(Call&);
  void list_dead_letter_source_queues(Call&);
  void send_message(Call&);
  void send_message_batch(Call&);
  void receive_message(Call&);
  void delete_message(Call&);
  void delete_message_batch(Call&);
  void change_message_visibility(Call&);
  void change_message_visibility_batch(Call&);

  struct Waiter;
  void schedule(const std::shared_ptr<Waiter>& waiter);
  void retry(const std::shared_ptr<Waiter>& waiter);

  platform::Clock& clock_;
  QueueEngine& engine_;
  std::string endpoint_url_;
  std::map<std::string, std::vector<std::shared_ptr<Waiter>>> waiters_;  // by queue name
};

}  // namespace serverlite::queue
