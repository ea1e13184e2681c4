// Internal to the invoker: the state every pool shares, and one function's pool of workers.
#pragma once

#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/build/ts_builder.hpp"
#include "emulator/invoker/pools.hpp"
#include "emulator/invoker/runtime_files.hpp"
#include "emulator/invoker/worker.hpp"

namespace serverlite::invoker {

struct PoolContext {
  PoolContext(boost::asio::io_context& io, const app::AppSpec& app, InvokerOptions options)
      : io(io), app(app), options(std::move(options)) {}

  boost::asio::io_context& io;
  const app::AppSpec& app;
  InvokerOptions options;
  RuntimeFiles runtime_files;
  build::TsBuilder ts_builder{io};  // TypeScript handlers (emulator/build)
  std::set<std::string, std::less<>> logged_once;
  std::map<std::string, std::filesystem::path, std::less<>> executables;  // name → path, cached
  // Interpreters on PATH that are version managers' shims, being resolved (probe_interpreter).
  std::map<std::string, std::unique_ptr<InterpreterProbe>, std::less<>> probes;
  bool shutting_down = false;
  bool keep_standbys = false;  // the app is watched: see standby.hpp
  std::function<bool()> starting_anywhere;  // a runtime process of the app is starting
  // When a worker last began or ended its start (standby.hpp).
  std::chrono::steady_clock::time_point last_start_activity{};
  int live_workers = 0;                    // spawned and not yet reaped
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::function<void()> on_all_exited;     // set by Pools::shutdown

  // One line of the emulator's log, "[function] line", written with a single write(2).
  void log(std::string_view function_key, std::string_view line) const;
  // log(), the first time this line comes for this function.
  void log_once(std::string_view function_key, const std::string& line) {
    if (logged_once.insert(std::string(function_key) + "\n" + line).second) log(function_key, line);
  }
  // An executable on PATH, or empty; for an interpreter behind a version manager's shim, the
  // interpreter (see probe_interpreter).
  std::filesystem::path find_executable(const std::string& name);
  // Starts finding the interpreter behind `name` on PATH when that is a shim, so that workers
  // start it directly; find_executable() takes the answer.
  void probe_interpreter(const std::string& name);
  void worker_reaped();
};

// One function's workers and its line of waiting invocations.
class FunctionPool {
 public:
  FunctionPool(PoolContext& context, const app::FunctionSpec& fn);

  // Why an invocation would be throttled now, or nullopt when it is taken. Synchronous ones are
  // throttled beyond reservedConcurrency (running and waiting), asynchronous ones only with a
  // reservedConcurrency of 0 (Lambda keeps their events until concurrency frees up); either
  // when it would have to wait and the line holds max_waiting.
  std::optional<const char*> throttle_reason(bool sync) const;
  // Runs the invocation, or has it wait in line for a free worker. Call throttle_reason first.
  void submit(Invocation invocation);
  void on_idle(Worker& worker);
  // An invocation ran for `duration_ms` (once per invocation, for the pool's growth).
  void on_finished(double duration_ms);
  void on_dead(Worker& worker);
  void fail_waiting(InvokeStatus status);
  void kill_all();
  // The function's code changed: idle workers stop now, busy ones once their invocation ends
  // (it finishes on the old code); invocations from now on go to new workers. With `prewarm`
  // and a worker that was warm, one new worker starts at once, ahead of the next invocation.
  // Returns how many workers were replaced.
  int replace_workers(bool prewarm);
  // Stops the standby (standby.hpp), if any. A standby that exited tells its pool through
  // on_dead().
  void drop_standby();
  // A worker of it is starting, or its standby has not begun to wait yet.
  bool starting() const;
  Pools::FunctionStats stats() const;

  // The handler's environment, without AWS_LAMBDA_RUNTIME_API.
  const std::vector<std::string>& environment() const { return environment_; }
  // Warns once when the runtime client reports an interpreter other than the declared one.
  void check_interpreter_version(std::string_view user_agent);

 private:
  // A started worker; nullptr when it could not start, and then `fails` got the error.
  std::shared_ptr<Worker> spawn(Invocation& fails);
  void spawn_for(Invocation invocation);
  void wait_in_line(Invocation invocation);  // stamped with when it began to wait
  // The oldest waiting invocation, taken from the line; those whose start_by has passed are
  // answered (Throttled, kThrottleNotStarted) and skipped. nullopt when none is left.
  std::optional<Invocation> take_next();
  void begin_episode_if_at_limit();
  void end_episode_if_drained();
  int live_workers() const;
  int running() const;  // invocations held by a worker (started or about to be)
  bool may_grow(int live) const;
  bool retired(const Worker& worker) const;
  // Can take an invocation now: idle, holding none, and not replaced.
  bool takes_work(const Worker& worker) const;
  // Growth: while the oldest waiting invocation has waited scale_up_after, one more worker.
  void schedule_growth();
  std::chrono::steady_clock::time_point growth_due() const;  // with someone waiting
  void grow();
  // Starts a standby when standby.hpp's conditions hold; asked after a worker went idle.
  void schedule_standby(std::chrono::milliseconds after);
  void maybe_start_standby();
  // The standby becomes a (starting) worker, returned; nullptr when there is none alive.
  std::shared_ptr<Worker> release_standby();
  // `worker` is the standby, which exited: forgotten.
  bool standby_ended(Worker& worker);

  PoolContext& context_;
  const app::FunctionSpec& fn_;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::vector<const Worker*> retired_;  // replaced: they finish what they hold, then stop
  std::deque<Invocation> waiting_;
  int waiting_sync_ = 0;  // the synchronous ones among waiting_
  int limit_;             // the local limit, lowered to reservedConcurrency
  // An episode: from an invocation waiting with every worker the limit allows busy, until the
  // line is empty again. Logged once when it begins and once when it ends.
  struct Episode {
    bool active = false;
    std::size_t waited = 0;     // invocations that joined the line during it
    double longest_ms = 0;      // the longest wait of those taken from the line
    bool full_logged = false;   // the line reached max_waiting
  } episode_;
  boost::asio::steady_timer grow_timer_;
  bool growth_scheduled_ = false;
  std::chrono::steady_clock::time_point last_growth_{};  // one worker per scale_up_after
  double recent_duration_ms_ = 0;  // moving average of the handler's duration
  std::vector<std::string> environment_;
  bool version_checked_ = false;
  std::shared_ptr<Worker> standby_;  // not in workers_: no worker for concurrency
  int standby_failures_ = 0;         // standbys in a row that exited before their release
  bool standby_due_ = false;         // the next worker started is the standby (replace_workers)
  boost::asio::steady_timer standby_timer_;
  bool standby_scheduled_ = false;
};

}  // namespace serverlite::invoker
