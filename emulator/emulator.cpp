#include "emulator/emulator.hpp"

#include <cerrno>
#include <chrono>
#include <system_error>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/auth_form.hpp"
#include "emulator/aws/endpoint_answers.hpp"
#include "emulator/emulator_impl.hpp"
#include "emulator/http/content_coding.hpp"
#include "emulator/loop_holds.hpp"
#include "emulator/platform/triggers.hpp"

namespace serverlite {

namespace asio = boost::asio;

namespace {

// The names the listeners serve besides local ones: the address given to --host, and --allow-host.
http::GuardOptions guard_options(const UpOptions& options) {
  http::GuardOptions guard{.hosts = options.allow_hosts, .origins = options.allow_origins};
  guard.hosts.push_back(options.host);
  return guard;
}

std::optional<aws::SignatureVerifier> make_verifier(const UpOptions& options) {
  if (!options.verify_signatures) return std::nullopt;
  std::map<std::string, std::string, std::less<>> secrets(options.credentials.begin(),
                                                          options.credentials.end());
  return aws::SignatureVerifier(std::move(secrets));
}

// The admin API and LocalStack's health path are serverlite's own, called unsigned by scripts.
bool is_admin_path(std::string_view path) {
  return path.starts_with("/_serverlite/") || path.starts_with("/_localstack/");
}

// "POST / (DynamoDB_20120810.PutItem)", "GET /2015-03-31/functions", "POST / (Action=SendMessage)".
std::string describe(const http::Request& request) {
  std::string out = request.method + " " + std::string(request.path());
  if (auto target = request.header("X-Amz-Target")) return out + " (" + std::string(*target) + ")";
  return out;
}

// Binds a listener; a port that is taken names the option that chooses another.
void listen_or_explain(http::Server& server, const std::string& host, std::uint16_t port,
                       std::string_view what, std::string_view option) {
  try {
    server.listen(host, port);
  } catch (const std::system_error& e) {
    if (e.code().value() != EADDRINUSE) throw;
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + " for " +
                             std::string(what) + ": the port is in use (by another serverlite?); "
                             "choose another with " + std::string(option) +
                             " PORT (0: any free port)");
  }
}

}  // namespace

Emulator::Impl::Impl(asio::io_context& io, app::AppSpec& app, UpOptions options,
                     platform::ServiceList services)
    : io_(io), app_(app), options_(std::move(options)),
      clock_(options_.virtual_clock ? platform::Clock::make_virtual(io, *options_.virtual_clock)
                                    : platform::Clock::real(io)),
      delivery_(app.region, std::string(app::kAccountId)), services_(std::move(services)),
      aws_guard(guard_options(options_), "AWS endpoint"),
      gateway_guard(guard_options(options_), "gateway"), verifier(make_verifier(options_)),
      // Answers to clients that accept gzip are compressed, as AWS endpoints do; the gateway's
      // are not (API Gateway compresses only when an API sets minimumCompressionSize).
      aws_server(io, http::compress_answers([this](http::Request r, http::Responder d) {
        screen_aws(std::move(r), std::move(d));
      })),
      gateway_server(io, [this](http::Request r, http::Responder d) {
        screen_gateway(std::move(r), std::move(d));
      }) {
  if (options_.access_log) access_log = std::make_shared<AccessLog>();
}

Emulator::Impl::~Impl() {
  for (auto& service : services_) service->close();
  db_.reset();
}

invoker::Invoker& Emulator::Impl::invoker(std::string_view origin) {
  auto it = invokers_.find(origin);
  if (it == invokers_.end())
    it = invokers_.emplace(std::string(origin),
                           std::make_unique<OriginInvoker>(pools_, std::string(origin)))
             .first;
  return *it->second;
}

// A request from the network to the gateway: refused when its Host names no local listener.
// (Requests replayed in-process come through serve_gateway directly.)
void Emulator::Impl::screen_gateway(http::Request request, http::Responder respond) {
  if (access_log)
    respond = AccessLog::wrap(access_log, AccessLog::Listener::Gateway, request, std::move(respond));
  if (auto refusal = gateway_guard.check_host(request)) {
    http::log_refusal(*refusal);
    return respond(std::move(refusal->response));
  }
  serve_gateway(std::move(request), std::move(respond));
}

// A request from the network to the AWS endpoint: refused when its Host names no local listener
// or it comes from a browser origin the user did not allow (a preflight from an allowed one is
// answered here, and the answers to its requests get CORS headers), and with
// --verify-signatures when it is not signed by a configured key.
void Emulator::Impl::screen_aws(http::Request request, http::Responder respond) {
  if (access_log)
    respond = AccessLog::wrap(access_log, AccessLog::Listener::Aws, request, std::move(respond));
  auto refusal = aws_guard.check_host(request);
  if (!refusal) refusal = aws_guard.check_origin(request);
  if (refusal) {
    http::log_refusal(*refusal);
    return respond(std::move(refusal->response));
  }
  if (auto answer = aws_guard.preflight(request)) {
    // Each service's request id: Kinesis's a UUID, DynamoDB's (the endpoint's own) 52 characters.
    answer->add_header("x-amzn-RequestId", aws::scope_service(request) == "kinesis"
                                               ? aws::new_request_id()
                                               : aws::new_dynamodb_request_id());
    return respond(std::move(*answer));
  }
  std::string origin(request.header("Origin").value_or(""));
  if (verifier && !is_admin_path(request.path())) {
    if (auto failure = verifier->verify(request, std::chrono::system_clock::now())) {
      auto res = aws::render_auth_error(request, *failure);
      std::string log = "refused " + describe(request) + ": " + failure->message;
      if (!failure->canonical_request.empty()) {
        log += " The canonical request serverlite computed:\n";
        std::string_view rest = failure->canonical_request;
        while (true) {
          auto nl = rest.find('\n');
          log += "    " + std::string(rest.substr(0, nl));
          if (nl == std::string_view::npos) break;
          log += "\n";
          rest.remove_prefix(nl + 1);
        }
      }
      http::log_refusal({{}, std::move(log), "signature " + failure->message});
      aws_guard.add_cors(origin, res);
      return respond(std::move(res));
    }
  }
  if (origin.empty()) return serve_aws(std::move(request), std::move(respond), true);
  serve_aws(
      std::move(request),
      [this, origin = std::move(origin), respond = std::move(respond)](http::Response res) {
        aws_guard.add_cors(origin, res);
        respond(std::move(res));
      },
      true);
}

// The gateway, with the observer (up --record) seeing each request and its response.
void Emulator::Impl::serve_gateway(http::Request request, http::Responder respond) {
  if (!gateway_handler)
    return respond(http::Response::json(404, R"({"message":"Not Found"})"));
  if (!gateway_observer) return gateway_handler(std::move(request), std::move(respond));
  auto seen = std::make_shared<http::Request>(request);
  gateway_handler(std::move(request),
                  [this, seen, respond = std::move(respond)](http::Response response) {
                    if (gateway_observer) gateway_observer(*seen, response);
                    respond(std::move(response));
                  });
}

// An AWS request. With group commit on (state on disk), its answer waits while a group of
// writes is open: it may report or have read a write that is not durable yet.
void Emulator::Impl::serve_aws(http::Request request, http::Responder respond,
                               bool from_network) {
  router.handle(
      std::move(request),
      [this, respond = std::move(respond)](http::Response res) {
        if (db_ && db_->group_open()) held_answers.emplace_back(respond, std::move(res));
        else respond(std::move(res));
      },
      from_network);
}

// Commits the writes of every request handled since the group opened, then sends their
// answers; if the commit fails, each of them gets a 500 instead (their writes are undone).
void Emulator::Impl::flush_group() {
  HoldMeter meter(HoldMeter::Detail::Full);
  auto failed = db_->flush_group();
  meter.finish("group commit");
  auto answers = std::move(held_answers);
  held_answers.clear();
  last_group_answers = answers.size();
  for (auto& [respond, res] : answers) {
    if (failed) {
      nlohmann::json body{{"__type", "InternalFailure"},
                          {"message", "The state could not be written: " + *failed}};
      res = http::Response::json(500, body.dump());
    }
    respond(std::move(res));
  }
}

// The cap on an idle-flushed group's age: one timer, re-armed only while groups stay open.
void Emulator::Impl::arm_group_cap(std::chrono::steady_clock::time_point at) {
  cap_armed = true;
  group_cap.expires_at(at);
  group_cap.async_wait([this, number = group_number, alive = std::weak_ptr<int>(alive)](
                           boost::system::error_code) {
    if (!alive.lock()) return;
    cap_armed = false;
    if (!db_->group_open()) return;
    if (group_number == number) return flush_group();
    arm_group_cap(group_opened + options_.group_commit_cap);  // a later group: its own deadline
  });
}

// The store: SQLite under the state directory, or in memory.
void Emulator::Impl::open_store() {
  if (!options_.state_dir) {
    db_ = std::make_unique<store::Database>(std::nullopt);
    return;
  }
  // A state directory serverlite makes is its user's alone (0700); one that exists is left as
  // its owner set it, but the files serverlite keeps in it are 0600 (store::Database).
  if (std::filesystem::create_directories(*options_.state_dir))
    std::filesystem::permissions(*options_.state_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
  db_ = std::make_unique<store::Database>(
      *options_.state_dir / "state.db",
      options_.durability_full ? store::Durability::Full : store::Durability::Normal);
  // Group commit: the writes of requests that arrive together share one SQLite commit, made
  // once the io thread has handled them all; their answers are sent after it.
  db_->enable_group_commit([this, alive = std::weak_ptr<int>(alive)] {
    ++group_number;
    group_opened = std::chrono::steady_clock::now();
    asio::post(io_, [this, alive] {
      if (!alive.lock() || !db_ || !db_->group_open()) return;
      // One client at a time (the last group answered one request): commit now, as waiting
      // for an idle loop would only add a poll to each request's time. Several: leave it to
      // the idle flush, so that the requests arriving meanwhile join.
      if (!idle_flush || last_group_answers <= 1) return flush_group();
      if (!cap_armed) arm_group_cap(group_opened + options_.group_commit_cap);
    });
  });
}

std::vector<std::string> Emulator::Impl::open_services() {
  std::vector<std::string> warnings;
  for (auto& service : services_)
    for (auto& w : service->open(*this)) warnings.push_back(std::move(w));
  return warnings;
}

static std::string url_of(const std::string& host, std::uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Emulator::Impl::aws_url() { return url_of(options_.host, aws_server.port()); }

static std::vector<std::string> prepare_app(app::AppSpec& app, const app::ResourceTypes& types) {
  auto warnings = app::unsupported_resources(app, types);
  for (auto& w : app::resolve_environment(app, types)) warnings.push_back(std::move(w));
  return warnings;
}

std::vector<std::string> prepare_app(app::AppSpec& app, const std::string& aws_endpoint_url) {
  app::ResourceTypes types;
  auto services = builtin_services();
  for (auto& service : services) service->add_resource_types(types, app, aws_endpoint_url);
  return prepare_app(app, types);
}

Emulator::Emulator(asio::io_context& io, app::AppSpec& app, UpOptions options,
                   platform::ServiceList services)
    : impl_(std::make_unique<Impl>(io, app, std::move(options), std::move(services))) {}

Emulator::~Emulator() = default;

void Emulator::enable_idle_flush() {
  impl_->idle_flush = true;
  if (impl_->access_log) impl_->access_log->set_batched(true);
}

bool Emulator::flush_writes() {
  auto& s = *impl_;
  // The access lines gathered meanwhile go out whenever the loop runs dry; writing them is not
  // work the loop must poll again for.
  if (s.access_log) s.access_log->flush();
  if (!s.db_ || !s.db_->group_open()) return false;
  s.flush_group();
  return true;
}

// Start-up, in an order each step needs: the store; both listeners (handlers need the AWS
// endpoint's real port in AWS_ENDPOINT_URL); every service's resource types, then its engine and
// the app's resources (in list order); the functions' environments, which may name those
// resources; the pools; routes, ARNs, triggers and periodic work.
std::vector<std::string> Emulator::start() {
  auto& s = *impl_;
  s.open_store();
  listen_or_explain(s.aws_server, s.options_.host, s.options_.aws_port, "the AWS endpoint",
                    "--port");
  listen_or_explain(s.gateway_server, s.options_.host, s.options_.gateway_port, "the gateway",
                    "--gateway-port");

  for (auto& service : s.services_) service->add_resource_types(s.types_, s.app_, aws_url());
  std::vector<std::string> warnings = s.open_services();
  for (auto& w : prepare_app(s.app_, s.types_)) warnings.push_back(std::move(w));

  invoker::InvokerOptions inv;
  inv.aws_endpoint_url = aws_url();
  if (s.options_.verify_signatures && !s.options_.credentials.empty())
    std::tie(inv.access_key_id, inv.secret_access_key) = s.options_.credentials.front();
  inv.max_concurrency = s.options_.function_concurrency;
  inv.max_waiting = s.options_.function_queue_limit;
  s.pools_ = std::make_unique<invoker::Pools>(s.io_, s.app_, inv);

  platform::Routes routes{s.router, s.gateway_handler};
  s.router.set_region(s.app_.region);
  s.add_admin_routes();
  for (auto& service : s.services_) {
    service->add_routes(routes);
    service->claim_arns(s.delivery_);
  }
  for (auto& service : s.services_)
    for (auto& w : service->start_triggers()) warnings.push_back(std::move(w));
  for (auto& service : s.services_)
    for (auto& work : service->periodic_work())
      s.periodic_.push_back(
          s.clock_->every(work.interval, [&s, run = work.run, name = std::string(work.name),
                                          bulk = work.bulk] {
            if (s.stopping) return;
            if (bulk && s.db_ && s.db_->checkpoint_under_way()) return;
            HoldMeter meter(HoldMeter::Detail::Full);
            run();
            meter.finish(name);
          }));
  return warnings;
}

void Emulator::handle_aws(http::Request request, http::Responder respond) {
  impl_->serve_aws(std::move(request), std::move(respond));
}

void Emulator::handle_gateway(http::Request request, http::Responder respond) {
  impl_->serve_gateway(std::move(request), std::move(respond));
}

std::string Emulator::evaluate_arn(const std::string& json_text, const std::string& key_path) {
  return platform::evaluate_arn(*impl_, json_text, key_path);
}

void Emulator::set_gateway_observer(GatewayObserver observer) {
  impl_->gateway_observer = std::move(observer);
}

void Emulator::set_invocation_observer(InvocationObserver observer) {
  if (!observer) return impl_->pools_->set_observer({});
  impl_->pools_->set_observer([observer = std::move(observer)](const invoker::InvokeRequest& req,
                                                               const invoker::InvokeResult& res) {
    InvocationSource source = req.origin == "gateway"  ? InvocationSource::Gateway
                              : req.origin == "lambda" ? InvocationSource::LambdaApi
                                                       : InvocationSource::Trigger;
    observer(source, req, res);
  });
}

std::string Emulator::aws_url() const { return impl_->aws_url(); }

std::string Emulator::gateway_url() const {
  return url_of(impl_->options_.host, impl_->gateway_server.port());
}

int Emulator::replace_workers(const std::vector<std::string>& function_keys) {
  return impl_->pools_ ? impl_->pools_->replace_workers(function_keys) : 0;
}

void Emulator::keep_standbys(bool on) {
  if (impl_->pools_) impl_->pools_->keep_standbys(on);
}

platform::Clock& Emulator::clock() { return *impl_->clock_; }

platform::Delivery& Emulator::delivery() { return impl_->delivery_; }

const std::vector<platform::TriggerInfo>& Emulator::triggers() const { return impl_->triggers_; }

void Emulator::shutdown(std::function<void()> done) {
  auto& s = *impl_;
  if (s.stopping) return;
  s.stopping = true;
  s.aws_server.stop();
  s.gateway_server.stop();
  for (auto id : s.periodic_) s.clock_->cancel(id);
  for (auto& service : s.services_) service->stop();
  s.pools_->shutdown(s.options_.shutdown_grace, [this, done] {
    // Give answers already produced a moment to reach their clients.
    auto timer = std::make_shared<asio::steady_timer>(impl_->io_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [this, timer, deadline, done, poll] {
      bool idle = impl_->aws_server.open_connections() == 0 &&
                  impl_->gateway_server.open_connections() == 0;
      if (idle || std::chrono::steady_clock::now() >= deadline) {
        auto* self = this;
        auto finished = done;  // clearing *poll destroys this closure and its captures
        *poll = nullptr;
        for (auto& service : self->impl_->services_) service->close();
        self->impl_->db_.reset();  // closes SQLite cleanly (checkpoints the WAL)
        return finished();
      }
      timer->expires_after(std::chrono::milliseconds(10));
      timer->async_wait([poll](auto ec) {
        if (!ec && *poll) (*poll)();
      });
    };
    (*poll)();
  });
}

}  // namespace serverlite
