#include "emulator/aws/router.hpp"

#include <algorithm>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/auth_form.hpp"
#include "emulator/aws/endpoint_answers.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "emulator/aws/query_protocol.hpp"
#include "emulator/aws/sigv4.hpp"
#include "emulator/http/content_coding.hpp"
#include "emulator/http/limits.hpp"

namespace serverlite::aws {

namespace {

// A request body whose Content-Encoding cannot be decoded, answered in the protocol the request
// speaks: AWS JSON for a target, the query protocol for a form, REST JSON otherwise.
http::Response coding_error(const http::Request& request, const http::CodingFailure& failure,
                            bool rest) {
  std::string code = failure.status == 413   ? "RequestEntityTooLarge"
                     : failure.status == 415 ? "UnsupportedMediaType"
                     : request.header("X-Amz-Target") ? "SerializationException"
                                                      : "MalformedQueryString";
  ApiError error(failure.status, code, failure.message);
  if (request.header("X-Amz-Target")) {
    std::string type(request.header("Content-Type").value_or(""));
    if (type != "application/x-amz-json-1.0") type = "application/x-amz-json-1.1";
    return render_json_error(error, "", type);
  }
  if (rest) return render_rest_json_error(error);
  return render_query_error(error, "");
}

// Whether a body parses as DynamoDB's framework reads it (empty is no input).
bool json_readable(std::string_view body) {
  try {
    parse_json_body(body);
    return true;
  } catch (const ApiError&) {
    return false;
  }
}

}  // namespace

void Router::add_target_prefix(std::string prefix, http::Handler handler, TargetOptions options) {
  by_target_.push_back({std::move(prefix), std::move(handler), std::move(options)});
}

void Router::add_path_prefix(std::string prefix, http::Handler handler, bool signed_only) {
  by_path_.push_back({std::move(prefix), std::move(handler), {}, signed_only});
}

// A request for a JSON service: the framework's checks in the service's order, the
// authentication's after those that do not depend on the caller. A request whose authentication
// fails is read before it is refused (an unreadable body is answered first); a well-formed one
// goes to the service unread.
void Router::handle_target(const Route& route, http::Request request, http::Responder respond,
                           bool check_auth) const {
  std::string_view target = request.header("X-Amz-Target").value_or("");
  std::string_view action = target.substr(route.prefix.size());
  const auto& actions = route.options.actions;
  bool known = actions.empty() || std::find(actions.begin(), actions.end(), action) != actions.end();
  switch (route.options.front) {
    case JsonFront::DynamoDB: {
      if (request.method != "POST" ||
          (!request.body.empty() && !dynamodb_reads(media_type(request))))
        return respond(dynamodb_not_found());
      if (!known) return respond(dynamodb_unrouted(request, region_));
      if (check_auth)
        if (auto failure = check_auth_form(request); failure && json_readable(request.body))
          return respond(dynamodb_auth_error(request, *failure));
      // DynamoDB answers in the type it was asked in (JSON 1.0, or application/json), with its
      // own form of request id.
      bool legacy = dynamodb_answer_type(request) != "application/x-amz-json-1.0";
      return route.handler(std::move(request), [respond, legacy](http::Response res) {
        if (legacy && res.header("Content-Type"))
          res.set_header("Content-Type", "application/json");
        res.set_header("x-amzn-RequestId", new_dynamodb_request_id());
        respond(std::move(res));
      });
    }
    case JsonFront::Kinesis:
      if (request.method != "POST") return respond(kinesis_access_denied());
      if (check_auth && known)
        if (auto failure = check_auth_form(request, {.foreign_header_is_missing = false});
            failure && kinesis_body_readable(request))
          return respond(kinesis_auth_error(request, *failure));
      return route.handler(std::move(request), respond);
    case JsonFront::Generic:
      if (check_auth && known)
        if (auto failure = check_auth_form(request); failure && json_readable(request.body))
          return respond(render_auth_error(request, *failure));
      return route.handler(std::move(request), respond);
  }
}

// A request no service claims: DynamoDB's answer, or Kinesis's when the credential scope names
// Kinesis (the two share this endpoint, and only the scope tells which one a caller meant).
// Other services' scopes get an answer saying that serverlite does not emulate them.
void Router::handle_unrouted(http::Request request, http::Responder respond) const {
  std::string service = scope_service(request);
  if (service == "kinesis") return respond(kinesis_unrouted(request));
  if (service.empty() || service == "dynamodb") return respond(dynamodb_unrouted(request, region_));
  // A service serverlite does not emulate at all says so, in the protocol its client reads.
  if (!emulated_signing_name(service) && !query_by_service_.contains(service))
    return respond(unserved_service(request, service));
  if (auto target = request.header("X-Amz-Target"))
    return respond(render_json_error(
        ApiError(400, "UnknownOperationException",
                 "The operation " + std::string(*target) + " is not supported by serverlite"),
        "", "application/x-amz-json-1.1"));
  respond(render_rest_json_error(ApiError(
      404, "UnknownOperationException",
      "serverlite has no API at " + request.method + " " + std::string(request.path()))));
}

void Router::add_query_service(std::string service, std::vector<std::string> actions,
                               http::Handler handler) {
  for (auto& action : actions) query_service_by_action_.emplace(std::move(action), service);
  query_by_service_.emplace(std::move(service), std::move(handler));
}

void Router::handle(http::Request request, http::Responder respond, bool check_auth) const {
  // A compressed body (Content-Encoding: gzip or deflate) is decoded before any service reads it
  // (the query protocol's Action is inside it), bounded by the body limit.
  if (auto failure = http::decode_request_body(request, http::default_body_limit)) {
    bool rest = std::any_of(by_path_.begin(), by_path_.end(), [&](const Route& r) {
      return request.path().starts_with(r.prefix);
    });
    return respond(coding_error(request, *failure, rest));
  }
  if (auto target = request.header("X-Amz-Target")) {
    for (const auto& route : by_target_)
      if (target->starts_with(route.prefix))
        return handle_target(route, std::move(request), std::move(respond), check_auth);
    return handle_unrouted(std::move(request), std::move(respond));
  }
  std::string_view path = request.path();
  for (const auto& route : by_path_) {
    // A prefix matches whole segments only: "/2015-03-31/functions" is not "/2015-03-31/functionsX".
    if (path.starts_with(route.prefix) &&
        (path.size() == route.prefix.size() || path[route.prefix.size()] == '/' ||
         route.prefix.ends_with('/'))) {
      if (check_auth && route.signed_only)
        if (auto failure = check_auth_form(request))
          return respond(render_auth_error(request, *failure));
      return route.handler(std::move(request), respond);
    }
  }
  if (auto action = query_action(request)) {
    if (check_auth)
      if (auto failure = check_auth_form(request))
        return respond(render_auth_error(request, *failure));
    // The credential scope names the service the client meant (SQS clients sign for "sqs"), which
    // settles actions that several query services share; the action table serves unsigned ones.
    auto credential = sigv4_credential(request);
    if (credential) {
      if (auto it = query_by_service_.find(credential->service); it != query_by_service_.end())
        return it->second(std::move(request), respond);
    }
    if (auto it = query_service_by_action_.find(*action); it != query_service_by_action_.end())
      return query_by_service_.find(it->second)->second(std::move(request), respond);
    // Signed for a service serverlite does not emulate (SNS, STS ...): say so, rather than that
    // the action is mistyped.
    if (credential && !emulated_signing_name(credential->service))
      return respond(unserved_service(request, credential->service, *action));
    // The query protocol's common error for an unknown action, with its documented message.
    return respond(render_query_error(
        ApiError(400, "InvalidAction",
                 "The action or operation requested is invalid. Verify that the action is typed "
                 "correctly."),
        ""));
  }
  handle_unrouted(std::move(request), std::move(respond));
}

}  // namespace serverlite::aws
