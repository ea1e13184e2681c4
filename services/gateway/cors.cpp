#include "services/gateway/cors.hpp"

#include <algorithm>

namespace serverlite::gateway {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

bool contains(const std::vector<std::string>& items, std::string_view value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

// `pattern` with at most one '*' standing for any run of characters.
bool origin_matches(std::string_view pattern, std::string_view origin) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return http::iequals(pattern, origin);
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  return origin.size() >= head.size() + tail.size() &&
         http::iequals(origin.substr(0, head.size()), head) &&
         http::iequals(origin.substr(origin.size() - tail.size()), tail);
}

// Sets a header, or for REST only adds it when the handler did not set it (see cors.hpp).
void put(http::Response& response, app::ApiKind kind, std::string name, std::string value) {
  if (kind == app::ApiKind::Http) {
    response.set_header(std::move(name), std::move(value));
  } else if (!response.header(name)) {
    response.add_header(std::move(name), std::move(value));
  }
}

}  // namespace

bool is_preflight(const http::Request& request) {
  return request.method == "OPTIONS" && request.header("Access-Control-Request-Method");
}

std::optional<std::string> allowed_origin(const app::CorsSpec& spec, std::string_view origin) {
  if (spec.allow_origins.empty() || contains(spec.allow_origins, "*")) {
    if (spec.allow_credentials) return std::string(origin);
    return "*";
  }
  for (const auto& pattern : spec.allow_origins)
    if (origin_matches(pattern, origin)) return std::string(origin);
  return std::nullopt;
}

http::Response preflight_response(app::ApiKind kind, const app::CorsSpec& spec,
                                  const http::Request& request,
                                  const std::vector<std::string>& route_methods) {
  http::Response res;
  // Serverless's REST OPTIONS method is a MOCK integration answering 200; HTTP API answers 204.
  res.status = kind == app::ApiKind::Rest ? 200 : 204;
  auto origin = request.header("Origin");
  auto allowed = origin ? allowed_origin(spec, *origin) : std::nullopt;
  if (!allowed) return res;  // no CORS headers: the browser refuses the actual request

  res.add_header("Access-Control-Allow-Origin", *allowed);
  if (*allowed != "*") res.add_header("Vary", "Origin");

  std::vector<std::string> methods = spec.allow_methods;
  if (methods.empty() || contains(methods, "*")) {
    if (methods.empty() && !contains(route_methods, "ANY") && !route_methods.empty()) {
      methods = route_methods;
      methods.push_back("OPTIONS");
    } else {
      methods = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};
    }
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  res.add_header("Access-Control-Allow-Methods", join(methods));

  if (!spec.allow_headers.empty() && !contains(spec.allow_headers, "*")) {
    res.add_header("Access-Control-Allow-Headers", join(spec.allow_headers));
  } else if (auto requested = request.header("Access-Control-Request-Headers")) {
    res.add_header("Access-Control-Allow-Headers", std::string(*requested));
  }
  if (spec.allow_credentials) res.add_header("Access-Control-Allow-Credentials", "true");
  if (spec.max_age) res.add_header("Access-Control-Max-Age", std::to_string(*spec.max_age));
  return res;
}

void apply_cors(http::Response& response, app::ApiKind kind, const app::CorsSpec& spec,
                const http::Request& request) {
  if (!spec.enabled) return;
  auto origin = request.header("Origin");
  if (!origin) return;
  auto allowed = allowed_origin(spec, *origin);
  if (!allowed) return;
  put(response, kind, "Access-Control-Allow-Origin", *allowed);
  if (*allowed != "*" && !response.header("Vary")) response.add_header("Vary", "Origin");
  if (spec.allow_credentials) put(response, kind, "Access-Control-Allow-Credentials", "true");
  if (!spec.expose_headers.empty())
    put(response, kind, "Access-Control-Expose-Headers", join(spec.expose_headers));
}

}  // namespace serverlite::gateway
