#include "emulator/invoker/worker.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "emulator/http/request_guard.hpp"
#include "emulator/http/server.hpp"
#include "emulator/invoker/function_pool.hpp"
#include "emulator/invoker/lambda_log.hpp"
#include "emulator/invoker/process_tree.hpp"
#include "emulator/invoker/process_v2.hpp"

namespace serverlite::invoker {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;

namespace {

// Lambda's limit on a synchronous response payload.
constexpr std::size_t kMaxResponseBytes = 6291556;
constexpr std::string_view kRuntimePrefix = "/2018-06-01/runtime/";

// Runs in the child between fork and exec. A process group of its own lets a timeout kill
// whatever the handler started; PR_SET_PDEATHSIG makes the kernel kill the worker if serverlite
// dies without stopping it (kill -9, a crash), so no worker outlives its emulator.
struct WorkerProcessSetup {
  pid_t parent = ::getpid();
  template <class Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const std::filesystem::path&,
                                          const char* const*) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // serverlite died before prctl took effect
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

}  // namespace

struct Worker::Impl {
  explicit Impl(asio::io_context& io, http::Handler handler)
      : api(io, std::move(handler), http::ServerOptions{.body_limit = 64 * 1024 * 1024}),
        out(io), err(io), timeout(io), memory(io), init(io) {}

  http::Server api;
  std::optional<bp::process> process;
  pid_t pid = 0;
  asio::readable_pipe out, err;
  std::array<std::array<char, 8192>, 2> buffers{};
  std::array<std::string, 2> partial;
  asio::steady_timer timeout, memory, init;
  bool reaped = false;

  asio::readable_pipe& pipe(int which) { return which == 0 ? out : err; }
};

Worker::Worker(PoolContext& context, FunctionPool& pool, const app::FunctionSpec& fn)
    : context_(context), pool_(pool), fn_(fn) {}

Worker::~Worker() {
  if (impl_ && impl_->process && !impl_->reaped) ::kill(-impl_->pid, SIGKILL);
}

std::optional<std::string> Worker::start() {
  std::weak_ptr<Worker> weak = weak_from_this();
  impl_ = std::make_unique<Impl>(context_.io, [weak](http::Request req, http::Responder respond) {
    // Handlers call 127.0.0.1:PORT; a web page reaching it through DNS rebinding names its own.
    static const http::RequestGuard guard({}, "Runtime API");
    if (auto refusal = guard.check_host(req)) {
      http::log_refusal(*refusal);
      return respond(std::move(refusal->response));
    }
    if (auto self = weak.lock()) return self->on_runtime_request(std::move(req), respond);
    respond(runtime_error_response(410, "Gone", "worker stopped"));
  });
  spawned_at_ = Clock::now();
  try {
    impl_->api.listen("127.0.0.1", 0);

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
    if (exe.empty()) {
      state_ = State::Dead;
      return error_document("Runtime.InvalidEntrypoint",
                            std::string("no interpreter for runtime ") + fn_.runtime +
                                " on PATH (" +
                                (fn_.family == app::RuntimeFamily::Node ? "node" : "python3") +
                                ")");
    }

    std::vector<std::string> env = pool_.environment();
    env.push_back("AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(impl_->api.port()));

    impl_->process.emplace(context_.io, exe, args,
                           bp::process_stdio{nullptr, impl_->out, impl_->err},
                           bp::process_start_dir(context_.app.service_dir),
                           bp::process_environment(env), WorkerProcessSetup{});
    impl_->pid = impl_->process->id();
  } catch (const std::exception& e) {
    state_ = State::Dead;
    impl_->api.stop();
    return error_document("Runtime.InvalidEntrypoint",
                          std::string("cannot start the runtime: ") + e.what());
  }
  ++context_.live_workers;
  for (int which : {0, 1}) {
    ::fcntl(impl_->pipe(which).native_handle(), F_SETFL,
            ::fcntl(impl_->pipe(which).native_handle(), F_GETFL) | O_NONBLOCK);
    read_pipe(which);
  }
  impl_->process->async_wait([self = shared_from_this()](boost::system::error_code, int) {
    self->on_exit(self->impl_->process->native_exit_code());
  });
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
  return std::nullopt;
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

void Worker::on_runtime_request(http::Request req, http::Responder respond) {
  std::string_view path = req.path();
  if (!path.starts_with(kRuntimePrefix))
    return respond(runtime_error_response(404, "NotFound", "unknown Runtime API path"));
  path.remove_prefix(kRuntimePrefix.size());

  if (req.method == "GET" && path == "invocation/next") {
    if (state_ == State::Dead) return;  // the process is being killed; never answer
    if (state_ == State::Starting) {
      impl_->init.cancel();
      init_duration_ms_ = ms_since(spawned_at_);
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
  drain_pipes();
  impl_->init.cancel();
  bool expected = state_ == State::Dead;
  state_ = State::Dead;
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
  } else if (!expected && !context_.shutting_down) {
    context_.log(fn_.key, "worker exited (" + exit_description(wait_status) + ")");
  }
  impl_->api.stop();
  parked_next_.reset();
  auto self = shared_from_this();
  pool_.on_dead(*this);
  context_.worker_reaped();
}

void Worker::read_pipe(int which) {
  auto& pipe = impl_->pipe(which);
  pipe.async_read_some(asio::buffer(impl_->buffers[which]),
                       [self = shared_from_this(), which](boost::system::error_code ec,
                                                          std::size_t n) {
                         auto& partial = self->impl_->partial[which];
                         partial.append(self->impl_->buffers[which].data(), n);
                         std::size_t start = 0, nl;
                         while ((nl = partial.find('\n', start)) != std::string::npos) {
                           self->on_output_line(std::string_view(partial).substr(start, nl - start));
                           start = nl + 1;
                         }
                         partial.erase(0, start);
                         if (ec) {
                           if (!partial.empty()) self->on_output_line(partial);
                           partial.clear();
                           return;
                         }
                         if (partial.size() > 64 * 1024) {  // a line that never ends
                           self->on_output_line(partial);
                           partial.clear();
                         }
                         self->read_pipe(which);
                       });
}

// Output a handler wrote before it posted its result is already in the pipe; read it now so it
// lands in this invocation's log (and before END), not the next one's.
void Worker::drain_pipes() {
  if (!impl_) return;
  char buf[8192];
  for (int which : {0, 1}) {
    auto& pipe = impl_->pipe(which);
    if (!pipe.is_open()) continue;
    auto& partial = impl_->partial[which];
    for (;;) {
      ssize_t n = ::read(pipe.native_handle(), buf, sizeof buf);
      if (n <= 0) break;
      partial.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t start = 0, nl;
    while ((nl = partial.find('\n', start)) != std::string::npos) {
      on_output_line(std::string_view(partial).substr(start, nl - start));
      start = nl + 1;
    }
    partial.erase(0, start);
  }
}

void Worker::on_output_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  context_.log(fn_.key, line);
  if (current_ && delivered_) {
    invocation_log_.append(line);
    invocation_log_.push_back('\n');
  }
}

void Worker::log_system(const std::string& line) {
  context_.log(fn_.key, line);
  if (current_ && delivered_) {
    invocation_log_.append(line);
    invocation_log_.push_back('\n');
  }
}

}  // namespace serverlite::invoker
