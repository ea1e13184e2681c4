#include "services/gateway/events.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "emulator/app/app_spec.hpp"
#include "emulator/fnv.hpp"
#include "emulator/http/base64.hpp"
#include "emulator/ascii.hpp"

namespace serverlite::gateway {

using nlohmann::json;

namespace {


std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string protocol_of(const http::Request& request) {
  return request.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

// AWS's domainPrefix is the first label of the domain name. For "127.0.0.1:3000" the first
// label says nothing, so an IP address is its own prefix.
std::string domain_prefix(std::string_view domain) {
  std::string_view host = domain;
  if (!host.empty() && host.front() == '[') return std::string(host.substr(0, host.find(']') + 1));
  host = host.substr(0, host.find(':'));
  bool ip = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  return std::string(ip ? host : host.substr(0, host.find('.')));
}

// Headers grouped by name ignoring case, in first-arrival order; the first spelling names them.
// Looked up by lower-cased name: a request may carry thousands of headers (up to 64 KiB of
// them), and a search through the groups for each one held the io thread for a second at 3,000.
std::vector<std::pair<std::string, std::vector<std::string>>> group_headers(
    const std::vector<http::Header>& headers) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(headers.size());
  for (const auto& h : headers) {
    auto [it, added] = index.try_emplace(ascii_lower(h.name), out.size());
    if (added) {
      out.push_back({h.name, {h.value}});
    } else {
      out[it->second].second.push_back(h.value);
    }
  }
  return out;
}

json null_if_empty(json object) { return object.empty() ? json(nullptr) : object; }

json path_parameters(const RouteInfo& route) {
  json out = json::object();
  for (const auto& [name, value] : route.params) out[name] = value;
  return out;
}

}  // namespace

std::string route_key(const RouteInfo& route) {
  if (route.path_template.empty()) return "$default";
  return route.method + " " + route.path_template;
}

bool is_text_media_type(std::string_view content_type) {
  std::string type = ascii_lower(content_type.substr(0, content_type.find(';')));
  auto trim = [](std::string& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    s.erase(0, s.find_first_not_of(" \t"));
  };
  trim(type);
  if (type.starts_with("text/")) return true;
  if (type.ends_with("+json") || type.ends_with("+xml")) return true;
  static constexpr std::string_view kText[] = {"application/json",
                                               "application/xml",
                                               "application/javascript",
                                               "application/ecmascript",
                                               "application/x-www-form-urlencoded",
                                               "application/graphql",
                                               "application/x-yaml",
                                               "application/yaml",
                                               "application/x-ndjson",
                                               "application/ld+json",
                                               "image/svg+xml"};
  return std::find(std::begin(kText), std::end(kText), type) != std::end(kText);
}

EventBody encode_body(const http::Request& request) {
  if (request.body.empty()) return {};
  auto content_type = request.header("Content-Type");
  bool text = is_valid_utf8(request.body) && (!content_type || is_text_media_type(*content_type));
  if (text) return {request.body, false};
  return {http::base64_encode(request.body), true};
}

std::string format_request_time(std::chrono::system_clock::time_point time) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

json rest_event(const http::Request& request, std::string_view path, const RouteInfo& route,
                const EventContext& context) {
  json headers = json::object(), multi_headers = json::object();
  for (const auto& [name, values] : group_headers(request.headers)) {
    headers[name] = values.back();  // API Gateway keeps the last value in `headers`
    multi_headers[name] = values;
  }

  json query = json::object(), multi_query = json::object();
  for (const auto& [name, value] : http::parse_query(request.query())) {
    query[name] = value;
    multi_query[name].push_back(value);
  }

  auto user_agent = request.header("User-Agent");
  json identity = {
      {"accessKey", nullptr},
      {"accountId", nullptr},
      {"apiKey", nullptr},
      {"apiKeyId", nullptr},
      {"caller", nullptr},
      {"clientCert", nullptr},
      {"cognitoAuthenticationProvider", nullptr},
      {"cognitoAuthenticationType", nullptr},
      {"cognitoIdentityId", nullptr},
      {"cognitoIdentityPoolId", nullptr},
      {"principalOrgId", nullptr},
      {"sourceIp", request.remote_address},
      {"user", nullptr},
      {"userAgent", user_agent ? json(std::string(*user_agent)) : json(nullptr)},
      {"userArn", nullptr},
  };

  // resourceId names the resource in AWS (6 characters); a hash of the template keeps it stable.
  std::uint32_t h = fnv1a_32(route.path_template);
  std::string resource_id;
  for (int i = 0; i < 6; ++i, h /= 36)
    resource_id += "0123456789abcdefghijklmnopqrstuvwxyz"[h % 36];

  std::string stage_path = "/" + context.stage + std::string(path);
  json request_context = {
      {"accountId", app::kAccountId},
      {"apiId", context.api_id},
      {"domainName", context.domain_name},
      {"domainPrefix", domain_prefix(context.domain_name)},
      {"extendedRequestId", context.extended_request_id},
      {"httpMethod", request.method},
      {"identity", identity},
      {"path", stage_path},
      {"protocol", protocol_of(request)},
      {"requestId", context.request_id},
      {"requestTime", format_request_time(context.time)},
      {"requestTimeEpoch", epoch_ms(context.time)},
      {"resourceId", resource_id},
      {"resourcePath", route.path_template},
      {"stage", context.stage},
  };

  EventBody body = encode_body(request);
  return {
      {"resource", route.path_template},
      {"path", std::string(path)},
      {"httpMethod", request.method},
      {"headers", null_if_empty(headers)},
      {"multiValueHeaders", null_if_empty(multi_headers)},
      {"queryStringParameters", null_if_empty(query)},
      {"multiValueQueryStringParameters", null_if_empty(multi_query)},
      {"pathParameters", null_if_empty(path_parameters(route))},
      {"stageVariables", nullptr},
      {"requestContext", request_context},
      {"body", request.body.empty() ? json(nullptr) : json(body.text)},
      {"isBase64Encoded", body.base64},
  };
}

json http_api_event(const http::Request& request, const RouteInfo& route,
                    const EventContext& context) {
  json headers = json::object();
  json cookies = json::array();
  for (const auto& [name, values] : group_headers(request.headers)) {
    std::string key = ascii_lower(name);
    if (key == "cookie") {
      // Payload 2.0 moves cookies out of the headers into `cookies`, one entry per cookie.
      for (std::string_view v : values) {
        while (!v.empty()) {
          auto semi = v.find(';');
          std::string_view part = v.substr(0, semi);
          while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
          while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
          if (!part.empty()) cookies.push_back(std::string(part));
          v = semi == std::string_view::npos ? std::string_view{} : v.substr(semi + 1);
        }
      }
      continue;
    }
    // Repeated headers are comma-joined in payload 2.0.
    std::string joined = values.front();
    for (std::size_t i = 1; i < values.size(); ++i) joined += "," + values[i];
    headers[key] = joined;
  }

  json query = json::object();
  for (const auto& [name, value] : http::parse_query(request.query())) {
    auto it = query.find(name);
    if (it == query.end()) {
      query[name] = value;
    } else {
      *it = it->get<std::string>() + "," + value;  // repeated parameters are comma-joined
    }
  }

  std::string raw_path(request.path());
  if (raw_path.empty()) raw_path = "/";
  std::string key = route_key(route);
  auto user_agent = request.header("User-Agent");
  json request_context = {
      {"accountId", app::kAccountId},
      {"apiId", context.api_id},
      {"domainName", context.domain_name},
      {"domainPrefix", domain_prefix(context.domain_name)},
      {"http",
       {{"method", request.method},
        {"path", raw_path},
        {"protocol", protocol_of(request)},
        {"sourceIp", request.remote_address},
        {"userAgent", std::string(user_agent.value_or(""))}}},
      {"requestId", context.request_id},
      {"routeKey", key},
      {"stage", context.stage},
      {"time", format_request_time(context.time)},
      {"timeEpoch", epoch_ms(context.time)},
  };

  json event = {
      {"version", "2.0"},
      {"routeKey", key},
      {"rawPath", raw_path},
      {"rawQueryString", std::string(request.query())},
  };
  if (!cookies.empty()) event["cookies"] = cookies;
  event["headers"] = headers;
  if (!query.empty()) event["queryStringParameters"] = query;
  if (!route.params.empty()) event["pathParameters"] = path_parameters(route);
  event["requestContext"] = request_context;
  EventBody body = encode_body(request);
  if (!request.body.empty()) event["body"] = body.text;
  event["isBase64Encoded"] = body.base64;
  return event;
}

}  // namespace serverlite::gateway
