// One handler process and the Runtime API it polls. Internal to the invoker.
//
// Lifecycle: Starting (spawned, has not asked for work yet) → Idle ⇄ Busy → Dead. An invocation may
// be assigned while Starting; it is handed over on the first GET .../invocation/next. Owned by its
// FunctionPool; callbacks hold a shared_ptr so late I/O completions find it alive.
//
// A standby (start_standby) is a worker whose runtime client has started but waits, before it
// imports the handler, on GET .../runtime/serverlite/standby until release(): the pool keeps one
// per function while the app is watched, and a code change releases it instead of spawning a new
// process (standby.cpp).
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
#include "emulator/build/ts_builder.hpp"
#include "emulator/http/message.hpp"
#include "emulator/invoker/invoker.hpp"

namespace boost::asio {
class io_context;
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
  // As start(), for a standby: no invocation, no init timeout, nothing imported until release().
  // A TypeScript handler is built at release(), not now.
  std::optional<std::string> start_standby();
  // The standby goes on as a starting worker: its handler is built (TypeScript), then imported.
  // Init Duration counts from here.
  void release();
  bool standby() const { return standby_ && !released_; }
  // A standby that has not begun to wait for its release yet (for at most the init timeout).
  bool booting() const;

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
  std::optional<std::string> open_runtime_api();  // the listener; on failure, as start()
  // Spawns the runtime process (after a build, if any), with `extra_env` over the pool's.
  std::optional<std::string> launch(const std::vector<std::string>& extra_env);
  void after_build(const build::BuildResult& result, const std::filesystem::path& entry,
                   const std::vector<std::string>& env);
  // TypeScript: the build job of the handler, and the environment its built code runs with;
  // nullptr for a handler that is not TypeScript, or (`failure` set) whose build is disabled.
  struct TsLaunch {
    build::BuildJob job;
    std::filesystem::path entry;
    std::vector<std::string> env;  // over the pool's, for the built code
  };
  std::unique_ptr<TsLaunch> typescript_launch(std::optional<std::string>& failure);
  void log_build(const build::BuildResult& result, const std::filesystem::path& entry);
  void after_release_build(const build::BuildResult& result, const std::filesystem::path& entry);
  void wake();  // lets a released standby's runtime client go on
  void arm_init_timeout();
  void on_standby_request(http::Responder respond);
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
  bool standby_ = false;   // started as a standby
  bool released_ = false;  // ... and released
  bool awake_ = false;     // ... and its runtime client may go on (after the build, if any)
  std::optional<http::Responder> parked_standby_;
  std::unique_ptr<TsLaunch> standby_build_;  // a TypeScript standby's build, run at release()
  std::chrono::steady_clock::time_point spawned_at_, started_at_;
  std::optional<double> init_duration_ms_;
  std::string invocation_log_;  // its last few KB, for X-Amz-Log-Result
  std::uint64_t max_rss_bytes_ = 0;
};

}  // namespace serverlite::invoker
