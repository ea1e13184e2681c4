// load_app(): serverless.yml → AppSpec. Reads the YAML, resolves variables (variables.cpp), then
// builds and validates the typed spec with the Serverless Framework's defaults.
//
// The Builder's readers of events (http, httpApi, sqs, stream, schedule ...) are in
// loader_events.cpp.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/config_files.hpp"
#include "emulator/app/layers.hpp"
#include "emulator/app/plugins.hpp"
#include "emulator/app/loader_internal.hpp"
#include "emulator/app/variables.hpp"
#include "emulator/app/yaml_json.hpp"

namespace serverlite::app {
namespace {

namespace fs = std::filesystem;

// Keys that do something locally are read; keys that only matter to a real deployment (IAM,
// packaging, tags, logging ...) are accepted silently; anything else gets one warning so the user
// knows it has no effect here.
// clang-format off
// `build` (build.esbuild) is read where TypeScript handlers are built (emulator/build).
const KeySet kTopLevelRead = {"service", "provider", "functions", "layers", "build"};
const KeySet kTopLevelSilent = {
    "frameworkVersion", "plugins", "package", "custom", "resources", "useDotenv",
    "configValidationMode", "variablesResolutionMode", "deprecationNotificationMode",
    "disabledDeprecations", "app", "org", "console", "dashboard", "outputs", "params",
    "stages", "licenseKey", "tenant", "constructs", "stepFunctions"};

const KeySet kProviderRead = {"runtime", "stage", "region", "environment",
                              "timeout", "memorySize", "httpApi", "layers"};
const KeySet kProviderSilent = {
    "name", "architecture", "logRetentionInDays", "logDataProtectionPolicy", "iam",
    "iamRoleStatements", "iamManagedPolicies", "role", "rolePermissionsBoundary", "tags",
    "stackTags", "stackName", "stackPolicy", "stackParameters", "deploymentBucket",
    "deploymentPrefix", "deploymentMethod", "profile", "versionFunctions", "logs", "tracing",
    "apiName", "endpointType", "apiGateway", "lambdaHashingVersion", "runtimeManagement",
    "rollbackConfiguration", "notificationArns", "cfnRole", "disableRollback", "kmsKeyArn",
    "description", "ephemeralStorageSize", "vpc", "websocketsApiName",
    "websocketsApiRouteSelectionExpression", "websocketsDescription", "s3", "eventBridge",
    "cloudFront", "resourcePolicy"};

const KeySet kHttpApiRead = {"cors"};
const KeySet kHttpApiSilent = {"name", "metrics", "disableDefaultEndpoint",
                               "shouldStartNameWithService", "useProviderTags"};

const KeySet kFunctionRead = {"handler", "runtime", "name", "description", "environment",
                              "timeout", "memorySize", "reservedConcurrency", "events",
                              "layers"};
const KeySet kFunctionSilent = {
    "package", "architecture", "role", "tags", "logRetentionInDays", "logDataProtectionPolicy",
    "tracing", "provisionedConcurrency", "ephemeralStorageSize", "disableLogs", "condition",
    "dependsOn", "snapStart", "runtimeManagement", "kmsKeyArn", "versionFunction", "vpc",
    "iamRoleStatements", "iamRoleStatementsName", "iamRoleStatementsInherit"};

const KeySet kHttpApiCorsRead = {"allowedOrigins", "allowedHeaders", "allowedMethods",
                                 "allowCredentials", "exposedResponseHeaders", "maxAge"};
// clang-format on

}  // namespace

namespace loader_detail {

// Each part is read on its own, so that one run reports every problem (ConfigError holds them
// all); a part with a problem is left out of the app, which is then not used.
void Builder::build() {
  std::vector<ConfigError> errors;
  auto part = [&errors](auto read) {
    try {
      read();
    } catch (const ConfigError& e) {
      errors.push_back(e);
    }
  };
  static const Json kEmpty = Json::object();
  provider_ = &kEmpty;
  check_keys(doc_, "", kTopLevelRead, kTopLevelSilent);
  part([&] { read_service(); });
  part([&] {
    const Json* provider = member(doc_, "provider");
    if (provider) expect_mapping(*provider, "provider");
    provider_ = provider && provider->is_object() ? provider : &kEmpty;
    check_keys(*provider_, "provider", kProviderRead, kProviderSilent);
  });
  part([&] { app_.stage = setting(options_.stage, "stage", "dev"); });
  part([&] { app_.region = setting(options_.region, "region", "us-east-1"); });
  part([&] { read_http_api_cors(); });
  part([&] { read_resources(); });
  part([&] { layers::read_layers(app_, doc_, label_); });

  const Json* functions = member(doc_, "functions");
  if (functions) {
    part([&] { expect_mapping(*functions, "functions"); });
    if (functions->is_object()) {
      for (const auto& [key, fn] : functions->items()) {
        part([&] { read_function(key, fn, errors); });
      }
    }
  }
  if (!errors.empty()) throw combine_config_errors(errors);
}

[[noreturn]] void Builder::error(const std::string& path, const std::string& problem) const {
  throw ConfigError(label_, path, problem);
}

void Builder::warn(const std::string& path, const std::string& problem) {
  std::string message = label_ + ": " + path + ": " + problem;
  if (warned_.insert(message).second) app_.warnings.push_back(std::move(message));
}

const Json* Builder::member(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

void Builder::expect_mapping(const Json& v, const std::string& path) const {
  if (!v.is_object()) error(path, "expected a mapping, got " + describe(v));
}

void Builder::check_keys(const Json& object, const std::string& path, const KeySet& read,
                         const KeySet& silent) {
  if (!object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (read.contains(key) || silent.contains(key)) continue;
    warn(key_path_child(path, key), "not supported yet, ignored");
  }
}

std::string Builder::string_at(const Json& v, const std::string& path) const {
  if (!v.is_string()) error(path, "expected a string, got " + describe(v));
  return v.get<std::string>();
}

// Integers may also come as digit strings: ${env:TIMEOUT, 30} yields "30" when the variable is
// set, and CloudFormation accepts numeric strings too.
int Builder::int_at(const Json& v, const std::string& path, long long min, long long max) const {
  long long n = 0;
  if (v.is_number_unsigned()) {
    auto u = v.get<unsigned long long>();
    n = u > static_cast<unsigned long long>(max) ? max + 1 : static_cast<long long>(u);
  } else if (v.is_number_integer()) {
    n = v.get<long long>();
  } else if (v.is_string() && is_digits(v.get_ref<const std::string&>())) {
    n = std::stoll(v.get_ref<const std::string&>());
  } else {
    error(path, "expected an integer, got " + describe(v));
  }
  if (n < min || n > max) {
    error(path, std::to_string(n) + " is out of range (" + std::to_string(min) + ".." +
                    (max == INT32_MAX ? std::string("") : std::to_string(max)) + ")");
  }
  return static_cast<int>(n);
}

bool Builder::bool_at(const Json& v, const std::string& path) const {
  if (!v.is_boolean()) error(path, "expected true or false, got " + describe(v));
  return v.get<bool>();
}

// A string or a list of strings, as the Serverless Framework accepts for CORS lists.
std::vector<std::string> Builder::strings_at(const Json& v, const std::string& path) const {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) error(path, "expected a string or a list of strings, got " + describe(v));
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(string_at(v[i], key_path_index(path, i)));
  }
  return out;
}

void Builder::read_service() {
  const Json* service = member(doc_, "service");
  if (!service || service->is_null()) error("service", "missing: name the service");
  if (service->is_object()) {  // the older `service: {name: x}` form
    const Json* name = member(*service, "name");
    if (!name) error("service.name", "missing: name the service");
    app_.service = string_at(*name, "service.name");
  } else {
    app_.service = string_at(*service, "service");
  }
  if (app_.service.empty()) error("service", "must not be empty");
}

std::string Builder::setting(const std::optional<std::string>& option, const std::string& key,
                             const std::string& fallback) const {
  if (option && !option->empty()) return *option;
  const Json* v = member(*provider_, key);
  if (!v || v->is_null()) return fallback;
  if (v->is_object() || v->is_array()) {
    error("provider." + key, "expected a string, got " + describe(*v));
  }
  std::string text = json_scalar_text(*v);
  return text.empty() ? fallback : text;
}

// Reads an `environment` mapping into `fn`, on top of what is there: plain values as text,
// CloudFormation functions (`!Ref Queue`, `Fn::GetAtt`, `!Sub`) kept for resolve_environment().
void Builder::environment_at(const Json& v, const std::string& path, FunctionSpec& fn) {
  if (v.is_null()) return;
  expect_mapping(v, path);
  for (const auto& [name, value] : v.items()) {
    std::string at = key_path_child(path, name);
    if (value.is_object()) {
      if (value.size() != 1 || !is_intrinsic_name(value.begin().key())) {
        error(at, "expected a string, number, boolean or CloudFormation function, got " +
                      describe(value));
      }
      fn.environment.erase(name);
      fn.environment_intrinsics[name] = {at, value.dump()};
      continue;
    }
    if (value.is_array() || value.is_null()) {
      error(at, "expected a string, number or boolean, got " + describe(value));
    }
    fn.environment_intrinsics.erase(name);
    fn.environment[name] = json_scalar_text(value);
  }
}

bool Builder::is_intrinsic_name(const std::string& key) {
  return key == "Ref" || key.starts_with("Fn::");
}

// resources.Resources: each a CloudFormation resource with a Type. Other sections of
// `resources` (Outputs, Conditions ...) are accepted and not used.
void Builder::read_resources() {
  const Json* resources = member(doc_, "resources");
  if (!resources || resources->is_null()) return;
  expect_mapping(*resources, "resources");
  const Json* defs = member(*resources, "Resources");
  if (!defs || defs->is_null()) return;
  expect_mapping(*defs, "resources.Resources");
  for (const auto& [logical_id, def] : defs->items()) {
    std::string at = key_path_child("resources.Resources", logical_id);
    expect_mapping(def, at);
    const Json* type = member(def, "Type");
    if (!type || !type->is_string() || type->get<std::string>().empty()) {
      error(at + ".Type", "every resource needs a Type, e.g. AWS::SQS::Queue");
    }
    if (const Json* props = member(def, "Properties"); props && !props->is_null()) {
      expect_mapping(*props, at + ".Properties");
    }
    app_.resources.push_back({logical_id, type->get<std::string>(), at});
  }
}

void Builder::read_http_api_cors() {
  const Json* http_api = member(*provider_, "httpApi");
  if (!http_api || http_api->is_null()) return;
  expect_mapping(*http_api, "provider.httpApi");
  check_keys(*http_api, "provider.httpApi", kHttpApiRead, kHttpApiSilent);
  const Json* cors = member(*http_api, "cors");
  if (!cors || cors->is_null()) return;
  const std::string path = "provider.httpApi.cors";
  if (cors->is_boolean()) {
    if (!cors->get<bool>()) return;
    http_api_cors_.enabled = true;
    http_api_cors_.allow_origins = {"*"};
    http_api_cors_.allow_headers = kDefaultCorsHeaders;
    return;
  }
  expect_mapping(*cors, path);
  check_keys(*cors, path, kHttpApiCorsRead, {});
  CorsSpec& c = http_api_cors_;
  c.enabled = true;
  // http-api.js: each list falls back to its default on its own; methods left empty mean
  // "OPTIONS and the methods of the routes", which the gateway fills in.
  const Json* v = nullptr;
  c.allow_origins = (v = member(*cors, "allowedOrigins"))
                        ? strings_at(*v, path + ".allowedOrigins")
                        : std::vector<std::string>{"*"};
  c.allow_headers = (v = member(*cors, "allowedHeaders"))
                        ? strings_at(*v, path + ".allowedHeaders")
                        : kDefaultCorsHeaders;
  if ((v = member(*cors, "allowedMethods"))) {
    c.allow_methods = strings_at(*v, path + ".allowedMethods");
  }
  if ((v = member(*cors, "exposedResponseHeaders"))) {
    c.expose_headers = strings_at(*v, path + ".exposedResponseHeaders");
  }
  if ((v = member(*cors, "allowCredentials"))) {
    c.allow_credentials = bool_at(*v, path + ".allowCredentials");
  }
  if ((v = member(*cors, "maxAge"))) c.max_age = int_at(*v, path + ".maxAge", 0, INT32_MAX);
}

void Builder::read_function(const std::string& key, const Json& fn_json,
                            std::vector<ConfigError>& errors) {
  const std::string path = key_path_child("functions", key);
  expect_mapping(fn_json, path);
  check_keys(fn_json, path, kFunctionRead, kFunctionSilent);

  FunctionSpec fn;
  fn.key = key;
  const Json* v = nullptr;
  fn.name = (v = member(fn_json, "name")) ? string_at(*v, path + ".name")
                                          : app_.service + "-" + app_.stage + "-" + key;
  if (fn.name.empty()) error(path + ".name", "must not be empty");
  if ((v = member(fn_json, "description")) && !v->is_null()) {
    fn.description = string_at(*v, path + ".description");
  }

  read_runtime(fn, fn_json, path);
  read_handler(fn, fn_json, path);

  // Function settings override the provider's; defaults as the Serverless Framework's.
  fn.timeout_seconds = int_setting(fn_json, path, "timeout", 1, 900, 6);
  fn.memory_mb = int_setting(fn_json, path, "memorySize", 128, 10240, 1024);
  if ((v = member(fn_json, "reservedConcurrency")) && !v->is_null()) {
    fn.reserved_concurrency = int_at(*v, path + ".reservedConcurrency", 0, INT32_MAX);
  }

  if ((v = member(*provider_, "environment"))) environment_at(*v, "provider.environment", fn);
  if ((v = member(fn_json, "environment"))) environment_at(*v, path + ".environment", fn);

  layers::read_function_layers(app_, fn, member(fn_json, "layers"), member(*provider_, "layers"),
                               path, label_);
  if ((v = member(fn_json, "events")) && !v->is_null()) {
    if (!v->is_array()) error(path + ".events", "expected a list, got " + describe(*v));
    for (std::size_t i = 0; i < v->size(); ++i) {
      try {
        read_event(fn, (*v)[i], key_path_index(path + ".events", i));
      } catch (const ConfigError& e) {
        errors.push_back(e);
      }
    }
  }
  app_.functions.push_back(std::move(fn));
}

int Builder::int_setting(const Json& fn_json, const std::string& path, const std::string& key,
                         long long min, long long max, int fallback) const {
  if (const Json* v = member(fn_json, key); v && !v->is_null()) {
    return int_at(*v, path + "." + key, min, max);
  }
  if (const Json* v = member(*provider_, key); v && !v->is_null()) {
    return int_at(*v, "provider." + key, min, max);
  }
  return fallback;
}

void Builder::read_runtime(FunctionSpec& fn, const Json& fn_json, const std::string& path) const {
  std::string where = path + ".runtime";
  const Json* v = member(fn_json, "runtime");
  if (!v || v->is_null()) {
    where = "provider.runtime";
    v = member(*provider_, "runtime");
  }
  if (!v || v->is_null()) {
    error(path + ".runtime", "no runtime: set provider.runtime or " + path + ".runtime");
  }
  fn.runtime = string_at(*v, where);
  // python3.N and nodejsN.x, read without std::regex (which recursed once per character).
  auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == s.npos;
  };
  std::string_view runtime = fn.runtime;
  if (runtime.starts_with("python3.") && digits(runtime.substr(8))) {
    fn.family = RuntimeFamily::Python;
  } else if (runtime.starts_with("nodejs") && runtime.ends_with(".x") &&
             runtime.size() > 8 && digits(runtime.substr(6, runtime.size() - 8))) {
    fn.family = RuntimeFamily::Node;
  } else if (fn.runtime == "provided" || fn.runtime == "provided.al2" ||
             fn.runtime == "provided.al2023") {
    fn.family = RuntimeFamily::Provided;
  } else {
    error(where, "unknown runtime \"" + fn.runtime +
                     "\" (supported: python3.x, nodejs*.x, provided, provided.al2, "
                     "provided.al2023)");
  }
}

void Builder::read_handler(FunctionSpec& fn, const Json& fn_json, const std::string& path) const {
  const std::string where = path + ".handler";
  const Json* v = member(fn_json, "handler");
  if (!v || v->is_null()) error(where, "missing: every function needs a handler");
  fn.handler = string_at(*v, where);
  if (fn.family == RuntimeFamily::Provided) {
    // The handler is free text for custom runtimes (it reaches them as _HANDLER); what must
    // exist is the executable `bootstrap` Lambda starts.
    fs::path bootstrap = app_.service_dir / "bootstrap";
    std::error_code ec;
    auto status = fs::status(bootstrap, ec);
    if (ec || !fs::is_regular_file(status)) {
      error(path, "runtime " + fn.runtime +
                      " needs an executable file named bootstrap in the service directory; "
                      "there is none");
    }
    using fs::perms;
    if ((status.permissions() & (perms::owner_exec | perms::group_exec | perms::others_exec)) ==
        perms::none) {
      error(path, "runtime " + fn.runtime + " needs bootstrap to be executable (chmod +x)");
    }
    return;
  }
  // Python: "dir/module.function" (the module is everything before the last dot).
  // Node: "dir/module.function" where the function part may be dotted, "app.handlers.main",
  // so the module ends at the first dot after the last '/'.
  auto slash = fn.handler.rfind('/');
  std::size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  std::size_t dot =
      fn.family == RuntimeFamily::Node ? fn.handler.find('.', name_start) : fn.handler.rfind('.');
  if (dot == std::string::npos || dot < name_start || dot == name_start ||
      dot + 1 == fn.handler.size()) {
    error(where,
          "\"" + fn.handler + "\" must have the form module.function, e.g. src/handler.main");
  }
  std::string module = fn.handler.substr(0, dot);
  std::vector<std::string> candidates;
  if (fn.family == RuntimeFamily::Python) {
    candidates = {module + ".py"};
  } else {
    candidates = {module + ".js", module + ".mjs", module + ".cjs",
                  module + ".ts", module + ".mts", module + ".cts"};  // .ts: built, emulator/build
  }
  std::error_code ec;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(app_.service_dir / c, ec)) return;
  }
  std::string files = candidates[0];
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    files += (i + 1 == candidates.size() ? " or " : ", ") + candidates[i];
  }
  error(where, "handler file " + files + " not found in the service directory");
}

}  // namespace loader_detail

namespace {

// The stage before variables are resolved, for choosing .env files: --stage, else a
// provider.stage written as plain text, else dev.
std::string early_stage(const Json& doc, const LoadOptions& options) {
  if (options.stage && !options.stage->empty()) return *options.stage;
  auto provider = doc.find("provider");
  if (provider != doc.end() && provider->is_object()) {
    auto stage = provider->find("stage");
    if (stage != provider->end() && stage->is_string()) {
      const auto& text = stage->get_ref<const std::string&>();
      if (!text.empty() && text.find("${") == std::string::npos) return text;
    }
  }
  return "dev";
}

// custom.dotenv as serverless-dotenv-plugin reads it: path (a file or a list), include, exclude.
std::vector<std::pair<std::string, std::string>> dotenv_plugin_variables(
    const Json& doc, const fs::path& service_dir, const std::string& stage,
    const DotenvLookup& lookup, std::vector<std::string>& loaded) {
  std::vector<std::string> paths;
  std::set<std::string> include, exclude;
  bool has_include = false;
  auto custom = doc.find("custom");
  if (custom != doc.end() && custom->is_object()) {
    auto settings = custom->find("dotenv");
    if (settings != custom->end() && settings->is_object()) {
      auto strings = [&](const char* key, auto add) {
        auto v = settings->find(key);
        if (v == settings->end()) return false;
        if (v->is_string()) add(v->template get<std::string>());
        if (v->is_array()) {
          for (const auto& one : *v)
            if (one.is_string()) add(one.template get<std::string>());
        }
        return true;
      };
      strings("path", [&](std::string p) { paths.push_back(std::move(p)); });
      has_include = strings("include", [&](std::string n) { include.insert(std::move(n)); });
      strings("exclude", [&](std::string n) { exclude.insert(std::move(n)); });
    }
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [name, value] : plugin_dotenv(service_dir, stage, paths, lookup, loaded)) {
    if (has_include && !include.contains(name)) continue;
    if (exclude.contains(name)) continue;
    out.emplace_back(name, value);
  }
  return out;
}

}  // namespace

AppSpec load_app(const LoadOptions& options) {
  AppSpec app;
  fs::path config = find_config_file(options.config_file);
  std::string label = config.filename().string();
  app.config_file = config;
  app.service_dir = config.parent_path();

  Json doc = read_config_document(config, label);
  if (doc.is_null()) throw ConfigError(label, "", "the file is empty");
  if (!doc.is_object()) {
    throw ConfigError(label, "", "expected a mapping at the top level, got " + describe(doc));
  }

  // ${env:...}: the environment, then the .env files (which never override it).
  DotenvLookup environment = options.getenv;
  if (!environment) {
    environment = [](const std::string& name) -> std::optional<std::string> {
      const char* v = std::getenv(name.c_str());
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
  }
  std::string stage = early_stage(doc, options);
  std::vector<std::string> env_files;
  auto from_files = framework_dotenv(app.service_dir, stage, environment, env_files);
  std::vector<std::pair<std::string, std::string>> plugin_vars;
  if (has_plugin(doc, "serverless-dotenv-plugin")) {
    plugin_vars = dotenv_plugin_variables(doc, app.service_dir, stage, environment, env_files);
    for (const auto& [name, value] : plugin_vars) from_files.emplace(name, value);
  }
  auto lookup = [&environment, &from_files](const std::string& name) -> std::optional<std::string> {
    if (auto v = environment(name)) return v;
    if (auto it = from_files.find(name); it != from_files.end()) return it->second;
    return std::nullopt;
  };

  VariableContext context;
  context.service_dir = app.service_dir;
  context.file_label = label;
  context.stage = options.stage;
  context.region = options.region;
  // --param NAME=value comes as the option "param:NAME" (no ${opt:} name has a colon).
  for (const auto& [name, value] : options.options) {
    if (name.starts_with("param:")) {
      context.params[name.substr(6)] = value;
    } else {
      context.options[name] = value;
    }
  }
  context.getenv = lookup;
  context.warnings = &app.warnings;
  // Problems with values and problems with the app's shape are reported together; a shape
  // problem at (or under) a value that did not resolve is a consequence and left out.
  std::vector<ConfigError> errors;
  try {
    resolve_variables(doc, context);
  } catch (const ConfigError& e) {
    errors.push_back(e);
  }

  std::string resolved_stage = options.stage && !options.stage->empty() ? *options.stage : "";
  if (resolved_stage.empty()) {
    auto provider = doc.find("provider");
    if (provider != doc.end() && provider->is_object() && provider->contains("stage") &&
        (*provider)["stage"].is_string())
      resolved_stage = (*provider)["stage"].get<std::string>();
  }
  if (resolved_stage.empty()) resolved_stage = "dev";
  try {
    apply_plugins(doc, app, label, resolved_stage, plugin_vars);
    Builder(app, doc, label, options).build();
  } catch (const ConfigError& e) {
    if (errors.empty()) throw;
    std::vector<std::string> unresolved;
    for (const auto& m : config_error_messages(errors.front()))
      unresolved.push_back(m.substr(0, m.find(": ", label.size() + 2)));
    std::vector<ConfigError> shape;
    for (const auto& m : config_error_messages(e)) {
      bool consequence = false;
      for (const auto& u : unresolved) consequence = consequence || m.starts_with(u);
      if (!consequence) shape.emplace_back(label, "", m.substr(std::min(m.size(), label.size() + 2)));
    }
    errors.insert(errors.end(), shape.begin(), shape.end());
  }
  if (!errors.empty()) throw combine_config_errors(errors);
  app.document = std::make_shared<const nlohmann::json>(doc);
  return app;
}

}  // namespace serverlite::app
