#include "emulator/app/app_spec.hpp"
#include "emulator/app/config_files.hpp"

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

// Declared in config_files.hpp; defined beside ConfigError, which every reader of serverless.yml
// (and the parsers' fuzz targets) links.
ConfigError combine_config_errors(const std::vector<ConfigError>& all) {
  const ConfigError& first = all.at(0);
  if (all.size() == 1) return first;
  std::string problem = first.problem();
  for (std::size_t i = 1; i < all.size(); ++i) problem += "\n" + std::string(all[i].what());
  return ConfigError(first.file(), first.key_path(), problem);
}

std::vector<std::string> config_error_messages(const ConfigError& error) {
  std::vector<std::string> out;
  std::string text = error.what();
  std::size_t start = 0;
  for (;;) {
    auto end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace serverlite::app
