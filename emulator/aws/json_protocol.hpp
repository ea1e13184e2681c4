// The AWS JSON 1.0 / 1.1 protocols: POST / with `X-Amz-Target: Prefix.Action` and a JSON object
// body; responses are a JSON object, errors `{"__type": ..., "message": ...}`. SQS (1.0), DynamoDB
// (1.0) and Kinesis (1.1) speak it. This file only knows the wire; services map members to their
// typed requests with the accessors below, which raise AWS's errors while parsing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/http/message.hpp"

namespace serverlite::aws {

// How one service speaks AWS JSON. For SQS:
//   {.content_type = "application/x-amz-json-1.0", .type_prefix = "com.amazonaws.sqs#",
//    .query_compatible = true,
//    .json_types = {{"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}, ...}}
struct JsonProtocol {
  std::string content_type = "application/x-amz-json-1.0";
  // Prepended to the error shape name in `__type`, e.g. "com.amazonaws.sqs#".
  std::string type_prefix;
  // A service that also speaks the query protocol (SQS) keeps its query error codes in
  // ApiError::code and adds `x-amzn-query-error: CODE;Sender` (or `;Receiver` for 5xx) to every
  // JSON error; botocore and the JavaScript SDK v3 take the code from that header, so clients see
  // the same codes through both protocols.
  bool query_compatible = false;
  // ApiError::code -> error shape name for `__type`, where the two differ (SQS:
  // "AWS.SimpleQueueService.NonExistentQueue" -> "QueueDoesNotExist"). Unlisted codes are used as
  // they are. A name containing '#' is already qualified and gets no type_prefix.
  std::map<std::string, std::string, std::less<>> json_types;
  // `__type` of the code kSerializationException: the request framework's own error, which is
  // not in the service's namespace (DynamoDB and Kinesis answer this for a malformed body).
  std::string serialization_type = "com.amazon.coral.service#SerializationException";
  // DynamoDB's SDKs check `x-amz-crc32` (the CRC32 of the body) on every answer.
  bool crc32 = false;
};

// The error code parse_json_body() and the accessors raise for a body or member that does not
// have the shape the operation needs.
inline constexpr std::string_view kSerializationException = "SerializationException";

// Parses a request body into a JSON object. An empty body (or only whitespace) is `{}`: the SDKs
// send nothing for operations without input. Invalid JSON, or JSON that is not an object, throws
// ApiError(400, kSerializationException, ...). A body nested more than kMaxJsonNesting
// (fast_json.hpp) levels deep is refused before it is parsed, with `too_deep` when given (DynamoDB
// answers its nesting limit's ValidationException) and a SerializationException otherwise.
nlohmann::json parse_json_body(std::string_view body, const ApiError* too_deep = nullptr);

// Typed members of a request object `obj`. A member that is absent or null is "absent": optional
// accessors return nullopt (or empty), required ones throw missing_parameter(name) (api_error.hpp).
// A member of the wrong JSON type throws ApiError(400, kSerializationException, ...); integers
// must be JSON integers (30, not "30" or 30.5), as the SDKs send them.
std::optional<std::string> optional_string(const nlohmann::json& obj, std::string_view name);
std::string required_string(const nlohmann::json& obj, std::string_view name);
std::optional<std::int64_t> optional_int(const nlohmann::json& obj, std::string_view name);
std::optional<bool> optional_bool(const nlohmann::json& obj, std::string_view name);
// Pointers into `obj` (valid while it lives); nullptr when absent.
const nlohmann::json* optional_object(const nlohmann::json& obj, std::string_view name);
const nlohmann::json* optional_array(const nlohmann::json& obj, std::string_view name);
// A list of strings (`"AttributeNames": ["All"]`); empty when absent.
std::vector<std::string> string_list(const nlohmann::json& obj, std::string_view name);
// A map of string to string (`"Attributes": {"DelaySeconds": "5"}`, `"tags"`); empty when absent.
std::map<std::string, std::string> string_map(const nlohmann::json& obj, std::string_view name);

// `status` with the service's Content-Type, x-amzn-RequestId (and x-amz-crc32 when the protocol
// says so) and `body` serialised compactly. Strings that are not valid UTF-8 are written with
// U+FFFD rather than failing the response.
http::Response render_json(int status, const nlohmann::json& body, const JsonProtocol& protocol,
                           const std::string& request_id = new_request_id());
// The text render_json() writes for `value`: compact, with invalid UTF-8 replaced by U+FFFD.
std::string dump_json(const nlohmann::json& value);
// render_json() of a body already serialised (`body` must be one JSON value).
http::Response render_json_text(int status, std::string body, const JsonProtocol& protocol,
                                const std::string& request_id = new_request_id());
// render_json() of the object `body` (null: `{}`) with the member `name` added, whose value is
// `value`, JSON text already (a stored item spliced in without being parsed).
http::Response render_json_spliced(int status, const nlohmann::json& body, std::string_view name,
                                   std::string_view value, const JsonProtocol& protocol,
                                   const std::string& request_id = new_request_id());
// render_json() with 200 (a null body is `{}`).
http::Response render_json_response(const JsonProtocol& protocol, const nlohmann::json& body,
                                    const std::string& request_id = new_request_id());

// The error's status, the service's Content-Type, x-amzn-RequestId, body
// `{"__type": "<prefix><shape>", "message": "..."}` and, for query-compatible services,
// `x-amzn-query-error: <ApiError::code>;Sender|Receiver` (see JsonProtocol).
http::Response render_json_error(const ApiError& error, const JsonProtocol& protocol,
                                 const std::string& request_id = new_request_id());

}  // namespace serverlite::aws
