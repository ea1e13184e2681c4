// CORS for gateway routes, from a route's app::CorsSpec.
//
// REST (`http` events with `cors`): the Serverless Framework adds an OPTIONS method answering the
// preflight with 200 and the configured Access-Control-* headers; the actual responses carry only
// what the handler returns. Users expect the origin header there too, so we add
// Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) when the handler did not set it.
//
// HTTP API (`httpApi.cors`): API Gateway answers every preflight itself with 204 and overrides the
// CORS headers of actual responses with its own configuration.
//
// CORS headers are only sent when the request has an Origin that the spec allows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/http/message.hpp"

namespace serverlite::gateway {

// An OPTIONS request with Access-Control-Request-Method: a browser's preflight.
bool is_preflight(const http::Request& request);

// The Access-Control-Allow-Origin value for `origin`, or nullopt when the spec does not allow it.
// "*" (or no origins listed) allows any origin and answers "*", except with credentials, where
// browsers refuse "*" and the request's origin is echoed. A listed origin is echoed; an entry may
// hold one '*' wildcard ("https://*.example.com"), as HTTP API allows.
std::optional<std::string> allowed_origin(const app::CorsSpec& spec, std::string_view origin);

// The answer to a preflight for a path whose routes declare `route_methods` ("GET", "ANY" ...).
// Allowed methods are spec.allow_methods, else the routes' methods plus OPTIONS (all methods when
// one is ANY). Allowed headers are spec.allow_headers, else (or with "*") the requested ones.
http::Response preflight_response(app::ApiKind kind, const app::CorsSpec& spec,
                                  const http::Request& request,
                                  const std::vector<std::string>& route_methods);

// Adds the CORS headers of an actual response, as described above.
void apply_cors(http::Response& response, app::ApiKind kind, const app::CorsSpec& spec,
                const http::Request& request);

}  // namespace serverlite::gateway
