#include "emulator/app/variables.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/config_files.hpp"
#include "emulator/app/lift.hpp"
#include "emulator/app/variable_syntax.hpp"
#include "emulator/app/yaml_json.hpp"

namespace serverlite::app {
namespace {

using Json = nlohmann::ordered_json;

using namespace variable_syntax;

// ---------------------------------------------------------------------------------------------
// Resolution.

// A source that fails for a reason other than "no value" (unsupported, circular, bad file).
struct SourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Outcome {
  std::optional<Json> value;  // nullopt: no value here, try the next source
  std::string reason;         // why there is no value
  bool unreadable = false;    // a source serverlite cannot read (ssm, s3 ...)
};

// Sources whose values live in AWS or another service, which serverlite does not reach.
bool is_remote_source(const std::string& type) {
  static const std::set<std::string> kRemote = {"ssm",       "s3",    "cf",      "secretsmanager",
                                                "terraform", "vault", "doppler", "state",
                                                "aws-ssm",   "kms"};
  return kRemote.contains(type);
}

std::string pointer_escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> split_address(const std::string& address) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto dot = address.find('.', start);
    out.push_back(address.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string type_name(const Json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "a list";
  return "a " + std::string(v.type_name());
}

std::string new_instance_id() {
  // Only has to stay the same within one load and differ between runs.
  std::mt19937_64 rng{
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

// A document that variables can point into: serverless.yml itself, or a file read by file().
struct Root {
  std::string id;            // "self" or "file:/abs/path"; prefixes in-progress keys
  std::string label_prefix;  // "" for self; "file(./x.yml):" for files
  bool is_main = false;
};

class Resolver {
 public:
  Resolver(Json& document, const VariableContext& context)
      : doc_(document), ctx_(context), self_{"self", "", true} {}

  void run() {
    resolve_deep(doc_, self_, "", "");
    if (!errors_.empty()) {
      throw combine_config_errors(errors_);
    }
  }

 private:
  // One string being resolved: its in-progress key and its label for messages.
  struct Frame {
    std::string key;
    std::string label;
    bool is_main;
  };

  [[noreturn]] void fail(const std::string& problem) const {
    throw ConfigError(ctx_.file_label, error_path(), problem);
  }

  // The key path errors name: the innermost value of serverless.yml being resolved (values in
  // included files are reported at the serverless.yml value that included them).
  std::string error_path() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->is_main) return it->label;
    }
    return "";
  }

  static std::string child_label(const Root& root, const std::string& label,
                                 const std::string& key) {
    if (!root.is_main && label == root.label_prefix) return label + key;
    return key_path_child(label, key);
  }

  void resolve_deep(Json& node, const Root& root, const std::string& pointer,
                    const std::string& label) {
    if (node.is_string()) {
      resolve_string_node(node, root, pointer, label);
    } else if (node.is_object()) {
      for (auto& [key, value] : node.items()) {
        resolve_deep(value, root, pointer + "/" + pointer_escape(key),
                     child_label(root, label, key));
      }
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        resolve_deep(node[i], root, pointer + "/" + std::to_string(i), key_path_index(label, i));
      }
    }
  }

  // Replaces a string holding variables by its value. The node is replaced in place, so the
  // document ends up fully resolved and each string is resolved at most once.
  void resolve_string_node(Json& node, const Root& root, const std::string& pointer,
                           const std::string& label) {
    std::string key = root.id + "#" + pointer;
    if (done_.contains(key)) return;
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      if (stack_[i].key != key) continue;
      std::string chain;
      for (std::size_t j = i; j < stack_.size(); ++j) chain += stack_[j].label + " -> ";
      throw SourceError("circular reference: " + chain + label);
    }
    if (stack_.size() >= kMaxReferenceChain)
      throw SourceError("more than " + std::to_string(kMaxReferenceChain) +
                        " values refer one to the next");
    std::string text = node.get<std::string>();
    if (!stack_.empty()) {
      resolve_text(node, text, key, label, root.is_main);
      return;
    }
    // A value of the document itself: its problem is noted and the others are still resolved,
    // so that one run reports them all. The value stays as written.
    try {
      resolve_text(node, text, key, label, root.is_main);
    } catch (const ConfigError& e) {
      stack_.clear();
      done_.insert(key);
      errors_.push_back(e);
    }
  }

  void resolve_text(Json& node, const std::string& text, const std::string& key,
                    const std::string& label, bool is_main) {
    std::vector<Variable> vars;
    stack_.push_back({key, label, is_main});
    try {
      vars = Parser(text).variables();
    } catch (const SyntaxError& e) {
      fail("invalid variable syntax in \"" + text + "\": " + e.what());
    }
    if (!vars.empty()) {
      node = evaluate_string(text, vars);
      mark_done(node, key);
    }
    stack_.pop_back();
    done_.insert(key);
  }

  // A value that came from a variable is final: text in it that looks like a variable (say, from
  // an environment variable) must not be resolved again when a later ${self:} walks through it.
  void mark_done(const Json& node, const std::string& key) {
    if (node.is_string()) {
      done_.insert(key);
    } else if (node.is_object()) {
      for (const auto& [k, v] : node.items()) mark_done(v, key + "/" + pointer_escape(k));
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        mark_done(node[i], key + "/" + std::to_string(i));
      }
    }
  }

  Json evaluate_string(const std::string& text, const std::vector<Variable>& vars) {
    if (vars.size() == 1 && vars[0].begin == 0 && vars[0].end == text.size()) {
      return evaluate_required(vars[0]);
    }
    std::string out;
    std::size_t pos = 0;
    for (const auto& v : vars) {
      out.append(text, pos, v.begin - pos);
      Json value = evaluate_required(v);
      if (value.is_object() || value.is_array() || value.is_null()) {
        fail("cannot resolve " + v.text + ": it resolves to " + type_name(value) +
             ", which cannot be part of a longer string");
      }
      out += json_scalar_text(value);
      pos = v.end;
    }
    out.append(text, pos);
    return out;
  }

  Json evaluate_required(const Variable& v) {
    Outcome o = evaluate(v);
    if (o.value) return std::move(*o.value);
    if (auto effective = effective_setting(v)) return *effective;
    if (o.unreadable) {
      fail("cannot resolve " + v.text + ": " + o.reason +
           (v.sources.size() == 1 ? ", and it has no fallback: give one, e.g. " +
                                        v.text.substr(0, v.text.size() - 1) + ", 'local-value'}"
                                  : ", and no fallback has a value"));
    }
    fail("cannot resolve " + v.text + ": " + o.reason +
         (v.sources.size() == 1 ? " and has no default" : ", and no fallback has a value"));
  }

  Outcome evaluate(const Variable& v) {
    Outcome first;
    std::string unreadable;  // the first source skipped because serverlite cannot read it
    for (std::size_t i = 0; i < v.sources.size(); ++i) {
      Outcome o;
      try {
        o = evaluate_source(v.sources[i]);
      } catch (const SourceError& e) {
        fail("cannot resolve " + v.text + ": " + e.what());
      }
      if (o.value) {
        if (!unreadable.empty()) {
          warn(v.text + ": " + unreadable + "; using the fallback " +
               (o.value->is_string() ? "'" + o.value->get<std::string>() + "'"
                                     : o.value->dump()));
        }
        return o;
      }
      if (o.unreadable && unreadable.empty()) unreadable = o.reason;
      if (i == 0) first = std::move(o);
    }
    return first;
  }

  // Values only a deployment uses (IAM, VPC, packaging, tracing ...): serverlite says nothing
  // about how their variables resolved, as it says nothing about those keys.
  static bool deploy_only(const std::string& path) {
    static const char* const kProvider[] = {
        "provider.iam", "provider.iamRoleStatements", "provider.iamManagedPolicies",
        "provider.role", "provider.vpc", "provider.deploymentBucket", "provider.tracing",
        "provider.tags", "provider.stackTags", "provider.logs", "provider.kmsKeyArn",
        "package", "resources.Outputs"};
    auto under = [&path](std::string_view prefix) {
      return path.starts_with(prefix) &&
             (path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[');
    };
    for (const char* p : kProvider) {
      if (under(p)) return true;
    }
    if (path.starts_with("functions.")) {
      auto dot = path.find('.', 10);
      if (dot == std::string::npos) return false;
      for (const char* key : {"vpc", "package", "role", "iamRoleStatements", "tags", "tracing"}) {
        if (under(path.substr(0, dot + 1) + key)) return true;
      }
    }
    return false;
  }

  void warn(const std::string& problem) {
    if (!ctx_.warnings) return;
    std::string path = error_path();
    if (deploy_only(path)) return;
    std::string message = ctx_.file_label + ": " + (path.empty() ? "" : path + ": ") + problem;
    if (warned_.insert(message).second) ctx_.warnings->push_back(std::move(message));
  }

  // `${opt:stage, self:provider.stage}` with neither: the stage the app runs as (likewise the
  // region), as `serverless offline` would use, rather than an error. nullopt for other
  // variables.
  std::optional<Json> effective_setting(const Variable& v) {
    std::string setting;
    if (v.sources.size() < 2) return std::nullopt;  // a bare ${opt:stage} stays an error
    for (const auto& src : v.sources) {
      if (src.kind != Source::Kind::Typed || !src.address || src.address->quoted) continue;
      const std::string& a = src.address->raw;
      if ((src.type == "opt" && (a == "stage" || a == "region"))) {
        setting = a;
      } else if (src.type == "self" && (a == "provider.stage" || a == "provider.region")) {
        setting = a.substr(9);
      }
      if (!setting.empty()) break;
    }
    if (setting.empty()) return std::nullopt;
    std::string value = setting == "stage" ? "dev" : "us-east-1";
    if (setting == "stage" && ctx_.stage && !ctx_.stage->empty()) value = *ctx_.stage;
    if (setting == "region" && ctx_.region && !ctx_.region->empty()) value = *ctx_.region;
    std::string key = "effective:" + setting;
    if (!warned_.contains(key) && !deploy_only(error_path())) {
      warned_.insert(key);
      warn(v.text + " has no value (no --" + setting + " option and no provider." + setting +
           "): using the " + setting + " " + value);
    }
    return Json(value);
  }

  // The text of an address or param, with its own variables resolved.
  std::string text_of(const Text& t) {
    if (t.quoted) return t.raw;
    std::vector<Variable> vars;
    try {
      vars = Parser(t.raw).variables();
    } catch (const SyntaxError& e) {
      fail("invalid variable syntax in \"" + t.raw + "\": " + e.what());
    }
    if (vars.empty()) return t.raw;
    Json value = evaluate_string(t.raw, vars);
    if (value.is_object() || value.is_array() || value.is_null()) {
      fail("cannot resolve \"" + t.raw + "\": it resolves to " + type_name(value) +
           " where a name is needed");
    }
    return json_scalar_text(value);
  }

  Outcome evaluate_source(const Source& src) {
    switch (src.kind) {
      case Source::Kind::Literal:
        return {src.literal, ""};
      case Source::Kind::Nested: {
        Outcome o = evaluate(*src.nested);
        if (o.value && o.value->is_null()) return {std::nullopt, o.reason};
        return o;
      }
      case Source::Kind::Typed:
        break;
    }
    std::string address = src.address ? text_of(*src.address) : "";
    Outcome o;
    if (src.type == "self") {
      o = self_source(address);
    } else if (src.type == "env") {
      o = env_source(address);
    } else if (src.type == "opt") {
      o = opt_source(address);
    } else if (src.type == "sls") {
      o = sls_source(address);
    } else if (src.type == "aws") {
      o = aws_source(address);
    } else if (src.type == "file") {
      o = file_source(src, address);
    } else if (src.type == "param") {
      o = param_source(address);
    } else if (src.type == "strToBool") {
      o = str_to_bool(src);
    } else if (src.type == "construct") {
      o = construct_source(address);
    } else if (is_remote_source(src.type)) {
      o = {std::nullopt, "serverlite does not read " + src.type + " variables (their values are in AWS)",
           true};
    } else {
      o = {std::nullopt, "variable source '" + src.type + "' is not supported", true};
    }
    // A null value counts as no value, so that fallbacks apply (`key: ~` then ${self:key, 1}).
    if (o.value && o.value->is_null()) o.value.reset();
    return o;
  }

  Outcome self_source(const std::string& address) {
    if (address.empty()) throw SourceError("the self source needs an address");
    auto value = walk(doc_, self_, address);
    if (!value) return {std::nullopt, ctx_.file_label + " has no value at " + address};
    return {std::move(value), ""};
  }

  Outcome env_source(const std::string& name) {
    if (name.empty()) throw SourceError("the env source needs a variable name");
    std::optional<std::string> value;
    if (ctx_.getenv) {
      value = ctx_.getenv(name);
    } else if (const char* v = std::getenv(name.c_str())) {
      value = v;
    }
    // As in the Serverless Framework, an empty variable is no value.
    if (!value || value->empty()) {
      return {std::nullopt, "environment variable " + name + " is not set"};
    }
    return {Json(*value), ""};
  }

  Outcome opt_source(const std::string& name) {
    std::optional<std::string> value;
    if (name == "stage") {
      value = ctx_.stage;
    } else if (name == "region") {
      value = ctx_.region;
    } else if (auto it = ctx_.options.find(name); it != ctx_.options.end()) {
      value = it->second;
    }
    if (!value) return {std::nullopt, "option --" + name + " was not given"};
    return {Json(*value), ""};
  }

  Outcome sls_source(const std::string& name) {
    if (name == "stage") return {Json(stage()), ""};
    if (name == "instanceId") {
      if (instance_id_.empty()) instance_id_ = new_instance_id();
      return {Json(instance_id_), ""};
    }
    throw SourceError("unknown sls variable '" + name + "' (supported: stage, instanceId)");
  }

  Outcome aws_source(const std::string& name) {
    if (name == "region") return {Json(provider_setting("region", ctx_.region, "us-east-1")), ""};
    if (name == "accountId") return {Json(std::string(kAccountId)), ""};
    throw SourceError("unknown aws variable '" + name + "' (supported: region, accountId)");
  }

  std::string stage() { return provider_setting("stage", ctx_.stage, "dev"); }

  // --param first, then the stage's params, then the default ones; the older
  // `stages.<stage>.params` form is read too.
  Outcome param_source(const std::string& name) {
    if (name.empty()) throw SourceError("the param source needs a parameter name");
    if (auto it = ctx_.params.find(name); it != ctx_.params.end()) return {Json(it->second), ""};
    std::string current = stage();
    for (const std::string& where :
         {"params." + current, std::string("params.default"), "stages." + current + ".params",
          std::string("stages.default.params")}) {
      auto section = walk(doc_, self_, where);
      if (!section || !section->is_object()) continue;
      auto it = section->find(name);
      if (it == section->end() || it->is_null()) continue;
      return {*it, ""};
    }
    return {std::nullopt, "parameter " + name + " is set neither by --param nor in params." +
                              current + " or params.default"};
  }

  Outcome str_to_bool(const Source& src) {
    if (src.params.size() != 1) throw SourceError("strToBool() takes one value");
    std::string text = text_of(src.params[0]);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    while (!text.empty() && text.front() == ' ') text.erase(0, 1);
    if (text == "true" || text == "1") return {Json(true), ""};
    if (text == "false" || text == "0") return {Json(false), ""};
    throw SourceError("strToBool() expects true, false, 1 or 0, got '" + text + "'");
  }

  // serverless-lift: ${construct:ID.attribute}.
  Outcome construct_source(const std::string& address) {
    auto dot = address.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == address.size()) {
      throw SourceError("the construct source needs ID.attribute, e.g. ${construct:jobs.queueUrl}");
    }
    std::string id = address.substr(0, dot), attribute = address.substr(dot + 1);
    auto constructs = walk(doc_, self_, "constructs");
    if (!constructs || !constructs->is_object() || !constructs->contains(id)) {
      throw SourceError("there is no construct '" + id + "' under constructs");
    }
    const Json& def = (*constructs)[id];
    std::string type = def.is_object() && def.contains("type") && def["type"].is_string()
                           ? def["type"].get<std::string>()
                           : "";
    if (type == "queue") {
      if (attribute == "queueUrl") return {Json{{"Ref", lift::queue_id(id)}}, ""};
      if (attribute == "queueArn") {
        return {Json{{"Fn::GetAtt", Json::array({lift::queue_id(id), "Arn"})}}, ""};
      }
      if (attribute == "dlqUrl") return {Json{{"Ref", lift::dlq_id(id)}}, ""};
      if (attribute == "dlqArn") {
        return {Json{{"Fn::GetAtt", Json::array({lift::dlq_id(id), "Arn"})}}, ""};
      }
      throw SourceError("a queue construct has queueUrl, queueArn, dlqUrl and dlqArn, not '" +
                        attribute + "'");
    }
    if (type == "storage") {
      auto service = walk(doc_, self_, "service");
      std::string name = service && service->is_string() ? service->get<std::string>()
                         : service && service->is_object() && service->contains("name")
                             ? json_scalar_text((*service)["name"])
                             : "service";
      std::string bucket = lift::bucket_name(name, stage(), id);
      if (attribute == "bucketName") return {Json(bucket), ""};
      if (attribute == "bucketArn") return {Json("arn:aws:s3:::" + bucket), ""};
      throw SourceError("a storage construct has bucketName and bucketArn, not '" + attribute +
                        "'");
    }
    throw SourceError("construct '" + id + "' is of type '" + type +
                      "', which serverlite does not build (queue and storage are)");
  }

  // --stage / --region, else provider.stage / provider.region, else the default; the same rule
  // as load_app() uses, so ${sls:stage} always equals the stage the app runs as.
  std::string provider_setting(const std::string& key, const std::optional<std::string>& option,
                               const std::string& fallback) {
    if (option && !option->empty()) return *option;
    auto value = walk(doc_, self_, "provider." + key);
    if (!value || value->is_null()) return fallback;
    if (value->is_object() || value->is_array()) {
      fail("provider." + key + " must be a string, not " + type_name(*value));
    }
    std::string text = json_scalar_text(*value);
    return text.empty() ? fallback : text;
  }

  Outcome file_source(const Source& src, const std::string& address) {
    if (src.params.empty()) throw SourceError("file() needs a path");
    std::string rel = text_of(src.params[0]);
    std::filesystem::path path = std::filesystem::path(rel);
    if (path.is_relative()) path = ctx_.service_dir / path;
    path = path.lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      return {std::nullopt, "file " + rel + " does not exist"};
    }
    std::string id = "file:" + path.string();
    auto cached = files_.find(id);
    if (cached == files_.end()) {
      cached = files_.emplace(id, read_file(path, rel)).first;
    }
    Root root{id, "file(" + rel + "):", false};
    if (address.empty()) {
      resolve_deep(cached->second, root, "", root.label_prefix);
      return {cached->second, ""};
    }
    auto value = walk(cached->second, root, address);
    if (!value) return {std::nullopt, "file " + rel + " has no value at " + address};
    return {std::move(value), ""};
  }

  static Json read_file(const std::filesystem::path& path, const std::string& rel) {
    std::string ext = path.extension().string();
    try {
      if (ext == ".yml" || ext == ".yaml") return load_yaml_file(path, rel);
      if (ext == ".json") {
        std::ifstream in(path, std::ios::binary);
        return Json::parse(in);
      }
    } catch (const ConfigError& e) {
      throw SourceError(e.what());
    } catch (const nlohmann::json::exception& e) {
      throw SourceError(rel + ": invalid JSON: " + e.what());
    }
    throw SourceError("file " + rel + ": only .yml, .yaml and .json files can be read");
  }

  // The fully resolved value at `address` in `root_doc`, resolving strings on the way (a step
  // may go through a value that is itself a variable, e.g. `custom: ${file(./c.yml)}`).
  std::optional<Json> walk(Json& root_doc, const Root& root, const std::string& address) {
    Json* node = &root_doc;
    std::string pointer;
    std::string label = root.label_prefix;
    for (const auto& segment : split_address(address)) {
      if (node->is_string()) resolve_string_node(*node, root, pointer, label);
      if (node->is_object()) {
        auto it = node->find(segment);
        if (it == node->end()) return std::nullopt;
        node = &*it;
        pointer += "/" + pointer_escape(segment);
        label = child_label(root, label, segment);
      } else if (node->is_array()) {
        std::size_t index = 0;
        auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
        if (ec != std::errc() || end != segment.data() + segment.size() || index >= node->size()) {
          return std::nullopt;
        }
        node = &(*node)[index];
        pointer += "/" + segment;
        label = key_path_index(label, index);
      } else {
        return std::nullopt;
      }
    }
    resolve_deep(*node, root, pointer, label);
    return *node;
  }

  Json& doc_;
  const VariableContext& ctx_;
  Root self_;
  std::vector<Frame> stack_;           // strings being resolved, outermost first
  std::set<std::string> done_;         // strings already replaced by their value
  std::map<std::string, Json> files_;  // by Root::id; std::map keeps references stable
  std::string instance_id_;
  std::vector<ConfigError> errors_;  // problems of the document's values, reported together
  std::set<std::string> warned_;
};

}  // namespace

void resolve_variables(nlohmann::ordered_json& document, const VariableContext& context) {
  Resolver(document, context).run();
}

}  // namespace serverlite::app
