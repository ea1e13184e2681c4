// The Lambda API (REST-JSON, paths under /2015-03-31/functions) on the AWS endpoint:
// Invoke, ListFunctions, GetFunction, GetFunctionConfiguration.
#pragma once

#include "emulator/app/app_spec.hpp"
#include "emulator/http/message.hpp"
#include "emulator/http/route_matcher.hpp"
#include "emulator/invoker/invoker.hpp"
#include "services/functions/catalog.hpp"

namespace serverlite::functions {

class LambdaApi {
 public:
  LambdaApi(const app::AppSpec& app, invoker::Invoker& invoker);

  // Answers any request under /2015-03-31/functions; errors in Lambda's REST-JSON shape.
  void handle(http::Request request, http::Responder respond);

  static constexpr std::string_view kPathPrefix = "/2015-03-31/functions";

 private:
  struct Call;
  using Operation = void (LambdaApi::*)(Call&);
  struct Route {
    const char* method;
    const char* pattern;  // "{FunctionName}" marks the one path parameter
    const char* name;     // the operation's name, for errors and logs
    Operation operation;
  };
  static const Route kRoutes[];

  void invoke(Call& call);
  void list_functions(Call& call);
  void get_function(Call& call);
  void get_function_configuration(Call& call);
  const app::FunctionSpec& resolve(Call& call) const;

  Catalog catalog_;
  invoker::Invoker& invoker_;
  http::RouteMatcher routes_;  // kRoutes, indexed
};

}  // namespace serverlite::functions
