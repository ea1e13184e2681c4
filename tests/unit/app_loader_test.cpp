// load_app(): serverless.yml → AppSpec (emulator/app/loader.cpp, app_spec.cpp).
#include "emulator/app/app_spec.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace serverlite::app {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kDefaultHeaders = {
    "Content-Type",         "X-Amz-Date",       "Authorization",  "X-Api-Key",
    "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"};

// A service directory in the temp dir, removed afterwards. Handlers that most tests point at
// (src/handler.py, src/handler.js) exist from the start.
class TempApp {
 public:
  TempApp() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("serverlite-app-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
    write("src/handler.py", "def main(event, context):\n    return 1\n");
    write("src/handler.js", "exports.main = async () => 1;\n");
  }
  ~TempApp() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write(const std::string& rel, const std::string& text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

  AppSpec load(const std::string& yaml, LoadOptions options = {}) {
    write("serverless.yml", yaml);
    options.config_file = dir_ / "serverless.yml";
    if (!options.getenv) {
      options.getenv = [this](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      };
    }
    return load_app(options);
  }

  // what() of the ConfigError load() throws; "" when it loads.
  std::string error(const std::string& yaml, LoadOptions options = {}) {
    try {
      load(yaml, std::move(options));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  const fs::path& dir() const { return dir_; }
  std::map<std::string, std::string> env;

 private:
  fs::path dir_;
};

const std::string kHeader =
    "service: svc\n"
    "provider:\n"
    "  name: aws\n"
    "  runtime: python3.12\n";

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

// --- the checked-in example --------------------------------------------------------------------

TEST(AppLoader, LoadsTheBasicExample) {
  LoadOptions o;
  o.config_file = SERVERLITE_SOURCE_DIR "/tests/unit/data/apps/basic/serverless.yml";
  o.getenv = [](const std::string&) { return std::nullopt; };
  AppSpec app = load_app(o);

  EXPECT_TRUE(app.config_file.is_absolute());
  EXPECT_EQ(app.service_dir, app.config_file.parent_path());
  EXPECT_EQ(app.service, "basic-app");
  EXPECT_EQ(app.stage, "dev");
  EXPECT_EQ(app.region, "eu-west-1");
  ASSERT_EQ(app.functions.size(), 2u);

  const FunctionSpec& hello = app.functions[0];
  EXPECT_EQ(hello.key, "hello");
  EXPECT_EQ(hello.name, "basic-app-dev-hello");
  EXPECT_EQ(hello.runtime, "python3.12");
  EXPECT_EQ(hello.family, RuntimeFamily::Python);
  EXPECT_EQ(hello.timeout_seconds, 10);
  EXPECT_EQ(hello.memory_mb, 512);  // provider's
  EXPECT_EQ(hello.environment.at("TABLE"), "basic-app-dev-items");
  EXPECT_EQ(hello.environment.at("LOG_LEVEL"), "info");
  ASSERT_EQ(hello.routes.size(), 2u);
  EXPECT_EQ(hello.routes[0].kind, ApiKind::Rest);
  EXPECT_EQ(hello.routes[0].method, "GET");
  EXPECT_EQ(hello.routes[0].path, "/hello");
  EXPECT_FALSE(hello.routes[0].cors.enabled);
  EXPECT_EQ(hello.routes[1].kind, ApiKind::Http);
  EXPECT_TRUE(hello.routes[1].cors.enabled);  // provider.httpApi.cors: true

  const FunctionSpec& users = app.functions[1];
  EXPECT_EQ(users.name, "users-fn");
  EXPECT_EQ(users.family, RuntimeFamily::Node);
  EXPECT_EQ(users.memory_mb, 256);  // ${self:custom.limits.memory} from limits.json at "dev"
  EXPECT_EQ(users.environment.at("LOG_LEVEL"), "debug");
  ASSERT_EQ(users.routes.size(), 2u);
  EXPECT_EQ(users.routes[0].path, "/users/{id}");
  EXPECT_TRUE(users.routes[0].cors.enabled);
  EXPECT_EQ(users.routes[1].method, "ANY");
  EXPECT_EQ(users.routes[1].path, "/users");

  EXPECT_TRUE(app.warnings.empty());
  ASSERT_EQ(users.queue_events.size(), 1u);  // an `sqs` event
  EXPECT_EQ(users.queue_events[0].arn_json, R"("arn:aws:sqs:eu-west-1:000000000000:jobs")");
  EXPECT_EQ(users.queue_events[0].batch_size, 10);
  EXPECT_TRUE(users.queue_events[0].enabled);
  ASSERT_TRUE(app.document);
  EXPECT_EQ((*app.document)["custom"]["settings"]["greeting"], "hello from basic-app");

  EXPECT_EQ(app.find_function("users"), &app.functions[1]);
  EXPECT_EQ(app.find_function("users-fn"), &app.functions[1]);
  EXPECT_EQ(app.find_function("basic-app-dev-hello"), &app.functions[0]);
  EXPECT_EQ(app.find_function("nope"), nullptr);
  EXPECT_EQ(function_arn(app, users), "arn:aws:lambda:eu-west-1:000000000000:function:users-fn");
}

TEST(AppLoader, StageOptionReachesVariablesAndNames) {
  LoadOptions o;
  o.config_file = SERVERLITE_SOURCE_DIR "/tests/unit/data/apps/basic/serverless.yml";
  o.getenv = [](const std::string&) { return std::nullopt; };
  o.stage = "prod";
  o.region = "us-west-2";
  AppSpec app = load_app(o);
  EXPECT_EQ(app.stage, "prod");
  EXPECT_EQ(app.region, "us-west-2");
  EXPECT_EQ(app.functions[0].name, "basic-app-prod-hello");
  EXPECT_EQ(app.functions[0].environment.at("TABLE"), "basic-app-prod-items");
  EXPECT_EQ(app.functions[1].memory_mb, 2048);
}

// --- the file itself ---------------------------------------------------------------------------

TEST(AppLoader, MissingFileIsAnError) {
  LoadOptions o;
  o.config_file = "/nonexistent-dir/serverless.yml";
  try {
    load_app(o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "serverless.yml");
    EXPECT_CONTAINS(e.what(), "file not found");
  }
}

TEST(AppLoader, SyntaxErrorNamesLineAndColumn) {
  TempApp t;
  EXPECT_CONTAINS(t.error("service: svc\nprovider: {runtime: python3.12\n"),
                  "serverless.yml: YAML syntax error at line 3, column ");
}

TEST(AppLoader, RelativeConfigPathIsMadeAbsolute) {
  TempApp t;
  t.write("serverless.yml", kHeader);
  fs::path old = fs::current_path();
  fs::current_path(t.dir());
  LoadOptions o;  // "serverless.yml"
  AppSpec app;
  EXPECT_NO_THROW(app = load_app(o));
  fs::current_path(old);
  EXPECT_TRUE(app.config_file.is_absolute());
  EXPECT_EQ(app.service_dir, fs::absolute(t.dir()).lexically_normal());
}

// --- service, stage, region, defaults ----------------------------------------------------------

TEST(AppLoader, DefaultsAndDeployedNames) {
  TempApp t;
  AppSpec app = t.load(kHeader +
                       "functions:\n"
                       "  first:\n    handler: src/handler.main\n"
                       "  second:\n    handler: src/handler.main\n    name: custom-name\n");
  EXPECT_EQ(app.stage, "dev");
  EXPECT_EQ(app.region, "us-east-1");
  ASSERT_EQ(app.functions.size(), 2u);
  const FunctionSpec& f = app.functions[0];
  EXPECT_EQ(f.name, "svc-dev-first");
  EXPECT_EQ(f.timeout_seconds, 6);
  EXPECT_EQ(f.memory_mb, 1024);
  EXPECT_FALSE(f.reserved_concurrency.has_value());
  EXPECT_TRUE(f.routes.empty());
  EXPECT_TRUE(f.environment.empty());
  EXPECT_EQ(app.functions[1].name, "custom-name");
  EXPECT_TRUE(app.warnings.empty());
}

TEST(AppLoader, FunctionsKeepFileOrder) {
  TempApp t;
  AppSpec app = t.load(kHeader +
                       "functions:\n"
                       "  zeta: {handler: src/handler.main}\n"
                       "  alpha: {handler: src/handler.main}\n"
                       "  mid: {handler: src/handler.main}\n");
  ASSERT_EQ(app.functions.size(), 3u);
  EXPECT_EQ(app.functions[0].key, "zeta");
  EXPECT_EQ(app.functions[1].key, "alpha");
  EXPECT_EQ(app.functions[2].key, "mid");
}

TEST(AppLoader, OlderServiceNameForm) {
  TempApp t;
  AppSpec app = t.load("service:\n  name: old-style\nprovider: {runtime: python3.12}\n");
  EXPECT_EQ(app.service, "old-style");
}

TEST(AppLoader, MissingServiceIsAnError) {
  TempApp t;
  EXPECT_CONTAINS(t.error("provider: {runtime: python3.12}\n"), "serverless.yml: service: missing");
}

TEST(AppLoader, StageAndRegionFromProviderThenOptions) {
  TempApp t;
  std::string yaml =
      "service: svc\nprovider:\n  runtime: python3.12\n  stage: qa\n"
      "  region: eu-central-1\nfunctions:\n  f: {handler: src/handler.main}\n";
  AppSpec app = t.load(yaml);
  EXPECT_EQ(app.stage, "qa");
  EXPECT_EQ(app.region, "eu-central-1");
  EXPECT_EQ(app.functions[0].name, "svc-qa-f");
  LoadOptions o;
  o.stage = "prod";
  o.region = "sa-east-1";
  app = t.load(yaml, o);
  EXPECT_EQ(app.stage, "prod");
  EXPECT_EQ(app.region, "sa-east-1");
  EXPECT_EQ(app.functions[0].name, "svc-prod-f");
}

TEST(AppLoader, ProviderSettingsAndFunctionOverrides) {
  TempApp t;
  AppSpec app = t.load(
      "service: svc\nprovider:\n  runtime: python3.12\n  timeout: 20\n  memorySize: 256\n"
      "functions:\n"
      "  a: {handler: src/handler.main}\n"
      "  b: {handler: src/handler.main, timeout: 900, memorySize: 10240, "
      "reservedConcurrency: 0}\n");
  EXPECT_EQ(app.functions[0].timeout_seconds, 20);
  EXPECT_EQ(app.functions[0].memory_mb, 256);
  EXPECT_EQ(app.functions[1].timeout_seconds, 900);
  EXPECT_EQ(app.functions[1].memory_mb, 10240);
  EXPECT_EQ(app.functions[1].reserved_concurrency, 0);
}

TEST(AppLoader, NumericStringsFromVariablesAreAcceptedAsIntegers) {
  TempApp t;
  t.env = {{"TIMEOUT", "45"}};
  AppSpec app = t.load(kHeader +
                       "functions:\n  f:\n    handler: src/handler.main\n"
                       "    timeout: ${env:TIMEOUT, 30}\n");
  EXPECT_EQ(app.functions[0].timeout_seconds, 45);
}

TEST(AppLoader, EnvironmentMergesProviderThenFunctionAsStrings) {
  TempApp t;
  AppSpec app = t.load(
      "service: svc\nprovider:\n  runtime: python3.12\n  environment:\n"
      "    SHARED: from-provider\n    OVERRIDDEN: provider\n    COUNT: 3\n    RATIO: 1.5\n"
      "    ENABLED: true\n"
      "functions:\n  f:\n    handler: src/handler.main\n    environment:\n"
      "      OVERRIDDEN: function\n      OWN: yes-it-is\n");
  const auto& env = app.functions[0].environment;
  EXPECT_EQ(env.at("SHARED"), "from-provider");
  EXPECT_EQ(env.at("OVERRIDDEN"), "function");
  EXPECT_EQ(env.at("OWN"), "yes-it-is");
  EXPECT_EQ(env.at("COUNT"), "3");
  EXPECT_EQ(env.at("RATIO"), "1.5");
  EXPECT_EQ(env.at("ENABLED"), "true");
}

TEST(AppLoader, CloudFormationFunctionInEnvironmentIsKeptForStartUp) {
  TempApp t;
  AppSpec app = t.load(kHeader +
                       "  environment:\n    TABLE: !Ref ItemsTable\n    PLAIN: x\n"
                       "functions:\n  f:\n    handler: src/handler.main\n"
                       "    environment:\n      PLAIN: !GetAtt [Q, Arn]\n");
  const auto& fn = app.functions[0];
  EXPECT_FALSE(fn.environment.contains("TABLE"));
  ASSERT_TRUE(fn.environment_intrinsics.contains("TABLE"));
  EXPECT_EQ(fn.environment_intrinsics.at("TABLE").key_path, "provider.environment.TABLE");
  EXPECT_EQ(fn.environment_intrinsics.at("TABLE").json, R"({"Ref":"ItemsTable"})");
  // The function's own value replaces the provider's, whichever kind each is.
  EXPECT_FALSE(fn.environment.contains("PLAIN"));
  EXPECT_EQ(fn.environment_intrinsics.at("PLAIN").key_path, "functions.f.environment.PLAIN");
  EXPECT_TRUE(app.warnings.empty());
}

TEST(AppLoader, ResourcesAreRead) {
  TempApp t;
  AppSpec app = t.load(kHeader + "functions: {}\nresources:\n  Resources:\n"
                       "    Jobs:\n      Type: AWS::SQS::Queue\n      Properties: {QueueName: jobs}\n"
                       "    Bucket:\n      Type: AWS::S3::Bucket\n  Outputs: {}\n");
  ASSERT_EQ(app.resources.size(), 2u);
  EXPECT_EQ(app.resources[0].logical_id, "Jobs");
  EXPECT_EQ(app.resources[0].type, "AWS::SQS::Queue");
  EXPECT_EQ(app.resources[0].key_path, "resources.Resources.Jobs");
  EXPECT_EQ(app.resources[1].type, "AWS::S3::Bucket");
}

TEST(AppLoader, AResourceWithoutTypeIsAnError) {
  TempApp t;
  try {
    t.load(kHeader + "functions: {}\nresources:\n  Resources:\n    Jobs:\n      Properties: {}\n");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key_path(), "resources.Resources.Jobs.Type");
  }
}

// --- runtimes and handlers ---------------------------------------------------------------------

TEST(AppLoader, RuntimeFamilies) {
  TempApp t;
  t.write("bootstrap", "#!/bin/sh\n");
  fs::permissions(t.dir() / "bootstrap", fs::perms::owner_all);
  AppSpec app = t.load(kHeader +
                       "functions:\n"
                       "  py: {handler: src/handler.main, runtime: python3.9}\n"
                       "  node: {handler: src/handler.main, runtime: nodejs18.x}\n"
                       "  go: {handler: anything at all, runtime: provided.al2023}\n"
                       "  al2: {handler: x, runtime: provided.al2}\n"
                       "  plain: {handler: x, runtime: provided}\n");
  EXPECT_EQ(app.functions[0].family, RuntimeFamily::Python);
  EXPECT_EQ(app.functions[1].family, RuntimeFamily::Node);
  EXPECT_EQ(app.functions[2].family, RuntimeFamily::Provided);
  EXPECT_EQ(app.functions[2].handler, "anything at all");
  EXPECT_EQ(app.functions[3].family, RuntimeFamily::Provided);
  EXPECT_EQ(app.functions[4].family, RuntimeFamily::Provided);
}

TEST(AppLoader, UnknownRuntime) {
  TempApp t;
  EXPECT_EQ(t.error(kHeader + "functions:\n  x: {handler: src/handler.main, runtime: ruby3.2}\n"),
            "serverless.yml: functions.x.runtime: unknown runtime \"ruby3.2\" (supported: "
            "python3.x, nodejs*.x, provided, provided.al2, provided.al2023)");
  EXPECT_CONTAINS(t.error("service: svc\nprovider: {runtime: java17}\n"
                          "functions:\n  x: {handler: src/handler.main}\n"),
                  "serverless.yml: provider.runtime: unknown runtime \"java17\"");
}

// Runtimes are read without std::regex, which recursed once per character of a long one.
TEST(AppLoader, RuntimeNamesOfAnyLength) {
  TempApp t;
  EXPECT_EQ(t.load(kHeader + "functions:\n  x: {handler: src/handler.main, runtime: nodejs20.x}\n")
                .functions[0]
                .family,
            RuntimeFamily::Node);
  std::vector<std::string> runtimes = {"python3.",   "python3.1a",   "nodejs.x",
                                       "nodejs20.y", "nodejs20.x.x", "nodejs.xx",
                                       "python3." + std::string(100000, '1') + "x"};
  for (const std::string& bad : runtimes)
    EXPECT_CONTAINS(t.error(kHeader + "functions:\n  x: {handler: src/handler.main, runtime: " +
                            bad + "}\n"),
                    "unknown runtime");
  EXPECT_EQ(t.load(kHeader + "functions:\n  x: {handler: src/handler.main, runtime: python3." +
                   std::string(100000, '1') + "}\n")
                .functions[0]
                .family,
            RuntimeFamily::Python);
}

TEST(AppLoader, NoRuntimeAnywhere) {
  TempApp t;
  EXPECT_CONTAINS(t.error("service: svc\nfunctions:\n  x: {handler: src/handler.main}\n"),
                  "serverless.yml: functions.x.runtime: no runtime");
}

TEST(AppLoader, NodeHandlerFindsJsMjsCjsAndDottedFunctions) {
  TempApp t;
  t.write("lib/esm.mjs", "export const main = async () => 1;\n");
  t.write("lib/common.cjs", "exports.main = async () => 1;\n");
  AppSpec app = t.load(
      "service: svc\nprovider: {runtime: nodejs20.x}\nfunctions:\n"
      "  a: {handler: lib/esm.main}\n"
      "  b: {handler: lib/common.main}\n"
      "  c: {handler: src/handler.handlers.main}\n");
  EXPECT_EQ(app.functions.size(), 3u);
  EXPECT_EQ(app.functions[2].handler, "src/handler.handlers.main");
}

TEST(AppLoader, HandlerFileMustExist) {
  TempApp t;
  EXPECT_EQ(t.error(kHeader + "functions:\n  f: {handler: src/missing.main}\n"),
            "serverless.yml: functions.f.handler: handler file src/missing.py not found in the "
            "service directory");
  EXPECT_EQ(t.error("service: svc\nprovider: {runtime: nodejs20.x}\n"
                    "functions:\n  f: {handler: src/missing.main}\n"),
            "serverless.yml: functions.f.handler: handler file src/missing.js, src/missing.mjs, "
            "src/missing.cjs, src/missing.ts, src/missing.mts or src/missing.cts not found in "
            "the service directory");
}

TEST(AppLoader, HandlerMustHaveModuleFunctionShape) {
  TempApp t;
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  f: {handler: main}\n"),
                  "serverless.yml: functions.f.handler: \"main\" must have the form "
                  "module.function");
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  f: {handler: src/handler.}\n"),
                  "functions.f.handler: \"src/handler.\" must have the form");
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  f: {runtime: python3.12}\n"),
                  "serverless.yml: functions.f.handler: missing");
}

TEST(AppLoader, ProvidedRuntimeNeedsExecutableBootstrap) {
  TempApp t;
  std::string yaml =
      "service: svc\nprovider: {runtime: provided.al2023}\n"
      "functions:\n  f: {handler: bootstrap.handler}\n";
  EXPECT_CONTAINS(t.error(yaml),
                  "serverless.yml: functions.f: runtime provided.al2023 needs an "
                  "executable file named bootstrap");
  t.write("bootstrap", "#!/bin/sh\n");
  fs::permissions(t.dir() / "bootstrap", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_CONTAINS(t.error(yaml),
                  "functions.f: runtime provided.al2023 needs bootstrap to be "
                  "executable");
  fs::permissions(t.dir() / "bootstrap", fs::perms::owner_all);
  EXPECT_EQ(t.error(yaml), "");
}

// --- numeric and type validation ---------------------------------------------------------------

TEST(AppLoader, NumericRanges) {
  TempApp t;
  auto fn = [&](const std::string& extra) {
    return t.error(kHeader + "functions:\n  f:\n    handler: src/handler.main\n    " + extra +
                   "\n");
  };
  EXPECT_CONTAINS(fn("timeout: 0"), "serverless.yml: functions.f.timeout: 0 is out of range");
  EXPECT_CONTAINS(fn("timeout: 901"), "functions.f.timeout: 901 is out of range (1..900)");
  EXPECT_CONTAINS(fn("timeout: 1.5"), "functions.f.timeout: expected an integer, got a number");
  EXPECT_CONTAINS(fn("timeout: soon"), "functions.f.timeout: expected an integer, got a string");
  EXPECT_CONTAINS(fn("memorySize: 127"), "functions.f.memorySize: 127 is out of range");
  EXPECT_CONTAINS(fn("memorySize: 10241"), "functions.f.memorySize: 10241 is out of range");
  EXPECT_CONTAINS(fn("reservedConcurrency: -1"),
                  "functions.f.reservedConcurrency: -1 is out of range");
  EXPECT_CONTAINS(fn("reservedConcurrency: [1]"),
                  "functions.f.reservedConcurrency: expected an integer, got a list");
  EXPECT_CONTAINS(t.error("service: svc\nprovider: {runtime: python3.12, timeout: 1000}\n"
                          "functions:\n  f: {handler: src/handler.main}\n"),
                  "serverless.yml: provider.timeout: 1000 is out of range");
}

TEST(AppLoader, WrongShapes) {
  TempApp t;
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  - hello\n"),
                  "serverless.yml: functions: expected a mapping, got a list");
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  f: src/handler.main\n"),
                  "serverless.yml: functions.f: expected a mapping, got a string");
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  f:\n    handler: src/handler.main\n"
                                    "    events: {http: GET /}\n"),
                  "serverless.yml: functions.f.events: expected a list, got a mapping");
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  f:\n    handler: src/handler.main\n"
                                    "    events: [http]\n"),
                  "serverless.yml: functions.f.events[0]: expected a mapping");
  EXPECT_CONTAINS(t.error(kHeader + "functions:\n  f:\n    handler: [a]\n"),
                  "serverless.yml: functions.f.handler: expected a string, got a list");
  EXPECT_CONTAINS(t.error(kHeader + "  environment:\n    A: [1]\n"
                                    "functions:\n  f: {handler: src/handler.main}\n"),
                  "serverless.yml: provider.environment.A: expected a string, number or boolean");
  EXPECT_CONTAINS(t.error("- a\n- b\n"), "serverless.yml: expected a mapping at the top level");
}

// --- events ------------------------------------------------------------------------------------

AppSpec load_events(TempApp& t, const std::string& events, const std::string& provider = "") {
  return t.load(kHeader + provider + "functions:\n  f:\n    handler: src/handler.main\n" +
                "    events:\n" + events);
}

TEST(AppLoader, HttpShorthandAndObject) {
  TempApp t;
  AppSpec app = load_events(t,
                            "      - http: 'GET users/{id}'\n"
                            "      - http: post /items/\n"
                            "      - http: 'any {proxy+}'\n"
                            "      - http: {path: /, method: '*'}\n"
                            "      - http: {path: orders, method: Delete}\n");
  const auto& r = app.functions[0].routes;
  ASSERT_EQ(r.size(), 5u);
  for (const auto& route : r) EXPECT_EQ(route.kind, ApiKind::Rest);
  EXPECT_EQ(r[0].method, "GET");
  EXPECT_EQ(r[0].path, "/users/{id}");
  EXPECT_EQ(r[1].method, "POST");
  EXPECT_EQ(r[1].path, "/items");
  EXPECT_EQ(r[2].method, "ANY");
  EXPECT_EQ(r[2].path, "/{proxy+}");
  EXPECT_EQ(r[3].method, "ANY");
  EXPECT_EQ(r[3].path, "/");
  EXPECT_EQ(r[4].method, "DELETE");
  EXPECT_EQ(r[4].path, "/orders");
}

TEST(AppLoader, HttpEventErrors) {
  TempApp t;
  auto err = [&](const std::string& event) {
    return t.error(kHeader + "functions:\n  f:\n    handler: src/handler.main\n    events:\n" +
                   "      - " + event + "\n");
  };
  EXPECT_CONTAINS(err("http: users"),
                  "serverless.yml: functions.f.events[0].http: \"users\" must have the form "
                  "\"METHOD path\"");
  EXPECT_CONTAINS(err("http: 'FETCH users'"),
                  "serverless.yml: functions.f.events[0].http: unknown HTTP method \"FETCH\"");
  EXPECT_CONTAINS(err("http: {method: get}"), "functions.f.events[0].http.path: missing");
  EXPECT_CONTAINS(err("http: {path: x}"), "functions.f.events[0].http.method: missing");
  EXPECT_CONTAINS(err("http: {path: x, method: get, cors: yes-please}"),
                  "functions.f.events[0].http.cors: expected a mapping, got a string");
}

TEST(AppLoader, HttpCorsTrueUsesServerlessDefaults) {
  TempApp t;
  AppSpec app = load_events(t,
                            "      - http: {path: x, method: get, cors: true}\n"
                            "      - http: {path: y, method: get, cors: false}\n");
  const CorsSpec& c = app.functions[0].routes[0].cors;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.allow_origins, std::vector<std::string>{"*"});
  EXPECT_EQ(c.allow_headers, kDefaultHeaders);
  EXPECT_TRUE(c.allow_methods.empty());  // the gateway uses the methods on the path
  EXPECT_FALSE(c.allow_credentials);
  EXPECT_FALSE(c.max_age);
  EXPECT_FALSE(app.functions[0].routes[1].cors.enabled);
}

TEST(AppLoader, HttpCorsObject) {
  TempApp t;
  AppSpec app = load_events(t,
                            "      - http:\n"
                            "          path: x\n"
                            "          method: put\n"
                            "          cors:\n"
                            "            origins: [https://a.example, https://b.example]\n"
                            "            headers: [X-Custom]\n"
                            "            methods: [get]\n"
                            "            allowCredentials: true\n"
                            "            maxAge: 600\n"
                            "            exposedHeaders: X-Total\n"
                            "      - http:\n"
                            "          path: y\n"
                            "          method: get\n"
                            "          cors: {origin: https://one.example}\n");
  const CorsSpec& c = app.functions[0].routes[0].cors;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.allow_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(c.allow_headers, std::vector<std::string>{"X-Custom"});
  EXPECT_EQ(c.allow_methods, (std::vector<std::string>{"GET", "OPTIONS", "PUT"}));
  EXPECT_TRUE(c.allow_credentials);
  EXPECT_EQ(c.max_age, 600);
  EXPECT_EQ(c.expose_headers, std::vector<std::string>{"X-Total"});
  const CorsSpec& one = app.functions[0].routes[1].cors;
  EXPECT_EQ(one.allow_origins, std::vector<std::string>{"https://one.example"});
  EXPECT_EQ(one.allow_headers, kDefaultHeaders);
}

TEST(AppLoader, HttpApiShorthandCatchAllAndObject) {
  TempApp t;
  AppSpec app = load_events(t,
                            "      - httpApi: 'GET /users/{id}'\n"
                            "      - httpApi: '*'\n"
                            "      - httpApi: {method: post, path: /items}\n"
                            "      - httpApi: {method: '*', path: '/any/{proxy+}'}\n"
                            "      - httpApi: {path: /no-method}\n");
  const auto& r = app.functions[0].routes;
  ASSERT_EQ(r.size(), 5u);
  for (const auto& route : r) {
    EXPECT_EQ(route.kind, ApiKind::Http);
    EXPECT_FALSE(route.cors.enabled);  // no provider.httpApi.cors
  }
  EXPECT_EQ(r[0].method, "GET");
  EXPECT_EQ(r[0].path, "/users/{id}");
  EXPECT_EQ(r[1].method, "ANY");
  EXPECT_EQ(r[1].path, "");
  EXPECT_EQ(r[2].method, "POST");
  EXPECT_EQ(r[2].path, "/items");
  EXPECT_EQ(r[3].method, "ANY");
  EXPECT_EQ(r[3].path, "/any/{proxy+}");
  EXPECT_EQ(r[4].method, "ANY");
}

TEST(AppLoader, HttpApiEventErrors) {
  TempApp t;
  auto err = [&](const std::string& event) {
    return t.error(kHeader + "functions:\n  f:\n    handler: src/handler.main\n    events:\n" +
                   "      - " + event + "\n");
  };
  EXPECT_CONTAINS(err("httpApi: 'GET users'"),
                  "serverless.yml: functions.f.events[0].httpApi: the path \"users\" must start "
                  "with '/'");
  EXPECT_CONTAINS(err("httpApi: {method: get}"), "functions.f.events[0].httpApi.path: missing");
  EXPECT_CONTAINS(err("httpApi: {method: get, path: users}"),
                  "functions.f.events[0].httpApi.path: the path \"users\" must start with '/'");
}

TEST(AppLoader, HttpApiCorsTrueDefaultsApplyToEveryHttpApiRoute) {
  TempApp t;
  AppSpec app = load_events(t,
                            "      - httpApi: 'GET /a'\n"
                            "      - httpApi: '*'\n"
                            "      - http: 'GET b'\n",
                            "  httpApi:\n    cors: true\n");
  const auto& r = app.functions[0].routes;
  for (int i : {0, 1}) {
    EXPECT_TRUE(r[i].cors.enabled);
    EXPECT_EQ(r[i].cors.allow_origins, std::vector<std::string>{"*"});
    EXPECT_EQ(r[i].cors.allow_headers, kDefaultHeaders);
    EXPECT_TRUE(r[i].cors.allow_methods.empty());
    EXPECT_FALSE(r[i].cors.allow_credentials);
  }
  EXPECT_FALSE(r[2].cors.enabled);  // REST routes take CORS from their own event
}

TEST(AppLoader, HttpApiCorsObject) {
  TempApp t;
  AppSpec app = load_events(t, "      - httpApi: 'GET /a'\n",
                            "  httpApi:\n    cors:\n"
                            "      allowedOrigins: [https://app.example]\n"
                            "      allowedMethods: [GET, POST]\n"
                            "      allowCredentials: true\n"
                            "      exposedResponseHeaders: [X-Id]\n"
                            "      maxAge: 300\n");
  const CorsSpec& c = app.functions[0].routes[0].cors;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.allow_origins, std::vector<std::string>{"https://app.example"});
  EXPECT_EQ(c.allow_headers, kDefaultHeaders);  // not given: the default list
  EXPECT_EQ(c.allow_methods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_TRUE(c.allow_credentials);
  EXPECT_EQ(c.expose_headers, std::vector<std::string>{"X-Id"});
  EXPECT_EQ(c.max_age, 300);
}

// --- warnings ----------------------------------------------------------------------------------

TEST(AppLoader, UnsupportedEventsAndKeysWarnOnceInDocumentOrder) {
  TempApp t;
  AppSpec app = t.load(
      "service: svc\n"
      "frameworkVersion: '3'\n"
      "plugins: [serverless-offline]\n"
      "useDotenv: true\n"
      "configValidationMode: error\n"
      "custom: {a: 1}\n"
      "package: {individually: true}\n"
      "resources: {Resources: {}}\n"
      "provider:\n"
      "  name: aws\n"
      "  runtime: python3.12\n"
      "  architecture: arm64\n"
      "  logRetentionInDays: 7\n"
      "  iam: {role: {statements: []}}\n"
      "  tags: {team: x}\n"
      "  apiKeys: [k]\n"
      "  httpApi: {authorizers: {}, name: x}\n"
      "functions:\n"
      "  worker:\n"
      "    handler: src/handler.main\n"
      "    layers: ['arn:aws:lambda:us-east-1:1:layer:x:1']\n"
      "    events:\n"
      "      - s3: bucket\n"
      "      - schedule: rate(1 minute)\n"
      "      - http: {path: x, method: get, authorizer: aws_iam}\n"
      "      - httpApi: {path: /x, method: get, authorizer: {name: a}}\n"
      "      - sns: topic\n"
      "      - http: {path: y, method: get, integration: lambda-proxy}\n"
      "      - http: {path: z, method: get, integration: lambda}\n");
  std::vector<std::string> expected = {
      "serverless.yml: provider.apiKeys: not supported yet, ignored",
      "serverless.yml: provider.httpApi.authorizers: not supported yet, ignored",
      "serverless.yml: functions.worker.layers[0]: layer arn:aws:lambda:us-east-1:1:layer:x:1 "
      "is not part of this app: its content is not available locally, so the function runs "
      "without it",
      "serverless.yml: functions.worker.events[0].s3: not triggered by serverlite yet (replay "
      "routes such events to this function)",
      "serverless.yml: functions.worker.events[1].schedule: not triggered by serverlite yet (replay "
      "routes such events to this function)",
      "serverless.yml: functions.worker.events[2].http.authorizer: not supported yet, ignored",
      "serverless.yml: functions.worker.events[3].httpApi.authorizer: not supported yet, ignored",
      "serverless.yml: functions.worker.events[4].sns: not triggered by serverlite yet (replay "
      "routes such events to this function)",
      "serverless.yml: functions.worker.events[6].http.integration: only the lambda-proxy "
      "integration is supported, ignored",
  };
  EXPECT_EQ(app.warnings, expected);
  // Still loaded: warnings are never errors.
  EXPECT_EQ(app.functions[0].routes.size(), 4u);
}

TEST(AppLoader, SqsEventsWithOptionsAndLimits) {
  TempApp t;
  AppSpec app = t.load(kHeader +
                       "functions:\n  w:\n    handler: src/handler.main\n    events:\n"
                       "      - sqs: !GetAtt [Jobs, Arn]\n"
                       "      - sqs:\n          arn: arn:aws:sqs:us-east-1:000000000000:q\n"
                       "          batchSize: 100\n          maximumBatchingWindow: 5\n"
                       "          enabled: false\n"
                       "          functionResponseType: ReportBatchItemFailures\n"
                       "          filterPatterns: [{body: {kind: [a]}}]\n");
  const auto& events = app.functions[0].queue_events;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].arn_json, R"({"Fn::GetAtt":["Jobs","Arn"]})");
  EXPECT_EQ(events[0].key_path, "functions.w.events[0].sqs");
  EXPECT_EQ(events[1].batch_size, 100);
  EXPECT_EQ(events[1].maximum_batching_window_seconds, 5);
  EXPECT_FALSE(events[1].enabled);
  EXPECT_TRUE(events[1].report_batch_item_failures);
  ASSERT_EQ(events[1].filter_patterns.size(), 1u);
  EXPECT_EQ(events[1].filter_patterns[0], R"({"body":{"kind":["a"]}})");

  auto sqs = [&](const std::string& spec) {
    return t.error(kHeader + "functions:\n  w:\n    handler: src/handler.main\n    events:\n"
                             "      - sqs: " + spec + "\n");
  };
  EXPECT_CONTAINS(sqs("{arn: 'arn:aws:sqs:us-east-1:000000000000:q', batchSize: 50}"),
                  "functions.w.events[0].sqs.batchSize: a batchSize over 10 needs "
                  "maximumBatchingWindow");
  EXPECT_CONTAINS(sqs("{arn: 'arn:aws:sqs:us-east-1:000000000000:q', batchSize: 0}"),
                  "functions.w.events[0].sqs.batchSize:");
  EXPECT_CONTAINS(sqs("not-an-arn"), "functions.w.events[0].sqs.arn: expected an SQS queue ARN");
  EXPECT_CONTAINS(sqs("{batchSize: 5}"), "functions.w.events[0].sqs.arn: the queue's ARN is required");
  EXPECT_CONTAINS(sqs("{arn: 'arn:aws:sqs:us-east-1:000000000000:q', functionResponseType: X}"),
                  "functions.w.events[0].sqs.functionResponseType:");
}

TEST(AppLoader, WarningsUseTheConfigFileBaseName) {
  TempApp t;
  t.write("serverless.dev.yml", kHeader + "extra: 1\n");
  LoadOptions o;
  o.config_file = t.dir() / "serverless.dev.yml";
  AppSpec app = load_app(o);
  ASSERT_EQ(app.warnings.size(), 1u);
  EXPECT_EQ(app.warnings[0], "serverless.dev.yml: extra: not supported yet, ignored");
}

// --- variables through load_app ----------------------------------------------------------------

TEST(AppLoader, VariableErrorsNameTheKeyPath) {
  TempApp t;
  try {
    t.load(kHeader + "  environment:\n    TOKEN: ${env:TOKEN}\n");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "serverless.yml");
    EXPECT_EQ(e.key_path(), "provider.environment.TOKEN");
    EXPECT_EQ(std::string(e.what()),
              "serverless.yml: provider.environment.TOKEN: cannot resolve ${env:TOKEN}: "
              "environment variable TOKEN is not set and has no default");
  }
}

TEST(AppLoader, GetenvOptionFeedsEnvVariables) {
  TempApp t;
  t.env = {{"TOKEN", "abc"}};
  AppSpec app = t.load(kHeader +
                       "  environment:\n    TOKEN: ${env:TOKEN}\n"
                       "functions:\n  f: {handler: src/handler.main}\n");
  EXPECT_EQ(app.functions[0].environment.at("TOKEN"), "abc");
  EXPECT_EQ((*app.document)["provider"]["environment"]["TOKEN"], "abc");
}

}  // namespace
}  // namespace serverlite::app
