// serverless.yml as people write it: finding the file (.yml/.yaml/.json/.js), .env files,
// stage parameters, sources serverlite cannot read, every problem at once, and plugins
// (emulator/app/config_files.*, dotenv.*, plugins.*, variables.*).
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/config_files.hpp"
#include "emulator/app/dotenv.hpp"
#include "emulator/app/offline.hpp"

namespace serverlite::app {
namespace {

namespace fs = std::filesystem;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

class Dir {
 public:
  Dir() {
    dir_ = fs::temp_directory_path() / ("serverlite-config-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    write("handler.py", "def main(event, context):\n    return 1\n");
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  AppSpec load(LoadOptions options = {}) {
    options.config_file = dir_;  // found in the directory
    options.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    return load_app(options);
  }
  std::string error(LoadOptions options = {}) {
    try {
      load(std::move(options));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  const fs::path& path() const { return dir_; }
  std::map<std::string, std::string> env;

 private:
  fs::path dir_;
};

const std::string kApp =
    "service: svc\n"
    "provider:\n"
    "  name: aws\n"
    "  runtime: python3.12\n";

std::string env_of(const AppSpec& app, const std::string& fn, const std::string& name) {
  const auto* f = app.find_function(fn);
  if (!f) return "<no function>";
  auto it = f->environment.find(name);
  return it == f->environment.end() ? "<unset>" : it->second;
}

// --- .env files --------------------------------------------------------------------------------

TEST(AppDotenv, ParsesDotenvSyntax) {
  auto vars = parse_dotenv(
      "# comment\n"
      "export A=1\n"
      "  B = two words  # a comment\n"
      "C='single $A'\n"
      "D=\"double\\n$A\"\n"
      "E=`back\ntick`\n"
      "F=${A}-$B-${MISSING:-fallback}\n"
      "G=\\$A\n"
      "not an assignment\n"
      "A=again\n",
      nullptr);
  std::map<std::string, std::string> m(vars.begin(), vars.end());
  EXPECT_EQ(vars[0].first, "A");
  EXPECT_EQ(m["A"], "again");
  EXPECT_EQ(m["B"], "two words");
  EXPECT_EQ(m["C"], "single $A");
  EXPECT_EQ(m["D"], "double\n1");
  EXPECT_EQ(m["E"], "back\ntick");
  EXPECT_EQ(m["F"], "1-two words-fallback");
  EXPECT_EQ(m["G"], "$A");
  EXPECT_EQ(m.size(), 7u);
}

TEST(AppDotenv, EnvironmentWinsInExpansion) {
  auto vars = parse_dotenv("URL=$HOST/x\n", [](const std::string& n) -> std::optional<std::string> {
    if (n == "HOST") return "h";
    return std::nullopt;
  });
  EXPECT_EQ(vars.at(0).second, "h/x");
}

TEST(AppDotenv, ExpansionIsBounded) {
  std::string text = "A=xxxxxxxxxxxxxxxx\n";
  char prev = 'A';
  for (char c = 'B'; c <= 'Z'; ++c) {
    text += std::string(1, c) + "=$" + prev + "$" + prev + "\n";
    prev = c;
  }
  try {
    parse_dotenv(text, nullptr);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(e.what(), "expand to more than");
  }
}

// Inputs made of the characters that matter to the reader (quotes, escapes, $, braces, '#',
// newlines) end in a result or a ConfigError, never a crash (the sanitizer build checks reads).
TEST(AppDotenv, ArbitraryInputsAreReadOrRefused) {
  const std::string alphabet = "AB_=:'\"`\\${}-#\n \texport";
  std::mt19937 rng(20);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    std::size_t n = rng() % 64;
    for (std::size_t i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    try {
      for (const auto& [name, value] : parse_dotenv(text, nullptr)) {
        EXPECT_FALSE(name.empty()) << text;
        EXPECT_LE(value.size(), kMaxDotenvExpanded) << text;
      }
    } catch (const ConfigError&) {
    }
  }
}

TEST(AppConfig, StageDotenvReplacesDefaultAndNeverOverridesEnvironment) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "functions:\n  f:\n    handler: handler.main\n    environment:\n"
                                "      A: ${env:A}\n      B: ${env:B}\n      C: ${env:C, 'none'}\n");
  d.write(".env", "A=from-env-file\nB=from-env-file\nC=only-default\n");
  d.write(".env.prod", "A=from-prod\nB=from-prod\n");
  d.env["B"] = "from-process";
  auto dev = d.load();
  EXPECT_EQ(env_of(dev, "f", "A"), "from-env-file");
  EXPECT_EQ(env_of(dev, "f", "B"), "from-process");
  EXPECT_EQ(env_of(dev, "f", "C"), "only-default");
  LoadOptions prod;
  prod.stage = "prod";
  auto p = d.load(prod);
  EXPECT_EQ(env_of(p, "f", "A"), "from-prod");
  EXPECT_EQ(env_of(p, "f", "C"), "none");  // .env is not read when .env.prod exists
}

TEST(AppConfig, DotenvPluginPutsVariablesIntoFunctions) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "plugins:\n  - serverless-dotenv-plugin\n"
                                "custom:\n  dotenv:\n    exclude: [SECRET]\n"
                                "functions:\n  f:\n    handler: handler.main\n");
  d.write(".env", "GREETING=hello\nSECRET=s\n");
  d.write(".env.local", "GREETING=local\n");
  auto app = d.load();
  EXPECT_EQ(env_of(app, "f", "GREETING"), "local");
  EXPECT_EQ(env_of(app, "f", "SECRET"), "<unset>");
  EXPECT_TRUE(app.warnings.empty());
}

// --- finding the file --------------------------------------------------------------------------

TEST(AppConfig, FindsYamlThenJsonInTheDirectory) {
  Dir d;
  d.write("serverless.json", R"({"service": "from-json", "provider": {"runtime": "python3.12"},
      "functions": {"f": {"handler": "handler.main"}}})");
  auto app = d.load();
  EXPECT_EQ(app.service, "from-json");
  EXPECT_EQ(app.config_file.filename(), "serverless.json");
  d.write("serverless.yaml", kApp);
  EXPECT_EQ(d.load().config_file.filename(), "serverless.yaml");
}

TEST(AppConfig, NothingFoundNamesTheCandidates) {
  Dir d;
  EXPECT_CONTAINS(d.error(), "no serverless.yml, serverless.yaml, serverless.json");
}

TEST(AppConfig, JavaScriptDefinitionIsEvaluatedByNode) {
  if (std::system("node -e 0 >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed";
  Dir d;
  d.write("serverless.js",
          "const stage = 'dev';\n"
          "module.exports = Promise.resolve({service: 'js-' + stage,\n"
          "  provider: {name: 'aws', runtime: 'python3.12'},\n"
          "  functions: {f: {handler: 'handler.main', environment: {X: '${self:service}'}}}});\n");
  auto app = d.load();
  EXPECT_EQ(app.service, "js-dev");
  EXPECT_EQ(env_of(app, "f", "X"), "js-dev");
  d.write("serverless.js", "throw new Error('broken config');\n");
  EXPECT_CONTAINS(d.error(), "serverless.js: node could not evaluate it: ");
  EXPECT_CONTAINS(d.error(), "broken config");
}

// --- variables ---------------------------------------------------------------------------------

TEST(AppConfig, StageParametersAndStrToBool) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "params:\n  default:\n    domain: example.com\n    debug: 'true'\n"
                                "  prod:\n    domain: prod.example.com\n"
                                "functions:\n  f:\n    handler: handler.main\n    environment:\n"
                                "      DOMAIN: ${param:domain}\n"
                                "      DEBUG: ${strToBool(${param:debug})}\n"
                                "      OFF: ${strToBool(0)}\n"
                                "      TIER: ${param:tier, 'basic'}\n");
  auto dev = d.load();
  EXPECT_EQ(env_of(dev, "f", "DOMAIN"), "example.com");
  EXPECT_EQ(env_of(dev, "f", "DEBUG"), "true");
  EXPECT_EQ(env_of(dev, "f", "OFF"), "false");
  EXPECT_EQ(env_of(dev, "f", "TIER"), "basic");
  LoadOptions prod;
  prod.stage = "prod";
  prod.options["param:tier"] = "gold";  // --param tier=gold
  auto p = d.load(prod);
  EXPECT_EQ(env_of(p, "f", "DOMAIN"), "prod.example.com");
  EXPECT_EQ(env_of(p, "f", "TIER"), "gold");
}

TEST(AppConfig, UnreadableSourcesTakeTheirFallbackWithAWarning) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "functions:\n  f:\n    handler: handler.main\n    environment:\n"
                                "      KEY: ${ssm:/app/key, 'local-key'}\n"
                                "      OUT: ${cf:other-stack.Url, env:URL, 'http://x'}\n");
  auto app = d.load();
  EXPECT_EQ(env_of(app, "f", "KEY"), "local-key");
  EXPECT_EQ(env_of(app, "f", "OUT"), "http://x");
  ASSERT_EQ(app.warnings.size(), 2u);
  EXPECT_CONTAINS(app.warnings[0],
                  "serverless.yml: functions.f.environment.KEY: ${ssm:/app/key, 'local-key'}: "
                  "serverlite does not read ssm variables (their values are in AWS); using the "
                  "fallback 'local-key'");
  d.write("serverless.yml", kApp + "custom:\n  key: ${ssm:/app/key}\n");
  EXPECT_CONTAINS(d.error(), "custom.key: cannot resolve ${ssm:/app/key}: serverlite does not read "
                             "ssm variables (their values are in AWS), and it has no fallback: "
                             "give one, e.g. ${ssm:/app/key, 'local-value'}");
}

TEST(AppConfig, OptStageWithoutProviderStageTakesTheEffectiveStage) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "functions:\n  f:\n    handler: handler.main\n    environment:\n"
                                "      STAGE: ${opt:stage, self:provider.stage}\n"
                                "      REGION: ${opt:region, self:provider.region}\n"
                                "      TABLE: t-${opt:stage, self:provider.stage}\n"
                                "    iamRoleStatements:\n      - Resource: arn:${opt:stage, 'x'}:${ssm:/a, 'b'}\n");
  auto app = d.load();
  EXPECT_EQ(env_of(app, "f", "STAGE"), "dev");
  EXPECT_EQ(env_of(app, "f", "TABLE"), "t-dev");
  EXPECT_EQ(env_of(app, "f", "REGION"), "us-east-1");
  ASSERT_EQ(app.warnings.size(), 2u);  // none for the deploy-only iamRoleStatements
  EXPECT_CONTAINS(app.warnings[0], "${opt:stage, self:provider.stage} has no value (no --stage "
                                   "option and no provider.stage): using the stage dev");
  LoadOptions o;
  o.stage = "qa";
  auto qa = d.load(o);
  EXPECT_EQ(env_of(qa, "f", "STAGE"), "qa");
  EXPECT_TRUE(qa.warnings.size() == 1);  // the region's
}

TEST(AppConfig, EveryProblemIsReportedAtOnce) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "custom:\n  a: ${env:MISSING_A}\n  b: ${env:MISSING_B}\n"
                                "functions:\n"
                                "  one:\n    handler: nowhere.main\n"
                                "  two:\n    handler: handler.main\n    timeout: 0\n"
                                "  three:\n    handler: handler.main\n    events:\n"
                                "      - sqs: {}\n      - http: {method: get}\n");
  try {
    d.load();
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    auto m = config_error_messages(e);
    ASSERT_EQ(m.size(), 6u) << e.what();
    EXPECT_CONTAINS(m[0], "custom.a: cannot resolve ${env:MISSING_A}");
    EXPECT_CONTAINS(m[1], "custom.b: cannot resolve ${env:MISSING_B}");
    EXPECT_CONTAINS(m[2], "functions.one.handler");
    EXPECT_CONTAINS(m[3], "functions.two.timeout");
    EXPECT_CONTAINS(m[4], "functions.three.events[0]");
    EXPECT_CONTAINS(m[5], "functions.three.events[1]");
    EXPECT_EQ(e.key_path(), "custom.a");
  }
}

// --- plugins -----------------------------------------------------------------------------------

TEST(AppPlugins, OfflineSettingsAreRead) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "plugins:\n  - serverless-offline\n"
                                "custom:\n  serverless-offline:\n    httpPort: 4000\n"
                                "    lambdaPort: '4002'\n    prefix: /api/\n"
                                "    noPrependStageInUrl: true\n");
  auto app = d.load();
  auto offline = offline_settings(app);
  EXPECT_EQ(offline.http_port, 4000);
  EXPECT_EQ(offline.lambda_port, 4002);
  EXPECT_EQ(offline.url_prefix, "/api");
  EXPECT_EQ(offline.rest_base_path("dev"), "/api");
  d.write("serverless.yml", kApp + "plugins: [serverless-offline]\n"
                                   "custom:\n  serverless-offline:\n    httpPort: 70000\n");
  EXPECT_CONTAINS(d.error(), "custom.serverless-offline.httpPort: expected a port number");
  EXPECT_TRUE(app.warnings.empty());
}

TEST(AppPlugins, UnknownAndLaterPluginsWarnOnceEach) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "plugins:\n  modules:\n    - serverless-esbuild\n"
                                "    - serverless-step-functions\n    - serverless-prune-plugin\n"
                                "    - serverless-prune-plugin\n");
  auto app = d.load();
  ASSERT_EQ(app.warnings.size(), 2u);
  EXPECT_CONTAINS(app.warnings[0], "serverless-step-functions is not emulated yet");
  EXPECT_CONTAINS(app.warnings[1], "serverless-prune-plugin is not emulated by serverlite; ignored");
}

TEST(AppPlugins, LiftQueueBecomesQueuesAndAWorker) {
  Dir d;
  d.write("serverless.yml", kApp +
                                "plugins: [serverless-lift]\n"
                                "constructs:\n  jobs:\n    type: queue\n    maxRetries: 5\n"
                                "    worker:\n      handler: handler.main\n      timeout: 10\n"
                                "  uploads:\n    type: storage\n"
                                "functions:\n  api:\n    handler: handler.main\n    environment:\n"
                                "      QUEUE_URL: ${construct:jobs.queueUrl}\n"
                                "      BUCKET: ${construct:uploads.bucketName}\n");
  auto app = d.load();
  const auto* worker = app.find_function("jobsWorker");
  ASSERT_NE(worker, nullptr);
  ASSERT_EQ(worker->queue_events.size(), 1u);
  EXPECT_EQ(worker->queue_events[0].batch_size, 1);
  EXPECT_TRUE(worker->queue_events[0].report_batch_item_failures);
  EXPECT_EQ(nlohmann::json::parse(worker->queue_events[0].arn_json),
            nlohmann::json::parse(R"({"Fn::GetAtt": ["LiftJobsQueue", "Arn"]})"));
  ASSERT_EQ(app.resources.size(), 2u);
  EXPECT_EQ(app.resources[0].logical_id, "LiftJobsDlq");
  EXPECT_EQ(app.resources[1].logical_id, "LiftJobsQueue");
  const auto& props = (*app.document)["resources"]["Resources"]["LiftJobsQueue"]["Properties"];
  EXPECT_EQ(props["QueueName"], "svc-dev-jobs");
  EXPECT_EQ(props["VisibilityTimeout"], 60);
  EXPECT_EQ(props["RedrivePolicy"]["maxReceiveCount"], 5);
  const auto* api = app.find_function("api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->environment_intrinsics.at("QUEUE_URL").json, R"({"Ref":"LiftJobsQueue"})");
  EXPECT_EQ(env_of(app, "api", "BUCKET"), "svc-dev-uploads");
  ASSERT_EQ(app.warnings.size(), 1u);
  EXPECT_CONTAINS(app.warnings[0], "constructs.uploads: serverlite does not serve S3 yet");
}

}  // namespace
}  // namespace serverlite::app
