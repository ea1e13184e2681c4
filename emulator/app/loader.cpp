// load_app(): serverless.yml → AppSpec. Reads the YAML, resolves variables (variables.cpp), then
// builds and validates the typed spec with the Serverless Framework's defaults.
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/variables.hpp"
#include "emulator/app/yaml_json.hpp"

namespace serverlite::app {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using KeySet = std::set<std::string_view>;

// Keys that do something locally are read; keys that only matter to a real deployment (IAM,
// packaging, tags, logging ...) are accepted silently; anything else gets one warning so the user
// knows it has no effect here.
// clang-format off
const KeySet kTopLevelRead = {"service", "provider", "functions"};
const KeySet kTopLevelSilent = {
    "frameworkVersion", "plugins", "package", "custom", "resources", "useDotenv",
    "configValidationMode", "variablesResolutionMode", "deprecationNotificationMode",
    "disabledDeprecations", "app", "org", "console", "dashboard", "outputs", "params",
    "stages", "licenseKey", "tenant"};

const KeySet kProviderRead = {"runtime", "stage", "region", "environment",
                              "timeout", "memorySize", "httpApi"};
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
                              "timeout", "memorySize", "reservedConcurrency", "events"};
const KeySet kFunctionSilent = {
    "package", "architecture", "role", "tags", "logRetentionInDays", "logDataProtectionPolicy",
    "tracing", "provisionedConcurrency", "ephemeralStorageSize", "disableLogs", "condition",
    "dependsOn", "snapStart", "runtimeManagement", "kmsKeyArn", "versionFunction", "vpc",
    "iamRoleStatements", "iamRoleStatementsName", "iamRoleStatementsInherit"};

const KeySet kHttpEventRead = {"path", "method", "cors", "integration"};
const KeySet kHttpEventSilent = {"operationId", "summary", "description", "documentation"};
const KeySet kRestCorsRead = {"origin", "origins", "headers", "methods", "allowCredentials",
                              "maxAge", "exposedHeaders"};
const KeySet kHttpApiEventRead = {"method", "path"};
const KeySet kHttpApiCorsRead = {"allowedOrigins", "allowedHeaders", "allowedMethods",
                                 "allowCredentials", "exposedResponseHeaders", "maxAge"};
// clang-format on

// The Serverless Framework's default Access-Control-Allow-Headers, the same list for REST
// (`http` events, api-gateway/lib/validate.js getCors) and HTTP APIs (http-api.js defaultCors).
const std::vector<std::string> kDefaultCorsHeaders = {
    "Content-Type",         "X-Amz-Date",       "Authorization",  "X-Api-Key",
    "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"};

const std::set<std::string> kHttpMethods = {"GET",     "POST", "PUT",    "PATCH",
                                            "OPTIONS", "HEAD", "DELETE", "ANY"};

std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      return "a mapping";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "nothing (null)";
    default:
      return "a number";
  }
}

bool is_digits(const std::string& s) {
  return !s.empty() && s.size() < 12 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

class Builder {
 public:
  Builder(AppSpec& app, const Json& doc, std::string label, const LoadOptions& options)
      : app_(app), doc_(doc), label_(std::move(label)), options_(options) {}

  void build() {
    check_keys(doc_, "", kTopLevelRead, kTopLevelSilent);
    read_service();
    const Json* provider = member(doc_, "provider");
    if (provider) expect_mapping(*provider, "provider");
    static const Json kEmpty = Json::object();
    provider_ = provider && provider->is_object() ? provider : &kEmpty;
    check_keys(*provider_, "provider", kProviderRead, kProviderSilent);

    app_.stage = setting(options_.stage, "stage", "dev");
    app_.region = setting(options_.region, "region", "us-east-1");
    read_http_api_cors();
    read_resources();

    const Json* functions = member(doc_, "functions");
    if (!functions) return;
    expect_mapping(*functions, "functions");
    for (const auto& [key, fn] : functions->items()) read_function(key, fn);
  }

 private:
  [[noreturn]] void error(const std::string& path, const std::string& problem) const {
    throw ConfigError(label_, path, problem);
  }

  void warn(const std::string& path, const std::string& problem) {
    std::string message = label_ + ": " + path + ": " + problem;
    if (warned_.insert(message).second) app_.warnings.push_back(std::move(message));
  }

  static const Json* member(const Json& object, const std::string& key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  void expect_mapping(const Json& v, const std::string& path) const {
    if (!v.is_object()) error(path, "expected a mapping, got " + describe(v));
  }

  void check_keys(const Json& object, const std::string& path, const KeySet& read,
                  const KeySet& silent) {
    if (!object.is_object()) return;
    for (const auto& [key, value] : object.items()) {
      if (read.contains(key) || silent.contains(key)) continue;
      warn(key_path_child(path, key), "not supported yet, ignored");
    }
  }

  std::string string_at(const Json& v, const std::string& path) const {
    if (!v.is_string()) error(path, "expected a string, got " + describe(v));
    return v.get<std::string>();
  }

  // Integers may also come as digit strings: ${env:TIMEOUT, 30} yields "30" when the variable is
  // set, and CloudFormation accepts numeric strings too.
  int int_at(const Json& v, const std::string& path, long long min, long long max) const {
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

  bool bool_at(const Json& v, const std::string& path) const {
    if (!v.is_boolean()) error(path, "expected true or false, got " + describe(v));
    return v.get<bool>();
  }

  // A string or a list of strings, as the Serverless Framework accepts for CORS lists.
  std::vector<std::string> strings_at(const Json& v, const std::string& path) const {
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

  void read_service() {
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

  std::string setting(const std::optional<std::string>& option, const std::string& key,
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
  void environment_at(const Json& v, const std::string& path, FunctionSpec& fn) {
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

  static bool is_intrinsic_name(const std::string& key) {
    return key == "Ref" || key.starts_with("Fn::");
  }

  // resources.Resources: each a CloudFormation resource with a Type. Other sections of
  // `resources` (Outputs, Conditions ...) are accepted and not used.
  void read_resources() {
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

  void read_http_api_cors() {
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

  void read_function(const std::string& key, const Json& fn_json) {
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

    if ((v = member(fn_json, "events")) && !v->is_null()) {
      if (!v->is_array()) error(path + ".events", "expected a list, got " + describe(*v));
      for (std::size_t i = 0; i < v->size(); ++i) {
        read_event(fn, (*v)[i], key_path_index(path + ".events", i));
      }
    }
    app_.functions.push_back(std::move(fn));
  }

  int int_setting(const Json& fn_json, const std::string& path, const std::string& key,
                  long long min, long long max, int fallback) const {
    if (const Json* v = member(fn_json, key); v && !v->is_null()) {
      return int_at(*v, path + "." + key, min, max);
    }
    if (const Json* v = member(*provider_, key); v && !v->is_null()) {
      return int_at(*v, "provider." + key, min, max);
    }
    return fallback;
  }

  void read_runtime(FunctionSpec& fn, const Json& fn_json, const std::string& path) const {
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
    static const std::regex kPython(R"(python3\.\d+)");
    static const std::regex kNode(R"(nodejs\d+\.x)");
    if (std::regex_match(fn.runtime, kPython)) {
      fn.family = RuntimeFamily::Python;
    } else if (std::regex_match(fn.runtime, kNode)) {
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

  void read_handler(FunctionSpec& fn, const Json& fn_json, const std::string& path) const {
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
      candidates = {module + ".js", module + ".mjs", module + ".cjs"};
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

  void read_event(FunctionSpec& fn, const Json& event, const std::string& path) {
    if (!event.is_object()) {
      error(path, "expected a mapping such as {http: ...}, got " + describe(event));
    }
    for (const auto& [type, spec] : event.items()) {
      std::string at = key_path_child(path, type);
      if (type == "http") {
        fn.routes.push_back(rest_route(spec, at));
      } else if (type == "httpApi") {
        fn.routes.push_back(http_api_route(spec, at));
      } else if (type == "sqs") {
        fn.queue_events.push_back(queue_event(spec, at));
      } else if (type == "stream") {
        fn.stream_events.push_back(stream_event(spec, at));
      } else if (auto notify = notify_event(type, spec, at)) {
        fn.notify_events.push_back(std::move(*notify));
        warn(at, "not triggered by serverlite yet (replay routes such events to this function)");
      } else {
        warn(at, "not supported yet, ignored");
      }
    }
  }

  // What a `schedule` (rate/cron text or {rate, name ...}), `eventBridge` ({pattern, name ...}),
  // `sns` (topic name or ARN, or {topicName | arn ...}) or `s3` (bucket, or {bucket ...}) event
  // listens to; nullopt for any other type. Values given as CloudFormation functions are left
  // empty, which matches any event of the kind.
  std::optional<NotifyEventSpec> notify_event(const std::string& type, const Json& spec,
                                              const std::string& path) {
    using Kind = NotifyEventSpec::Kind;
    static const std::map<std::string, Kind> kinds = {
        {"schedule", Kind::Schedule}, {"eventBridge", Kind::EventBridge},
        {"sns", Kind::Sns}, {"s3", Kind::S3}};
    auto kind = kinds.find(type);
    if (kind == kinds.end()) return std::nullopt;
    NotifyEventSpec n;
    n.kind = kind->second;
    n.key_path = path;
    auto member = [&](const char* key) -> std::string {
      if (!spec.is_object()) return "";
      auto it = spec.find(key);
      return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
    };
    switch (n.kind) {
      case Kind::Schedule:
        n.rule = member("name");
        break;
      case Kind::EventBridge:
        n.rule = member("name");
        if (spec.is_object() && spec.contains("pattern")) n.pattern = spec["pattern"].dump();
        break;
      case Kind::Sns: {
        std::string topic = spec.is_string() ? spec.get<std::string>() : member("topicName");
        if (topic.empty()) topic = member("arn");
        n.topic = topic.starts_with("arn:") ? topic.substr(topic.rfind(':') + 1) : topic;
        break;
      }
      case Kind::S3:
        n.bucket = spec.is_string() ? spec.get<std::string>() : member("bucket");
        break;
    }
    return n;
  }

  // `sqs: ARN` or `sqs: {arn, batchSize, maximumBatchingWindow, enabled, functionResponseType,
  // filterPatterns}`, with Lambda's limits for an SQS event source mapping.
  QueueEventSpec queue_event(const Json& spec, const std::string& path) {
    QueueEventSpec q;
    q.key_path = path;
    const Json* arn = &spec;
    if (spec.is_object() && !(spec.size() == 1 && is_intrinsic_name(spec.begin().key()))) {
      static const KeySet kRead = {"arn", "batchSize", "maximumBatchingWindow", "enabled",
                                   "functionResponseType", "filterPatterns"};
      static const KeySet kSilent = {};
      check_keys(spec, path, kRead, kSilent);
      arn = member(spec, "arn");
      if (!arn) error(path + ".arn", "the queue's ARN is required");
      const Json* v = nullptr;
      if ((v = member(spec, "batchSize")) && !v->is_null())
        q.batch_size = int_at(*v, path + ".batchSize", 1, 10000);
      if ((v = member(spec, "maximumBatchingWindow")) && !v->is_null())
        q.maximum_batching_window_seconds = int_at(*v, path + ".maximumBatchingWindow", 0, 300);
      if ((v = member(spec, "enabled")) && !v->is_null()) {
        if (!v->is_boolean()) error(path + ".enabled", "expected true or false, got " + describe(*v));
        q.enabled = v->get<bool>();
      }
      if ((v = member(spec, "functionResponseType")) && !v->is_null()) {
        if (string_at(*v, path + ".functionResponseType") != "ReportBatchItemFailures")
          error(path + ".functionResponseType", "the only value is ReportBatchItemFailures");
        q.report_batch_item_failures = true;
      }
      if ((v = member(spec, "filterPatterns")) && !v->is_null()) {
        if (!v->is_array()) error(path + ".filterPatterns", "expected a list of patterns");
        for (std::size_t i = 0; i < v->size(); ++i) {
          if (!(*v)[i].is_object())
            error(key_path_index(path + ".filterPatterns", i), "expected a pattern object");
          q.filter_patterns.push_back((*v)[i].dump());
        }
      }
      // Lambda: a batch over 10 from a standard queue needs a batching window.
      if (q.batch_size > 10 && q.maximum_batching_window_seconds == 0)
        error(path + ".batchSize",
              "a batchSize over 10 needs maximumBatchingWindow of at least 1 second");
    }
    if (arn->is_string()) {
      if (!arn->get<std::string>().starts_with("arn:aws:sqs:"))
        error(path + ".arn", "expected an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME) or "
                             "!GetAtt [Queue, Arn], got \"" + arn->get<std::string>() + "\"");
    } else if (!(arn->is_object() && arn->size() == 1 && is_intrinsic_name(arn->begin().key()))) {
      error(path + ".arn", "expected an SQS queue ARN or !GetAtt [Queue, Arn], got " +
                               describe(*arn));
    }
    q.arn_json = arn->dump();
    return q;
  }

  // What an ARN string names: "kinesis" (a data stream), "dynamodb" (a table stream), or "".
  static std::string stream_arn_type(const std::string& arn) {
    static const std::regex kKinesis(R"(arn:aws[a-z-]*:kinesis:[^:]*:[^:]*:stream/.+)");
    static const std::regex kDynamoDb(
        R"(arn:aws[a-z-]*:dynamodb:[^:]*:[^:]*:table/[^/]+/stream/.+)");
    if (std::regex_match(arn, kKinesis)) return "kinesis";
    if (std::regex_match(arn, kDynamoDb)) return "dynamodb";
    return "";
  }

  // `stream: ARN` or `stream: {arn, type, batchSize, startingPosition, ...}`, the Serverless
  // Framework's stream event (lib/plugins/aws/package/compile/events/stream.js), with Lambda's
  // limits for Kinesis and DynamoDB Streams event source mappings. Where the event leaves a key
  // out, the value is what the Framework deploys: BatchSize 10, StartingPosition TRIM_HORIZON.
  StreamEventSpec stream_event(const Json& spec, const std::string& path) {
    StreamEventSpec s;
    s.key_path = path;
    s.batch_size = 10;
    s.starting_position = StreamEventSpec::Start::TrimHorizon;
    auto is_function = [](const Json& v) {
      return v.is_object() && v.size() == 1 && is_intrinsic_name(v.begin().key());
    };
    const std::string kinesis_arn = "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME";
    const std::string dynamodb_arn = "arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL";
    if (spec.is_string()) {
      std::string arn = spec.get<std::string>();
      std::string type = stream_arn_type(arn);
      if (type.empty()) {
        error(path, "expected a Kinesis stream ARN (" + kinesis_arn +
                        ") or a DynamoDB stream ARN (" + dynamodb_arn + "), got \"" + arn + "\"");
      }
      s.type = type == "kinesis" ? StreamEventSpec::Type::Kinesis : StreamEventSpec::Type::DynamoDb;
      s.arn_json = spec.dump();
      return s;
    }
    if (is_function(spec)) {
      error(path, "a CloudFormation function goes under arn, with the type: "
                  "{type: kinesis|dynamodb, arn: !GetAtt [Resource, Arn]}");
    }
    if (!spec.is_object()) {
      error(path, "expected a stream ARN or a mapping with arn and type, got " + describe(spec));
    }
    static const KeySet kRead = {
        "arn", "type", "batchSize", "startingPosition", "startingPositionTimestamp", "enabled",
        "batchWindow", "maximumRetryAttempts", "maximumRecordAgeInSeconds",
        "bisectBatchOnFunctionError", "parallelizationFactor", "functionResponseType",
        "filterPatterns", "destinations"};
    for (const auto& [key, value] : spec.items()) {
      if (kRead.contains(key)) continue;
      if (key == "maximumBatchingWindow") {
        // The SQS event's name for it (and Lambda's). serverlite honours it, but the Framework's
        // stream event knows only batchWindow and would deploy no window: say so.
        warn(key_path_child(path, key),
             "the Serverless Framework calls this batchWindow for stream events and would not "
             "deploy it; serverlite uses it");
      } else {
        warn(key_path_child(path, key), "not supported yet, ignored");
      }
    }

    // The ARN and the type.
    const Json* arn = member(spec, "arn");
    if (!arn || arn->is_null()) error(path + ".arn", "missing: the stream's ARN");
    std::string type;
    if (const Json* t = member(spec, "type"); t && !t->is_null()) {
      type = string_at(*t, path + ".type");
      if (type != "kinesis" && type != "dynamodb")
        error(path + ".type", "expected kinesis or dynamodb, got \"" + type + "\"");
    }
    if (arn->is_string()) {
      std::string from_arn = stream_arn_type(arn->get<std::string>());
      if (from_arn.empty()) {
        error(path + ".arn", "expected a Kinesis stream ARN (" + kinesis_arn +
                                 ") or a DynamoDB stream ARN (" + dynamodb_arn + "), got \"" +
                                 arn->get<std::string>() + "\"");
      }
      if (!type.empty() && type != from_arn)
        error(path + ".type", "is " + type + " but the ARN names a " + from_arn + " stream");
      type = from_arn;
    } else if (is_function(*arn)) {
      if (type.empty()) {
        error(path + ".type",
              "missing: with a CloudFormation function as arn, say kinesis or dynamodb");
      }
    } else {
      error(path + ".arn", "expected a stream ARN or a CloudFormation function such as "
                           "!GetAtt [Stream, Arn], got " + describe(*arn));
    }
    s.type = type == "kinesis" ? StreamEventSpec::Type::Kinesis : StreamEventSpec::Type::DynamoDb;
    s.arn_json = arn->dump();
    const bool dynamodb = s.type == StreamEventSpec::Type::DynamoDb;

    const Json* v = nullptr;
    if ((v = member(spec, "batchSize")) && !v->is_null()) {
      // Lambda: up to 10000 records per batch from Kinesis, 1000 from DynamoDB Streams.
      s.batch_size = int_at(*v, path + ".batchSize", 1, dynamodb ? 1000 : 10000);
    }
    if ((v = member(spec, "startingPosition")) && !v->is_null()) {
      std::string p = string_at(*v, path + ".startingPosition");
      if (p == "TRIM_HORIZON") {
        s.starting_position = StreamEventSpec::Start::TrimHorizon;
      } else if (p == "LATEST") {
        s.starting_position = StreamEventSpec::Start::Latest;
      } else if (p == "AT_TIMESTAMP" && !dynamodb) {
        s.starting_position = StreamEventSpec::Start::AtTimestamp;
      } else if (p == "AT_TIMESTAMP") {
        error(path + ".startingPosition", "AT_TIMESTAMP is for Kinesis streams only; "
                                          "DynamoDB streams take LATEST or TRIM_HORIZON");
      } else {
        error(path + ".startingPosition",
              "expected LATEST, TRIM_HORIZON or AT_TIMESTAMP, got \"" + p + "\"");
      }
    }
    const Json* ts = member(spec, "startingPositionTimestamp");
    if (ts && ts->is_null()) ts = nullptr;
    if (s.starting_position == StreamEventSpec::Start::AtTimestamp) {
      if (!ts) {
        error(path + ".startingPositionTimestamp",
              "missing: AT_TIMESTAMP needs the time to start from, in seconds since the epoch");
      }
      double seconds = 0;
      if (ts->is_number()) {
        seconds = ts->get<double>();
      } else if (ts->is_string() && is_digits(ts->get<std::string>())) {
        seconds = std::stod(ts->get<std::string>());
      } else {
        error(path + ".startingPositionTimestamp",
              "expected a number of seconds since the epoch, got " + describe(*ts));
      }
      if (seconds < 0) error(path + ".startingPositionTimestamp", "must not be negative");
      s.starting_position_timestamp_ms = static_cast<std::int64_t>(seconds * 1000.0 + 0.5);
    } else if (ts) {
      warn(path + ".startingPositionTimestamp",
           "only used with startingPosition AT_TIMESTAMP, ignored");
    }
    if ((v = member(spec, "enabled")) && !v->is_null()) s.enabled = bool_at(*v, path + ".enabled");
    if ((v = member(spec, "maximumBatchingWindow")) && !v->is_null())
      s.maximum_batching_window_seconds = int_at(*v, path + ".maximumBatchingWindow", 0, 300);
    if ((v = member(spec, "batchWindow")) && !v->is_null())
      s.maximum_batching_window_seconds = int_at(*v, path + ".batchWindow", 0, 300);
    if ((v = member(spec, "maximumRetryAttempts")) && !v->is_null())
      s.maximum_retry_attempts = signed_int_at(*v, path + ".maximumRetryAttempts", -1, 10000);
    if ((v = member(spec, "maximumRecordAgeInSeconds")) && !v->is_null()) {
      int age = signed_int_at(*v, path + ".maximumRecordAgeInSeconds", -1, 604800);
      if (age != -1 && age < 60) {
        error(path + ".maximumRecordAgeInSeconds",
              std::to_string(age) + " is out of range (-1 for no limit, or 60..604800)");
      }
      s.maximum_record_age_seconds = age;
    }
    if ((v = member(spec, "bisectBatchOnFunctionError")) && !v->is_null())
      s.bisect_batch_on_function_error = bool_at(*v, path + ".bisectBatchOnFunctionError");
    if ((v = member(spec, "parallelizationFactor")) && !v->is_null())
      s.parallelization_factor = int_at(*v, path + ".parallelizationFactor", 1, 10);
    if ((v = member(spec, "functionResponseType")) && !v->is_null()) {
      if (string_at(*v, path + ".functionResponseType") != "ReportBatchItemFailures")
        error(path + ".functionResponseType", "the only value is ReportBatchItemFailures");
      s.report_batch_item_failures = true;
    }
    if ((v = member(spec, "filterPatterns")) && !v->is_null()) {
      if (!v->is_array()) error(path + ".filterPatterns", "expected a list of patterns");
      for (std::size_t i = 0; i < v->size(); ++i) {
        if (!(*v)[i].is_object())
          error(key_path_index(path + ".filterPatterns", i), "expected a pattern object");
        s.filter_patterns.push_back((*v)[i].dump());
      }
    }
    if ((v = member(spec, "destinations")) && !v->is_null()) {
      s.on_failure_arn_json = on_failure_destination(*v, path + ".destinations");
    }
    return s;
  }

  // destinations: {onFailure: ARN} or {onFailure: {arn, type: sqs|sns}} (type required when arn
  // is a CloudFormation function). Returns the SQS queue's ARN as JSON text; "" for SNS topics,
  // which are not emulated.
  std::string on_failure_destination(const Json& v, const std::string& path) {
    expect_mapping(v, path);
    check_keys(v, path, {"onFailure"}, {});
    const Json* on_failure = member(v, "onFailure");
    const std::string at = path + ".onFailure";
    if (!on_failure || on_failure->is_null()) error(at, "missing: the on-failure destination");
    const Json* arn = on_failure;
    std::string type;
    if (on_failure->is_object() &&
        !(on_failure->size() == 1 && is_intrinsic_name(on_failure->begin().key()))) {
      check_keys(*on_failure, at, {"arn", "type"}, {});
      arn = member(*on_failure, "arn");
      if (!arn || arn->is_null()) error(at + ".arn", "missing: the destination's ARN");
      if (const Json* t = member(*on_failure, "type"); t && !t->is_null()) {
        type = string_at(*t, at + ".type");
        if (type != "sqs" && type != "sns")
          error(at + ".type", "expected sqs or sns, got \"" + type + "\"");
      }
    } else if (!on_failure->is_string()) {
      error(at, "expected an SQS queue or SNS topic ARN, or {arn: ..., type: sqs}");
    }
    const std::string arn_at = arn == on_failure ? at : at + ".arn";
    if (arn->is_string()) {
      const std::string& text = arn->get_ref<const std::string&>();
      std::string from_arn = text.starts_with("arn:aws:sqs:")   ? "sqs"
                             : text.starts_with("arn:aws:sns:") ? "sns"
                                                                : "";
      if (from_arn.empty()) {
        error(arn_at, "expected an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME) or an SNS "
                      "topic ARN, got \"" + text + "\"");
      }
      if (type.empty()) type = from_arn;
    } else if (arn->is_object() && arn->size() == 1 && is_intrinsic_name(arn->begin().key())) {
      if (type.empty()) {
        error(at + ".type",
              "missing: with a CloudFormation function as arn, say sqs or sns");
      }
    } else {
      error(arn_at, "expected an ARN or a CloudFormation function, got " + describe(*arn));
    }
    if (type == "sns") {
      warn(at, "SNS on-failure destinations are not supported yet, ignored");
      return "";
    }
    return arn->dump();
  }

  // Like int_at, for ranges that start below zero (-1 meaning "no limit"), which int_at's digit
  // strings cannot express.
  int signed_int_at(const Json& v, const std::string& path, long long min, long long max) const {
    if (v.is_string()) {
      const std::string& text = v.get_ref<const std::string&>();
      if (text.size() > 1 && text[0] == '-' && is_digits(text.substr(1))) {
        return int_at(Json(std::stoll(text)), path, min, max);
      }
    }
    return int_at(v, path, min, max);
  }

  std::string method_at(const Json& v, const std::string& path) const {
    std::string method = upper(string_at(v, path));
    if (method == "*") method = "ANY";
    if (!kHttpMethods.contains(method)) {
      error(path, "unknown HTTP method \"" + v.get<std::string>() +
                      "\" (expected GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY or *)");
    }
    return method;
  }

  HttpRoute rest_route(const Json& spec, const std::string& path) {
    HttpRoute route;
    route.kind = ApiKind::Rest;
    std::string raw_path;
    if (spec.is_string()) {  // 'GET users/{id}'
      std::string s = spec.get<std::string>();
      auto space = s.find(' ');
      std::string rest = space == std::string::npos ? "" : s.substr(space + 1);
      while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
      if (space == std::string::npos || rest.empty() || rest.find(' ') != std::string::npos) {
        error(path, "\"" + s + "\" must have the form \"METHOD path\", e.g. \"GET users/{id}\"");
      }
      route.method = method_at(Json(s.substr(0, space)), path);
      raw_path = rest;
    } else {
      expect_mapping(spec, path);
      check_keys(spec, path, kHttpEventRead, kHttpEventSilent);
      const Json* p = member(spec, "path");
      if (!p) error(path + ".path", "missing: the path of the endpoint, e.g. users/{id}");
      raw_path = string_at(*p, path + ".path");
      const Json* m = member(spec, "method");
      if (!m) error(path + ".method", "missing: the HTTP method, e.g. get");
      route.method = method_at(*m, path + ".method");
      if (const Json* c = member(spec, "cors")) route.cors = rest_cors(*c, path + ".cors", route);
      if (const Json* i = member(spec, "integration")) {
        // Only the default proxy integration is emulated; `lambda` (with mapping templates),
        // `http`, `mock` ... would need API Gateway's request/response transformations.
        std::string kind = i->is_string() ? upper(i->get<std::string>()) : "";
        std::replace(kind.begin(), kind.end(), '-', '_');
        if (kind != "AWS_PROXY" && kind != "LAMBDA_PROXY") {
          warn(path + ".integration", "only the lambda-proxy integration is supported, ignored");
        }
      }
    }
    // api-gateway/lib/validate.js trims one leading and one trailing slash; we add the leading
    // one back, so "users/" and "/users" are both "/users" and "" is "/".
    if (!raw_path.empty() && raw_path.front() == '/') raw_path.erase(0, 1);
    if (!raw_path.empty() && raw_path.back() == '/') raw_path.pop_back();
    route.path = "/" + raw_path;
    return route;
  }

  CorsSpec rest_cors(const Json& v, const std::string& path, const HttpRoute& route) {
    CorsSpec c;
    if (v.is_null()) return c;
    if (v.is_boolean()) {
      if (!v.get<bool>()) return c;
      c.enabled = true;
      c.allow_origins = {"*"};
      c.allow_headers = kDefaultCorsHeaders;
      return c;
    }
    expect_mapping(v, path);
    check_keys(v, path, kRestCorsRead, {});
    c.enabled = true;
    const Json* f = nullptr;
    if ((f = member(v, "origins"))) {
      c.allow_origins = strings_at(*f, path + ".origins");
    } else if ((f = member(v, "origin"))) {
      c.allow_origins = {string_at(*f, path + ".origin")};
    } else {
      c.allow_origins = {"*"};
    }
    c.allow_headers =
        (f = member(v, "headers")) ? strings_at(*f, path + ".headers") : kDefaultCorsHeaders;
    if ((f = member(v, "methods"))) {
      // validate.js getCors: the listed methods plus OPTIONS and the route's own method.
      c.allow_methods = strings_at(*f, path + ".methods");
      for (auto& m : c.allow_methods) m = upper(m);
      for (const std::string& m : {std::string("OPTIONS"), route.method}) {
        if (std::find(c.allow_methods.begin(), c.allow_methods.end(), m) == c.allow_methods.end()) {
          c.allow_methods.push_back(m);
        }
      }
    }
    if ((f = member(v, "exposedHeaders"))) {
      c.expose_headers = strings_at(*f, path + ".exposedHeaders");
    }
    if ((f = member(v, "allowCredentials"))) {
      c.allow_credentials = bool_at(*f, path + ".allowCredentials");
    }
    if ((f = member(v, "maxAge"))) c.max_age = int_at(*f, path + ".maxAge", 0, INT32_MAX);
    return c;
  }

  HttpRoute http_api_route(const Json& spec, const std::string& path) {
    HttpRoute route;
    route.kind = ApiKind::Http;
    route.cors = http_api_cors_;
    std::string method, raw_path;
    if (spec.is_string()) {  // '*' or 'GET /users/{id}'
      std::string s = spec.get<std::string>();
      if (s == "*") {
        route.method = "ANY";
        return route;  // the catch-all: path ""
      }
      auto space = s.find(' ');
      std::string rest = space == std::string::npos ? "" : s.substr(space + 1);
      while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
      if (space == std::string::npos || rest.empty() || rest.find(' ') != std::string::npos) {
        error(path, "\"" + s +
                        "\" must be \"*\" or have the form \"METHOD /path\", e.g. "
                        "\"GET /users/{id}\"");
      }
      route.method = method_at(Json(s.substr(0, space)), path);
      raw_path = rest;
    } else {
      expect_mapping(spec, path);
      check_keys(spec, path, kHttpApiEventRead, {});
      const Json* p = member(spec, "path");
      if (!p) error(path + ".path", "missing: the path of the route, e.g. /users/{id}");
      raw_path = string_at(*p, path + ".path");
      const Json* m = member(spec, "method");
      route.method = m ? method_at(*m, path + ".method") : "ANY";
      if (raw_path == "*") {
        if (route.method != "ANY") {
          error(path + ".path", "\"*\" (the catch-all route) only goes with method \"*\"");
        }
        return route;
      }
    }
    if (raw_path.empty() || raw_path.front() != '/') {
      error(spec.is_string() ? path : path + ".path",
            "the path \"" + raw_path + "\" must start with '/'");
    }
    route.path = raw_path;
    return route;
  }

  AppSpec& app_;
  const Json& doc_;
  const std::string label_;
  const LoadOptions& options_;
  const Json* provider_ = nullptr;
  CorsSpec http_api_cors_;
  std::set<std::string> warned_;
};

}  // namespace

AppSpec load_app(const LoadOptions& options) {
  AppSpec app;
  fs::path config = options.config_file;
  std::string label = config.filename().string();
  std::error_code ec;
  if (config.is_relative()) config = fs::absolute(config, ec);
  config = config.lexically_normal();
  app.config_file = config;
  app.service_dir = config.parent_path();

  if (!fs::is_regular_file(config, ec)) {
    throw ConfigError(label, "", "file not found: " + options.config_file.string());
  }
  Json doc = load_yaml_file(config, label);
  if (doc.is_null()) throw ConfigError(label, "", "the file is empty");
  if (!doc.is_object()) {
    throw ConfigError(label, "", "expected a mapping at the top level, got " + describe(doc));
  }

  VariableContext context;
  context.service_dir = app.service_dir;
  context.file_label = label;
  context.stage = options.stage;
  context.region = options.region;
  context.options = options.options;
  context.getenv = options.getenv;
  resolve_variables(doc, context);

  Builder(app, doc, label, options).build();
  app.document = std::make_shared<const nlohmann::json>(doc);
  return app;
}

}  // namespace serverlite::app
