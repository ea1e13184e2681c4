#include "emulator/app/app_spec.hpp"

namespace serverlite::app {
namespace {

std::string render(const std::string& file, const std::string& key_path,
                   const std::string& problem) {
  if (key_path.empty()) return file + ": " + problem;
  return file + ": " + key_path + ": " + problem;
}

}  // namespace

ConfigError::ConfigError(std::string file, std::string key_path, std::string problem)
    : std::runtime_error(render(file, key_path, problem)),
      file_(std::move(file)),
      key_path_(std::move(key_path)),
      problem_(std::move(problem)) {}

const FunctionSpec* AppSpec::find_function(std::string_view key_or_name) const {
  // Keys win over deployed names: a key is what the user typed in serverless.yml, and a
  // deployed name can only collide with a key through an explicit `name:`.
  for (const auto& fn : functions) {
    if (fn.key == key_or_name) return &fn;
  }
  for (const auto& fn : functions) {
    if (fn.name == key_or_name) return &fn;
  }
  return nullptr;
}

std::string function_arn(const AppSpec& app, const FunctionSpec& fn) {
  return "arn:aws:lambda:" + app.region + ":" + std::string(kAccountId) + ":function:" + fn.name;
}

}  // namespace serverlite::app
