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
      problem_(std::move(problem)),
      messages_{what()} {}

namespace {
std::string joined(const std::vector<ConfigError>& all) {
  std::string out;
  for (const auto& e : all) {
    for (const auto& m : e.messages()) out += (out.empty() ? "" : "\n") + m;
  }
  return out;
}
}  // namespace

ConfigError::ConfigError(const std::vector<ConfigError>& all)
    : std::runtime_error(joined(all)),
      file_(all.at(0).file()),
      key_path_(all.at(0).key_path()),
      problem_(all.at(0).problem()) {
  for (const auto& e : all) messages_.insert(messages_.end(), e.messages().begin(), e.messages().end());
}

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
