#include "emulator/aws/json_protocol.hpp"

#include <zlib.h>

#include "emulator/fast_json.hpp"

namespace serverlite::aws {

namespace {

using nlohmann::json;

ApiError serialization_error(std::string message) {
  return ApiError(400, std::string(kSerializationException), std::move(message));
}

// The member `name` of `obj`, or nullptr when absent or null.
const json* member(const json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(std::string_view name, std::string_view expected) {
  throw serialization_error("Value for member " + std::string(name) + " must be " +
                            std::string(expected) + ".");
}

}  // namespace

std::string dump_json(const json& value) {
  // `replace`: a client's invalid UTF-8 echoed in a message must not turn the answer into a 500.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// simdjson reads the text (several times faster than nlohmann's lexer, which was 40% of a
// PutRecords of 500 records); nlohmann's parser settles what simdjson refuses (numbers beyond
// 64 bits) and decides that a body is invalid. Nesting past simdjson's 1,024 levels is refused
// before nlohmann's parser, which has no limit, builds a value too deep to walk.
json parse_json_body(std::string_view body, const ApiError* too_deep) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  if (auto fast = parse_json_fast(body)) {
    if (!fast->is_object()) throw serialization_error("The request body must be a JSON object.");
    return std::move(*fast);
  }
  if (json_nesting_exceeds(body)) {
    if (too_deep) throw *too_deep;
    throw serialization_error("The request body is nested more than " +
                              std::to_string(kMaxJsonNesting) + " levels deep.");
  }
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw serialization_error("The request body is not valid JSON.");
  if (!parsed.is_object()) throw serialization_error("The request body must be a JSON object.");
  return parsed;
}

std::optional<std::string> optional_string(const json& obj, std::string_view name) {
  const json* value = member(obj, name);
  if (!value) return std::nullopt;
  if (!value->is_string()) wrong_type(name, "a string");
  return value->get<std::string>();
}

std::string required_string(const json& obj, std::string_view name) {
  auto value = optional_string(obj, name);
  if (!value) throw missing_parameter(name);
  return std::move(*value);
}

std::optional<std::int64_t> optional_int(const json& obj, std::string_view name) {
  const json* value = member(obj, name);
  if (!value) return std::nullopt;
  if (value->is_number_integer() && !value->is_number_unsigned()) return value->get<std::int64_t>();
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(value->get<std::uint64_t>());
  wrong_type(name, "an integer");
}

std::optional<bool> optional_bool(const json& obj, std::string_view name) {
  const json* value = member(obj, name);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) wrong_type(name, "a boolean");
  return value->get<bool>();
}

const json* optional_object(const json& obj, std::string_view name) {
  const json* value = member(obj, name);
  if (value && !value->is_object()) wrong_type(name, "an object");
  return value;
}

const json* optional_array(const json& obj, std::string_view name) {
  const json* value = member(obj, name);
  if (value && !value->is_array()) wrong_type(name, "a list");
  return value;
}

std::vector<std::string> string_list(const json& obj, std::string_view name) {
  std::vector<std::string> out;
  if (const json* list = optional_array(obj, name)) {
    for (const auto& item : *list) {
      if (!item.is_string()) wrong_type(name, "a list of strings");
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::map<std::string, std::string> string_map(const json& obj, std::string_view name) {
  std::map<std::string, std::string> out;
  if (const json* map = optional_object(obj, name)) {
    for (const auto& [key, value] : map->items()) {
      if (!value.is_string()) wrong_type(name, "a map of strings");
      out.emplace(key, value.get<std::string>());
    }
  }
  return out;
}

http::Response render_json(int status, const json& body, const JsonProtocol& protocol,
                           const std::string& request_id) {
  return render_json_text(status, dump_json(body), protocol, request_id);
}

http::Response render_json_spliced(int status, const json& body, std::string_view name,
                                   std::string_view value, const JsonProtocol& protocol,
                                   const std::string& request_id) {
  std::string text = dump_json(body.is_null() ? json::object() : body);
  text.pop_back();  // the closing brace
  if (text.size() > 1) text += ',';
  text += dump_json(json(name));
  text += ':';
  text += value;
  text += '}';
  return render_json_text(status, std::move(text), protocol, request_id);
}

http::Response render_json_text(int status, std::string body, const JsonProtocol& protocol,
                                const std::string& request_id) {
  http::Response res;
  res.status = status;
  res.add_header("Content-Type", protocol.content_type);
  res.add_header("x-amzn-RequestId", request_id);
  res.body = std::move(body);
  if (protocol.crc32) {
    // zlib's CRC-32 (the same polynomial as the SDKs check) runs several bytes per step: a
    // 25 KB Query answer was 6% of its CPU with a byte-at-a-time table.
    auto crc = ::crc32_z(0L, reinterpret_cast<const Bytef*>(res.body.data()), res.body.size());
    res.add_header("x-amz-crc32", std::to_string(crc));
  }
  return res;
}

http::Response render_json_response(const JsonProtocol& protocol, const json& body,
                                    const std::string& request_id) {
  return render_json(200, body.is_null() ? json::object() : body, protocol, request_id);
}

http::Response render_json_error(const ApiError& error, const JsonProtocol& protocol,
                                 const std::string& request_id) {
  std::string type;
  if (auto it = protocol.json_types.find(error.code); it != protocol.json_types.end())
    type = it->second;
  else if (error.code == kSerializationException)
    type = protocol.serialization_type;
  else
    type = error.code;
  if (type.find('#') == std::string::npos) type = protocol.type_prefix + type;
  http::Response res = render_json(error.http_status,
                                   json{{"__type", type}, {"message", error.message()}}, protocol,
                                   request_id);
  if (protocol.query_compatible)
    res.add_header("x-amzn-query-error",
                   error.code + (error.http_status >= 500 ? ";Receiver" : ";Sender"));
  return res;
}

}  // namespace serverlite::aws
