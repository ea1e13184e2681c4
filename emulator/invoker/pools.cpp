#include "emulator/invoker/pools.hpp"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/build/build_output.hpp"
#include "emulator/invoker/function_pool.hpp"
#include "emulator/invoker/lambda_log.hpp"
#include "emulator/invoker/runtime_files.hpp"
#include "emulator/invoker/standby.hpp"

namespace serverlite::invoker {

namespace asio = boost::asio;

// ---- PoolContext ------------------------------------------------------------------------------

void PoolContext::log(std::string_view function_key, std::string_view line) const {
  std::string out;
  out.reserve(function_key.size() + line.size() + 4);
  out += '[';
  out += function_key;
  out += "] ";
  out += line;
  out += '\n';
  // One write per line keeps lines whole when several workers log at once.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
}

namespace {

std::filesystem::path on_path(const std::string& name) {
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest = path;
    while (!rest.empty()) {
      auto colon = rest.find(':');
      std::filesystem::path candidate = std::filesystem::path(rest.substr(0, colon)) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    }
  }
  return {};
}

void say(const std::string& line) {
  std::string out = "serverlite: " + line + "\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
}

}  // namespace

void PoolContext::probe_interpreter(const std::string& name) {
  if (executables.contains(name) || probes.contains(name)) return;
  auto found = on_path(name);
  if (found.empty() || !is_version_manager_shim(found)) {
    executables.emplace(name, found);
    return;
  }
  probes.emplace(name, std::make_unique<InterpreterProbe>(found, name, app.service_dir));
}

std::filesystem::path PoolContext::find_executable(const std::string& name) {
  if (auto it = executables.find(name); it != executables.end()) return it->second;
  probe_interpreter(name);
  if (auto it = executables.find(name); it != executables.end()) return it->second;
  auto shim = on_path(name);
  auto probe = probes.find(name);
  auto real = probe->second->result();
  probes.erase(probe);
  if (real.empty()) {
    say(name + " on PATH is a version manager's shim (" + shim.string() +
        ") whose interpreter could not be found out: workers start through it (slower)");
    real = shim;
  } else {
    say(name + " on PATH is a version manager's shim (" + shim.string() + "): workers start " +
        real.string() + " directly");
  }
  executables.emplace(name, real);
  return real;
}

void PoolContext::worker_reaped() {
  --live_workers;
  if (live_workers == 0 && on_all_exited) {
    auto done = std::move(on_all_exited);
    on_all_exited = nullptr;
    done();
  }
}

// ---- FunctionPool -----------------------------------------------------------------------------

namespace {

std::string log_stream_name() {
  static std::mt19937_64 rng{std::random_device{}()};
  char date[16];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y/%m/%d", std::gmtime(&now));
  char hex[40];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return std::string(date) + "/[$LATEST]" + hex;
}

std::string execution_env(const app::FunctionSpec& fn) {
  if (fn.family == app::RuntimeFamily::Provided) return "";
  return "AWS_Lambda_" + fn.runtime;
}

// Where the SDK each runtime includes is installed once (see runtimes/node/sdk.cjs): in
// serverlite's cache directory, beside esbuild and the TypeScript builds.
std::string sdk_cache_dir() { return (build::cache_dir() / "sdk").string(); }

// The environment Lambda's runtime gives a handler beyond its variables: the AWS SDK it
// includes, resolvable (a Node preload, the SDK's lockfiles); SDKs that ignore AWS_ENDPOINT_URL
// pointed at serverlite too (the preload, a Python sitecustomize); serverless-offline's
// IS_OFFLINE. The function's own environment wins, and its NODE_OPTIONS and PYTHONPATH are kept
// after ours.
void add_sdk_environment(PoolContext& context, const app::FunctionSpec& fn,
                         std::map<std::string, std::string>& env) {
  env["IS_OFFLINE"] = "true";
  if (!context.options.aws_endpoint_url.empty() && !fn.environment.contains("AWS_ENDPOINT_URL")) {
    // The services serverlite emulates, by the names the SDKs read.
    for (const char* service : {"DYNAMODB", "DYNAMODB_STREAMS", "SQS", "KINESIS", "LAMBDA"})
      env[std::string("AWS_ENDPOINT_URL_") + service] = context.options.aws_endpoint_url;
  }
  env["SERVERLITE_SDK_CACHE"] = sdk_cache_dir();
  for (const auto& [k, v] : fn.environment) env[k] = v;
  auto prepend = [&](const std::string& name, const std::string& ours, const char* sep) {
    auto it = fn.environment.find(name);
    env[name] = it == fn.environment.end() || it->second.empty() ? ours : ours + sep + it->second;
  };
  try {
    auto& files = context.runtime_files;
    if (fn.family == app::RuntimeFamily::Node) {
      for (const char* f : {"node/sdk.cjs", "node/sdk-hooks.mjs", "sdk/node-v3/package.json",
                            "sdk/node-v3/package-lock.json", "sdk/node-v2/package.json",
                            "sdk/node-v2/package-lock.json"})
        files.path_of(f);
      prepend("NODE_OPTIONS", "--require \"" + files.path_of("node/preload.cjs").string() + "\"",
              " ");
    } else if (fn.family == app::RuntimeFamily::Python) {
      prepend("PYTHONPATH", files.path_of("python/site/sitecustomize.py").parent_path().string(),
              ":");
    }
  } catch (const std::exception& e) {
    context.log(fn.key, std::string("warning: the runtime's SDK set-up is missing: ") + e.what());
  }
}

}  // namespace

FunctionPool::FunctionPool(PoolContext& context, const app::FunctionSpec& fn)
    : context_(context),
      fn_(fn),
      limit_(std::max(0, fn.reserved_concurrency
                             ? std::min(*fn.reserved_concurrency, context.options.max_concurrency)
                             : context.options.max_concurrency)),
      grow_timer_(context.io),
      standby_timer_(context.io) {
  const auto& app = context.app;
  std::map<std::string, std::string> env = {
      {"AWS_LAMBDA_FUNCTION_NAME", fn.name},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(fn.memory_mb)},
      {"AWS_LAMBDA_FUNCTION_TIMEOUT", std::to_string(fn.timeout_seconds)},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + fn.name},
      {"AWS_LAMBDA_LOG_STREAM_NAME", log_stream_name()},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_REGION", app.region},
      {"AWS_DEFAULT_REGION", app.region},
      {"_HANDLER", fn.handler},
      {"LAMBDA_TASK_ROOT", app.service_dir.string()},
      {"LAMBDA_RUNTIME_DIR", app.service_dir.string()},
      // Dummy credentials: SDKs inside handlers sign requests, and serverlite accepts any
      // signature unless up --verify-signatures (then handlers get its first credentials, below).
      {"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"},
      {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
      {"AWS_SESSION_TOKEN", "serverlite-session-token"},
      {"TZ", ":UTC"},
      {"LANG", "en_US.UTF-8"},
      {"PYTHONUNBUFFERED", "1"},
      {"PYTHONDONTWRITEBYTECODE", "1"},
  };
  if (!context.options.aws_endpoint_url.empty())
    env["AWS_ENDPOINT_URL"] = context.options.aws_endpoint_url;
  if (!context.options.access_key_id.empty()) {
    env["AWS_ACCESS_KEY_ID"] = context.options.access_key_id;
    env["AWS_SECRET_ACCESS_KEY"] = context.options.secret_access_key;
  }
  if (auto exec_env = execution_env(fn); !exec_env.empty()) env["AWS_EXECUTION_ENV"] = exec_env;
  // Handlers need the machine's PATH to find interpreters and tools; nothing else of
  // serverlite's own environment leaks in, as on Lambda.
  for (const char* name : {"PATH", "HOME", "TMPDIR"})
    if (const char* v = std::getenv(name)) env[name] = v;
  add_sdk_environment(context, fn, env);
  for (const auto& [k, v] : env) environment_.push_back(k + "=" + v);
}

std::optional<const char*> FunctionPool::throttle_reason(bool sync) const {
  if (context_.shutting_down) return std::nullopt;  // submit answers ShuttingDown
  if (const auto& reserved = fn_.reserved_concurrency) {
    if (*reserved == 0 || (sync && running() + waiting_sync_ >= *reserved)) return kThrottleReserved;
  }
  if (waiting_.size() < context_.options.max_waiting) return std::nullopt;
  // The line is full: only an invocation that would not join it is taken.
  for (auto& w : workers_)
    if (takes_work(*w)) return std::nullopt;
  if (live_workers() < limit_) return std::nullopt;
  return kThrottleQueueFull;
}

void FunctionPool::submit(Invocation invocation) {
  if (context_.shutting_down) {
    InvokeResult r;
    r.status = InvokeStatus::ShuttingDown;
    r.request_id = invocation.id;
    return invocation.done(std::move(r));
  }
  for (auto& w : workers_) {
    if (takes_work(*w)) return w->assign(std::move(invocation));
  }
  int live = live_workers();
  if (live < limit_) {
    // The first worker starts at once; later ones when a warm one does not free up soon (see
    // grow()), or at once when the line is full: never throttled below the limit.
    if (live == 0 || waiting_.size() >= context_.options.max_waiting ||
        context_.options.scale_up_after.count() <= 0)
      return spawn_for(std::move(invocation));
    wait_in_line(std::move(invocation));
    if (may_grow(live)) schedule_growth();
    return;
  }
  wait_in_line(std::move(invocation));
}

void FunctionPool::wait_in_line(Invocation invocation) {
  invocation.queued_at = std::chrono::steady_clock::now();
  if (invocation.request.type == InvocationType::RequestResponse) ++waiting_sync_;
  waiting_.push_back(std::move(invocation));
  if (episode_.active) ++episode_.waited;
  begin_episode_if_at_limit();
  if (waiting_.size() >= context_.options.max_waiting && episode_.active &&
      !episode_.full_logged) {
    episode_.full_logged = true;
    context_.log(fn_.key, std::to_string(waiting_.size()) +
                              " invocations waiting for a free worker, the most allowed: more "
                              "are throttled (429) until the line shortens");
  }
}

// Invocations wait while the pool has as many workers as the limit allows: an episode begins
// (those that waited for the pool to grow to it count as its first).
void FunctionPool::begin_episode_if_at_limit() {
  if (episode_.active || waiting_.empty() || live_workers() < limit_) return;
  episode_ = Episode{.active = true, .waited = waiting_.size()};
  context_.log(fn_.key, "local limit of " + std::to_string(limit_) +
                            (limit_ == 1 ? " worker" : " workers") +
                            " reached: invocations wait for a free worker, in order");
}

std::optional<Invocation> FunctionPool::take_next() {
  auto now = std::chrono::steady_clock::now();
  while (!waiting_.empty()) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    if (next.request.type == InvocationType::RequestResponse) --waiting_sync_;
    if (next.request.start_by && *next.request.start_by <= now) {
      // Its caller has stopped waiting (and answered its client): running it would be for no one.
      InvokeResult r;
      r.status = InvokeStatus::Throttled;
      r.error_type = kThrottleNotStarted;
      r.request_id = next.id;
      next.done(std::move(r));
      continue;
    }
    double waited_ms =
        std::chrono::duration<double, std::milli>(now - next.queued_at).count();
    episode_.longest_ms = std::max(episode_.longest_ms, waited_ms);
    return next;
  }
  return std::nullopt;
}

// The line is empty: the episode, if one began, ends with what it amounted to.
void FunctionPool::end_episode_if_drained() {
  if (!waiting_.empty() || !episode_.active) return;
  char longest[32];
  std::snprintf(longest, sizeof longest, "%.2f", episode_.longest_ms / 1000.0);
  context_.log(fn_.key, std::to_string(episode_.waited) +
                            (episode_.waited == 1 ? " invocation" : " invocations") +
                            " waited for a free worker (local limit " + std::to_string(limit_) +
                            "), the longest " + longest + " s");
  episode_ = Episode{};
}

bool FunctionPool::may_grow(int live) const {
  if (live >= limit_) return false;
  // Up to two workers per core (one runs while the other waits on its Runtime API round trip);
  // past that only handlers that run long (waiting on I/O) gain from more: those whose recent
  // invocations, or one running now, took twice the wait.
  if (live < 2 * context_.cores) return true;
  double slow = 2.0 * static_cast<double>(context_.options.scale_up_after.count());
  if (recent_duration_ms_ >= slow) return true;
  return std::any_of(workers_.begin(), workers_.end(),
                     [&](const auto& w) { return w->running_ms() >= slow; });
}

int FunctionPool::live_workers() const {
  int live = 0;
  for (auto& w : workers_) live += w->state() != Worker::State::Dead;
  return live;
}

int FunctionPool::running() const {
  int n = 0;
  for (auto& w : workers_) n += w->state() != Worker::State::Dead && w->has_invocation();
  return n;
}

// Due when the oldest waiting invocation has waited scale_up_after, and no sooner than that
// after the last growth.
std::chrono::steady_clock::time_point FunctionPool::growth_due() const {
  return std::max(waiting_.front().queued_at, last_growth_) + context_.options.scale_up_after;
}

void FunctionPool::schedule_growth() {
  if (growth_scheduled_ || waiting_.empty()) return;
  growth_scheduled_ = true;
  grow_timer_.expires_at(growth_due());
  grow_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the pool may be gone
    growth_scheduled_ = false;
    grow();
  });
}

void FunctionPool::grow() {
  if (context_.shutting_down || waiting_.empty()) return;
  auto now = std::chrono::steady_clock::now();
  if (now < growth_due()) return schedule_growth();  // the oldest changed: not due yet
  // One cold start at a time: the starting worker's first poll (on_idle) looks again.
  for (auto& w : workers_)
    if (w->state() == Worker::State::Starting && !w->has_invocation()) return;
  if (!may_grow(live_workers())) return;  // the next submit looks again
  last_growth_ = now;
  // A failure to start would meet every new worker: the oldest waiting invocation gets it.
  // Otherwise it goes back to the front, and the new worker takes it on its first poll.
  auto oldest = std::move(waiting_.front());
  waiting_.pop_front();
  bool sync = oldest.request.type == InvocationType::RequestResponse;
  if (spawn(oldest)) {
    waiting_.push_front(std::move(oldest));
    begin_episode_if_at_limit();
  } else {
    waiting_sync_ -= sync;
    end_episode_if_drained();
  }
  schedule_growth();
}

std::shared_ptr<Worker> FunctionPool::spawn(Invocation& fails) {
  // The code changed while the limit was reached (by workers finishing on the old code): the
  // first new worker after that is the standby.
  if (standby_due_) {
    standby_due_ = false;
    if (auto standby = release_standby()) return standby;
  }
  auto worker = std::make_shared<Worker>(context_, *this, fn_);
  workers_.push_back(worker);
  auto failure = worker->start();
  if (!failure) return worker;
  std::erase(workers_, worker);
  context_.log(fn_.key, "cannot start worker: " + *failure);
  InvokeResult r;
  r.status = InvokeStatus::FunctionError;
  r.payload = *failure;
  r.error_type = "Runtime.InvalidEntrypoint";
  r.request_id = fails.id;
  fails.done(std::move(r));
  return nullptr;
}

void FunctionPool::spawn_for(Invocation invocation) {
  if (auto worker = spawn(invocation)) worker->assign(std::move(invocation));
}

void FunctionPool::on_finished(double duration_ms) {
  // A moving average of the handler's duration, for may_grow(). on_idle() could not keep it:
  // it also runs when the worker polls for its next invocation, which counted each one twice.
  recent_duration_ms_ = recent_duration_ms_ * 0.8 + duration_ms * 0.2;
}

void FunctionPool::on_idle(Worker& worker) {
  if (retired(worker)) {
    // Replaced while it ran: its invocation is over, the new code takes the next.
    if (worker.state() == Worker::State::Idle && !worker.has_invocation()) worker.kill();
    return;
  }
  auto free = [&] { return worker.state() == Worker::State::Idle && !worker.has_invocation(); };
  if (!waiting_.empty() && free()) {
    auto next = take_next();
    end_episode_if_drained();
    if (next) {
      worker.assign(std::move(*next));
      if (!waiting_.empty() && may_grow(live_workers())) schedule_growth();
    }
  }
  // Nothing waits for it: soon a moment to start the function's standby, if it has none.
  if (free()) schedule_standby(kStandbyDelay);
}

void FunctionPool::on_dead(Worker& worker) {
  if (standby_ended(worker)) return;
  std::erase(retired_, &worker);
  std::erase_if(workers_, [&](const auto& w) { return w.get() == &worker; });
  if (waiting_.empty() || context_.shutting_down) return;
  // A worker starting without an invocation (one replacing this one after a code change, say)
  // takes the oldest waiting at its first poll: no second cold start for it (see grow()).
  for (auto& w : workers_) {
    if (w->state() == Worker::State::Starting && !w->has_invocation()) {
      if (may_grow(live_workers())) schedule_growth();
      return;
    }
  }
  if (live_workers() < limit_) {
    auto next = take_next();
    end_episode_if_drained();
    if (next) spawn_for(std::move(*next));
  }
}

void FunctionPool::fail_waiting(InvokeStatus status) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  waiting_sync_ = 0;
  episode_ = Episode{};
  for (auto& inv : waiting) {
    InvokeResult r;
    r.status = status;
    r.request_id = inv.id;
    inv.done(std::move(r));
  }
}

bool FunctionPool::retired(const Worker& worker) const {
  return std::find(retired_.begin(), retired_.end(), &worker) != retired_.end();
}

bool FunctionPool::takes_work(const Worker& worker) const {
  return worker.state() == Worker::State::Idle && !worker.has_invocation() && !retired(worker);
}

int FunctionPool::replace_workers(bool prewarm) {
  int replaced = 0;
  standby_failures_ = 0;  // standbys that failed may have failed for the code that changed
  bool was_warm = false;
  for (auto& w : workers_) {
    if (w->state() == Worker::State::Dead || retired(*w)) continue;
    ++replaced;
    was_warm = was_warm || w->state() != Worker::State::Starting;
    if (w->has_invocation()) {
      // It finishes on the code it has loaded (on_idle stops it afterwards). One still starting
      // may load either: its invocation was taken before the change, as on Lambda during an
      // update.
      retired_.push_back(w.get());
    } else {
      w->kill();  // on_dead removes it
    }
  }
  if (!prewarm || context_.shutting_down || limit_ <= 0) return replaced;
  // The standby, already started, imports the new code; with the limit reached, it is the next
  // worker the pool starts (spawn).
  standby_due_ = false;
  if (live_workers() >= limit_) {
    standby_due_ = standby_ != nullptr;
    return replaced;
  }
  if (release_standby()) return replaced;
  if (was_warm) {  // else a new process, ahead of the next invocation
    auto worker = std::make_shared<Worker>(context_, *this, fn_);
    workers_.push_back(worker);
    if (auto failure = worker->start()) {
      std::erase(workers_, worker);
      context_.log(fn_.key, "cannot start worker: " + *failure);
    }
  }
  return replaced;
}

void FunctionPool::kill_all() {
  for (auto& w : workers_) w->kill();
  drop_standby();
}

Pools::FunctionStats FunctionPool::stats() const {
  Pools::FunctionStats s;
  for (auto& w : workers_) {
    if (w->state() == Worker::State::Dead) continue;
    ++s.workers;
    s.busy += w->has_invocation();
  }
  s.waiting = static_cast<int>(waiting_.size());
  return s;
}

void FunctionPool::check_interpreter_version(std::string_view user_agent) {
  // Our runtime clients announce themselves as "serverlite-runtime/<family>/<major.minor...>".
  if (version_checked_) return;
  version_checked_ = true;
  constexpr std::string_view kPrefix = "serverlite-runtime/";
  if (!user_agent.starts_with(kPrefix)) return;
  std::string_view rest = user_agent.substr(kPrefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return;
  std::string_view family = rest.substr(0, slash), version = rest.substr(slash + 1);
  // Declared: python3.12 → "3.12"; nodejs20.x → "20".
  std::string declared;
  if (family == "python" && fn_.runtime.starts_with("python")) declared = fn_.runtime.substr(6);
  if (family == "node" && fn_.runtime.starts_with("nodejs")) {
    declared = fn_.runtime.substr(6);
    if (declared.ends_with(".x")) declared.resize(declared.size() - 2);
  }
  if (declared.empty()) return;
  bool matches = version.starts_with(declared) &&
                 (version.size() == declared.size() || version[declared.size()] == '.');
  if (!matches)
    context_.log(fn_.key, "warning: runtime " + fn_.runtime + " declared, but the " +
                              std::string(family) + " on PATH is " + std::string(version) +
                              "; running it anyway");
}

// ---- Pools ------------------------------------------------------------------------------------

Pools::Pools(asio::io_context& io, const app::AppSpec& app, InvokerOptions options)
    : context_(std::make_unique<PoolContext>(io, app, std::move(options))) {
  for (const auto& fn : app.functions) {
    pools_.emplace(fn.key, std::make_unique<FunctionPool>(*context_, fn));
    // Resolved while the rest starts up: the first worker needs it.
    if (fn.family == app::RuntimeFamily::Python) context_->probe_interpreter("python3");
    if (fn.family == app::RuntimeFamily::Node) context_->probe_interpreter("node");
  }
  context_->starting_anywhere = [this] {
    return std::any_of(pools_.begin(), pools_.end(), [](auto& p) { return p.second->starting(); });
  };
}

Pools::~Pools() {
  for (auto& [_, pool] : pools_) pool->kill_all();
}

void Pools::invoke(InvokeRequest request, InvokeCallback done) {
  Invocation inv;
  inv.id = aws::new_request_id();
  auto it = pools_.find(request.function);
  if (it == pools_.end()) {
    InvokeResult r;
    r.status = InvokeStatus::FunctionError;
    r.error_type = "ResourceNotFoundException";
    r.payload = error_document(r.error_type, "Function not found: " + request.function);
    r.request_id = inv.id;
    return done(std::move(r));
  }
  bool async = request.type == InvocationType::Event;
  inv.request = std::move(request);
  auto observed = [this, &inv](InvokeCallback next) -> InvokeCallback {
    if (!observer_) return next;
    return [observer = observer_, request = inv.request, next = std::move(next)](InvokeResult r) {
      observer(request, r);
      if (next) next(std::move(r));
    };
  };
  auto& pool = *it->second;
  if (auto reason = pool.throttle_reason(!async)) {
    InvokeResult r;
    r.status = InvokeStatus::Throttled;
    r.error_type = *reason;
    r.request_id = inv.id;
    if (async)
      context_->log(inv.request.function, "asynchronous invocation " + inv.id +
                                              " dropped: throttled (" + *reason + ")");
    return observed(std::move(done))(std::move(r));
  }
  if (async) {
    // Lambda queues the event and answers at once; failures show only in the log.
    InvokeResult accepted;
    accepted.request_id = inv.id;
    inv.done = observed([](InvokeResult) {});
    pool.submit(std::move(inv));
    return done(std::move(accepted));
  }
  inv.done = observed(std::move(done));
  pool.submit(std::move(inv));
}

void Pools::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
  context_->shutting_down = true;
  for (auto& [_, pool] : pools_) pool->fail_waiting(InvokeStatus::ShuttingDown);

  auto deadline = std::chrono::steady_clock::now() + grace;
  auto timer = std::make_shared<asio::steady_timer>(context_->io);
  auto finish = [this, done] {
    if (context_->live_workers == 0) return done();
    context_->on_all_exited = done;
    for (auto& [_, pool] : pools_) pool->kill_all();
  };
  // Poll until no invocation runs or the grace period ends: cheap, and only at shutdown.
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [this, timer, deadline, finish, poll] {
    int busy = 0;
    for (auto& [_, pool] : pools_) busy += pool->stats().busy;
    if (busy == 0 || std::chrono::steady_clock::now() >= deadline) {
      auto next = finish;  // clearing *poll destroys this closure and its captures
      *poll = nullptr;     // break the cycle
      return next();
    }
    timer->expires_after(std::chrono::milliseconds(20));
    timer->async_wait([poll](auto ec) {
      if (!ec && *poll) (*poll)();
    });
  };
  (*poll)();
}

int Pools::replace_workers(const std::vector<std::string>& function_keys, bool prewarm) {
  int replaced = 0;
  for (const auto& key : function_keys)
    if (auto it = pools_.find(key); it != pools_.end()) replaced += it->second->replace_workers(prewarm);
  return replaced;
}

void Pools::keep_standbys(bool on) {
  context_->keep_standbys = on;
  if (!on)
    for (auto& [_, pool] : pools_) pool->drop_standby();
}

Pools::FunctionStats Pools::stats(const std::string& function_key) const {
  auto it = pools_.find(function_key);
  return it == pools_.end() ? FunctionStats{} : it->second->stats();
}

}  // namespace serverlite::invoker
