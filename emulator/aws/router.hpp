// The AWS endpoint: one listener for every emulated API, like the real services behind one edge.
// The service is chosen from the request itself, from a table (see the README's architecture):
// 1. the X-Amz-Target prefix (AWS JSON protocols),
// 2. a REST path prefix,
// 3. a query-protocol `Action=` (form-encoded POST body, or GET query string): the service named
//    in the SigV4 credential scope when it registered for the query protocol, else the service
//    that registered the action name.
// Services register at start-up; the router is immutable afterwards and owned by the io thread.
#pragma once

#include <map>
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
  // Query-protocol requests for `service` (its SigV4 signing name, e.g. "sqs") go to `handler`.
  // `actions` are the service's action names ("SendMessage", ...), used for requests without a
  // credential scope naming a registered service (unsigned requests, hand-written curl). When two
  // services list the same action, the first registered gets unsigned requests for it.
  void add_query_service(std::string service, std::vector<std::string> actions,
                         http::Handler handler);

  // Dispatches. An unrecognised request gets a 400 UnknownOperationException for a target, a
  // 400 InvalidAction query-protocol error for an Action, or a 404 otherwise.
  void handle(http::Request request, http::Responder respond) const;

 private:
  struct Route {
    std::string prefix;
    http::Handler handler;
  };
  std::vector<Route> by_target_;
  std::vector<Route> by_path_;
  std::map<std::string, http::Handler, std::less<>> query_by_service_;
  std::map<std::string, std::string, std::less<>> query_service_by_action_;
};

}  // namespace serverlite::aws
