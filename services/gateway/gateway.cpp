#include "services/gateway/gateway.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "emulator/app/offline.hpp"
#include "emulator/aws/api_error.hpp"
#include "emulator/http/route_matcher.hpp"
#include "services/gateway/cors.hpp"
#include "services/gateway/events.hpp"
#include "services/gateway/responses.hpp"

namespace serverlite::gateway {

namespace asio = boost::asio;

namespace {

struct RouteRef {
  const app::FunctionSpec* function;
  const app::HttpRoute* route;
};

// API Gateway's extendedRequestId / x-amz-apigw-id: 16 characters of base64 alphabet ending
// in '='. Not for security; only unique enough within a run.
std::string new_extended_request_id() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id;
  for (int i = 0; i < 15; ++i) id += kAlphabet[pick(rng)];
  return id + "=";
}

// One invocation in flight: whichever comes first, the result or the timeout, answers; the other
// finds `done` set. Owned by the invoker's callback; the timer holds only a weak reference, so
// the state goes away once the invoker is done with it.
struct Pending {
  Pending(asio::io_context& io, app::ApiKind kind, http::Responder respond)
      : timer(io), kind(kind), respond(std::move(respond)) {}

  void finish(http::Response response) {
    if (done) return;
    done = true;
    timer.cancel();
    add_request_ids(response, kind, request_id, extended_request_id);
    apply_cors(response, kind, cors, request);
    response.served_by = function;
    auto r = std::move(respond);
    r(std::move(response));
  }

  asio::steady_timer timer;
  app::ApiKind kind;
  http::Responder respond;
  http::Request request;  // without its body: CORS needs the Origin header
  app::CorsSpec cors;
  std::string request_id, extended_request_id;
  std::string function;  // its key in serverless.yml
  bool done = false;
};

}  // namespace

struct Gateway::Impl {
  Impl(asio::io_context& io, const app::AppSpec& app, invoker::Invoker& invoker,
       GatewayOptions options)
      : io(io),
        app(app),
        offline(app::offline_settings(app)),
        invoker(invoker),
        options(options),
        rest_api_id(Gateway::api_id(app.service, app::ApiKind::Rest)),
        http_api_id(Gateway::api_id(app.service, app::ApiKind::Http)) {}

  // The path relative to the stage when it begins with "/{stage}" and there are REST routes.
  std::optional<std::string> rest_path(std::string_view path) const;
  bool preflight(const http::Request& request, const std::optional<std::string>& rest_path,
                 std::string_view path, const http::Responder& respond) const;
  void dispatch(app::ApiKind kind, const RouteRef& ref, RouteInfo info, http::Request request,
                std::string rest_path, http::Responder respond);

  asio::io_context& io;
  const app::AppSpec& app;
  app::OfflineSettings offline;  // serverless-offline's prefix and noPrependStageInUrl
  invoker::Invoker& invoker;
  GatewayOptions options;
  std::string rest_api_id, http_api_id;
  std::vector<RouteRef> rest_routes, http_routes;  // indexed by the matchers' values
  http::RouteMatcher rest, http;
  std::optional<RouteRef> http_default;
  // In AWS, CORS is one setting of the whole HTTP API: the first httpApi route with it enabled.
  const app::CorsSpec* http_cors = nullptr;
};

std::string Gateway::api_id(std::string_view service, app::ApiKind kind) {
  // FNV-1a 64 of the service name and the kind, written in base 36.
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view s) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  };
  mix(service);
  mix(kind == app::ApiKind::Rest ? "\x01rest" : "\x01http");
  std::string id;
  for (int i = 0; i < 10; ++i, h /= 36) id += "0123456789abcdefghijklmnopqrstuvwxyz"[h % 36];
  return id;
}

Gateway::Gateway(asio::io_context& io, const app::AppSpec& app, invoker::Invoker& invoker,
                 GatewayOptions options)
    : impl_(std::make_unique<Impl>(io, app, invoker, options)) {
  auto& s = *impl_;
  for (const auto& fn : app.functions) {
    for (const auto& route : fn.routes) {
      RouteRef ref{&fn, &route};
      if (route.kind == app::ApiKind::Rest) {
        s.rest.add(route.method, route.path.empty() ? "/" : route.path, s.rest_routes.size());
        s.rest_routes.push_back(ref);
        continue;
      }
      if (route.cors.enabled && !s.http_cors) s.http_cors = &route.cors;
      if (route.path.empty()) {
        if (!s.http_default) s.http_default = ref;
        continue;
      }
      s.http.add(route.method, route.path, s.http_routes.size());
      s.http_routes.push_back(ref);
    }
  }
}

Gateway::~Gateway() = default;

bool Gateway::has_rest_routes() const { return !impl_->rest.empty(); }
bool Gateway::has_http_routes() const { return !impl_->http.empty() || impl_->http_default; }

std::optional<std::string> Gateway::Impl::rest_path(std::string_view path) const {
  if (rest.empty()) return std::nullopt;
  std::string prefix = offline.rest_base_path(app.stage);  // "/{stage}", or offline's
  if (!path.starts_with(prefix)) return std::nullopt;
  std::string_view rest_of = path.substr(prefix.size());
  if (rest_of.empty()) return "/";
  if (rest_of.front() != '/') return std::nullopt;  // "/devices" is not under stage "dev"
  return std::string(rest_of);
}

bool Gateway::Impl::preflight(const http::Request& request,
                              const std::optional<std::string>& rest_path, std::string_view path,
                              const http::Responder& respond) const {
  if (!is_preflight(request)) return false;
  auto answer = [&](app::ApiKind kind, const app::CorsSpec& spec,
                    const std::vector<std::string>& methods) {
    auto res = preflight_response(kind, spec, request, methods);
    add_request_ids(res, kind, aws::new_request_id(), new_extended_request_id());
    respond(std::move(res));
    return true;
  };
  if (rest_path) {
    const app::CorsSpec* spec = nullptr;
    std::vector<std::string> methods;
    for (auto i : rest.match_path(*rest_path)) {
      methods.push_back(rest_routes[i].route->method);
      if (!spec && rest_routes[i].route->cors.enabled) spec = &rest_routes[i].route->cors;
    }
    if (spec) return answer(app::ApiKind::Rest, *spec, methods);
  }
  if (http_cors && !path.empty()) {
    std::vector<std::string> methods;
    for (auto i : http.match_path(path)) methods.push_back(http_routes[i].route->method);
    return answer(app::ApiKind::Http, *http_cors, methods);
  }
  return false;
}

void Gateway::handle(http::Request request, http::Responder respond) {
  auto& s = *impl_;
  std::string path(request.path());
  if (path.empty()) path = "/";
  auto rest_path = s.rest_path(path);
  // serverless-offline's `prefix` comes before HTTP API routes too; "" when the path is not
  // under it (no HTTP API route matches).
  if (!s.offline.url_prefix.empty()) {
    std::string_view p = path;
    if (p.starts_with(s.offline.url_prefix) &&
        (p.size() == s.offline.url_prefix.size() || p[s.offline.url_prefix.size()] == '/')) {
      path = p.size() == s.offline.url_prefix.size() ? "/" : std::string(p.substr(s.offline.url_prefix.size()));
    } else {
      path.clear();
    }
  }
  if (s.preflight(request, rest_path, path, respond)) return;

  if (rest_path) {
    auto m = s.rest.match(request.method, *rest_path);
    if (m.status == http::MatchStatus::Found) {
      RouteInfo info{m.method, m.path_template, std::move(m.params)};
      return s.dispatch(app::ApiKind::Rest, s.rest_routes[m.value], std::move(info),
                        std::move(request), *rest_path, std::move(respond));
    }
  }
  auto m = s.http.match(request.method, path);
  if (!path.empty() && m.status == http::MatchStatus::Found) {
    RouteInfo info{m.method, m.path_template, std::move(m.params)};
    return s.dispatch(app::ApiKind::Http, s.http_routes[m.value], std::move(info),
                      std::move(request), {}, std::move(respond));
  }
  if (s.http_default && !path.empty()) {
    return s.dispatch(app::ApiKind::Http, *s.http_default, RouteInfo{"ANY", "", {}},
                      std::move(request), {}, std::move(respond));
  }

  auto kind = rest_path ? app::ApiKind::Rest : app::ApiKind::Http;
  auto res = route_not_found(kind);
  add_request_ids(res, kind, aws::new_request_id(), new_extended_request_id());
  if (kind == app::ApiKind::Http && s.http_cors) apply_cors(res, kind, *s.http_cors, request);
  respond(std::move(res));
}

void Gateway::Impl::dispatch(app::ApiKind kind, const RouteRef& ref, RouteInfo info,
                             http::Request request, std::string rest_path,
                             http::Responder respond) {
  auto pending = std::make_shared<Pending>(io, kind, std::move(respond));
  pending->request_id = aws::new_request_id();
  pending->extended_request_id = new_extended_request_id();
  pending->cors = ref.route->cors;
  pending->function = ref.function->key;
  if (kind == app::ApiKind::Http && http_cors) pending->cors = *http_cors;

  std::string payload;
  try {
    EventContext context;
    context.stage = kind == app::ApiKind::Rest ? app.stage : "$default";
    context.request_id = pending->request_id;
    context.extended_request_id = pending->extended_request_id;
    context.api_id = kind == app::ApiKind::Rest ? rest_api_id : http_api_id;
    context.domain_name = std::string(request.header("Host").value_or("localhost"));
    context.time = options.clock ? options.clock() : std::chrono::system_clock::now();
    auto event = kind == app::ApiKind::Rest ? rest_event(request, rest_path, info, context)
                                            : http_api_event(request, info, context);
    // Header bytes that are not UTF-8 become U+FFFD rather than failing the request.
    payload = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception&) {
    invoker::InvokeResult failed;
    failed.status = invoker::InvokeStatus::FunctionError;
    pending->request = std::move(request);
    return pending->finish(integration_response(kind, failed));
  }
  request.body.clear();
  request.body.shrink_to_fit();
  pending->request = std::move(request);

  pending->timer.expires_after(options.integration_timeout);
  pending->timer.async_wait([weak = std::weak_ptr<Pending>(pending)](boost::system::error_code ec) {
    if (ec) return;
    if (auto p = weak.lock()) p->finish(integration_timeout(p->kind));
  });

  invoker::InvokeRequest call;
  call.function = ref.function->key;
  call.payload = std::move(payload);
  // A call still waiting for a free worker when the client has had its timeout answer is not
  // started at all; one that started runs on, as Lambda does.
  call.start_by = std::chrono::steady_clock::now() + options.integration_timeout;
  invoker.invoke(std::move(call), [pending](invoker::InvokeResult result) {
    pending->finish(integration_response(pending->kind, result));
  });
}

}  // namespace serverlite::gateway
