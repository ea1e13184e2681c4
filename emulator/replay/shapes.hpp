// Raw AWS events: which service sent them (their shape), and which functions of the app would
// receive them, judged from the event sources serverless.yml declares. Pure: the caller supplies
// the evaluation of CloudFormation functions in ARNs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"

namespace serverlite::replay {

enum class EventShape {
  ApiGatewayV1,  // REST API proxy event: httpMethod, requestContext, resource and/or path
  ApiGatewayV2,  // HTTP API payload 2.0: version "2.0", routeKey, rawPath
  Sqs,           // Records[].eventSource "aws:sqs"
  Kinesis,       // Records[].eventSource "aws:kinesis"
  DynamoDb,      // Records[].eventSource "aws:dynamodb"
  Sns,           // Records[].EventSource "aws:sns" (SNS capitalises it)
  S3,            // Records[].eventSource "aws:s3"
  Schedule,      // EventBridge scheduled rule: source "aws.events", detail-type "Scheduled Event"
  EventBridge,   // any other EventBridge event: source, detail-type and detail
  Unknown,
};

// The shape of a raw event. An Application Load Balancer event (requestContext.elb) looks like
// a REST API event but is Unknown: no serverless.yml event of ours produces it.
EventShape recognize(const nlohmann::json& event);

// "API Gateway REST API", "API Gateway HTTP API", "SQS", "Kinesis", "DynamoDB Streams", "SNS",
// "S3", "schedule", "EventBridge", "unknown", for messages: "this SQS event".
std::string shape_name(EventShape shape);

// Evaluates an event source's ARN: `arn_json` as in QueueEventSpec/StreamEventSpec (JSON text:
// a string or a CloudFormation function), `key_path` where it was written, for messages. Returns
// the ARN. May throw (std::exception); the route then skips that event source and says why.
using ArnResolver =
    std::function<std::string(const std::string& arn_json, const std::string& key_path)>;

struct RouteCandidate {
  const app::FunctionSpec* function = nullptr;
  // Why it matches: "http GET /users/{id}", "httpApi GET /users/{id}",
  // "sqs arn:aws:sqs:us-east-1:000000000000:jobs" (the key path prefixed for streams).
  std::string reason;
};

struct RouteResult {
  EventShape shape = EventShape::Unknown;
  // What the event asked for, for messages: "GET /users/1", "routeKey GET /users/{id}",
  // "eventSourceARN arn:aws:sqs:...". Empty when the shape has nothing to show.
  std::string source;
  std::vector<RouteCandidate> candidates;  // in serverless.yml order, one per function
  std::vector<std::string> notes;          // event sources that could not be evaluated
};

// The functions of `app` whose declared event sources match `event`:
//  - REST API (v1): `http` routes. A `resource` naming a declared template exactly (with the
//    event's httpMethod or ANY) wins; else `path` is matched as API Gateway matches routes, as
//    is (AWS puts the path without the stage in `path`), and without a leading "/{stage}"
//    (requestContext.stage, else the app's stage) as the emulator serves REST APIs: the
//    stage-less reading wins when the other finds nothing or only a greedy "{proxy+}" route.
//  - HTTP API (v2): `httpApi` routes whose route key equals `routeKey` ("GET /x", "$default" for
//    `httpApi: '*'`); else requestContext.http.method and rawPath matched against the routes,
//    then the catch-all.
//  - SQS: `sqs` events whose queue ARN equals the first record's eventSourceARN, or names the
//    same queue (the last ':' or '/' part, so a queue URL from a mistaken `!Ref` also matches).
//  - Kinesis: `stream` events of type kinesis on the same stream (ARN equal, or same name).
//  - DynamoDB: `stream` events of type dynamodb on the same table, whatever the stream label.
//  - Schedule: `schedule` events, by rule name (`resources` of the event; an unnamed rule takes
//    any); EventBridge: `eventBridge` events whose `pattern` matches; SNS: `sns` events of the
//    topic (TopicArn's name); S3: `s3` events of the bucket.
// A function appears once however many of its events match (the first match is its reason).
RouteResult route(const nlohmann::json& event, const app::AppSpec& app,
                  const ArnResolver& resolve);

// The runner's message when a route result is not exactly one function, nullopt when it is:
//   "no function of serverless.yml handles this SQS event (eventSourceARN arn:...)"
//   "this SQS event matches 2 functions of serverless.yml: a (sqs ...), b (sqs ...); send it to
//    one of them with {\"function\": NAME, \"event\": ...}"
// The zero case adds why, for shapes that cannot be routed, and the notes.
std::optional<std::string> route_problem(const RouteResult& result, const app::AppSpec& app);

}  // namespace serverlite::replay
