// The inside of Emulator, shared by emulator.cpp (start, group commit, shutdown), admin.cpp (the
// admin API) and control.cpp (reset and the virtual clock's advance). Private to those files.
//
// Threading: everything here is owned by the io thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "emulator/access_log.hpp"
#include "emulator/app/intrinsics.hpp"
#include "emulator/aws/router.hpp"
#include "emulator/aws/sigv4_verify.hpp"
#include "emulator/emulator.hpp"
#include "emulator/http/request_guard.hpp"
#include "emulator/http/server.hpp"
#include "emulator/invoker/pools.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/platform/delivery.hpp"
#include "emulator/platform/service.hpp"
#include "emulator/store/database.hpp"

namespace serverlite {

// Passes invocations on to the pools, saying who asked (InvokeRequest::origin). Made before the
// pools are: it finds them at each call.
class OriginInvoker : public invoker::Invoker {
 public:
  OriginInvoker(std::unique_ptr<invoker::Pools>& pools, std::string origin)
      : pools_(pools), origin_(std::move(origin)) {}
  void invoke(invoker::InvokeRequest request, invoker::InvokeCallback done) override {
    request.origin = origin_;
    pools_->invoke(std::move(request), std::move(done));
  }

 private:
  std::unique_ptr<invoker::Pools>& pools_;
  std::string origin_;
};

// A time of the clock in epoch milliseconds, as the admin API and its messages write it.
inline std::int64_t epoch_ms(platform::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct Emulator::Impl : platform::ServiceContext {
  Impl(boost::asio::io_context& io, app::AppSpec& app, UpOptions options,
       platform::ServiceList services);
  // The services close before the store they use.
  ~Impl() override;

  // ---- platform::ServiceContext ----
  boost::asio::io_context& io() override { return io_; }
  app::AppSpec& app() override { return app_; }
  const UpOptions& options() override { return options_; }
  std::string aws_url() override;
  platform::Clock& clock() override { return *clock_; }
  platform::Delivery& delivery() override { return delivery_; }
  store::Database& db() override { return *db_; }
  const app::ResourceTypes& resource_types() override { return types_; }
  invoker::Invoker& invoker(std::string_view origin) override;
  invoker::Pools* pools() override { return pools_.get(); }
  void add_trigger(platform::TriggerInfo info) override { triggers_.push_back(std::move(info)); }
  const std::vector<platform::TriggerInfo>& triggers() override { return triggers_; }

  // ---- emulator.cpp ----
  void open_store();
  std::vector<std::string> open_services();  // each service's open(), in list order
  // From the listeners: the Host, Origin and signature checks, then serve_*.
  void screen_gateway(http::Request request, http::Responder respond);
  void screen_aws(http::Request request, http::Responder respond);
  void serve_gateway(http::Request request, http::Responder respond);
  // `from_network`: the request came through the listener, and must be signed as on AWS.
  void serve_aws(http::Request request, http::Responder respond, bool from_network = false);
  void flush_group();
  void arm_group_cap(std::chrono::steady_clock::time_point at);

  // ---- admin.cpp ----
  void add_admin_routes();
  void admin(http::Request request, http::Responder respond);
  void localstack(http::Request request, http::Responder respond);

  // ---- control.cpp ----
  std::vector<std::string> reset();
  struct AdvanceResult {
    int status = 200;    // 400: a real clock or a time in the past; 409: another advance
    std::string error;
    int steps = 0;         // times at which something fell due
    bool settled = true;   // false: invocations still ran when the wait for them gave up
  };
  void advance(platform::WallTime to, std::function<void(AdvanceResult)> done);
  struct Advance;
  void advance_step(std::shared_ptr<Advance> advance);
  void settle(std::shared_ptr<Advance> advance, std::function<void()> next);
  int invocations_in_flight() const;

  boost::asio::io_context& io_;
  app::AppSpec& app_;
  UpOptions options_;
  std::unique_ptr<platform::Clock> clock_;
  platform::Delivery delivery_;
  platform::ServiceList services_;
  app::ResourceTypes types_;
  std::vector<platform::TriggerInfo> triggers_;
  std::vector<platform::Clock::Id> periodic_;
  bool advancing_ = false;  // one advance of the virtual clock at a time

  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::unique_ptr<store::Database> db_;
  std::vector<std::pair<http::Responder, http::Response>> held_answers;  // until the group commits
  bool idle_flush = false;      // enable_idle_flush(): the io loop commits when it runs dry
  std::uint64_t group_number = 0;  // groups opened so far
  std::chrono::steady_clock::time_point group_opened;
  boost::asio::steady_timer group_cap{io_};  // options.group_commit_cap after the group opened
  bool cap_armed = false;
  std::size_t last_group_answers = 0;  // answers the last commit released
  std::shared_ptr<int> alive = std::make_shared<int>();  // posted work checks it

  aws::Router router;
  http::RequestGuard aws_guard;      // Host and Origin on the AWS endpoint
  http::RequestGuard gateway_guard;  // Host on the gateway
  std::optional<aws::SignatureVerifier> verifier;  // up --verify-signatures
  http::Handler gateway_handler;  // set by the service that serves the gateway
  http::Server aws_server;
  http::Server gateway_server;
  std::unique_ptr<invoker::Pools> pools_;
  std::map<std::string, std::unique_ptr<OriginInvoker>, std::less<>> invokers_;
  Emulator::GatewayObserver gateway_observer;
  // A line per request from the network (UpOptions::access_log); null when off.
  std::shared_ptr<AccessLog> access_log;
  bool stopping = false;
};

}  // namespace serverlite
