// What DynamoDB's and Kinesis's endpoints answer to requests that are not well-formed calls of
// one of their operations: a GET (DynamoDB's health check), other methods, bodies of another
// Content-Type or not JSON, a missing or unknown X-Amz-Target, and authentication that is
// missing or malformed. Their frameworks answer these before the operation is looked at, with
// bare error types (`{"__type": "...UnknownOperationException"}`, no message) and, for Kinesis,
// in CBOR unless the request was JSON 1.1.
#pragma once

#include <string>
#include <string_view>

#include "emulator/aws/sigv4_verify.hpp"
#include "emulator/http/message.hpp"

namespace serverlite::aws {

// DynamoDB's request id: 52 characters of A-Z and 0-9.
std::string new_dynamodb_request_id();

// The request's media type without parameters or blanks: "  application/json ; x" ->
// "application/json".
std::string_view media_type(const http::Request& request);

// ---- DynamoDB ---------------------------------------------------------------------------------

// The media types DynamoDB reads: application/x-amz-json-1.0 and application/json.
bool dynamodb_reads(std::string_view media_type);
// The Content-Type of DynamoDB's answer to a request: x-amz-json-1.0 when the request's was,
// application/json otherwise.
std::string dynamodb_answer_type(const http::Request& request);
// 200 "healthy: dynamodb.REGION.amazonaws.com " (the trailing blank is DynamoDB's).
http::Response dynamodb_healthy(std::string_view region);
// 404 `<UnknownOperationException/>`: a method but POST, or a body of a type DynamoDB does not read.
http::Response dynamodb_not_found();
// 400 `{"__type": "com.amazon.coral.service#TYPE"}`, with x-amz-crc32 as every DynamoDB answer.
http::Response dynamodb_bare_error(const http::Request& request, std::string_view type);
// 400 with the authentication failure's type and message.
http::Response dynamodb_auth_error(const http::Request& request, const AuthError& error);
// A request for no DynamoDB operation (no X-Amz-Target, or one naming no operation), in the order
// DynamoDB checks: method and Content-Type, then the body, then the operation.
http::Response dynamodb_unrouted(const http::Request& request, std::string_view region);

// ---- Kinesis ----------------------------------------------------------------------------------

// 403 `<AccessDeniedException>` (XML, no Content-Type): a method but POST.
http::Response kinesis_access_denied();
// 400 with the authentication failure (JSON 1.1, or CBOR for a CBOR request).
http::Response kinesis_auth_error(const http::Request& request, const AuthError& error);
// A request for no Kinesis operation, in the order Kinesis checks: method, then a missing body,
// then the Content-Type, then the body, then the operation.
http::Response kinesis_unrouted(const http::Request& request);
// Whether a request for a Kinesis operation passes the checks Kinesis makes before the
// authentication's: a body, in JSON 1.1 or CBOR, that is an object.
bool kinesis_body_readable(const http::Request& request);

// ---- Services serverlite does not emulate -----------------------------------------------------

// Whether `signing_name` (a credential scope's service: "dynamodb", "sqs") names a service
// serverlite emulates.
bool emulated_signing_name(std::string_view signing_name);
// A person's name for a service by its signing name: "sns" -> "SNS", "s3" -> "S3", "states" ->
// "Step Functions"; an unknown one as it is.
std::string service_display_name(std::string_view signing_name);
// 501 NotImplemented saying that serverlite does not emulate the service (by `signing_name`, or
// by the X-Amz-Target's prefix when the request is not signed), in the protocol the client
// reads: the query protocol's XML for an Action, S3's XML for "s3", AWS JSON for an
// X-Amz-Target, REST JSON otherwise. 501, which SDKs do not retry.
http::Response unserved_service(const http::Request& request, std::string_view signing_name,
                                std::string_view action = {});

}  // namespace serverlite::aws
