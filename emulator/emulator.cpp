#include "emulator/emulator.hpp"

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "emulator/app/intrinsics.hpp"
#include "emulator/aws/router.hpp"
#include "emulator/http/server.hpp"
#include "emulator/invoker/pools.hpp"
#include "emulator/store/database.hpp"
#include "services/functions/api.hpp"
#include "services/gateway/gateway.hpp"
#include "services/queue/api.hpp"
#include "services/queue/engine.hpp"
#include "services/queue/resources.hpp"
#include "services/stream/api.hpp"
#include "services/stream/engine.hpp"
#include "services/stream/resources.hpp"
#include "services/stream/trigger_source.hpp"
#include "services/table/api.hpp"
#include "services/table/stream_source.hpp"
#include "services/table/streams_api.hpp"
#include "services/table/engine.hpp"
#include "services/table/resources.hpp"
#include "emulator/events/queue_trigger.hpp"
#include "emulator/events/stream_trigger.hpp"

namespace serverlite {

namespace asio = boost::asio;

namespace {

// Passes invocations on to the pools, saying who asked (InvokeRequest::origin).
class OriginInvoker : public invoker::Invoker {
 public:
  OriginInvoker(invoker::Invoker& next, std::string origin)
      : next_(next), origin_(std::move(origin)) {}
  void invoke(invoker::InvokeRequest request, invoker::InvokeCallback done) override {
    request.origin = origin_;
    next_.invoke(std::move(request), std::move(done));
  }

 private:
  invoker::Invoker& next_;
  std::string origin_;
};

}  // namespace

struct Emulator::Impl {
  Impl(asio::io_context& io, app::AppSpec& app, UpOptions options)
      : io(io), app(app), options(std::move(options)),
        aws_server(io, [this](http::Request r, http::Responder d) {
          serve_aws(std::move(r), std::move(d));
        }),
        gateway_server(io, [this](http::Request r, http::Responder d) {
          serve_gateway(std::move(r), std::move(d));
        }) {}

  // The gateway, with the observer (up --record) seeing each request and its response.
  void serve_gateway(http::Request request, http::Responder respond) {
    if (!gateway_observer) return gateway->handle(std::move(request), std::move(respond));
    auto seen = std::make_shared<http::Request>(request);
    gateway->handle(std::move(request),
                    [this, seen, respond = std::move(respond)](http::Response response) {
                      if (gateway_observer) gateway_observer(*seen, response);
                      respond(std::move(response));
                    });
  }

  // An AWS request. With group commit on (state on disk), its answer waits while a group of
  // writes is open: it may report or have read a write that is not durable yet.
  void serve_aws(http::Request request, http::Responder respond) {
    router.handle(std::move(request), [this, respond = std::move(respond)](http::Response res) {
      if (db && db->group_open()) held_answers.emplace_back(respond, std::move(res));
      else respond(std::move(res));
    });
  }

  // Commits the writes of every request handled since the group opened, then sends their
  // answers; if the commit fails, each of them gets a 500 instead (their writes are undone).
  void flush_group() {
    auto failed = db->flush_group();
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
  void arm_group_cap(std::chrono::steady_clock::time_point at) {
    cap_armed = true;
    group_cap.expires_at(at);
    group_cap.async_wait([this, number = group_number, alive = std::weak_ptr<int>(alive)](
                             boost::system::error_code) {
      if (!alive.lock()) return;
      cap_armed = false;
      if (!db->group_open()) return;
      if (group_number == number) return flush_group();
      arm_group_cap(group_opened + options.group_commit_cap);  // a later group: its own deadline
    });
  }

  void admin(http::Request request, http::Responder respond);
  void schedule_trim();
  void schedule_ttl_sweep();

  asio::io_context& io;
  app::AppSpec& app;
  UpOptions options;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::unique_ptr<store::Database> db;
  std::vector<std::pair<http::Responder, http::Response>> held_answers;  // until the group commits
  bool idle_flush = false;      // enable_idle_flush(): the io loop commits when it runs dry
  std::uint64_t group_number = 0;  // groups opened so far
  std::chrono::steady_clock::time_point group_opened;
  asio::steady_timer group_cap{io};  // options.group_commit_cap after the group opened
  bool cap_armed = false;
  std::size_t last_group_answers = 0;  // answers the last commit released
  std::shared_ptr<int> alive = std::make_shared<int>();  // posted flushes check it
  std::unique_ptr<queue::QueueEngine> queue_engine;  // uses db
  std::unique_ptr<queue::QueueApi> queue_api;        // uses queue_engine
  std::vector<std::shared_ptr<events::QueueTrigger>> queue_triggers;
  std::unique_ptr<stream::StreamEngine> stream_engine;  // uses db
  std::unique_ptr<stream::StreamApi> stream_api;        // uses stream_engine
  std::vector<std::shared_ptr<events::StreamTrigger>> stream_triggers;
  std::unique_ptr<asio::steady_timer> trim_timer;  // drops records past retention
  std::unique_ptr<asio::steady_timer> ttl_timer;   // deletes items whose time to live passed
  std::unique_ptr<table::TableEngine> table_engine;  // uses db
  std::unique_ptr<table::TableApi> table_api;        // uses table_engine
  std::unique_ptr<table::StreamsApi> table_streams_api;  // uses table_engine's stream log
  aws::Router router;
  http::Server aws_server;
  http::Server gateway_server;
  std::unique_ptr<invoker::Pools> pools;
  std::unique_ptr<OriginInvoker> gateway_invoker, lambda_invoker, trigger_invoker;  // use pools
  Emulator::GatewayObserver gateway_observer;
  std::unique_ptr<functions::LambdaApi> lambda;
  std::unique_ptr<gateway::Gateway> gateway;
  bool stopping = false;
};

// The CloudFormation resource types serverlite emulates: each service registers its own.
// With `tables`, Fn::GetAtt [T, StreamArn] answers the table's real stream ARN.
static app::ResourceTypes resource_types(const app::AppSpec& app, const std::string& aws_url,
                                         table::TableEngine* tables = nullptr) {
  app::ResourceTypes types;
  queue::add_queue_resource_type(types, app, aws_url);
  stream::add_stream_resource_type(types, app);
  table::StreamArnLookup lookup;
  if (tables)
    lookup = [tables](const std::string& name) -> std::optional<std::string> {
      auto current = tables->stream_log().current(name);
      if (!current) return std::nullopt;
      return current->arn;
    };
  table::add_table_resource_type(types, app, std::move(lookup));
  return types;
}

static std::vector<std::string> prepare_app(app::AppSpec& app, const app::ResourceTypes& types) {
  auto warnings = app::unsupported_resources(app, types);
  for (auto& w : app::resolve_environment(app, types)) warnings.push_back(std::move(w));
  return warnings;
}

std::vector<std::string> prepare_app(app::AppSpec& app, const std::string& aws_endpoint_url) {
  app::ResourceTypes types = resource_types(app, aws_endpoint_url);
  return prepare_app(app, types);
}

Emulator::Emulator(asio::io_context& io, app::AppSpec& app, UpOptions options)
    : impl_(std::make_unique<Impl>(io, app, std::move(options))) {}

Emulator::~Emulator() = default;

void Emulator::enable_idle_flush() { impl_->idle_flush = true; }

bool Emulator::flush_writes() {
  auto& s = *impl_;
  if (!s.db || !s.db->group_open()) return false;
  s.flush_group();
  return true;
}

std::vector<std::string> Emulator::start() {
  auto& s = *impl_;
  if (s.options.state_dir) {
    std::filesystem::create_directories(*s.options.state_dir);
    s.db = std::make_unique<store::Database>(*s.options.state_dir / "state.db");
    // Group commit: the writes of requests that arrive together share one SQLite commit,
    // made once the io thread has handled them all; their answers are sent after it.
    s.db->enable_group_commit([&s, alive = std::weak_ptr<int>(s.alive)] {
      ++s.group_number;
      s.group_opened = std::chrono::steady_clock::now();
      asio::post(s.io, [&s, alive] {
        if (!alive.lock() || !s.db->group_open()) return;
        // One client at a time (the last group answered one request): commit now, as waiting
        // for an idle loop would only add a poll to each request's time. Several: leave it to
        // the idle flush, so that the requests arriving meanwhile join.
        if (!s.idle_flush || s.last_group_answers <= 1) return s.flush_group();
        if (!s.cap_armed) s.arm_group_cap(s.group_opened + s.options.group_commit_cap);
      });
    });
  } else {
    s.db = std::make_unique<store::Database>(std::nullopt);
  }

  // Listen first: handlers need the AWS endpoint's real port in AWS_ENDPOINT_URL.
  s.aws_server.listen(s.options.host, s.options.aws_port);
  s.gateway_server.listen(s.options.host, s.options.gateway_port);

  // Tables first: a function's environment may name a table's stream (Fn::GetAtt StreamArn),
  // which exists once the table does.
  std::vector<std::string> warnings;
  s.table_engine = std::make_unique<table::TableEngine>(
      *s.db, table::EngineOptions{.region = s.app.region,
                                  .account_id = std::string(app::kAccountId)});
  for (auto& w : table::create_resource_tables(s.app, resource_types(s.app, aws_url()),
                                               *s.table_engine))
    warnings.push_back(std::move(w));
  for (auto& w : prepare_app(s.app, resource_types(s.app, aws_url(), s.table_engine.get())))
    warnings.push_back(std::move(w));

  invoker::InvokerOptions inv;
  inv.aws_endpoint_url = aws_url();
  s.pools = std::make_unique<invoker::Pools>(s.io, s.app, inv);
  s.gateway_invoker = std::make_unique<OriginInvoker>(*s.pools, "gateway");
  s.lambda_invoker = std::make_unique<OriginInvoker>(*s.pools, "lambda");
  s.trigger_invoker = std::make_unique<OriginInvoker>(*s.pools, "trigger");
  s.lambda = std::make_unique<functions::LambdaApi>(s.app, *s.lambda_invoker);
  s.gateway = std::make_unique<gateway::Gateway>(
      s.io, s.app, *s.gateway_invoker, gateway::GatewayOptions{.integration_timeout = s.options.gateway_timeout});

  s.queue_engine = std::make_unique<queue::QueueEngine>(
      *s.db, queue::EngineOptions{.region = s.app.region, .account_id = std::string(app::kAccountId)});
  queue::create_resource_queues(s.app, resource_types(s.app, aws_url()), *s.queue_engine);
  s.queue_api = std::make_unique<queue::QueueApi>(s.io, *s.queue_engine, aws_url());
  start_queue_triggers();
  s.queue_engine->set_on_visible([this](const std::string& queue_name) {
    impl_->queue_api->wake(queue_name);
    for (auto& t : impl_->queue_triggers)
      if (t->queue_name() == queue_name) t->wake();
  });
  s.stream_engine = std::make_unique<stream::StreamEngine>(
      *s.db, stream::EngineOptions{.region = s.app.region,
                                   .account_id = std::string(app::kAccountId),
                                   .throughput_limits = s.options.stream_throughput_limits});
  stream::create_resource_streams(s.app, resource_types(s.app, aws_url()), *s.stream_engine);
  s.stream_api = std::make_unique<stream::StreamApi>(*s.stream_engine);
  s.table_api = std::make_unique<table::TableApi>(*s.table_engine, aws_url());
  s.table_streams_api = std::make_unique<table::StreamsApi>(
      s.table_engine->stream_log(),
      [this](const std::string& name) { return impl_->table_engine->key_schema(name); });
  s.table_engine->stream_log().set_on_records([this](const std::string& stream_arn) {
    for (auto& t : impl_->stream_triggers)
      if (t->source_arn() == stream_arn) t->wake();
  });
  for (auto& w : start_stream_triggers()) warnings.push_back(std::move(w));
  s.stream_engine->set_on_records([this](const std::string& stream_name) {
    std::string arn = impl_->stream_engine->stream_arn(stream_name);
    for (auto& t : impl_->stream_triggers)
      if (t->source_arn() == arn) t->wake();
  });
  s.trim_timer = std::make_unique<asio::steady_timer>(s.io);
  s.schedule_trim();
  s.ttl_timer = std::make_unique<asio::steady_timer>(s.io);
  s.schedule_ttl_sweep();
  s.router.add_target_prefix(std::string(table::TableApi::kTargetPrefix),
                             [this](http::Request r, http::Responder d) {
                               impl_->table_api->handle(std::move(r), d);
                             });
  s.router.add_target_prefix(std::string(table::StreamsApi::kTargetPrefix),
                             [this](http::Request r, http::Responder d) {
                               impl_->table_streams_api->handle(std::move(r), d);
                             });
  s.router.add_target_prefix(std::string(stream::StreamApi::kTargetPrefix),
                             [this](http::Request r, http::Responder d) {
                               impl_->stream_api->handle(std::move(r), d);
                             });
  s.router.add_target_prefix("AmazonSQS.", [this](http::Request r, http::Responder d) {
    impl_->queue_api->handle_json(std::move(r), d);
  });
  s.router.add_query_service("sqs", queue::QueueApi::action_names(),
                             [this](http::Request r, http::Responder d) {
                               impl_->queue_api->handle_query(std::move(r), d);
                             });

  s.router.add_path_prefix("/_serverlite/", [this](http::Request r, http::Responder d) {
    impl_->admin(std::move(r), d);
  });
  s.router.add_path_prefix(std::string(functions::LambdaApi::kPathPrefix),
                           [this](http::Request r, http::Responder d) {
                             impl_->lambda->handle(std::move(r), d);
                           });
  return warnings;
}

// Lambda's SQS event source mappings, one per enabled `sqs` event.
void Emulator::start_queue_triggers() {
  auto& s = *impl_;
  app::ResourceTypes types = resource_types(s.app, aws_url());
  for (const auto& fn : s.app.functions) {
    for (const auto& ev : fn.queue_events) {
      if (!ev.enabled) continue;
      auto arn = app::evaluate_intrinsics(nlohmann::json::parse(ev.arn_json), ev.key_path + ".arn",
                                          s.app, types);
      if (!arn.is_string())
        throw app::ConfigError(s.app.config_file.filename().string(), ev.key_path + ".arn",
                               "expected a queue ARN, got " + arn.dump());
      std::string queue_arn = arn.get<std::string>();
      events::QueueTriggerSpec spec{fn.key, queue_arn.substr(queue_arn.rfind(':') + 1), queue_arn,
                                    s.app.region, ev};
      auto trigger = std::make_shared<events::QueueTrigger>(s.io, *s.queue_engine, *s.trigger_invoker,
                                                            std::move(spec));
      trigger->start();
      s.queue_triggers.push_back(std::move(trigger));
    }
  }
}

// Lambda's Kinesis event source mappings, one per enabled `stream` event of type kinesis.
std::vector<std::string> Emulator::start_stream_triggers() {
  auto& s = *impl_;
  std::vector<std::string> warnings;
  app::ResourceTypes types = resource_types(s.app, aws_url(), s.table_engine.get());
  const std::string file = s.app.config_file.filename().string();
  auto evaluate_arn = [&](const std::string& json_text, const std::string& key) {
    auto arn = app::evaluate_intrinsics(nlohmann::json::parse(json_text), key, s.app, types);
    if (!arn.is_string())
      throw app::ConfigError(file, key, "expected an ARN, got " + arn.dump());
    return arn.get<std::string>();
  };
  for (const auto& fn : s.app.functions) {
    for (const auto& ev : fn.stream_events) {
      if (!ev.enabled) continue;
      std::string stream_arn = evaluate_arn(ev.arn_json, ev.key_path + ".arn");
      std::unique_ptr<events::ShardSource> source;
      if (ev.type == app::StreamEventSpec::Type::Kinesis) {
        auto name = s.stream_engine->name_from_arn(stream_arn);
        if (!name)
          throw app::ConfigError(file, ev.key_path + ".arn",
                                 "not a Kinesis stream ARN of this region and account: " +
                                     stream_arn);
        source = std::make_unique<stream::KinesisShardSource>(*s.stream_engine, *name,
                                                              s.app.region);
      } else {
        auto resolved = table_stream_arn(stream_arn);
        if (!resolved)
          throw app::ConfigError(file, ev.key_path + ".arn",
                                 "not the stream of a table with StreamSpecification enabled: " +
                                     stream_arn);
        stream_arn = *resolved;
        source = std::make_unique<table::TableStreamSource>(s.table_engine->stream_log(),
                                                            stream_arn);
      }
      events::StreamTriggerSpec spec;
      spec.function_key = fn.key;
      spec.function_arn = "arn:aws:lambda:" + s.app.region + ":" + std::string(app::kAccountId) +
                          ":function:" + fn.name;
      spec.region = s.app.region;
      spec.event = ev;
      if (!ev.on_failure_arn_json.empty())
        spec.on_failure_arn = evaluate_arn(ev.on_failure_arn_json, ev.key_path + ".destinations.onFailure");
      auto trigger = std::make_shared<events::StreamTrigger>(
          s.io, *s.db, std::move(source), *s.trigger_invoker, std::move(spec),
          [this](const std::string& arn, const std::string& body, std::string& error) {
            return send_failure_record(arn, body, error);
          });
      trigger->start();
      s.stream_triggers.push_back(std::move(trigger));
    }
  }
  return warnings;
}

// The table stream a `stream` event names: the stream with that exact ARN when it exists, else
// the current stream of the table the ARN names (`arn:aws:dynamodb:R:A:table/T/stream/<label>`,
// any label: a label copied from AWS, or `Fn::GetAtt [T, StreamArn]` resolved before the table
// existed). nullopt when neither is there.
std::optional<std::string> Emulator::table_stream_arn(const std::string& arn) {
  auto& log = impl_->table_engine->stream_log();
  if (log.find(arn)) return arn;
  auto at = arn.find("/stream/");
  if (at == std::string::npos) return std::nullopt;
  auto table = impl_->table_engine->name_from_arn(arn.substr(0, at));
  if (!table) return std::nullopt;
  if (auto current = log.current(*table)) return current->arn;
  return std::nullopt;
}

// An on-failure destination: an SQS queue of this emulator gets the record as a message.
bool Emulator::send_failure_record(const std::string& arn, const std::string& body,
                                   std::string& error) {
  auto& s = *impl_;
  std::string prefix = "arn:aws:sqs:" + s.app.region + ":" + std::string(app::kAccountId) + ":";
  if (!arn.starts_with(prefix)) {
    error = "only SQS queues of this emulator are supported as destinations: " + arn;
    return false;
  }
  queue::SendMessageRequest req;
  req.queue_name = arn.substr(prefix.size());
  req.message.body = body;
  auto sent = s.queue_engine->send_message(req);
  if (!sent) {
    error = sent.error().message;
    return false;
  }
  return true;
}

// Time to live: expired items are deleted by a sweep every second (DynamoDB takes up to a few
// days; a laptop should not make anyone wait), a thousand at a time.
void Emulator::Impl::schedule_ttl_sweep() {
  ttl_timer->expires_after(std::chrono::seconds(1));
  ttl_timer->async_wait([this](boost::system::error_code ec) {
    if (ec || stopping) return;
    while (table_engine->expire_items(1000) == 1000) {
    }
    schedule_ttl_sweep();
  });
}

void Emulator::Impl::schedule_trim() {
  trim_timer->expires_after(std::chrono::seconds(60));
  trim_timer->async_wait([this](boost::system::error_code ec) {
    if (ec || stopping) return;
    stream_engine->trim_expired();
    table_engine->stream_log().trim();
    schedule_trim();
  });
}

void Emulator::handle_aws(http::Request request, http::Responder respond) {
  impl_->serve_aws(std::move(request), std::move(respond));
}

void Emulator::handle_gateway(http::Request request, http::Responder respond) {
  impl_->serve_gateway(std::move(request), std::move(respond));
}

std::string Emulator::evaluate_arn(const std::string& json_text, const std::string& key_path) {
  auto& s = *impl_;
  auto value = app::evaluate_intrinsics(nlohmann::json::parse(json_text), key_path, s.app,
                                        resource_types(s.app, aws_url(), s.table_engine.get()));
  if (!value.is_string())
    throw app::ConfigError(s.app.config_file.filename().string(), key_path,
                           "expected an ARN, got " + value.dump());
  return value.get<std::string>();
}

void Emulator::set_gateway_observer(GatewayObserver observer) {
  impl_->gateway_observer = std::move(observer);
}

void Emulator::set_invocation_observer(InvocationObserver observer) {
  if (!observer) return impl_->pools->set_observer({});
  impl_->pools->set_observer([observer = std::move(observer)](const invoker::InvokeRequest& req,
                                                              const invoker::InvokeResult& res) {
    InvocationSource source = req.origin == "gateway"  ? InvocationSource::Gateway
                              : req.origin == "trigger" ? InvocationSource::Trigger
                                                        : InvocationSource::LambdaApi;
    observer(source, req, res);
  });
}

static std::string url_of(const std::string& host, std::uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Emulator::aws_url() const {
  return url_of(impl_->options.host, impl_->aws_server.port());
}

std::string Emulator::gateway_url() const {
  return url_of(impl_->options.host, impl_->gateway_server.port());
}

void Emulator::Impl::admin(http::Request request, http::Responder respond) {
  std::string_view path = request.path();
  if (request.method == "GET" && path == "/_serverlite/health") {
    double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    nlohmann::json body = {
        {"status", stopping ? "stopping" : "ready"},
        {"version", SERVERLITE_VERSION},
        {"service", app.service},
        {"stage", app.stage},
        {"region", app.region},
        {"functions", app.functions.size()},
        {"uptimeSeconds", uptime},
        {"state", options.state_dir ? options.state_dir->string() : ":memory:"},
    };
    return respond(http::Response::json(stopping ? 503 : 200, body.dump()));
  }
  if (request.method == "GET" && path == "/_serverlite/functions") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& fn : app.functions) {
      auto st = pools->stats(fn.key);
      nlohmann::json routes = nlohmann::json::array();
      for (const auto& r : fn.routes)
        routes.push_back({{"api", r.kind == app::ApiKind::Rest ? "rest" : "http"},
                          {"method", r.method},
                          {"path", r.path}});
      list.push_back({{"key", fn.key},
                      {"name", fn.name},
                      {"runtime", fn.runtime},
                      {"handler", fn.handler},
                      {"routes", routes},
                      {"workers", st.workers},
                      {"busy", st.busy},
                      {"waiting", st.waiting}});
    }
    return respond(http::Response::json(200, nlohmann::json{{"functions", list}}.dump()));
  }
  respond(http::Response::json(404, R"({"message":"no such admin endpoint"})"));
}

void Emulator::shutdown(std::function<void()> done) {
  auto& s = *impl_;
  if (s.stopping) return;
  s.stopping = true;
  s.aws_server.stop();
  s.gateway_server.stop();
  for (auto& t : s.queue_triggers) t->stop();
  for (auto& t : s.stream_triggers) t->stop();
  if (s.trim_timer) s.trim_timer->cancel();
  if (s.ttl_timer) s.ttl_timer->cancel();
  s.queue_api->shutdown();
  s.pools->shutdown(s.options.shutdown_grace, [this, done] {
    // Give answers already produced a moment to reach their clients.
    auto timer = std::make_shared<asio::steady_timer>(impl_->io);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [this, timer, deadline, done, poll] {
      bool idle = impl_->aws_server.open_connections() == 0 &&
                  impl_->gateway_server.open_connections() == 0;
      if (idle || std::chrono::steady_clock::now() >= deadline) {
        auto* self = this;
        auto finished = done;  // clearing *poll destroys this closure and its captures
        *poll = nullptr;
        self->impl_->queue_api.reset();
        self->impl_->queue_engine.reset();
        self->impl_->stream_triggers.clear();
        self->impl_->stream_api.reset();
        self->impl_->stream_engine.reset();
        self->impl_->table_streams_api.reset();
        self->impl_->table_api.reset();
        self->impl_->table_engine.reset();
        self->impl_->db.reset();  // closes SQLite cleanly (checkpoints the WAL)
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
