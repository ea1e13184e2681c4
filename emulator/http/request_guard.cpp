#include "emulator/http/request_guard.hpp"
#include "emulator/ascii.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

namespace serverlite::http {

namespace {


// An origin as browsers write it, for comparing: lower case, without a trailing '/'.
std::string normal_origin(std::string_view origin) {
  std::string out = ascii_lower(origin);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

bool is_ip_address(const std::string& name) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// What a browser may read of an AWS answer: the headers the SDKs look at.
constexpr const char* kExposedHeaders =
    "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-query-error, x-amz-request-id, x-amz-id-2, "
    "x-amz-crc32, x-amz-function-error, x-amz-log-result, x-amz-executed-version, etag, date";

Response refusal_response(bool aws, const std::string& message) {
  nlohmann::json body = {{"message", message}};
  if (aws) body["__type"] = "AccessDeniedException";
  // The message names the Host or Origin given, which may be any bytes: never a reason to throw.
  auto res = Response::json(
      403, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (aws) res.set_header("X-Amzn-ErrorType", "AccessDeniedException");
  return res;
}

}  // namespace

std::string host_name(std::string_view host) {
  while (!host.empty() && (host.front() == ' ' || host.front() == '\t')) host.remove_prefix(1);
  while (!host.empty() && (host.back() == ' ' || host.back() == '\t')) host.remove_suffix(1);
  std::string_view name;
  if (host.starts_with('[')) {
    auto close = host.find(']');
    name = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  } else {
    name = host.substr(0, host.find(':'));
  }
  std::string out = ascii_lower(name);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool is_local_name(std::string_view name) {
  std::string n = ascii_lower(name);
  return n == "localhost" || n.ends_with(".localhost") || is_ip_address(n);
}

RequestGuard::RequestGuard(GuardOptions options, std::string listener)
    : options_(std::move(options)), listener_(std::move(listener)) {}

bool RequestGuard::host_allowed(std::string_view host_header) const {
  std::string name = host_name(host_header);
  if (name.empty() || is_local_name(name)) return true;
  for (const auto& allowed : options_.hosts) {
    std::string a = host_name(allowed);
    if (a == "*" || a == name) return true;
    if (a.starts_with("*.") && name.ends_with(a.substr(1))) return true;
  }
  return false;
}

bool RequestGuard::origin_allowed(std::string_view origin) const {
  std::string o = normal_origin(origin);
  for (const auto& allowed : options_.origins)
    if (allowed == "*" || normal_origin(allowed) == o) return true;
  return false;
}

std::optional<Refusal> RequestGuard::check_host(const Request& request) const {
  for (const auto& header : request.headers) {
    if (!iequals(header.name, "host") || host_allowed(header.value)) continue;
    std::string name = host_name(header.value);
    std::string message =
        "serverlite refuses requests for Host '" + name +
        "': it serves only names that point to this machine (localhost, *.localhost, "
        "127.0.0.1, [::1], the --host address), so that a web page cannot reach it through DNS "
        "rebinding. Start serverlite with --allow-host " + name + " to serve this name.";
    return Refusal{refusal_response(listener_ == "AWS endpoint", message),
                   "refused " + request.method + " " + std::string(request.path()) + " on the " +
                       listener_ + " for Host " + name + " (--allow-host " + name +
                       " serves it)",
                   "host " + name};
  }
  return std::nullopt;
}

std::optional<Refusal> RequestGuard::check_origin(const Request& request) const {
  auto origin = request.header("Origin");
  if (!origin || origin_allowed(*origin)) return std::nullopt;
  std::string o(*origin);
  std::string message =
      "serverlite refuses requests from the browser origin '" + o + "' on its " + listener_ +
      ": a web page must not drive it. Start serverlite with --allow-origin " + o +
      " to allow this origin (or --allow-origin '*' for any).";
  return Refusal{refusal_response(true, message),
                 "refused " + request.method + " " + std::string(request.path()) + " on the " +
                     listener_ + " from the browser origin " + o + " (--allow-origin " + o +
                     " allows it)",
                 "origin " + o};
}

std::optional<Response> RequestGuard::preflight(const Request& request) const {
  if (request.method != "OPTIONS") return std::nullopt;
  auto origin = request.header("Origin");
  if (!origin || !origin_allowed(*origin)) return std::nullopt;
  // As AWS's endpoints answer: what was asked for is allowed, for two days.
  Response res;
  res.status = 200;
  set_allow_origin(*origin, res);
  if (auto headers = request.header("Access-Control-Request-Headers"))
    res.set_header("Access-Control-Allow-Headers", std::string(*headers));
  if (auto method = request.header("Access-Control-Request-Method"))
    res.set_header("Access-Control-Allow-Methods", std::string(*method));
  res.set_header("Access-Control-Max-Age", "172800");
  return res;
}

void RequestGuard::add_cors(std::string_view origin, Response& response) const {
  if (origin.empty() || !origin_allowed(origin)) return;
  set_allow_origin(origin, response);
  response.set_header("Access-Control-Expose-Headers", kExposedHeaders);
}

// With --allow-origin '*' any origin is allowed, and the answer says so as AWS's does ("*");
// an origin allowed by name is named back, and the answer varies with it.
void RequestGuard::set_allow_origin(std::string_view origin, Response& response) const {
  bool any = false;
  for (const auto& allowed : options_.origins) any |= allowed == "*";
  response.set_header("Access-Control-Allow-Origin", any ? std::string("*") : std::string(origin));
  if (!any) response.set_header("Vary", "Origin");
}

void log_refusal(const Refusal& refusal) {
  static std::map<std::string, std::uint64_t> seen;
  std::uint64_t n = ++seen[refusal.key];
  if (seen.size() > 1000) seen.clear();  // a page varying its requests gets no memory from us
  if (n <= 10)
    std::cerr << "serverlite: " << refusal.log << "\n";
  else if (n % 1000 == 0)
    std::cerr << "serverlite: " << refusal.log << " (" << n << " times so far)\n";
}

}  // namespace serverlite::http
