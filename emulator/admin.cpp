// The admin API on the AWS endpoint (/_serverlite/...), and LocalStack's health path, which many
// CI scripts wait on.
#include <chrono>

#include <nlohmann/json.hpp>

#include "emulator/emulator_impl.hpp"
#include "emulator/fast_json.hpp"
#include "emulator/function_triggers.hpp"
#include "emulator/loop_holds.hpp"
#include "emulator/platform/triggers.hpp"
#include "emulator/time_format.hpp"

namespace serverlite {

namespace {

using Json = nlohmann::json;

struct Endpoint {
  const char* method;
  const char* path;
  const char* what;
};

constexpr Endpoint kEndpoints[] = {
    {"GET", "/_serverlite/", "this list"},
    {"GET", "/_serverlite/health", "status, version, app, uptime"},
    {"GET", "/_serverlite/functions", "the functions with their routes, triggers and warm workers"},
    {"GET", "/_serverlite/resources",
     "every resource of every service with its live figures"},
    {"POST", "/_serverlite/reset",
     "empties every service's state and creates serverless.yml's resources again"},
    {"GET", "/_serverlite/loop",
     "the longest the io thread was held since the last reset, by what, and how many holds "
     "exceeded 10 ms"},
    {"POST", "/_serverlite/loop", "the same figures, then starts them over"},
    {"GET", "/_serverlite/clock", "the clock's time and kind"},
    {"POST", "/_serverlite/clock",
     "moves the virtual clock: {\"advance\": \"PT30S\"} or {\"to\": \"2026-01-01T00:05:00Z\"}"},
    {"GET", "/_localstack/health", "LocalStack's health shape: {\"services\": {NAME: \"running\"}}"},
};

Json error_body(const std::string& message) { return Json{{"message", message}}; }

Json loop_body(const LoopHoldFigures& f) {
  Json longest = {{"what", f.longest.what}, {"wallMs", f.longest.wall_ms}};
  if (f.longest.cpu_ms >= 0) {
    longest["cpuMs"] = f.longest.cpu_ms;
    longest["waits"] = f.longest.waits;
    longest["preemptions"] = f.longest.preemptions;
    longest["blocksRead"] = f.longest.blocks_read;
    longest["blocksWritten"] = f.longest.blocks_written;
  }
  return Json{{"longest", longest},
              {"measured", f.measured},
              {"over10ms", f.over_10ms},
              {"seconds", f.seconds}};
}

}  // namespace

void Emulator::Impl::add_admin_routes() {
  router.add_path_prefix("/_serverlite/", [this](http::Request r, http::Responder d) {
    admin(std::move(r), std::move(d));
  }, /*signed_only=*/false);
  router.add_path_prefix("/_localstack/", [this](http::Request r, http::Responder d) {
    localstack(std::move(r), std::move(d));
  }, /*signed_only=*/false);
}

void Emulator::Impl::localstack(http::Request request, http::Responder respond) {
  if ((request.method != "GET" && request.method != "HEAD") ||
      request.path() != "/_localstack/health")
    return respond(http::Response::json(404, error_body("no such endpoint").dump()));
  Json services = Json::object();
  for (const auto& service : services_)
    for (const auto& name : service->health_names())
      services[name] = stopping ? "stopping" : "running";
  Json body = {{"services", services}, {"edition", "serverlite"}, {"version", SERVERLITE_VERSION}};
  respond(http::Response::json(200, body.dump()));
}

void Emulator::Impl::admin(http::Request request, http::Responder respond) {
  std::string_view path = request.path();
  const std::string& method = request.method;
  auto answer = [&](int status, const Json& body) {
    respond(http::Response::json(status, body.dump()));
  };
  if (method == "GET" && path == "/_serverlite/") {
    Json list = Json::array();
    for (const auto& e : kEndpoints)
      list.push_back({{"method", e.method}, {"path", e.path}, {"description", e.what}});
    return answer(200, Json{{"endpoints", list}});
  }
  if (method == "GET" && path == "/_serverlite/health") {
    double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    Json body = {
        {"status", stopping ? "stopping" : "ready"},
        {"version", SERVERLITE_VERSION},
        {"service", app_.service},
        {"stage", app_.stage},
        {"region", app_.region},
        {"functions", app_.functions.size()},
        {"uptimeSeconds", uptime},
        {"state", options_.state_dir ? options_.state_dir->string() : ":memory:"},
        {"durability", db_->durability() == store::Durability::Full ? "full" : "normal"},
    };
    return answer(stopping ? 503 : 200, body);
  }
  if (path == "/_serverlite/loop") {
    if (method != "GET" && method != "POST") return answer(405, error_body("GET or POST"));
    auto figures = loop_hold_figures();
    if (method == "POST") reset_loop_holds();
    return answer(200, loop_body(figures));
  }
  if (method == "GET" && path == "/_serverlite/functions") {
    Json list = Json::array();
    for (const auto& fn : app_.functions) {
      auto st = pools_->stats(fn.key);
      Json routes = Json::array();
      for (const auto& r : fn.routes)
        routes.push_back({{"api", r.kind == app::ApiKind::Rest ? "rest" : "http"},
                          {"method", r.method},
                          {"path", r.path}});
      Json triggers = Json::array();
      auto evaluate = [this](const std::string& json, const std::string& key_path) {
        return platform::evaluate_arn(*this, json, key_path);
      };
      for (const auto& t : function_triggers(app_, fn, triggers_, evaluate))
        triggers.push_back(to_json(t));
      list.push_back({{"key", fn.key},
                      {"name", fn.name},
                      {"runtime", fn.runtime},
                      {"handler", fn.handler},
                      {"routes", routes},
                      {"triggers", triggers},
                      {"workers", st.workers},
                      {"busy", st.busy},
                      {"waiting", st.waiting}});
    }
    return answer(200, Json{{"functions", list}});
  }
  if (method == "GET" && path == "/_serverlite/resources") {
    Json by_service = Json::object();
    for (const auto& service : services_) {
      Json described = service->describe();
      if (!described.is_null()) by_service[std::string(service->name())] = std::move(described);
    }
    return answer(200, Json{{"services", by_service}});
  }
  if (method == "POST" && path == "/_serverlite/reset") {
    if (advancing_) return answer(409, error_body("the clock is being advanced; try again"));
    auto begin = std::chrono::steady_clock::now();
    try {
      auto warnings = reset();
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
              .count();
      return answer(200, Json{{"reset", true}, {"milliseconds", ms}, {"warnings", warnings}});
    } catch (const std::exception& e) {
      return answer(500, error_body(std::string("reset failed: ") + e.what()));
    }
  }
  if (path == "/_serverlite/clock") {
    auto now_body = [this] {
      return Json{{"now", iso8601_millis(epoch_ms(clock_->now()))},
                  {"epochMillis", epoch_ms(clock_->now())},
                  {"kind", clock_->is_virtual() ? "virtual" : "real"}};
    };
    if (method == "GET") return answer(200, now_body());
    if (method != "POST") return answer(405, error_body("GET or POST"));
    // Its bodies are a member or two: deeper nesting is refused before nlohmann builds (and the
    // message below dumps, recursively) a value 50,000 levels deep.
    if (json_nesting_exceeds(request.body, 16))
      return answer(400, error_body("the body is nested more than 16 levels deep"));
    Json body = Json::parse(request.body, nullptr, false, true);
    if (!body.is_object() || (body.contains("advance") == body.contains("to")))
      return answer(400, error_body(
                             "expected {\"advance\": \"PT30S\"} or {\"to\": \"2026-01-01T00:05:00Z\"}"));
    platform::WallTime to;
    if (body.contains("advance")) {
      const Json& value = body["advance"];
      auto ms = value.is_string() ? parse_iso8601_duration(value.get<std::string>()) : std::nullopt;
      if (!ms)
        return answer(400, error_body("advance: not an ISO 8601 duration of days, hours, minutes "
                                      "and seconds (PT30S, PT1H, P1DT2H): " + value.dump()));
      to = clock_->now() + std::chrono::milliseconds(*ms);
    } else {
      const Json& value = body["to"];
      auto ms = value.is_string() ? parse_iso8601(value.get<std::string>()) : std::nullopt;
      if (!ms)
        return answer(400, error_body("to: not an ISO 8601 time (2026-01-01T00:05:00Z): " +
                                      value.dump()));
      to = platform::WallTime(std::chrono::milliseconds(*ms));
    }
    // Answers once everything that fell due has run, with the invocations it started.
    return advance(to, [respond = std::move(respond), now_body](AdvanceResult result) {
      if (!result.error.empty())
        return respond(http::Response::json(result.status, error_body(result.error).dump()));
      Json body = now_body();
      body["steps"] = result.steps;
      body["settled"] = result.settled;
      respond(http::Response::json(200, body.dump()));
    });
  }
  answer(404, error_body("no such admin endpoint; GET /_serverlite/ lists them"));
}

}  // namespace serverlite
