// One handler process and the Runtime API it polls. Internal to the invoker.
//
// Lifecycle: Starting (spawned, has not asked for work yet) → Idle ⇄ Busy → Dead. An invocation may
// be assigned while Starting; it is handed over on the first GET .../invocation/next. Owned by its
// FunctionPool; callbacks hold a shared_ptr so late I/O completions find it alive.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <filesystem>

#include "emulator/app/app_spec.hpp"
#include "emulator/http/message.hpp"
#include "emulator/invoker/invoker.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::build {
struct BuildResult;
}

namespace serverlite::invoker {

class FunctionPool;
struct PoolContext;

struct Invocation {
  std::string id;
  InvokeRequest request;
  InvokeCallback done;
  std::chrono::steady_clock::time_point queued_at{};  // when it began to wait for a worker
};

class Worker : public std::enable_shared_from_this<Worker> {
 public:
  enum class State { Starting, Idle, Busy, Dead };

  Worker(PoolContext& context, FunctionPool& pool, const app::FunctionSpec& fn);
  ~Worker();

  // Opens the Runtime API listener and spawns the process. On failure the worker is Dead and
  // the reason is returned as a Lambda error document (the caller fails the invocation).
  std::optional<std::string> start();

  State state() const { return state_; }
  bool has_invocation() const { return current_.has_value(); }
  // How long the invocation it holds has been running (0 when it holds none).
  double running_ms() const;
  // Starting without an invocation, or Idle.
  void assign(Invocation invocation);
  // SIGKILL to the whole process group.
  void kill();

 private:
  struct Impl;
  // Spawns the runtime process (after a build, if any), with `extra_env` over the pool's.
  std::optional<std::string> launch(const std::vector<std::string>& extra_env);
  void after_build(const build::BuildResult& result, const std::filesystem::path& entry,
                   const std::vector<std::string>& env);
  void on_runtime_request(http::Request request, http::Responder respond);
  void deliver(http::Responder respond);
  void complete(InvokeStatus status, std::string payload, std::string error_type,
                std::string report_status = {});
  void fail_and_kill(std::string error_type, std::string message, std::string report_status);
  void on_exit(int wait_status);
  // The Runtime API answers only this worker's process and its descendants: nullopt for a
  // connection from one of them, else the 403 its requests get.
  std::optional<http::Response> screen_peer(std::uint16_t peer_port, std::uint16_t local_port);
  void read_pipe(int which);
  // Reads what is in the pipe now, up to `max_reads` reads of 8 KB; false at its end (EOF).
  bool read_output(int which, int max_reads);
  void take_output(int which, const char* data, std::size_t n);
  void drain_pipes();
  void on_output_line(std::string_view line);
  void keep_in_tail(std::string_view line);
  void sample_memory();
  void schedule_memory_sample();
  void log_system(const std::string& line);

  PoolContext& context_;
  FunctionPool& pool_;
  const app::FunctionSpec& fn_;
  std::unique_ptr<Impl> impl_;
  State state_ = State::Starting;
  std::optional<Invocation> current_;
  bool delivered_ = false;
  bool building_ = false;  // its TypeScript handler is being built; no process yet
  bool cold_ = true;
  bool oom_ = false;
  std::optional<std::string> pending_failure_type_;  // set by timeout / OOM before the exit
  std::optional<http::Responder> parked_next_;
  std::chrono::steady_clock::time_point spawned_at_, started_at_;
  std::optional<double> init_duration_ms_;
  std::string invocation_log_;  // its last few KB, for X-Amz-Log-Result
  std::uint64_t max_rss_bytes_ = 0;
};

}  // namespace serverlite::invoker
