// One running serverlite: the AWS endpoint, the gateway listener, the function pools, the store,
// the clock and the delivery by ARN, and the list of services (emulator/platform/service.hpp)
// that plug into them. `serverlite up` is main() around this; tests may run it in-process.
//
// Threading: everything lives on the one io_context thread that runs it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/http/message.hpp"
#include "emulator/invoker/invoker.hpp"
#include "emulator/platform/options.hpp"
#include "emulator/platform/service.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite {

// Evaluates what the app could not know before serverlite ran: CloudFormation functions in
// function environments (a queue's URL names the AWS endpoint). Returns warnings for what no
// service emulates yet. Throws app::ConfigError.
std::vector<std::string> prepare_app(app::AppSpec& app, const std::string& aws_endpoint_url);

class Emulator {
 public:
  // `app` is completed by start() (prepare_app) and read-only afterwards. `services` are the
  // services it serves, in the order they open.
  Emulator(boost::asio::io_context& io, app::AppSpec& app, UpOptions options,
           platform::ServiceList services = builtin_services());
  ~Emulator();

  // Opens the store and both listeners, then prepares the app. Throws std::exception with a
  // readable message (app::ConfigError for the app's own problems). Returns warnings.
  std::vector<std::string> start();
  std::string aws_url() const;
  std::string gateway_url() const;

  // Group commit (state on disk): a group of writes is committed once the work queued when it
  // opened has run. A loop that knows when it has nothing to do may call enable_idle_flush()
  // once, then flush_writes() each time it finds nothing to run: while requests come from
  // several clients at once (the last commit answered more than one), a group then stays open
  // until the loop runs dry, so that the writes of the requests arriving meanwhile share its
  // commit; one open for UpOptions::group_commit_cap is committed anyway. flush_writes() returns
  // whether it committed a group.
  void enable_idle_flush();
  bool flush_writes();

  // Serves one request as if it had arrived on the AWS endpoint / the gateway listener, without
  // a socket (replay). Call on the io thread; `respond` is called there.
  void handle_aws(http::Request request, http::Responder respond);
  void handle_gateway(http::Request request, http::Responder respond);

  // What `up --record` and `replay` see. The observers run on the io thread: each gateway
  // request with its response, and each invocation when it ends with where it came from.
  enum class InvocationSource { Gateway, LambdaApi, Trigger };
  using GatewayObserver = std::function<void(const http::Request&, const http::Response&)>;
  using InvocationObserver = std::function<void(
      InvocationSource, const invoker::InvokeRequest&, const invoker::InvokeResult&)>;
  void set_gateway_observer(GatewayObserver observer);
  // A value of serverless.yml with CloudFormation functions (an event's `arn`) evaluated as the
  // running app sees it. On the io thread; throws app::ConfigError.
  std::string evaluate_arn(const std::string& json_text, const std::string& key_path);
  void set_invocation_observer(InvocationObserver observer);

  // The clock every service reads (virtual with UpOptions::virtual_clock), and delivery by ARN
  // to the services that claimed them (valid after start()).
  platform::Clock& clock();
  platform::Delivery& delivery();
  // The event sources the services started (queues, streams, table streams), in start order.
  const std::vector<platform::TriggerInfo>& triggers() const;
  // The virtual clock: moves it to `to`, running what falls due in time order and waiting, after
  // each step, for the invocations it started to end; then calls `done` with nothing, or with why
  // it could not (a real clock, a time before now, another advance under way). On the io thread.
  void advance_clock(std::chrono::system_clock::time_point to,
                     std::function<void(std::string error)> done);
  // Every service's state emptied and serverless.yml's resources created again; warm workers
  // stay. Returns warnings. On the io thread.
  std::vector<std::string> reset();

  // The code of these functions changed: their warm workers are replaced (invoker::Pools::
  // replace_workers). Returns how many were. On the io thread.
  int replace_workers(const std::vector<std::string>& function_keys);
  // While the app is watched: each function that has run keeps a standby process, which the
  // next change of its code releases (invoker/standby.hpp). On the io thread.
  void keep_standbys(bool on);

  // Stops accepting, lets running invocations finish (up to the grace period), stops the
  // workers, closes connections; then calls `done`.
  void shutdown(std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serverlite
