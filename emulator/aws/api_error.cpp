#include "emulator/aws/api_error.hpp"

#include <cstdint>
#include <random>

#include <nlohmann/json.hpp>

#include "emulator/aws/json_protocol.hpp"

namespace serverlite::aws {

ApiError missing_parameter(std::string_view name) {
  return ApiError(400, "MissingParameter",
                  "The request must contain the parameter " + std::string(name) + ".");
}

http::Response render_rest_json_error(const ApiError& error) {
  nlohmann::json body = {{"Type", error.http_status >= 500 ? "Service" : "User"},
                         {"message", error.message()}};
  auto res = http::Response::json(error.http_status, dump_json(body));
  res.add_header("X-Amzn-ErrorType", error.code);
  res.add_header("x-amzn-RequestId", new_request_id());
  return res;
}

http::Response render_json_error(const ApiError& error, const std::string& type_prefix,
                                 const std::string& content_type) {
  nlohmann::json body = {{"__type", type_prefix + error.code}, {"message", error.message()}};
  http::Response res;
  res.status = error.http_status;
  res.add_header("Content-Type", content_type);
  res.add_header("x-amzn-RequestId", new_request_id());
  res.body = dump_json(body);
  return res;
}

std::string new_request_id() {
  // Not for security: ids only need to be unique within a run and well-formed.
  static std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  // 8-4-4-4-12 hex digits: hi gives the first three groups, lo the last two.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  std::size_t at = 0;
  auto put = [&](std::uint64_t bits, int digits) {
    for (int i = digits - 1; i >= 0; --i) id[at++] = kHex[(bits >> (4 * i)) & 0xf];
  };
  put(hi >> 32, 8), ++at, put(hi >> 16, 4), ++at, put(hi, 4), ++at;
  put(lo >> 48, 4), ++at, put(lo, 12);
  return id;
}

}  // namespace serverlite::aws
