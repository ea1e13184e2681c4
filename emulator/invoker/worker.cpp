#include "emulator/invoker/worker.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "emulator/build/esbuild_config.hpp"
#include "emulator/build/layer_env.hpp"
#include "emulator/build/ts_builder.hpp"
#include "emulator/http/request_guard.hpp"
#include "emulator/http/server.hpp"
#include "emulator/invoker/function_pool.hpp"
#include "emulator/invoker/lambda_log.hpp"
#include "emulator/invoker/leftovers.hpp"
#include "emulator/invoker/process_tree.hpp"
#include "emulator/invoker/opt_mount.hpp"
#include "emulator/invoker/process_v2.hpp"

namespace serverlite::invoker {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;

namespace {

// Lambda's limit on a synchronous response payload.
constexpr std::size_t kMaxResponseBytes = 6291556;
constexpr std::string_view kRuntimePrefix = "/2018-06-01/runtime/";
// A handler's output goes to the log line by line; a longer line is logged in pieces this long.
constexpr std::size_t kMaxLogLine = 64 * 1024;
// What of an invocation's log is kept for X-Amz-Log-Result (Lambda returns its last 4 KB).
constexpr std::size_t kLogTailBytes = 4096;

// Marks every descriptor from 3 up close-on-exec, so that a handler inherits none of serverlite's
// (listeners, connections, other workers' pipes, the store): only stdin, stdout and stderr.
// close_range(2) does it in one call (Linux 5.11); before that, /proc/self/fd is listed with
// getdents64, which, unlike opendir, is safe between fork and exec.
void close_on_exec_from_3() {
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  alignas(8) char buf[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
      unsigned short reclen;
      std::memcpy(&reclen, buf + at + 16, sizeof reclen);
      const char* name = buf + at + 19;
      int fd = 0;
      bool number = *name != '\0';
      for (const char* c = name; *c; ++c) {
        if (*c < '0' || *c > '9') number = false;
        else fd = fd * 10 + (*c - '0');
      }
      if (number && fd > 2 && fd != dir) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      at += reclen;
    }
  }
  ::close(dir);
}

// Runs in the child between fork and exec. A process group of its own lets a timeout kill
// whatever the handler started; the function's layers go under /opt (opt_mount.hpp), before
// anything that a change of credentials would reset; PR_SET_PDEATHSIG makes the kernel kill the
// worker if serverlite dies without stopping it (kill -9, a crash), so no worker outlives its
// emulator.
struct WorkerProcessSetup {
  pid_t parent = ::getpid();
  const OptMount* opt = nullptr;
  template <class Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const std::filesystem::path&,
                                          const char* const*) {
    ::setpgid(0, 0);
    if (opt && opt->wanted()) mount_layers_at_opt(*opt);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // serverlite died before prctl took effect
    close_on_exec_from_3();
    return {};
  }
};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// X-Ray's trace header shape: Root=1-{epoch seconds hex}-{96 random bits hex};Parent=...;Sampled=0
std::string new_trace_id() {
  static std::mt19937_64 rng{std::random_device{}()};
  char buf[96];
  std::snprintf(buf, sizeof buf, "Root=1-%08lx-%08x%016llx;Parent=%016llx;Sampled=0",
                static_cast<unsigned long>(std::time(nullptr)), static_cast<unsigned>(rng()),
                static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng()));
  return buf;
}

http::Response runtime_error_response(int status, std::string_view type, std::string_view msg) {
  return http::Response::json(
      status, nlohmann::json{{"errorType", type}, {"errorMessage", msg}}.dump());
}

// Sets "NAME=value" in `env`; NODE_OPTIONS is extended rather than replaced.
void set_variable(std::vector<std::string>& env, const std::string& entry) {
  std::string prefix = entry.substr(0, entry.find('=') + 1);
  auto it = std::find_if(env.begin(), env.end(),
                         [&](const std::string& e) { return e.starts_with(prefix); });
  if (it == env.end()) return env.push_back(entry);
  if (prefix == "NODE_OPTIONS=" && it->size() > prefix.size())
    *it += " " + entry.substr(prefix.size());
  else
    *it = entry;
}

}  // namespace

struct Worker::Impl {
  Impl(asio::io_context& io, http::Handler handler, http::ServerOptions options)
      : api(io, std::move(handler), std::move(options)),
        out(io), err(io), output{asio::posix::stream_descriptor(io),
                                 asio::posix::stream_descriptor(io)},
        timeout(io), memory(io), init(io) {}

  http::Server api;
  std::optional<bp::process> process;
  pid_t pid = 0;
  asio::readable_pipe out, err;  // the handler's stdout and stderr, until it is spawned
  // The same pipes, then: waited on for readability and read here, never by Asio behind our
  // back, so that drain_pipes() and the watch read in order.
  std::array<asio::posix::stream_descriptor, 2> output;
  std::array<std::string, 2> partial;
  asio::steady_timer timeout, memory, init;
  bool reaped = false;
};

Worker::Worker(PoolContext& context, FunctionPool& pool, const app::FunctionSpec& fn)
    : context_(context), pool_(pool), fn_(fn) {}

Worker::~Worker() {
  if (impl_ && impl_->process && !impl_->reaped) {
    ::kill(-impl_->pid, SIGKILL);
    forget_worker(impl_->pid);  // nobody waits for it now: reap_adopted() will
  }
}

std::optional<std::string> Worker::start() {
  if (auto failure = open_runtime_api()) return failure;
  // A TypeScript handler is built first (off the io thread), when what it was built from changed.
  std::optional<std::string> failure;
  if (auto ts = typescript_launch(failure)) {
    building_ = true;
    context_.ts_builder.ensure(
        std::move(ts->job),
        [weak = weak_from_this(), entry = ts->entry, env = ts->env](const build::BuildResult& r) {
          if (auto self = weak.lock()) self->after_build(r, entry, env);
        });
    return std::nullopt;
  }
  if (failure) return failure;
  return launch({});
}

std::optional<std::string> Worker::open_runtime_api() {
  std::weak_ptr<Worker> weak = weak_from_this();
  http::ServerOptions options{.body_limit = 64 * 1024 * 1024};
  options.screen = [weak](std::uint16_t peer_port, std::uint16_t local_port) {
    auto self = weak.lock();
    return self ? self->screen_peer(peer_port, local_port)
                : std::optional<http::Response>(
                      runtime_error_response(410, "Gone", "worker stopped"));
  };
  impl_ = std::make_unique<Impl>(
      context_.io,
      [weak](http::Request req, http::Responder respond) {
        // Handlers call 127.0.0.1:PORT; a web page reaching it through DNS rebinding names its
        // own.
        static const http::RequestGuard guard({}, "Runtime API");
        if (auto refusal = guard.check_host(req)) {
          http::log_refusal(*refusal);
          return respond(std::move(refusal->response));
        }
        if (auto self = weak.lock()) return self->on_runtime_request(std::move(req), respond);
        respond(runtime_error_response(410, "Gone", "worker stopped"));
      },
      std::move(options));
  spawned_at_ = Clock::now();
  try {
    impl_->api.listen("127.0.0.1", 0);
  } catch (const std::exception& e) {
    state_ = State::Dead;
    impl_->api.stop();
    return error_document("Runtime.InvalidEntrypoint",
                          std::string("cannot start the runtime: ") + e.what());
  }
  return std::nullopt;
}

std::unique_ptr<Worker::TsLaunch> Worker::typescript_launch(std::optional<std::string>& failure) {
  if (fn_.family != app::RuntimeFamily::Node) return nullptr;
  auto entry = build::typescript_entry(context_.app.service_dir, fn_.handler);
  if (entry.empty()) return nullptr;
  auto config = build::esbuild_config(*context_.app.document, fn_, entry);
  if (config.disabled) {
    state_ = State::Dead;
    impl_->api.stop();
    failure = error_document("Runtime.InvalidEntrypoint", config.disabled_reason);
    return nullptr;
  }
  for (const auto& w : config.warnings) context_.log_once(fn_.key, "serverless.yml: " + w);
  auto ts = std::make_unique<TsLaunch>();
  ts->entry = entry;
  ts->job = build::BuildJob{.service_dir = context_.app.service_dir,
                            .entry = entry,
                            .args = config.args,
                            .format = config.format,
                            .out_root = build::build_root(context_.app.service_dir)};
  ts->env = {"LAMBDA_TASK_ROOT=" + ts->job.out_root.string()};
  if (config.set_node_options) ts->env.push_back("NODE_OPTIONS=--enable-source-maps");
  return ts;
}

void Worker::log_build(const build::BuildResult& result, const std::filesystem::path& entry) {
  if (!result.ok || !result.built) return;
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.0f", result.ms);
  context_.log(fn_.key, "built " + entry.string() + " with " + result.esbuild + " in " + ms +
                            " ms" + (result.message.empty() ? "" : ":\n" + result.message));
}

void Worker::after_build(const build::BuildResult& result, const std::filesystem::path& entry,
                         const std::vector<std::string>& env) {
  building_ = false;
  if (state_ == State::Dead) {  // stopped while it was building: nothing ran
    impl_->api.stop();
    auto self = shared_from_this();
    if (current_) complete(InvokeStatus::ShuttingDown, {}, {}, "error");
    pool_.on_dead(*this);
    return;
  }
  log_build(result, entry);
  std::optional<std::string> failure;
  std::string type = "Runtime.InvalidEntrypoint";
  if (!result.ok) {
    failure = error_document(result.error_type, result.message);
    type = result.error_type;
    context_.log(fn_.key, result.message);
  } else {
    failure = launch(env);
    if (!failure) return;
  }
  state_ = State::Dead;
  impl_->api.stop();
  auto self = shared_from_this();
  if (current_) {
    delivered_ = true;
    started_at_ = spawned_at_;
    complete(InvokeStatus::FunctionError, *failure, type, "error");
  }
  parked_next_.reset();
  pool_.on_dead(*this);
}

std::optional<std::string> Worker::launch(const std::vector<std::string>& extra_env) {
  spawned_at_ = Clock::now();  // Init Duration is the runtime's own, without a build
  try {
    std::filesystem::path exe;
    std::vector<std::string> args;
    switch (fn_.family) {
      case app::RuntimeFamily::Python:
        exe = context_.find_executable("python3");
        if (!exe.empty())
          args = {"-u", context_.runtime_files.path_of("python/bootstrap.py").string()};
        break;
      case app::RuntimeFamily::Node:
        exe = context_.find_executable("node");
        if (!exe.empty()) args = {context_.runtime_files.path_of("node/bootstrap.mjs").string()};
        break;
      case app::RuntimeFamily::Provided:
        exe = context_.app.service_dir / "bootstrap";
        break;
    }
    // Our runtime clients take it off their argv before anything of the handler's runs.
    if (standby_ && !exe.empty()) args.push_back("--standby");
    if (exe.empty()) {
      state_ = State::Dead;
      impl_->api.stop();
      return error_document("Runtime.InvalidEntrypoint",
                            std::string("no interpreter for runtime ") + fn_.runtime +
                                " on PATH (" +
                                (fn_.family == app::RuntimeFamily::Node ? "node" : "python3") +
                                ")");
    }

    std::vector<std::string> env = pool_.environment();
    env.push_back("AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(impl_->api.port()));
    env.push_back(run_marker());  // inherited by all it starts: see leftovers.hpp
    build::add_layer_paths(fn_, env);
    for (const auto& extra : extra_env) set_variable(env, extra);
    OptMount opt = prepare_opt_mount(fn_.layers);

    impl_->process.emplace(context_.io, exe, args,
                           bp::process_stdio{nullptr, impl_->out, impl_->err},
                           bp::process_start_dir(context_.app.service_dir),
                           bp::process_environment(env), WorkerProcessSetup{::getpid(), &opt});
    impl_->pid = impl_->process->id();
    note_worker(impl_->pid);
    if (!standby_) context_.last_start_activity = Clock::now();
  } catch (const std::exception& e) {
    state_ = State::Dead;
    impl_->api.stop();
    return error_document("Runtime.InvalidEntrypoint",
                          std::string("cannot start the runtime: ") + e.what());
  }
  ++context_.live_workers;
  for (int which : {0, 1}) {
    int fd = (which == 0 ? impl_->out : impl_->err).release();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    impl_->output[which].assign(fd);
    read_pipe(which);
  }
  impl_->process->async_wait([self = shared_from_this()](boost::system::error_code, int) {
    self->on_exit(self->impl_->process->native_exit_code());
  });
  if (!standby_) arm_init_timeout();  // a standby's init begins at its release
  return std::nullopt;
}

void Worker::arm_init_timeout() {
  impl_->init.expires_after(context_.options.init_timeout);
  impl_->init.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->state_ != State::Starting) return;
    double seconds = std::chrono::duration<double>(self->context_.options.init_timeout).count();
    if (self->current_)
      self->fail_and_kill("Sandbox.Timedout", timeout_message(self->current_->id, seconds),
                          "timeout");
    else
      self->kill();
  });
}

void Worker::assign(Invocation invocation) {
  current_ = std::move(invocation);
  delivered_ = false;
  if (state_ == State::Idle) state_ = State::Busy;
  if (parked_next_) {
    auto respond = std::move(*parked_next_);
    parked_next_.reset();
    deliver(std::move(respond));
  }
}

double Worker::running_ms() const {
  return current_ && delivered_ ? ms_since(started_at_) : 0.0;
}

void Worker::kill() {
  if (impl_ && impl_->process && !impl_->reaped) ::kill(-impl_->pid, SIGKILL);
  state_ = State::Dead;
}

std::optional<http::Response> Worker::screen_peer(std::uint16_t peer_port,
                                                  std::uint16_t local_port) {
  pid_t pid = impl_ && !impl_->reaped ? impl_->pid : 0;
  if (pid > 0 && holds_socket(process_tree(pid), loopback_socket_inode(peer_port, local_port)))
    return std::nullopt;
  context_.log(fn_.key, "Runtime API: refused a connection from 127.0.0.1:" +
                            std::to_string(peer_port) +
                            ", which is not this function's process or one of its children");
  return runtime_error_response(
      403, "Forbidden",
      "this Runtime API serves only the process serverlite started for the function (pid " +
          std::to_string(pid) + ") and the processes it starts");
}

void Worker::on_runtime_request(http::Request req, http::Responder respond) {
  std::string_view path = req.path();
  if (!path.starts_with(kRuntimePrefix))
    return respond(runtime_error_response(404, "NotFound", "unknown Runtime API path"));
  path.remove_prefix(kRuntimePrefix.size());

  if (req.method == "GET" && path == "serverlite/standby") return on_standby_request(respond);
  if (req.method == "GET" && path == "invocation/next") {
    if (state_ == State::Dead) return;  // the process is being killed; never answer
    if (standby_ && !awake_)
      return respond(runtime_error_response(409, "NotReleased",
                                            "a standby asks for work only once released"));
    if (state_ == State::Starting) {
      impl_->init.cancel();
      init_duration_ms_ = ms_since(spawned_at_);
      context_.last_start_activity = Clock::now();
      if (auto ua = req.header("User-Agent")) pool_.check_interpreter_version(*ua);
      state_ = current_ ? State::Busy : State::Idle;
    }
    if (current_ && !delivered_) return deliver(std::move(respond));
    parked_next_ = std::move(respond);
    // A worker started ahead of need (the pool growing) takes the oldest waiting invocation.
    if (state_ == State::Idle && !current_) pool_.on_idle(*this);
    return;
  }

  if (req.method == "POST" && path == "init/error") {
    respond(http::Response::json(202, R"({"status":"OK"})"));
    std::string type(req.header("Lambda-Runtime-Function-Error-Type").value_or("Runtime.Unknown"));
    std::string payload = req.body;
    try {
      auto doc = nlohmann::json::parse(payload);
      if (doc.contains("errorType") && doc["errorType"].is_string()) type = doc["errorType"];
    } catch (const nlohmann::json::exception&) {
      payload = error_document(type, req.body);
    }
    char init_ms[32];
    std::snprintf(init_ms, sizeof init_ms, "%.2f", ms_since(spawned_at_));
    context_.log(fn_.key, payload);
    context_.log(fn_.key, std::string("INIT_REPORT Init Duration: ") + init_ms +
                              " ms\tPhase: init\tStatus: error\tError Type: " + type);
    if (current_) {
      // Lambda reports an init failure as the invocation's result.
      delivered_ = true;
      started_at_ = spawned_at_;
      state_ = State::Dead;
      complete(InvokeStatus::FunctionError, payload, type, "error");
    }
    kill();
    return;
  }

  // invocation/{id}/response | invocation/{id}/error
  constexpr std::string_view kInvocation = "invocation/";
  if (req.method == "POST" && path.starts_with(kInvocation)) {
    std::string_view rest = path.substr(kInvocation.size());
    auto slash = rest.find('/');
    std::string_view id = rest.substr(0, slash);
    std::string_view verb = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (verb != "response" && verb != "error")
      return respond(runtime_error_response(404, "NotFound", "unknown Runtime API path"));
    if (!current_ || !delivered_ || current_->id != id)
      return respond(runtime_error_response(400, "InvalidRequestID", "Invalid request ID"));

    if (verb == "response") {
      if (req.body.size() > kMaxResponseBytes) {
        respond(runtime_error_response(
            413, "RequestEntityTooLarge",
            "Exceeded maximum allowed payload size (" + std::to_string(kMaxResponseBytes) +
                " bytes)."));
        return complete(InvokeStatus::FunctionError,
                        error_document("Function.ResponseSizeTooLarge",
                                       "Response payload size exceeded maximum allowed payload "
                                       "size (" + std::to_string(kMaxResponseBytes) + " bytes)."),
                        "Function.ResponseSizeTooLarge", "error");
      }
      respond(http::Response::json(202, R"({"status":"OK"})"));
      return complete(InvokeStatus::Ok, std::move(req.body), {});
    }
    respond(http::Response::json(202, R"({"status":"OK"})"));
    std::string type(req.header("Lambda-Runtime-Function-Error-Type").value_or(""));
    std::string payload = std::move(req.body);
    try {
      auto doc = nlohmann::json::parse(payload);
      if (doc.is_object() && doc.contains("errorType") && doc["errorType"].is_string())
        type = doc["errorType"];
    } catch (const nlohmann::json::exception&) {
      payload = error_document(type.empty() ? "Unhandled" : type, payload);
    }
    if (type.empty()) type = "Unhandled";
    return complete(InvokeStatus::FunctionError, std::move(payload), type);
  }
  respond(runtime_error_response(404, "NotFound", "unknown Runtime API path"));
}

void Worker::deliver(http::Responder respond) {
  state_ = State::Busy;
  delivered_ = true;
  started_at_ = Clock::now();
  invocation_log_.clear();
  max_rss_bytes_ = 0;
  log_system(start_line(current_->id));

  auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(fn_.timeout_seconds);
  auto deadline_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline.time_since_epoch()).count();
  http::Response res;
  res.status = 200;
  res.headers = {
      {"Content-Type", "application/json"},
      {"Lambda-Runtime-Aws-Request-Id", current_->id},
      {"Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms)},
      {"Lambda-Runtime-Invoked-Function-Arn", app::function_arn(context_.app, fn_)},
      {"Lambda-Runtime-Trace-Id", new_trace_id()},
  };
  if (!current_->request.client_context.empty())
    res.headers.push_back({"Lambda-Runtime-Client-Context", current_->request.client_context});
  res.body = std::move(current_->request.payload);  // delivered once; not needed again

  impl_->timeout.expires_after(std::chrono::seconds(fn_.timeout_seconds));
  impl_->timeout.async_wait([self = shared_from_this(), id = current_->id](auto ec) {
    if (ec || !self->current_ || self->current_->id != id) return;
    self->fail_and_kill("Sandbox.Timedout", timeout_message(id, self->fn_.timeout_seconds),
                        "timeout");
  });
  schedule_memory_sample();
  respond(std::move(res));
}

// The first sample waits one interval: most invocations end sooner, and their peak is read once
// at completion (VmHWM), which keeps /proc reads off the hot path.
void Worker::schedule_memory_sample() {
  impl_->memory.expires_after(context_.options.memory_sample_interval);
  impl_->memory.async_wait([self = shared_from_this(), id = current_->id](auto ec) {
    if (!ec && self->current_ && self->current_->id == id) self->sample_memory();
  });
}

void Worker::sample_memory() {
  if (!current_ || !delivered_ || state_ == State::Dead) return;
  std::uint64_t rss = tree_rss_bytes(impl_->pid);
  max_rss_bytes_ = std::max(max_rss_bytes_, rss);
  if (rss > static_cast<std::uint64_t>(fn_.memory_mb) * 1024 * 1024) {
    oom_ = true;
    return fail_and_kill("Runtime.OutOfMemory", exit_message(current_->id, "signal: killed"),
                         "error");
  }
  schedule_memory_sample();
}

void Worker::fail_and_kill(std::string error_type, std::string message,
                           std::string report_status) {
  kill();
  if (!current_) return;
  drain_pipes();
  if (report_status == "timeout") {
    // Lambda logs the timeout itself, stamped with the time and request id.
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    log_system(std::string(stamp) + " " + current_->id + " Task timed out after " +
               message.substr(message.rfind("after ") + 6));
  } else {
    log_system(message);
    log_system(error_type);
  }
  complete(InvokeStatus::FunctionError, error_document(error_type, message), error_type,
           report_status);
}

void Worker::complete(InvokeStatus status, std::string payload, std::string error_type,
                      std::string report_status) {
  if (!current_) return;
  drain_pipes();
  impl_->timeout.cancel();
  impl_->memory.cancel();
  double duration = delivered_ ? ms_since(started_at_) : 0.0;
  std::uint64_t peak = std::max(max_rss_bytes_, peak_rss_bytes(impl_->pid));

  Report report;
  report.request_id = current_->id;
  report.duration_ms = duration;
  report.memory_size_mb = fn_.memory_mb;
  report.max_memory_used_mb = static_cast<int>((peak + (1 << 20) - 1) >> 20);
  if (cold_ && init_duration_ms_) report.init_duration_ms = init_duration_ms_;
  report.status = report_status;
  if (report_status == "error") report.error_type = error_type;
  log_system(end_line(current_->id));
  log_system(report_line(report));
  cold_ = false;

  InvokeResult result;
  result.status = status;
  result.payload = std::move(payload);
  result.error_type = std::move(error_type);
  result.request_id = current_->id;
  result.duration_ms = duration;
  if (current_->request.tail_log) result.log_tail = log_tail(invocation_log_);
  auto done = std::move(current_->done);
  current_.reset();
  delivered_ = false;
  invocation_log_.clear();
  if (state_ != State::Dead) state_ = State::Idle;

  if (duration > 0) pool_.on_finished(duration);
  auto self = shared_from_this();  // `done` may drop the pool's last reference
  done(std::move(result));
  if (state_ == State::Idle && !current_) pool_.on_idle(*this);
}

void Worker::on_exit(int wait_status) {
  if (impl_->reaped) return;
  impl_->reaped = true;
  forget_worker(impl_->pid);
  drain_pipes();
  impl_->init.cancel();
  bool expected = state_ == State::Dead;
  state_ = State::Dead;
  // An invocation assigned to a warm worker that ended before asking for it was never seen by
  // the handler: it goes to another worker, as Lambda gives work only to a runtime that polls.
  std::optional<Invocation> untouched;
  if (current_ && !delivered_ && init_duration_ms_ && !context_.shutting_down) {
    context_.log(fn_.key, "worker exited (" + exit_description(wait_status) +
                              ") between invocations; " + current_->id +
                              " goes to another worker");
    untouched = std::move(current_);
    current_.reset();
  }
  if (current_) {
    auto description = exit_description(wait_status);
    auto message = exit_message(current_->id, description);
    log_system(message);
    log_system("Runtime.ExitError");
    if (!delivered_) {
      delivered_ = true;
      started_at_ = spawned_at_;
    }
    complete(InvokeStatus::FunctionError, error_document("Runtime.ExitError", message),
             "Runtime.ExitError", "error");
  } else if (!expected && !untouched && !context_.shutting_down) {
    context_.log(fn_.key, std::string(standby() ? "standby process" : "worker") + " exited (" +
                              exit_description(wait_status) + ")");
  }
  impl_->api.stop();
  parked_next_.reset();
  parked_standby_.reset();
  auto self = shared_from_this();
  pool_.on_dead(*this);
  if (untouched) pool_.submit(std::move(*untouched));  // already admitted: it waits, never throttled
  context_.worker_reaped();
}

void Worker::read_pipe(int which) {
  impl_->output[which].async_wait(
      asio::posix::descriptor_base::wait_read,
      [self = shared_from_this(), which](boost::system::error_code ec) {
        if (ec) return;  // closed
        // At most 64 KB a turn, so one loud handler cannot hold the io thread.
        if (self->read_output(which, 8)) return self->read_pipe(which);
        // The handler closed this stream (or exited): what is left of a line is logged, and
        // the worker goes on; its exit is told by the process, not by its output.
        auto& partial = self->impl_->partial[which];
        if (!partial.empty()) self->on_output_line(partial);
        std::string().swap(partial);
        boost::system::error_code ignored;
        self->impl_->output[which].close(ignored);
      });
}

bool Worker::read_output(int which, int max_reads) {
  auto& stream = impl_->output[which];
  if (!stream.is_open()) return false;
  char buf[8192];
  for (int i = 0; i < max_reads; ++i) {
    ssize_t n = ::read(stream.native_handle(), buf, sizeof buf);
    if (n > 0) {
      take_output(which, buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

// Logs each whole line of `data` as it comes, and keeps at most kMaxLogLine bytes of an
// unfinished one: however much a handler writes, serverlite holds a bounded amount of it.
void Worker::take_output(int which, const char* data, std::size_t n) {
  auto& partial = impl_->partial[which];
  while (n > 0) {
    const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
    std::size_t line = nl ? static_cast<std::size_t>(nl - data) : n;
    std::size_t room = kMaxLogLine - partial.size();
    if (line > room) {  // a piece of a long line
      partial.append(data, room);
      on_output_line(partial);
      partial.clear();
      data += room;
      n -= room;
      continue;
    }
    partial.append(data, line);
    data += line;
    n -= line;
    if (nl) {
      on_output_line(partial);
      partial.clear();
      ++data;
      --n;
    }
  }
}

// Output a handler wrote before it posted its result is already in the pipe; read it now so it
// lands in this invocation's log (and before END), not the next one's. At most 1 MB a stream, in
// case a child of the handler writes without pause.
void Worker::drain_pipes() {
  if (!impl_) return;
  for (int which : {0, 1}) read_output(which, 128);
}

void Worker::on_output_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  context_.log(fn_.key, line);
  keep_in_tail(line);
}

void Worker::log_system(const std::string& line) {
  context_.log(fn_.key, line);
  keep_in_tail(line);
}

// The invocation's log is kept only as far as its tail can be asked for.
void Worker::keep_in_tail(std::string_view line) {
  if (!current_ || !delivered_) return;
  if (line.size() >= kLogTailBytes) {
    invocation_log_.assign(line.substr(line.size() - kLogTailBytes));
  } else {
    invocation_log_.append(line);
  }
  invocation_log_.push_back('\n');
  if (invocation_log_.size() > 4 * kLogTailBytes)
    invocation_log_.erase(0, invocation_log_.size() - kLogTailBytes);
}

}  // namespace serverlite::invoker
