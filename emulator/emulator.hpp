// One running serverlite: the AWS endpoint, the gateway listener, the function pools and the
// store, wired together. `serverlite up` is main() around this; tests may run it in-process.
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

namespace boost::asio {
class io_context;
}

namespace serverlite {

struct UpOptions {
  std::string host = "127.0.0.1";
  std::uint16_t aws_port = 4566;
  std::uint16_t gateway_port = 3000;
  std::optional<std::filesystem::path> state_dir;  // nullopt: in memory (--ephemeral)
  std::chrono::milliseconds gateway_timeout{29000};
  std::chrono::milliseconds shutdown_grace{3000};
  // Kinesis's per-shard throughput limits (ProvisionedThroughputExceededException); off unless
  // `up --stream-throughput-limits`.
  bool stream_throughput_limits = false;
  // How long a group of writes may wait for the io loop to run dry (Emulator::enable_idle_flush).
  std::chrono::microseconds group_commit_cap{500};
};

// Evaluates what the app could not know before serverlite ran: CloudFormation functions in
// function environments (a queue's URL names the AWS endpoint). Returns warnings for what no
// service emulates yet. Throws app::ConfigError.
std::vector<std::string> prepare_app(app::AppSpec& app, const std::string& aws_endpoint_url);

class Emulator {
 public:
  // `app` is completed by start() (prepare_app) and read-only afterwards.
  Emulator(boost::asio::io_context& io, app::AppSpec& app, UpOptions options);
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

  // Stops accepting, lets running invocations finish (up to the grace period), stops the
  // workers, closes connections; then calls `done`.
  void shutdown(std::function<void()> done);

 private:
  void start_queue_triggers();
  std::vector<std::string> start_stream_triggers();
  bool send_failure_record(const std::string& arn, const std::string& body, std::string& error);
  std::optional<std::string> table_stream_arn(const std::string& arn);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serverlite
