// The AWS endpoint: one listener for every emulated API, like the real services behind one edge.
// The service is chosen from the request itself, from a table (see the README's architecture):
// 1. the X-Amz-Target prefix (AWS JSON protocols),
// 2. a REST path prefix,
// 3. a query-protocol `Action=` (form-encoded POST body, or GET query string): the service named
//    in the SigV4 credential scope when it registered for the query protocol, else the service
//    that registered the action name.
// A request none of these claims is answered as DynamoDB's endpoint would (or Kinesis's, when its
// credential scope names "kinesis"; a scope naming a service serverlite does not emulate gets an
// answer saying so): see endpoint_answers.hpp.
// Requests from the network must carry a well-formed SigV4 Authorization header or presigned
// query, as on AWS (auth_form.hpp); serverlite's own paths are exempt. Each JSON service checks
// it where AWS does: after the checks that do not depend on the caller (the operation's name, a
// readable body).
// Services register at start-up; the router is immutable afterwards and owned by the io thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "emulator/http/message.hpp"

namespace serverlite::aws {

// Which framework's answers a JSON service gives to requests that are not well-formed calls.
enum class JsonFront {
  Generic,   // the service answers them itself (SQS)
  DynamoDB,  // DynamoDB's (endpoint_answers.hpp), DynamoDB Streams' too
  Kinesis,   // Kinesis's
};

struct TargetOptions {
  JsonFront front = JsonFront::Generic;
  // The operation names after the prefix; empty: any (the service answers unknown ones).
  std::vector<std::string> actions;
};

class Router {
 public:
  // Requests whose X-Amz-Target starts with `prefix` (e.g. "AmazonSQS.") go to `handler`.
  void add_target_prefix(std::string prefix, http::Handler handler, TargetOptions options = {});
  // Requests whose path starts with `prefix` (e.g. "/2015-03-31/functions") go to `handler`.
  // `signed_only`: false for serverlite's own paths, which scripts call unsigned.
  void add_path_prefix(std::string prefix, http::Handler handler, bool signed_only = true);
  // The region DynamoDB's health check names.
  void set_region(std::string region) { region_ = std::move(region); }
  // Query-protocol requests for `service` (its SigV4 signing name, e.g. "sqs") go to `handler`.
  // `actions` are the service's action names ("SendMessage", ...), used for requests without a
  // credential scope naming a registered service (unsigned requests, hand-written curl). When two
  // services list the same action, the first registered gets unsigned requests for it.
  void add_query_service(std::string service, std::vector<std::string> actions,
                         http::Handler handler);

  // Dispatches. An unrecognised request gets a 400 InvalidAction query-protocol error for an
  // Action, else DynamoDB's or Kinesis's answer (see above). `check_auth`: refuse requests
  // without a well-formed SigV4 header or presigned query (requests from the network; calls made
  // in-process are not signed).
  void handle(http::Request request, http::Responder respond, bool check_auth = false) const;

 private:
  struct Route {
    std::string prefix;
    http::Handler handler;
    TargetOptions options;
    bool signed_only = true;
  };
  void handle_target(const Route& route, http::Request request, http::Responder respond,
                     bool check_auth) const;
  void handle_unrouted(http::Request request, http::Responder respond) const;

  std::string region_ = "us-east-1";
  std::vector<Route> by_target_;
  std::vector<Route> by_path_;
  std::map<std::string, http::Handler, std::less<>> query_by_service_;
  std::map<std::string, std::string, std::less<>> query_service_by_action_;
};

}  // namespace serverlite::aws
