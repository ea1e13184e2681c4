// Standby processes: see standby.hpp. The Worker side (start, release, the Runtime API's
// serverlite/standby path) and the FunctionPool side (one standby per function, released on a
// code change).
#include "emulator/invoker/standby.hpp"

#include <algorithm>
#include <chrono>

#include "emulator/build/ts_builder.hpp"
#include "emulator/http/message.hpp"
#include "emulator/invoker/function_pool.hpp"
#include "emulator/invoker/lambda_log.hpp"
#include "emulator/invoker/worker.hpp"

namespace serverlite::invoker {

// ---- Worker -----------------------------------------------------------------------------------

std::optional<std::string> Worker::start_standby() {
  standby_ = true;
  if (auto failure = open_runtime_api()) return failure;
  // A TypeScript handler's standby runs with its built code's environment; it is built at
  // release, from the sources as they are then.
  std::optional<std::string> failure;
  auto ts = typescript_launch(failure);
  if (failure) return failure;
  std::vector<std::string> env;
  if (ts) {
    env = ts->env;
    standby_build_ = std::move(ts);
  }
  return launch(env);
}

void Worker::release() {
  if (!standby_ || released_) return;
  released_ = true;
  if (state_ == State::Dead) return;  // exiting: on_exit ends it
  if (!standby_build_) return wake();
  building_ = true;
  auto ts = std::move(standby_build_);
  context_.ts_builder.ensure(std::move(ts->job), [weak = weak_from_this(), entry = ts->entry](
                                                     const build::BuildResult& r) {
    if (auto self = weak.lock()) self->after_release_build(r, entry);
  });
}

void Worker::after_release_build(const build::BuildResult& result,
                                 const std::filesystem::path& entry) {
  building_ = false;
  if (state_ == State::Dead) return;  // killed while it was building: on_exit ends it
  log_build(result, entry);
  if (result.ok) return wake();
  context_.log(fn_.key, result.message);
  auto self = shared_from_this();
  kill();
  if (current_) {
    delivered_ = true;
    started_at_ = std::chrono::steady_clock::now();
    complete(InvokeStatus::FunctionError, error_document(result.error_type, result.message),
             result.error_type, "error");
  }
}

void Worker::wake() {
  awake_ = true;
  // The standby's wait is not init: Init Duration counts from here.
  spawned_at_ = std::chrono::steady_clock::now();
  context_.last_start_activity = spawned_at_;
  arm_init_timeout();
  if (!parked_standby_) return;  // not asked yet: answered when it asks
  auto respond = std::move(*parked_standby_);
  parked_standby_.reset();
  respond(http::Response::json(200, R"({"status":"released"})"));
}

bool Worker::booting() const {
  return standby() && state_ != State::Dead && !parked_standby_ &&
         std::chrono::steady_clock::now() - spawned_at_ < context_.options.init_timeout;
}

void Worker::on_standby_request(http::Responder respond) {
  if (state_ == State::Dead) return;  // being killed; never answer
  if (!standby_ || awake_) return respond(http::Response::json(200, R"({"status":"released"})"));
  parked_standby_ = std::move(respond);
}

// ---- FunctionPool -----------------------------------------------------------------------------

void FunctionPool::schedule_standby(std::chrono::milliseconds after) {
  if (standby_scheduled_ || standby_ || !context_.keep_standbys) return;
  standby_scheduled_ = true;
  standby_timer_.expires_after(after);
  standby_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the pool may be gone
    standby_scheduled_ = false;
    maybe_start_standby();
  });
}

bool FunctionPool::starting() const {
  return (standby_ && standby_->booting()) ||
         std::any_of(workers_.begin(), workers_.end(),
                     [](const auto& w) { return w->state() == Worker::State::Starting; });
}

void FunctionPool::maybe_start_standby() {
  StandbyConditions c;
  c.enabled = context_.keep_standbys;
  c.shutting_down = context_.shutting_down;
  c.runtime_supported = fn_.family != app::RuntimeFamily::Provided;
  c.has_standby = standby_ != nullptr;
  c.process_starting =
      (context_.starting_anywhere ? context_.starting_anywhere() : starting()) ||
      std::chrono::steady_clock::now() - context_.last_start_activity < kStandbyDelay;
  c.failures = standby_failures_;
  c.limit = limit_;
  switch (standby_decision(c)) {
    case StandbyDecision::None: return;
    case StandbyDecision::Later: return schedule_standby(kStandbyRetry);
    case StandbyDecision::Start: break;
  }
  auto worker = std::make_shared<Worker>(context_, *this, fn_);
  if (worker->start_standby()) {
    ++standby_failures_;  // the workers' own start reports why, at the next cold start
    return;
  }
  standby_ = std::move(worker);
}

std::shared_ptr<Worker> FunctionPool::release_standby() {
  if (!standby_ || standby_->state() == Worker::State::Dead) return nullptr;
  auto worker = std::move(standby_);
  standby_.reset();
  workers_.push_back(worker);
  worker->release();
  return worker;
}

bool FunctionPool::standby_ended(Worker& worker) {
  if (!standby_ || standby_.get() != &worker) return false;
  standby_.reset();
  if (!context_.shutting_down && context_.keep_standbys) ++standby_failures_;
  return true;
}

void FunctionPool::drop_standby() {
  if (standby_) standby_->kill();  // standby_ended() forgets it once it has exited
}

}  // namespace serverlite::invoker
