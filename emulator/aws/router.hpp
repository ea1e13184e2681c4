// The AWS endpoint: one listener for every emulated API, like the real services behind one edge.
// The service is chosen from the request itself, from a table (see the README's architecture):
// the X-Amz-Target prefix, then a REST path prefix. Services register at start-up.
#pragma once

#include <string>
#include <vector>

#include "emulator/http/message.hpp"

namespace serverlite::aws {

class Router {
 public:
  // Requests whose X-Amz-Target starts with `prefix` (e.g. "AmazonSQS.") go to `handler`.
  void add_target_prefix(std::string prefix, http::Handler handler);
  // Requests whose path starts with `prefix` (e.g. "/2015-03-31/functions") go to `handler`.
  void add_path_prefix(std::string prefix, http::Handler handler);

  // Dispatches; an unrecognised request gets a 400 UnknownOperationException (or 404 for a path).
  void handle(http::Request request, http::Responder respond) const;

 private:
  struct Route {
    std::string prefix;
    http::Handler handler;
  };
  std::vector<Route> by_target_;
  std::vector<Route> by_path_;
};

}  // namespace serverlite::aws
