#include "emulator/build/esbuild_config.hpp"

#include <algorithm>
#include <array>
#include <system_error>

#include <nlohmann/json.hpp>

namespace serverlite::build {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Settings of the Framework or the plugin that are about deploying, packaging or watching:
// nothing to do with how the handler runs here.
constexpr std::array<std::string_view, 16> kPackagingKeys = {
    "buildConcurrency", "concurrency",        "zipConcurrency",   "packager",
    "packagePath",      "packagerOptions",    "installExtraArgs", "nativeZip",
    "watch",            "keepOutputDirectory", "outputWorkFolder", "outputBuildFolder",
    "disableIncremental", "skipBuild",        "skipRebuild",      "skipBuildExcludeFns"};

bool contains(std::string_view key, const auto& list) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

std::vector<std::string> plugin_names(const Json& document) {
  std::vector<std::string> names;
  auto it = document.find("plugins");
  if (it == document.end()) return names;
  const Json* list = &*it;
  if (list->is_object() && list->contains("modules")) list = &(*list)["modules"];
  if (!list->is_array()) return names;
  for (const auto& p : *list)
    if (p.is_string()) names.push_back(p.get<std::string>());
  return names;
}

const Json* at_path(const Json& document, std::initializer_list<const char*> keys) {
  const Json* v = &document;
  for (const char* k : keys) {
    if (!v->is_object()) return nullptr;
    auto it = v->find(k);
    if (it == v->end()) return nullptr;
    v = &*it;
  }
  return v;
}

std::string scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string joined(const Json& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ',';
    out += scalar_text(item);
  }
  return out;
}

// "nodejs20.x" → "node20".
std::string default_target(const app::FunctionSpec& fn) {
  const std::string& r = fn.runtime;
  if (r.starts_with("nodejs") && r.ends_with(".x") && r.size() > 8)
    return "node" + r.substr(6, r.size() - 8);
  return "node20";
}

// The runtime's major version, 0 when unknown.
int node_major(const app::FunctionSpec& fn) {
  std::string target = default_target(fn);
  try {
    return std::stoi(target.substr(4));
  } catch (...) {
    return 0;
  }
}

void apply(EsbuildConfig& config, const Json& settings, const std::string& where,
           std::string& target, bool& bundle, std::vector<std::string>& externals) {
  for (const auto& [key, v] : settings.items()) {
    std::string at = where + "." + key;
    if (key == "bundle") {
      bundle = v.is_boolean() ? v.get<bool>() : bundle;
    } else if (key == "minify" || key == "keepNames" || key == "minifyWhitespace" ||
               key == "minifyIdentifiers" || key == "minifySyntax") {
      if (!v.is_boolean() || !v.get<bool>()) continue;
      std::string flag = "--";
      for (char c : key) {  // keepNames → keep-names
        if (c >= 'A' && c <= 'Z') flag += '-', flag += static_cast<char>(c - 'A' + 'a');
        else flag += c;
      }
      config.args.push_back(flag);
    } else if (key == "sourcemap") {
      if (v.is_boolean()) {
        config.source_maps = v.get<bool>();
      } else if (v.is_string()) {
        config.source_maps = v.get<std::string>() != "none";
      } else if (v.is_object()) {
        if (auto t = v.find("type"); t != v.end() && t->is_string())
          config.source_maps = t->get<std::string>() != "none";
        if (auto s = v.find("setNodeOptions"); s != v.end() && s->is_boolean())
          config.set_node_options = s->get<bool>();
      }
    } else if (key == "external" || key == "exclude") {
      if (v.is_string() && v.get<std::string>() == "*") {
        config.args.push_back("--packages=external");
        continue;
      }
      if (!v.is_array()) continue;
      if (key == "exclude") externals.clear();  // replaces the default exclusion
      for (const auto& item : v) {
        if (!item.is_string()) continue;
        if (item == "*") config.args.push_back("--packages=external");  // no package bundled
        else externals.push_back(item.get<std::string>());
      }
    } else if (key == "packages" || key == "platform" || key == "charset" ||
               key == "legalComments" || key == "tsconfig" || key == "jsx" ||
               key == "jsxFactory" || key == "jsxFragment" || key == "logLevel") {
      // serverlite keeps esbuild's messages to warnings, and builds for Node (Lambda's).
      if (key == "logLevel" || key == "platform") continue;
      config.args.push_back("--" + std::string(key == "legalComments"  ? "legal-comments"
                                                : key == "jsxFactory"  ? "jsx-factory"
                                                : key == "jsxFragment" ? "jsx-fragment"
                                                                        : key) +
                            "=" + scalar_text(v));
    } else if (key == "target") {
      target = v.is_array() ? joined(v) : scalar_text(v);
    } else if (key == "format") {
      if (v.is_string() && (v == "esm" || v == "cjs")) config.format = v.get<std::string>();
      else config.warnings.push_back(at + ": only esm and cjs run on Lambda; cjs is used");
    } else if (key == "mainFields" || key == "conditions" || key == "resolveExtensions") {
      if (!v.is_array()) continue;
      std::string flag = key == "mainFields" ? "main-fields"
                         : key == "conditions" ? "conditions"
                                               : "resolve-extensions";
      config.args.push_back("--" + flag + "=" + joined(v));
    } else if (key == "define" || key == "loader" || key == "banner" || key == "footer" ||
               key == "alias") {
      if (!v.is_object()) continue;
      for (const auto& [name, value] : v.items())
        config.args.push_back("--" + std::string(key) + ":" + name + "=" + scalar_text(value));
    } else if (key == "treeShaking") {
      if (v.is_boolean()) config.args.push_back(std::string("--tree-shaking=") +
                                                (v.get<bool>() ? "true" : "false"));
    } else if (key == "configFile" || key == "plugins") {
      config.warnings.push_back(at + ": esbuild plugins and configuration files are not run "
                                     "locally; the other settings are");
    } else if (!contains(key, kPackagingKeys)) {
      config.warnings.push_back(at + ": not supported yet, ignored");
    }
  }
}

}  // namespace

bool is_typescript(const fs::path& file) {
  auto ext = file.extension();
  return ext == ".ts" || ext == ".mts" || ext == ".cts";
}

fs::path typescript_entry(const fs::path& service_dir, const std::string& handler) {
  auto slash = handler.rfind('/');
  std::size_t start = slash == std::string::npos ? 0 : slash + 1;
  auto dot = handler.find('.', start);
  if (dot == std::string::npos || dot == start) return {};
  std::string module = handler.substr(0, dot);
  std::error_code ec;
  for (const char* ext : {".js", ".mjs", ".cjs"})
    if (fs::is_regular_file(service_dir / (module + ext), ec)) return {};
  for (const char* ext : {".ts", ".mts", ".cts"})
    if (fs::is_regular_file(service_dir / (module + ext), ec)) return module + ext;
  return {};
}

EsbuildConfig esbuild_config(const Json& document, const app::FunctionSpec& fn,
                             const fs::path& entry) {
  EsbuildConfig config;
  if (entry.extension() == ".mts") config.format = "esm";
  auto plugins = plugin_names(document);
  bool esbuild_plugin = contains("serverless-esbuild", plugins);
  bool other_builder = contains("serverless-plugin-typescript", plugins) ||
                       contains("serverless-webpack", plugins);
  std::string target = default_target(fn);
  bool bundle = true;
  // The Framework leaves the runtime's own AWS SDK out of the bundle.
  std::vector<std::string> externals = {node_major(fn) >= 18 ? "@aws-sdk/*" : "aws-sdk"};

  const Json* settings = nullptr;
  if (esbuild_plugin) {
    config.source = "custom.esbuild";
    settings = at_path(document, {"custom", "esbuild"});
    externals = {"aws-sdk"};  // the plugin's default exclusion
  } else if (const Json* build = at_path(document, {"build", "esbuild"})) {
    if (build->is_boolean() && !build->get<bool>() && !other_builder) {
      config.disabled = true;
      config.disabled_reason =
          "build.esbuild is false in serverless.yml, so nothing builds " + entry.string() +
          ": build it to JavaScript yourself or remove that setting";
      return config;
    }
    config.source = "build.esbuild";
    settings = build;
  }
  if (settings && settings->is_object()) {
    apply(config, *settings, config.source, target, bundle, externals);
  }
  if (bundle) {
    config.args.push_back("--bundle");
    for (const auto& e : externals) config.args.push_back("--external:" + e);
  }
  config.args.push_back("--platform=node");
  config.args.push_back("--target=" + target);
  config.args.push_back("--format=" + config.format);
  if (config.source_maps) config.args.push_back("--sourcemap=linked");
  if (!config.source_maps) config.set_node_options = false;
  return config;
}

}  // namespace serverlite::build
