// serverless.yml's layers: where each of the app's layers is, and which a function uses.
#include <algorithm>
#include <system_error>

#include "emulator/app/layers.hpp"
#include "emulator/app/yaml_json.hpp"

namespace serverlite::app::layers {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// Keys of a layer that matter only to a deployment: accepted without a word.
constexpr std::string_view kSilentLayerKeys[] = {
    "description",     "compatibleRuntimes", "compatibleArchitectures",
    "licenseInfo",     "allowedAccounts",    "retain"};

void warn(AppSpec& app, const std::string& label, const std::string& path,
          const std::string& problem) {
  std::string message = label + ": " + path + ": " + problem;
  if (std::find(app.warnings.begin(), app.warnings.end(), message) == app.warnings.end())
    app.warnings.push_back(std::move(message));
}

std::string type_name(const Json& v) {
  if (v.is_object()) return "a mapping";
  if (v.is_array()) return "a list";
  if (v.is_string()) return "a string";
  if (v.is_null()) return "nothing (null)";
  return v.is_boolean() ? "a boolean" : "a number";
}

std::string known_layers(const AppSpec& app) {
  if (app.layers.empty()) return "the app defines no layers under `layers:`";
  std::string list;
  for (const auto& layer : app.layers) {
    if (!list.empty()) list += ", ";
    list += layer.key + " (" + logical_id(layer.key) + ")";
  }
  return "the app's layers are " + list;
}

const LayerSpec* by_logical_id(const AppSpec& app, const std::string& id) {
  for (const auto& layer : app.layers)
    if (logical_id(layer.key) == id) return &layer;
  return nullptr;
}

const LayerSpec* by_name(const AppSpec& app, const std::string& name) {
  for (const auto& layer : app.layers)
    if (layer.key == name || layer.name == name) return &layer;
  return nullptr;
}

}  // namespace

std::string logical_id(std::string_view key) {
  std::string id;
  for (char c : key) {
    if (c == '-') id += "Dash";
    else if (c == '_') id += "Underscore";
    else id += c;
  }
  if (!id.empty() && id[0] >= 'a' && id[0] <= 'z') id[0] = static_cast<char>(id[0] - 'a' + 'A');
  return id + "LambdaLayer";
}

void read_layers(AppSpec& app, const Json& doc, const std::string& label) {
  auto it = doc.find("layers");
  if (it == doc.end() || it->is_null()) return;
  if (!it->is_object())
    throw ConfigError(label, "layers", "expected a mapping, got " + type_name(*it));
  for (const auto& [key, def] : it->items()) {
    std::string at = key_path_child("layers", key);
    if (!def.is_object()) throw ConfigError(label, at, "expected a mapping, got " + type_name(def));
    LayerSpec layer;
    layer.key = key;
    layer.name = key;
    bool has_artifact = false;
    for (const auto& [k, v] : def.items()) {
      if (k == "path") {
        if (!v.is_string() || v.get<std::string>().empty())
          throw ConfigError(label, at + ".path", "expected a directory, got " + type_name(v));
        layer.dir = (app.service_dir / v.get<std::string>()).lexically_normal();
      } else if (k == "name") {
        if (!v.is_string()) throw ConfigError(label, at + ".name", "expected a string");
        layer.name = v.get<std::string>();
      } else if (k == "package") {
        has_artifact = v.is_object() && v.contains("artifact");
      } else if (std::find(std::begin(kSilentLayerKeys), std::end(kSilentLayerKeys), k) ==
                 std::end(kSilentLayerKeys)) {
        warn(app, label, key_path_child(at, k), "not supported yet, ignored");
      }
    }
    if (layer.dir.empty()) {
      if (has_artifact) {
        warn(app, label, at + ".package.artifact",
             "a layer packaged as a zip file is not unpacked locally: give it a path instead; "
             "functions that use it run without it");
        app.layers.push_back(std::move(layer));  // known by name, without a directory
        continue;
      }
      throw ConfigError(label, at + ".path", "missing: a layer needs the directory it is made of");
    }
    std::error_code ec;
    if (!fs::is_directory(layer.dir, ec))
      throw ConfigError(label, at + ".path",
                        "directory " + layer.dir.string() + " not found");
    if (layer.dir.string().size() > 1 && layer.dir.string().back() == '/')
      layer.dir = layer.dir.parent_path();
    app.layers.push_back(std::move(layer));
  }
}

void read_function_layers(AppSpec& app, FunctionSpec& fn, const Json* fn_layers,
                          const Json* provider_layers, const std::string& path,
                          const std::string& label) {
  std::string at = path + ".layers";
  const Json* list = fn_layers;
  if (!list || list->is_null()) {
    list = provider_layers;
    at = "provider.layers";
  }
  if (!list || list->is_null()) return;
  if (!list->is_array()) throw ConfigError(label, at, "expected a list, got " + type_name(*list));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    std::string item_at = key_path_index(at, i);
    const LayerSpec* layer = nullptr;
    if (item.is_string()) {
      const std::string& text = item.get_ref<const std::string&>();
      if (text.starts_with("arn:")) {
        warn(app, label, item_at,
             "layer " + text + " is not part of this app: its content is not available "
                               "locally, so the function runs without it");
        continue;
      }
      layer = by_name(app, text);
      if (!layer)
        throw ConfigError(label, item_at, "no layer named \"" + text + "\": " + known_layers(app));
    } else if (item.is_object() && item.size() == 1 && item.contains("Ref") &&
               item["Ref"].is_string()) {
      const std::string& id = item["Ref"].get_ref<const std::string&>();
      layer = by_logical_id(app, id);
      if (!layer)
        throw ConfigError(label, item_at, "Ref " + id + " names no layer: " + known_layers(app));
    } else {
      warn(app, label, item_at,
           "a layer given as " + item.dump() +
               " is not resolved locally (write a layer ARN, {Ref: NameLambdaLayer} or the "
               "layer's name); the function runs without it");
      continue;
    }
    if (!layer->dir.empty() &&
        std::find(fn.layers.begin(), fn.layers.end(), layer->dir) == fn.layers.end())
      fn.layers.push_back(layer->dir);
  }
}

}  // namespace serverlite::app::layers
