// How API Gateway turns a Lambda proxy integration's result into the HTTP response the client
// sees, and API Gateway's own error answers. Pure functions over invoker::InvokeResult.
//
//                 REST API (proxy, format 1.0)        HTTP API (payload 2.0)
//  Ok, well formed the result's status, headers, body  the same, plus `cookies`
//  Ok, other       502 "Internal server error"         inferred: 200 application/json with
//                                                      the payload as the body (*)
//  FunctionError   502 "Internal server error"         500 "Internal Server Error"
//  Throttled       500 "Internal server error"         500 "Internal Server Error"
//  ShuttingDown    503 "Service Unavailable"           503 "Service Unavailable"
//  no route        403 "Missing Authentication Token"  404 "Not Found"
//  timeout         504 "Endpoint request timed out"    503 "Service Unavailable"
//
// Every body is {"message": ...} with application/json; the exact bytes are in responses.cpp.
// (*) Only valid JSON that is not an object with `statusCode` is inferred; a payload that is not
//     JSON, or an object with `statusCode` that is malformed, is a 500.
#pragma once

#include <string>

#include "emulator/app/app_spec.hpp"
#include "emulator/http/message.hpp"
#include "emulator/invoker/invoker.hpp"

namespace serverlite::gateway {

// REST API, Lambda proxy integration. A well-formed result is a JSON object with only the keys
// statusCode (an integer 100-599, or such a number as a string), headers (object of scalars),
// multiValueHeaders (object of arrays of scalars), body (string) and isBase64Encoded (bool); any of
// them but statusCode may be null. API Gateway answers anything else with 502 "Malformed Lambda
// proxy response". A name in both header maps takes only the multiValueHeaders values, as AWS
// merges them. With no Content-Type, REST answers application/json. A base64 body is decoded
// (AWS would need binaryMediaTypes and a matching Accept header for that; see events.hpp).
http::Response rest_response(const invoker::InvokeResult& result);

// HTTP API, payload format 2.0: an object with `statusCode` is a response (statusCode, headers,
// cookies -> one Set-Cookie each, body, isBase64Encoded); any other valid JSON is inferred to be
// the body of a 200 with content-type application/json; an empty payload is a 200 without a body.
http::Response http_api_response(const invoker::InvokeResult& result);

// rest_response or http_api_response by kind.
http::Response integration_response(app::ApiKind kind, const invoker::InvokeResult& result);

// No route for the request.
http::Response route_not_found(app::ApiKind kind);
// The integration did not answer within the gateway's limit (29 s by default).
http::Response integration_timeout(app::ApiKind kind);

// Stamps the ids API Gateway puts on every response: x-amzn-RequestId (the event's requestId)
// and, for REST, x-amz-apigw-id (the extendedRequestId); for HTTP API, apigw-requestid.
void add_request_ids(http::Response& response, app::ApiKind kind, const std::string& request_id,
                     const std::string& extended_request_id);

}  // namespace serverlite::gateway
