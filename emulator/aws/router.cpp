#include "emulator/aws/router.hpp"

#include <algorithm>

#include "emulator/aws/api_error.hpp"
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

}  // namespace

void Router::add_target_prefix(std::string prefix, http::Handler handler) {
  by_target_.push_back({std::move(prefix), std::move(handler)});
}

void Router::add_path_prefix(std::string prefix, http::Handler handler) {
  by_path_.push_back({std::move(prefix), std::move(handler)});
}

void Router::add_query_service(std::string service, std::vector<std::string> actions,
                               http::Handler handler) {
  for (auto& action : actions) query_service_by_action_.emplace(std::move(action), service);
  query_by_service_.emplace(std::move(service), std::move(handler));
}

void Router::handle(http::Request request, http::Responder respond) const {
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
      if (target->starts_with(route.prefix)) return route.handler(std::move(request), respond);
    return respond(render_json_error(
        ApiError(400, "UnknownOperationException",
                 "The operation " + std::string(*target) + " is not supported by serverlite"),
        "", "application/x-amz-json-1.1"));
  }
  std::string_view path = request.path();
  for (const auto& route : by_path_) {
    // A prefix matches whole segments only: "/2015-03-31/functions" is not "/2015-03-31/functionsX".
    if (path.starts_with(route.prefix) &&
        (path.size() == route.prefix.size() || path[route.prefix.size()] == '/' ||
         route.prefix.ends_with('/')))
      return route.handler(std::move(request), respond);
  }
  if (auto action = query_action(request)) {
    // The credential scope names the service the client meant (SQS clients sign for "sqs"), which
    // settles actions that several query services share; the action table serves unsigned ones.
    if (auto credential = sigv4_credential(request)) {
      if (auto it = query_by_service_.find(credential->service); it != query_by_service_.end())
        return it->second(std::move(request), respond);
    }
    if (auto it = query_service_by_action_.find(*action); it != query_service_by_action_.end())
      return query_by_service_.find(it->second)->second(std::move(request), respond);
    // The query protocol's common error for an unknown action, with its documented message.
    return respond(render_query_error(
        ApiError(400, "InvalidAction",
                 "The action or operation requested is invalid. Verify that the action is typed "
                 "correctly."),
        ""));
  }
  respond(render_rest_json_error(ApiError(
      404, "UnknownOperationException",
      "serverlite has no API at " + request.method + " " + std::string(path))));
}

}  // namespace serverlite::aws
