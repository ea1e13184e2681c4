#include "emulator/app/intrinsics.hpp"

#include <algorithm>
#include <charconv>

#include "emulator/app/yaml_json.hpp"

namespace serverlite::app {

using Json = nlohmann::json;

void ResourceTypes::add(std::string type, AttributeResolver resolve) {
  types_[std::move(type)] = std::move(resolve);
}

const AttributeResolver* ResourceTypes::find(std::string_view type) const {
  auto it = types_.find(type);
  return it == types_.end() ? nullptr : &it->second;
}

Json resource_properties(const AppSpec& app, const ResourceSpec& resource) {
  const Json& doc = *app.document;
  auto resources = doc.find("resources");
  if (resources == doc.end() || !resources->is_object()) return Json::object();
  auto defs = resources->find("Resources");
  if (defs == resources->end() || !defs->is_object()) return Json::object();
  auto def = defs->find(resource.logical_id);
  if (def == defs->end() || !def->is_object()) return Json::object();
  auto props = def->find("Properties");
  return props == def->end() || !props->is_object() ? Json::object() : *props;
}

std::string default_physical_name(const AppSpec& app, const ResourceSpec& resource) {
  return app.service + "-" + app.stage + "-" + resource.logical_id;
}

namespace {

// A string index of Fn::Select: decimal digits whose value fits `out`. Read without std::regex,
// which recursed once per character; std::stoul threw out_of_range past 64 bits.
bool decimal_index(const std::string& text, std::size_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

class Evaluator {
 public:
  Evaluator(const AppSpec& app, const ResourceTypes& types) : app_(app), types_(types) {}

  Json eval(const Json& v, const std::string& path) {
    if (v.is_array()) {
      Json out = Json::array();
      for (std::size_t i = 0; i < v.size(); ++i) out.push_back(eval(v[i], key_path_index(path, i)));
      return out;
    }
    if (!v.is_object()) return v;
    if (v.size() == 1) {
      auto only = v.begin();  // (items() would hand out a temporary proxy's copies)
      const std::string& name = only.key();
      const Json& arg = only.value();
      std::string at = key_path_child(path, name);
      if (name == "Ref") return ref(expect_string(arg, at), at);
      if (name == "Fn::GetAtt") return get_att(arg, at);
      if (name == "Fn::Sub") return sub(arg, at);
      if (name == "Fn::Join") return join(arg, at);
      if (name == "Fn::Select") return select(arg, at);
      if (name.starts_with("Fn::"))
        throw ConfigError(app_.config_file.filename().string(), at,
                          "CloudFormation function " + name + " is not supported");
    }
    Json out = Json::object();
    for (const auto& [k, x] : v.items()) out[k] = eval(x, key_path_child(path, k));
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw ConfigError(app_.config_file.filename().string(), path, problem);
  }

  std::string expect_string(const Json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a string, got " + v.dump());
    return v.get<std::string>();
  }

  const ResourceSpec* resource(const std::string& id) const {
    for (const auto& r : app_.resources)
      if (r.logical_id == id) return &r;
    return nullptr;
  }

  Json attribute(const std::string& id, const std::string& attr, const std::string& path) {
    const ResourceSpec* r = resource(id);
    if (!r) fail(path, "no resource '" + id + "' in resources.Resources");
    const AttributeResolver* resolve = types_.find(r->type);
    if (!resolve)
      throw UnsupportedResource(app_.config_file.filename().string(), path,
                                r->type + " ('" + id + "') is not supported yet");
    auto value = (*resolve)(*r, resource_properties(app_, *r), attr);
    if (!value) {
      if (attr.empty()) fail(path, r->type + " '" + id + "' has no Ref value");
      fail(path, r->type + " '" + id + "' has no attribute " + attr);
    }
    return *value;
  }

  std::optional<Json> pseudo(const std::string& name) const {
    if (name == "AWS::Region") return app_.region;
    if (name == "AWS::AccountId") return std::string(kAccountId);
    if (name == "AWS::Partition") return "aws";
    if (name == "AWS::URLSuffix") return "amazonaws.com";
    if (name == "AWS::StackName") return app_.service + "-" + app_.stage;
    if (name == "AWS::StackId")
      return "arn:aws:cloudformation:" + app_.region + ":" + std::string(kAccountId) +
             ":stack/" + app_.service + "-" + app_.stage + "/00000000-0000-0000-0000-000000000000";
    return std::nullopt;
  }

  Json ref(const std::string& name, const std::string& path) {
    if (auto p = pseudo(name)) return *p;
    if (name.starts_with("AWS::")) fail(path, "unknown pseudo parameter " + name);
    return attribute(name, "", path);
  }

  Json get_att(const Json& arg, const std::string& path) {
    std::string id, attr;
    if (arg.is_string()) {  // "Queue.Arn"
      auto s = arg.get<std::string>();
      auto dot = s.find('.');
      if (dot == std::string::npos) fail(path, "expected [LogicalId, Attribute] or \"LogicalId.Attribute\"");
      id = s.substr(0, dot);
      attr = s.substr(dot + 1);
    } else if (arg.is_array() && arg.size() == 2) {
      id = expect_string(arg[0], key_path_index(path, 0));
      Json a = eval(arg[1], key_path_index(path, 1));
      attr = expect_string(a, key_path_index(path, 1));
    } else {
      fail(path, "expected [LogicalId, Attribute] or \"LogicalId.Attribute\"");
    }
    if (attr.empty()) fail(path, "the attribute name is empty");
    return attribute(id, attr, path);
  }

  // Fn::Sub: "${AWS::Region}", "${Resource}", "${Resource.Attr}", "${Var}" from the second
  // form's map, and "${!Literal}" for a literal "${Literal}".
  Json sub(const Json& arg, const std::string& path) {
    std::string text;
    Json vars = Json::object();
    if (arg.is_string()) {
      text = arg.get<std::string>();
    } else if (arg.is_array() && arg.size() == 2 && arg[0].is_string() && arg[1].is_object()) {
      text = arg[0].get<std::string>();
      for (const auto& [k, v] : arg[1].items())
        vars[k] = eval(v, key_path_child(key_path_index(path, 1), k));
    } else {
      fail(path, "expected a string or [string, {variables}]");
    }
    std::string out;
    std::size_t pos = 0;
    while (true) {
      auto open = text.find("${", pos);
      if (open == std::string::npos) break;
      auto close = text.find('}', open);
      if (close == std::string::npos) fail(path, "unterminated ${ in \"" + text + "\"");
      out.append(text, pos, open - pos);
      std::string name = text.substr(open + 2, close - open - 2);
      if (name.starts_with("!")) {
        out += "${" + name.substr(1) + "}";
      } else if (vars.contains(name)) {
        out += scalar_text(vars[name], path);
      } else if (auto p = pseudo(name)) {
        out += scalar_text(*p, path);
      } else if (auto dot = name.find('.'); dot != std::string::npos) {
        out += scalar_text(attribute(name.substr(0, dot), name.substr(dot + 1), path), path);
      } else {
        out += scalar_text(ref(name, path), path);
      }
      pos = close + 1;
    }
    out.append(text, pos);
    return out;
  }

  Json join(const Json& arg, const std::string& path) {
    if (!arg.is_array() || arg.size() != 2 || !arg[0].is_string())
      fail(path, "expected [delimiter, [values]]");
    Json values = eval(arg[1], key_path_index(path, 1));
    if (!values.is_array()) fail(key_path_index(path, 1), "expected a list");
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out += arg[0].get<std::string>();
      out += scalar_text(values[i], path);
    }
    return out;
  }

  Json select(const Json& arg, const std::string& path) {
    if (!arg.is_array() || arg.size() != 2) fail(path, "expected [index, [values]]");
    Json index = eval(arg[0], key_path_index(path, 0));
    Json values = eval(arg[1], key_path_index(path, 1));
    std::size_t i = 0;
    if (index.is_number_unsigned() || index.is_number_integer()) {
      i = index.get<std::size_t>();
    } else if (index.is_string() && decimal_index(index.get_ref<const std::string&>(), i)) {
    } else {
      fail(key_path_index(path, 0), "expected an index");
    }
    if (!values.is_array() || i >= values.size())
      fail(path, "index " + std::to_string(i) + " is outside the list");
    return values[i];
  }

  std::string scalar_text(const Json& v, const std::string& path) const {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return json_scalar_text(v);
    fail(path, "expected a string value, got " + v.dump());
  }

  const AppSpec& app_;
  const ResourceTypes& types_;
};

}  // namespace

Json evaluate_intrinsics(const Json& value, const std::string& key_path, const AppSpec& app,
                         const ResourceTypes& types) {
  return Evaluator(app, types).eval(value, key_path);
}

std::vector<std::string> unsupported_resources(const AppSpec& app, const ResourceTypes& types) {
  std::vector<std::string> warnings;
  for (const auto& r : app.resources)
    if (!types.find(r.type))
      warnings.push_back(app.config_file.filename().string() + ": " + r.key_path + ": " + r.type +
                         " is not supported yet, ignored");
  return warnings;
}

std::vector<std::string> resolve_environment(AppSpec& app, const ResourceTypes& types) {
  std::vector<std::string> warnings;
  for (auto& fn : app.functions) {
    for (const auto& [name, deferred] : fn.environment_intrinsics) {
      const std::string& path = deferred.key_path;
      try {
        Json v = evaluate_intrinsics(Json::parse(deferred.json), path, app, types);
        if (v.is_object() || v.is_array() || v.is_null())
          throw ConfigError(app.config_file.filename().string(), path,
                            "expected a string value, got " + v.dump());
        fn.environment[name] = v.is_string() ? v.get<std::string>() : json_scalar_text(v);
      } catch (const UnsupportedResource& e) {
        // A provider-level value is seen once per function: say it once.
        std::string w = std::string(e.what()) + ", so " + name + " is not set";
        if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
      }
    }
    fn.environment_intrinsics.clear();
  }
  return warnings;
}

}  // namespace serverlite::app
