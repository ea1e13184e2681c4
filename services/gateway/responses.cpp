#include "services/gateway/responses.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "emulator/http/base64.hpp"

namespace serverlite::gateway {

using nlohmann::json;

namespace {

// API Gateway's bodies are written out exactly: the REST integration errors have a space after
// the colon, the gateway responses and all HTTP API errors do not.
constexpr std::string_view kRestInternalError = R"({"message": "Internal server error"})";
constexpr std::string_view kRestTimeout = R"({"message": "Endpoint request timed out"})";
constexpr std::string_view kRestMissingToken = R"({"message":"Missing Authentication Token"})";
constexpr std::string_view kHttpInternalError = R"({"message":"Internal Server Error"})";
constexpr std::string_view kHttpNotFound = R"({"message":"Not Found"})";
constexpr std::string_view kServiceUnavailable = R"({"message":"Service Unavailable"})";

http::Response error(int status, std::string_view body, std::string_view error_type = {}) {
  auto res = http::Response::json(status, std::string(body));
  if (!error_type.empty()) res.add_header("x-amzn-ErrorType", std::string(error_type));
  return res;
}

http::Response rest_internal_error(int status) {
  return error(status, kRestInternalError, "InternalServerErrorException");
}

// Thrown while reading a result that does not follow the proxy response format.
struct Malformed {};

std::optional<json> parse(const std::string& payload) {
  json doc = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

int status_code(const json& v) {
  long code = -1;
  if (v.is_number_integer()) {
    code = v.get<long>();
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
    if (ec != std::errc{} || end != s.data() + s.size()) throw Malformed{};
  } else {
    throw Malformed{};
  }
  if (code < 100 || code > 599) throw Malformed{};
  return static_cast<int>(code);
}

// Header values may be any scalar; API Gateway writes numbers and booleans as text.
std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  throw Malformed{};
}

bool is_base64(const json& object) {
  auto it = object.find("isBase64Encoded");
  if (it == object.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw Malformed{};
  return it->get<bool>();
}

std::string body_of(const json& object, bool base64) {
  auto it = object.find("body");
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) throw Malformed{};
  if (!base64) return it->get<std::string>();
  auto decoded = http::base64_decode(it->get<std::string>());
  if (!decoded) throw Malformed{};
  return *decoded;
}

const json* object_field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw Malformed{};
  return &*it;
}

http::Response rest_ok(const std::string& payload) {
  auto doc = parse(payload);
  if (!doc || !doc->is_object()) throw Malformed{};
  static constexpr std::string_view kKeys[] = {"statusCode", "headers", "multiValueHeaders", "body",
                                               "isBase64Encoded"};
  for (const auto& [key, _] : doc->items())
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) throw Malformed{};
  auto code = doc->find("statusCode");
  if (code == doc->end()) throw Malformed{};

  http::Response res;
  res.status = status_code(*code);
  const json* multi = object_field(*doc, "multiValueHeaders");
  if (const json* headers = object_field(*doc, "headers")) {
    for (const auto& [name, value] : headers->items()) {
      bool shadowed =
          multi && std::any_of(multi->items().begin(), multi->items().end(),
                               [&](const auto& m) { return http::iequals(m.key(), name); });
      std::string text = scalar_text(value);
      if (!shadowed) res.add_header(name, std::move(text));
    }
  }
  if (multi) {
    for (const auto& [name, values] : multi->items()) {
      if (values.is_null()) continue;
      if (!values.is_array()) throw Malformed{};
      for (const auto& v : values) res.add_header(name, scalar_text(v));
    }
  }
  if (!res.header("Content-Type")) res.add_header("Content-Type", "application/json");
  res.body = body_of(*doc, is_base64(*doc));
  return res;
}

http::Response http_ok(const std::string& payload) {
  if (payload.empty()) return http::Response{};
  auto doc = parse(payload);
  if (!doc) throw Malformed{};
  if (!doc->is_object() || !doc->contains("statusCode")) {
    // "If your Lambda function returns valid JSON and doesn't return a statusCode, API Gateway
    // assumes 200, content-type application/json, and the function's response as the body."
    return http::Response::json(200, payload);
  }
  http::Response res;
  res.status = status_code((*doc)["statusCode"]);
  if (const json* headers = object_field(*doc, "headers"))
    for (const auto& [name, value] : headers->items()) res.add_header(name, scalar_text(value));
  auto cookies = doc->find("cookies");
  if (cookies != doc->end() && !cookies->is_null()) {
    if (!cookies->is_array()) throw Malformed{};
    for (const auto& c : *cookies) {
      if (!c.is_string()) throw Malformed{};
      res.add_header("Set-Cookie", c.get<std::string>());
    }
  }
  res.body = body_of(*doc, is_base64(*doc));
  return res;
}

}  // namespace

http::Response rest_response(const invoker::InvokeResult& result) {
  switch (result.status) {
    case invoker::InvokeStatus::Ok:
      try {
        return rest_ok(result.payload);
      } catch (const Malformed&) {
        return rest_internal_error(502);  // "Malformed Lambda proxy response"
      }
    case invoker::InvokeStatus::FunctionError:
      return rest_internal_error(502);
    case invoker::InvokeStatus::Throttled:
      // Lambda's 429 is an integration failure to API Gateway; clients see a 500.
      return rest_internal_error(500);
    case invoker::InvokeStatus::ShuttingDown:
      return error(503, kServiceUnavailable);
  }
  return rest_internal_error(502);
}

http::Response http_api_response(const invoker::InvokeResult& result) {
  switch (result.status) {
    case invoker::InvokeStatus::Ok:
      try {
        return http_ok(result.payload);
      } catch (const Malformed&) {
        return error(500, kHttpInternalError);
      }
    case invoker::InvokeStatus::FunctionError:
    case invoker::InvokeStatus::Throttled:
      return error(500, kHttpInternalError);
    case invoker::InvokeStatus::ShuttingDown:
      return error(503, kServiceUnavailable);
  }
  return error(500, kHttpInternalError);
}

http::Response integration_response(app::ApiKind kind, const invoker::InvokeResult& result) {
  switch (kind) {
    case app::ApiKind::Rest:
      return rest_response(result);
    case app::ApiKind::Http:
      return http_api_response(result);
  }
  return http_api_response(result);
}

http::Response route_not_found(app::ApiKind kind) {
  switch (kind) {
    case app::ApiKind::Rest:
      return error(403, kRestMissingToken, "IncompleteSignatureException");
    case app::ApiKind::Http:
      return error(404, kHttpNotFound);
  }
  return error(404, kHttpNotFound);
}

http::Response integration_timeout(app::ApiKind kind) {
  switch (kind) {
    case app::ApiKind::Rest:
      return error(504, kRestTimeout, "InternalServerErrorException");
    case app::ApiKind::Http:
      return error(503, kServiceUnavailable);
  }
  return error(503, kServiceUnavailable);
}

void add_request_ids(http::Response& response, app::ApiKind kind, const std::string& request_id,
                     const std::string& extended_request_id) {
  response.set_header("x-amzn-RequestId", request_id);
  switch (kind) {
    case app::ApiKind::Rest:
      response.set_header("x-amz-apigw-id", extended_request_id);
      break;
    case app::ApiKind::Http:
      response.set_header("apigw-requestid", extended_request_id);
      break;
  }
}

}  // namespace serverlite::gateway
