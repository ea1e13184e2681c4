// The one error type at the protocol boundary: what AWS would answer, as code, message and status.
// Engines return results; protocol fronts throw ApiError; one catch site per front renders it.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "emulator/http/message.hpp"

namespace serverlite::aws {

struct ApiError : std::runtime_error {
  ApiError(int http_status, std::string code, std::string message)
      : std::runtime_error(message), http_status(http_status), code(std::move(code)) {}
  int http_status;
  std::string code;   // AWS error code, e.g. "ResourceNotFoundException"
  // what() is the message, e.g. "Function not found: arn:aws:lambda:..."

  std::string message() const { return what(); }
};

// 400 MissingParameter "The request must contain the parameter NAME." (SQS's wording, also the
// query protocol's common error), for an absent required parameter in either protocol.
ApiError missing_parameter(std::string_view name);

// REST-JSON services (Lambda): `X-Amzn-ErrorType: CODE` and `{"Type":"User","message":...}`.
// `type` is "User" for client errors and "Service" for ours, as Lambda answers.
http::Response render_rest_json_error(const ApiError& error);

// AWS JSON 1.0 / 1.1 services (SQS JSON, Kinesis, DynamoDB): `{"__type": PREFIX CODE, "message"}`.
http::Response render_json_error(const ApiError& error, const std::string& type_prefix,
                                 const std::string& content_type);

// A fresh request id in AWS's UUID form (random v4), for x-amzn-RequestId and invocations.
std::string new_request_id();

}  // namespace serverlite::aws
