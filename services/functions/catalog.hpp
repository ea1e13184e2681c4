// The functions of the app as the Lambda API shows them: name and ARN resolution and the
// FunctionConfiguration document. No HTTP here; services/functions/api.cpp is the front.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"

namespace serverlite::functions {

struct NotFound {
  std::string arn;  // what Lambda names in "Function not found: ARN"
};
struct InvalidName {
  std::string message;
};
using Resolution = std::variant<const app::FunctionSpec*, NotFound, InvalidName>;

class Catalog {
 public:
  explicit Catalog(const app::AppSpec& app);

  // Accepts what Lambda accepts as FunctionName: a name ("svc-dev-fn"; serverlite also takes the
  // key under `functions:`), "name:qualifier", a full ARN (with or without qualifier) or a
  // partial ARN ("000000000000:function:name"). `qualifier` is the Qualifier query parameter.
  // Only $LATEST exists locally; any other qualifier is NotFound, as for an unpublished version.
  Resolution resolve(std::string_view function_name, std::string_view qualifier = {}) const;

  // FunctionConfiguration, as ListFunctions, GetFunction and GetFunctionConfiguration return it.
  nlohmann::json configuration(const app::FunctionSpec& fn) const;

  const app::AppSpec& app() const { return app_; }

 private:
  const app::AppSpec& app_;
  std::string last_modified_;  // when serverlite loaded the app, in Lambda's format
};

}  // namespace serverlite::functions
