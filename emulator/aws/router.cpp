#include "emulator/aws/router.hpp"

#include "emulator/aws/api_error.hpp"

namespace serverlite::aws {

void Router::add_target_prefix(std::string prefix, http::Handler handler) {
  by_target_.push_back({std::move(prefix), std::move(handler)});
}

void Router::add_path_prefix(std::string prefix, http::Handler handler) {
  by_path_.push_back({std::move(prefix), std::move(handler)});
}

void Router::handle(http::Request request, http::Responder respond) const {
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
  respond(render_rest_json_error(ApiError(
      404, "UnknownOperationException",
      "serverlite has no API at " + request.method + " " + std::string(path))));
}

}  // namespace serverlite::aws
