#include "emulator/aws/endpoint_answers.hpp"

#include <zlib.h>

#include <cstdint>
#include <random>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/cbor.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "emulator/aws/query_protocol.hpp"
#include "emulator/aws/xml_writer.hpp"
#include "emulator/http/base64.hpp"

namespace serverlite::aws {

namespace {

using nlohmann::json;

constexpr std::string_view kCoral = "com.amazon.coral.service#";
constexpr std::string_view kKinesisJson = "application/x-amz-json-1.1";

std::mt19937_64& rng() {
  // Not for security: ids only need to be unique within a run and well-formed.
  static std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

void add_crc32(http::Response& res) {
  auto crc = ::crc32_z(0L, reinterpret_cast<const Bytef*>(res.body.data()), res.body.size());
  res.set_header("x-amz-crc32", std::to_string(crc));
}

http::Response dynamodb_answer(int status, const http::Request& request, const json& body) {
  http::Response res;
  res.status = status;
  res.add_header("Content-Type", dynamodb_answer_type(request));
  res.add_header("x-amzn-RequestId", new_dynamodb_request_id());
  res.body = dump_json(body);
  add_crc32(res);
  return res;
}

// Kinesis's headers on every answer: x-amzn-RequestId and x-amz-id-2 (72 random bytes, base64).
http::Response kinesis_answer(int status) {
  std::string id2(72, '\0');
  for (std::size_t i = 0; i < id2.size(); i += 8) {
    std::uint64_t r = rng()();
    for (std::size_t j = 0; j < 8; ++j) id2[i + j] = static_cast<char>((r >> (8 * j)) & 0xff);
  }
  http::Response res;
  res.status = status;
  res.add_header("x-amzn-RequestId", new_request_id());
  res.add_header("x-amz-id-2", http::base64_encode(id2));
  return res;
}

// Kinesis's XML error, answered where it cannot tell the protocol (no Content-Type header).
http::Response kinesis_xml_error(int status, std::string_view type, std::string_view message) {
  http::Response res = kinesis_answer(status);
  if (message.empty()) {
    res.body = "<" + std::string(type) + "/>\n";
    return res;
  }
  res.body = "<" + std::string(type) + ">\n";
  res.body += "  <Message>" + std::string(message) + "</Message>\n";
  res.body += "</" + std::string(type) + ">\n";
  return res;
}

// Kinesis's JSON 1.1 answer to a JSON 1.1 request, CBOR otherwise.
http::Response kinesis_answer_body(int status, const http::Request& request, const json& body) {
  http::Response res = kinesis_answer(status);
  if (media_type(request) == kKinesisJson) {
    res.add_header("Content-Type", std::string(kKinesisJson));
    res.body = dump_json(body);
  } else {
    res.add_header("Content-Type", std::string(kCborContentType));
    res.body = cbor_encode(body);
  }
  return res;
}

// The envelope of the JSON protocol's first version, which Kinesis still answers for
// `application/json` (and serves no operation through).
http::Response kinesis_legacy(int status, std::string_view type) {
  http::Response res = kinesis_answer(status);
  res.add_header("Content-Type", "application/json");
  res.body = dump_json({{"Output", {{"__type", std::string(kCoral) + std::string(type)}}},
                        {"Version", "1.0"}});
  return res;
}

bool json_object(std::string_view body) {
  try {
    parse_json_body(body);
    return body.find_first_not_of(" \t\r\n") != std::string_view::npos;
  } catch (const ApiError&) {
    return false;
  }
}

bool cbor_object(std::string_view body) {
  try {
    return cbor_decode(body).is_object();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string new_dynamodb_request_id() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id(52, '0');
  for (auto& c : id) c = kAlphabet[rng()() % 36];
  return id;
}

std::string_view media_type(const http::Request& request) {
  std::string_view type = request.header("Content-Type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return type;
}

bool dynamodb_reads(std::string_view type) {
  return type == "application/x-amz-json-1.0" || type == "application/json";
}

std::string dynamodb_answer_type(const http::Request& request) {
  return media_type(request) == "application/x-amz-json-1.0" ? "application/x-amz-json-1.0"
                                                             : "application/json";
}

http::Response dynamodb_healthy(std::string_view region) {
  http::Response res;
  res.status = 200;
  res.add_header("x-amzn-RequestId", new_dynamodb_request_id());
  res.body = "healthy: dynamodb." + std::string(region) + ".amazonaws.com ";
  add_crc32(res);
  return res;
}

http::Response dynamodb_not_found() {
  http::Response res;
  res.status = 404;
  res.add_header("x-amzn-RequestId", new_dynamodb_request_id());
  res.body = "<UnknownOperationException/>\n";
  add_crc32(res);
  return res;
}

http::Response dynamodb_bare_error(const http::Request& request, std::string_view type) {
  return dynamodb_answer(400, request, {{"__type", std::string(kCoral) + std::string(type)}});
}

http::Response dynamodb_auth_error(const http::Request& request, const AuthError& error) {
  const char* type = error.failure == AuthFailure::Missing      ? "MissingAuthenticationTokenException"
                     : error.failure == AuthFailure::Incomplete ? "IncompleteSignatureException"
                     : error.failure == AuthFailure::UnknownKey ? "UnrecognizedClientException"
                                                                : "InvalidSignatureException";
  std::string message = error.failure == AuthFailure::Missing
                            ? "Request is missing Authentication Token"
                            : error.message;
  return dynamodb_answer(400, request,
                         {{"__type", std::string(kCoral) + type}, {"message", message}});
}

http::Response dynamodb_unrouted(const http::Request& request, std::string_view region) {
  if (request.method == "GET") return dynamodb_healthy(region);
  if (request.method != "POST" || (!request.body.empty() && !dynamodb_reads(media_type(request))))
    return dynamodb_not_found();
  if (!request.body.empty()) {
    try {
      parse_json_body(request.body);
    } catch (const ApiError&) {
      // JSON that is not an object parses here; DynamoDB rejects it with the operation's input.
      if (!json::accept(request.body)) return dynamodb_bare_error(request, "SerializationException");
    }
  }
  return dynamodb_bare_error(request, "UnknownOperationException");
}

http::Response kinesis_access_denied() {
  return kinesis_xml_error(403, "AccessDeniedException",
                           "Unable to determine service/operation name to be authorized");
}

http::Response kinesis_auth_error(const http::Request& request, const AuthError& error) {
  const char* type = error.failure == AuthFailure::Missing      ? "MissingAuthenticationTokenException"
                     : error.failure == AuthFailure::Incomplete ? "IncompleteSignatureException"
                     : error.failure == AuthFailure::UnknownKey ? "UnrecognizedClientException"
                                                                : "InvalidSignatureException";
  std::string message =
      error.failure == AuthFailure::Missing ? "Missing Authentication Token" : error.message;
  return kinesis_answer_body(400, request, {{"__type", type}, {"message", message}});
}

http::Response kinesis_unrouted(const http::Request& request) {
  if (request.method != "POST") return kinesis_access_denied();
  if (request.body.empty()) return kinesis_answer_body(400, request, {{"__type", "UnknownOperationException"}});
  std::string_view type = media_type(request);
  bool cbor = type == kCborContentType;
  if (type != kKinesisJson && !cbor && type != "application/json") {
    std::string_view target = request.header("X-Amz-Target").value_or("");
    auto dot = target.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == target.size())
      return kinesis_access_denied();
    return kinesis_xml_error(404, "UnknownOperationException", "");
  }
  if (!(cbor ? cbor_object(request.body) : json_object(request.body))) {
    if (type == "application/json") return kinesis_legacy(400, "SerializationException");
    return kinesis_answer_body(400, request, {{"__type", "SerializationException"}});
  }
  if (type == "application/json") return kinesis_legacy(404, "UnknownOperationException");
  return kinesis_answer_body(400, request, {{"__type", "UnknownOperationException"}});
}

bool kinesis_body_readable(const http::Request& request) {
  std::string_view type = media_type(request);
  if (request.body.empty()) return false;
  if (type == kKinesisJson) return json_object(request.body);
  if (type == kCborContentType) return cbor_object(request.body);
  return false;
}

namespace {

struct KnownService {
  std::string_view signing_name;
  std::string_view display;
};

// The services apps call most, by signing name; others are named by their signing name.
constexpr KnownService kKnownServices[] = {
    {"s3", "S3"},
    {"sns", "SNS"},
    {"events", "EventBridge"},
    {"states", "Step Functions"},
    {"secretsmanager", "Secrets Manager"},
    {"ssm", "Systems Manager (SSM)"},
    {"sts", "STS"},
    {"iam", "IAM"},
    {"logs", "CloudWatch Logs"},
    {"monitoring", "CloudWatch"},
    {"ses", "SES"},
    {"cognito-idp", "Cognito User Pools"},
    {"kms", "KMS"},
    {"firehose", "Kinesis Data Firehose"},
    {"cloudformation", "CloudFormation"},
    {"execute-api", "API Gateway's management API"},
    {"apigateway", "API Gateway's management API"},
    {"scheduler", "EventBridge Scheduler"},
    {"appsync", "AppSync"},
    {"athena", "Athena"},
    {"ec2", "EC2"},
    {"rds-data", "RDS Data API"},
};

constexpr std::string_view kEmulated =
    "serverlite emulates DynamoDB (with its streams), Kinesis, SQS and Lambda on this endpoint, "
    "and API Gateway on the gateway listener";

}  // namespace

bool emulated_signing_name(std::string_view name) {
  return name == "dynamodb" || name == "kinesis" || name == "sqs" || name == "lambda";
}

std::string service_display_name(std::string_view name) {
  for (const auto& known : kKnownServices)
    if (known.signing_name == name) return std::string(known.display);
  return std::string(name);
}

http::Response unserved_service(const http::Request& request, std::string_view signing_name,
                                std::string_view action) {
  std::string_view target = request.header("X-Amz-Target").value_or("");
  std::string service;
  if (!signing_name.empty())
    service = service_display_name(signing_name) + " (signing name '" +
              std::string(signing_name.substr(0, 64)) + "')";
  else
    service = "the service of X-Amz-Target '" + std::string(target.substr(0, 128)) + "'";
  std::string operation;
  if (!action.empty()) operation = std::string(action.substr(0, 128));
  else if (auto dot = target.find('.'); dot != std::string_view::npos)
    operation = std::string(target.substr(dot + 1, 128));
  else
    operation = request.method + " " + std::string(request.path().substr(0, 256));
  ApiError error(501, "NotImplemented",
                 "serverlite does not emulate " + service + ", so it cannot serve " + operation +
                     ". " + std::string(kEmulated) + ".");
  if (!action.empty()) return render_query_error(error, "");
  if (!target.empty()) {
    std::string type(media_type(request));
    if (type != "application/x-amz-json-1.0") type = "application/x-amz-json-1.1";
    return render_json_error(error, "", type);
  }
  if (signing_name == "s3") {
    // S3's error document: <Error><Code/><Message/><RequestId/></Error>.
    std::string id = new_request_id();
    XmlWriter xml;
    xml.declaration()
        .open("Error")
        .element("Code", error.code)
        .element("Message", error.message())
        .element("RequestId", id)
        .close();
    http::Response res;
    res.status = error.http_status;
    res.add_header("Content-Type", "application/xml");
    res.add_header("x-amz-request-id", id);
    res.body = std::move(xml).str();
    return res;
  }
  return render_rest_json_error(error);
}

}  // namespace serverlite::aws
