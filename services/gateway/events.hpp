// The events API Gateway sends to a Lambda proxy integration, built from an HTTP request:
// the REST API's proxy event (payload format 1.0) and the HTTP API's payload format 2.0.
// Pure functions: no I/O, no clock, no randomness (the caller passes ids and time).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/http/message.hpp"
#include "emulator/utf8.hpp"

namespace serverlite::gateway {

// What API Gateway knows about a request beyond the request itself.
struct EventContext {
  std::string stage;                // REST: the app's stage ("dev"); HTTP API: "$default"
  std::string request_id;           // requestContext.requestId, a UUID
  std::string extended_request_id;  // REST only: requestContext.extendedRequestId
  std::string api_id;               // 10 lower-case alphanumerics
  std::string domain_name;          // the Host header as sent; "localhost" when there is none
  std::chrono::system_clock::time_point time;
};

// The route that matched, as the route matcher reports it.
struct RouteInfo {
  std::string method;         // as declared: "GET", or "ANY"
  std::string path_template;  // as declared: "/users/{id}"; empty for the HTTP API's $default
  std::vector<std::pair<std::string, std::string>> params;  // decoded path parameters
};

// REST API proxy event (format 1.0), as API Gateway builds it for a Lambda proxy integration.
// `path` is the request path with the stage removed, still percent-encoded ("/" at least).
// Empty collections are null (queryStringParameters, pathParameters, headers ...), as in AWS.
nlohmann::json rest_event(const http::Request& request, std::string_view path,
                          const RouteInfo& route, const EventContext& context);

// HTTP API event, payload format 2.0. Empty collections (cookies, queryStringParameters,
// pathParameters) and an empty body are left out, as in AWS.
nlohmann::json http_api_event(const http::Request& request, const RouteInfo& route,
                              const EventContext& context);

// "GET /users/{id}", "ANY /{proxy+}", or "$default" for the catch-all route.
std::string route_key(const RouteInfo& route);

// A request body as an event carries it: text as is, anything else base64 (isBase64Encoded).
struct EventBody {
  std::string text;
  bool base64 = false;
};

// Text when the body is valid UTF-8 and its Content-Type is textual (or absent); base64 otherwise.
// HTTP API does this for payload 2.0. A REST API without binaryMediaTypes would pass binary as
// mangled text; we base64 it there too, so uploads reach the handler intact.
EventBody encode_body(const http::Request& request);

// text/*, JSON, XML, JavaScript, YAML, form and GraphQL media types (parameters ignored).
bool is_text_media_type(std::string_view content_type);
using serverlite::is_valid_utf8;

// API Gateway's request time: "09/Apr/2015:12:34:56 +0000" (UTC, English month names).
std::string format_request_time(std::chrono::system_clock::time_point time);

}  // namespace serverlite::gateway
