#include "services/functions/api.hpp"

#include <charconv>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "emulator/http/base64.hpp"
#include "services/functions/mappings.hpp"

namespace serverlite::functions {

using aws::ApiError;

namespace {

// Lambda's limit on a synchronous request payload (the async limit is 256 KiB).
constexpr std::size_t kMaxSyncPayload = 6291456;
constexpr std::size_t kMaxAsyncPayload = 262144;

}  // namespace

struct LambdaApi::Call {
  http::Request request;
  http::Responder respond;
  std::string function_name;  // the {FunctionName} path parameter, decoded
};

// The dispatch table: every operation of the Lambda API that serverlite answers.
const LambdaApi::Route LambdaApi::kRoutes[] = {
    {"POST", "/2015-03-31/functions/{FunctionName}/invocations", "Invoke", &LambdaApi::invoke},
    {"GET", "/2015-03-31/functions", "ListFunctions", &LambdaApi::list_functions},
    {"GET", "/2015-03-31/functions/{FunctionName}", "GetFunction", &LambdaApi::get_function},
    {"GET", "/2015-03-31/functions/{FunctionName}/configuration", "GetFunctionConfiguration",
     &LambdaApi::get_function_configuration},
};

LambdaApi::LambdaApi(const app::AppSpec& app, invoker::Invoker& invoker)
    : catalog_(app), invoker_(invoker) {
  for (std::size_t i = 0; i < std::size(kRoutes); ++i)
    routes_.add(kRoutes[i].method, kRoutes[i].pattern, i);
}

void LambdaApi::handle(http::Request request, http::Responder respond) {
  // One catch site: ApiError renders as Lambda renders it; anything else is a logged 500.
  try {
    auto match = routes_.match(request.method, request.path());
    if (match.status != http::MatchStatus::Found)
      throw ApiError(404, "UnknownOperationException",
                     "serverlite does not implement " + request.method + " " +
                         std::string(request.path()));
    const Route& route = kRoutes[match.value];
    Call call{std::move(request), respond, {}};
    for (auto& [name, value] : match.params)
      if (name == "FunctionName") call.function_name = value;
    return (this->*route.operation)(call);
  } catch (const ApiError& e) {
    respond(aws::render_rest_json_error(e));
  } catch (const std::exception& e) {
    respond(aws::render_rest_json_error(ApiError(500, "ServiceException", e.what())));
  }
}

const app::FunctionSpec& LambdaApi::resolve(Call& call) const {
  std::string qualifier = query_param(call.request, "Qualifier");
  // Lambda's Qualifier: 1 to 128 of [a-zA-Z0-9$_-].
  if (qualifier.size() > 128)
    throw ApiError(400, "ValidationException",
                   "1 validation error detected: Value '" + qualifier +
                       "' at 'qualifier' failed to satisfy constraint: Member must have length "
                       "less than or equal to 128");
  for (char c : qualifier) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '$' || c == '_' || c == '-';
    if (!allowed)
      throw ApiError(400, "ValidationException",
                     "1 validation error detected: Value '" + qualifier +
                         "' at 'qualifier' failed to satisfy constraint: Member must satisfy "
                         "regular expression pattern: (|[a-zA-Z0-9$_-]+)");
  }
  auto resolution = catalog_.resolve(call.function_name, qualifier);
  if (auto* fn = std::get_if<const app::FunctionSpec*>(&resolution)) return **fn;
  if (auto* nf = std::get_if<NotFound>(&resolution))
    throw ApiError(404, "ResourceNotFoundException", "Function not found: " + nf->arn);
  throw ApiError(400, "ValidationException", std::get<InvalidName>(resolution).message);
}

void LambdaApi::invoke(Call& call) {
  const auto& fn = resolve(call);
  auto& req = call.request;
  std::string type(req.header("X-Amz-Invocation-Type").value_or("RequestResponse"));
  invoker::InvokeRequest inv;
  inv.function = fn.key;
  if (type == "Event") {
    inv.type = invoker::InvocationType::Event;
  } else if (type != "RequestResponse" && type != "DryRun") {
    throw ApiError(400, "InvalidParameterValueException",
                   "1 validation error detected: Value '" + type +
                       "' at 'invocationType' failed to satisfy constraint: Member must satisfy "
                       "enum value set: [RequestResponse, Event, DryRun]");
  }
  std::size_t limit = type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
  if (req.body.size() > limit)
    throw ApiError(413, "RequestTooLargeException",
                   "Request must be smaller than " + std::to_string(limit) +
                       " bytes for the InvokeFunction operation");
  if (!req.body.empty() && !nlohmann::json::accept(req.body))
    throw ApiError(400, "InvalidRequestContentException",
                   "Could not parse request body into json: Could not parse payload into json: "
                   "Unexpected character: was expecting a JSON value");
  if (type == "DryRun") {
    http::Response res;
    res.status = 204;
    res.add_header("x-amzn-RequestId", aws::new_request_id());
    return call.respond(std::move(res));
  }
  inv.payload = req.body.empty() ? "{}" : std::move(req.body);
  auto log_type = req.header("X-Amz-Log-Type");
  inv.tail_log = log_type && *log_type == "Tail" && inv.type != invoker::InvocationType::Event;
  if (auto cc = req.header("X-Amz-Client-Context")) {
    auto decoded = http::base64_decode(*cc);
    if (!decoded || !nlohmann::json::accept(*decoded))
      throw ApiError(400, "InvalidRequestContentException",
                     "Client context must be a valid Base64-encoded JSON object.");
    inv.client_context = std::move(*decoded);
  }

  bool is_event = inv.type == invoker::InvocationType::Event;
  invoker_.invoke(std::move(inv), [respond = call.respond, is_event](invoker::InvokeResult result) {
    http::Response res;
    switch (result.status) {
      case invoker::InvokeStatus::Ok:
      case invoker::InvokeStatus::FunctionError:
        break;
      case invoker::InvokeStatus::Throttled: {
        auto err = aws::render_rest_json_error(
            ApiError(429, "TooManyRequestsException", "Rate Exceeded."));
        // Lambda says why it throttled, in a field of its own: beyond the function's reserved
        // concurrency, or (the line of waiting invocations full) beyond the account's.
        auto body = nlohmann::json::parse(err.body);
        body["Reason"] = result.error_type.empty() ? invoker::kThrottleReserved : result.error_type;
        err.body = aws::dump_json(body);
        return respond(std::move(err));
      }
      case invoker::InvokeStatus::ShuttingDown:
        return respond(aws::render_rest_json_error(
            ApiError(503, "ServiceException", "serverlite is shutting down")));
    }
    if (is_event) {
      // Queued: Lambda answers 202 with an empty body.
      res.status = 202;
      res.add_header("x-amzn-RequestId", result.request_id);
      return respond(std::move(res));
    }
    res.add_header("Content-Type", "application/json");
    res.add_header("x-amzn-RequestId", result.request_id);
    res.add_header("X-Amz-Executed-Version", "$LATEST");
    if (result.status == invoker::InvokeStatus::FunctionError)
      res.add_header("X-Amz-Function-Error", "Unhandled");
    if (!result.log_tail.empty())
      res.add_header("X-Amz-Log-Result", http::base64_encode(result.log_tail));
    res.body = std::move(result.payload);
    respond(std::move(res));
  });
}

void LambdaApi::list_functions(Call& call) {
  const auto& fns = catalog_.app().functions;
  auto [start, max_items] = list_page(call.request, 50, fns.size());
  nlohmann::json list = nlohmann::json::array();
  std::size_t end = std::min(fns.size(), start + max_items);
  for (std::size_t i = start; i < end; ++i) list.push_back(catalog_.configuration(fns[i]));
  nlohmann::json body = {{"Functions", list}};
  if (end < fns.size()) body["NextMarker"] = std::to_string(end);
  call.respond(http::Response::json(200, body.dump()));
}

void LambdaApi::get_function(Call& call) {
  const auto& fn = resolve(call);
  nlohmann::json body = {
      {"Configuration", catalog_.configuration(fn)},
      {"Code", {{"RepositoryType", "S3"}, {"Location", "file://" + catalog_.app().service_dir.string()}}},
      {"Tags", nlohmann::json::object()},
  };
  // Lambda shows Concurrency only for a function with reserved concurrency.
  if (fn.reserved_concurrency)
    body["Concurrency"] = {{"ReservedConcurrentExecutions", *fn.reserved_concurrency}};
  call.respond(http::Response::json(200, body.dump()));
}

void LambdaApi::get_function_configuration(Call& call) {
  call.respond(http::Response::json(200, catalog_.configuration(resolve(call)).dump()));
}

}  // namespace serverlite::functions
