// API Gateway in front of the app's functions: `http` events as a REST API (proxy event 1.0,
// served under "/{stage}/...") and `httpApi` events as an HTTP API (payload 2.0, at the root),
// both on one listener.
//
// Routing: a path "/{stage}" or "/{stage}/..." is first matched, stage removed, against the REST
// routes; any other path, or one no REST route takes, against the HTTP API routes, and then the
// HTTP API's `$default` route (`httpApi: '*'`) if there is one. Nothing found: the error of the API
// the path belongs to (REST 403 when it began with the stage and there are REST routes, else HTTP
// API 404). CORS preflights are answered before routing (see cors.hpp).
//
// Each request invokes its function with the event and maps the result (see responses.hpp). When
// the function has not answered within `integration_timeout`, the client gets the timeout answer
// and the late result is dropped; the invocation itself runs on (API Gateway does not stop Lambda).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "emulator/app/app_spec.hpp"
#include "emulator/http/message.hpp"
#include "emulator/invoker/invoker.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::gateway {

struct GatewayOptions {
  std::chrono::milliseconds integration_timeout{29000};  // API Gateway's own limit
  // The service clock, for the events' request times (the system clock when unset).
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Owned by the io thread: construct, call and destroy it there. `app` and `invoker` must outlive
// it. Callbacks still pending at destruction hold no reference to the Gateway.
class Gateway {
 public:
  // Throws std::invalid_argument when a route's path is not a valid template.
  Gateway(boost::asio::io_context& io, const app::AppSpec& app, invoker::Invoker& invoker,
          GatewayOptions options = {});
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Answers one request; `respond` is called exactly once, on the io thread, maybe later.
  void handle(http::Request request, http::Responder respond);

  bool has_rest_routes() const;
  bool has_http_routes() const;  // including $default

  // The apiId of each API in events: 10 lower-case alphanumerics, stable per service name.
  static std::string api_id(std::string_view service, app::ApiKind kind);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serverlite::gateway
