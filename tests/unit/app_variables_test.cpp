// YAML → JSON typing and ${...} variable resolution (emulator/app/yaml_json.*, variables.*).
#include "emulator/app/variables.hpp"

#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/yaml_json.hpp"

namespace serverlite::app {
namespace {

using Json = nlohmann::ordered_json;

const char* kDataDir = SERVERLITE_SOURCE_DIR "/tests/unit/data/apps/basic";

struct Env {
  std::map<std::string, std::string> vars;
  std::optional<std::string> operator()(const std::string& name) const {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }
};

VariableContext context(std::map<std::string, std::string> env = {}) {
  VariableContext c;
  c.service_dir = kDataDir;
  c.getenv = Env{std::move(env)};
  return c;
}

Json resolve(const std::string& yaml, const VariableContext& c = context()) {
  Json doc = yaml_to_json(yaml, "serverless.yml");
  resolve_variables(doc, c);
  return doc;
}

// The message of the ConfigError that resolving throws, or "" when it does not throw.
std::string resolve_error(const std::string& yaml, const VariableContext& c = context()) {
  try {
    resolve(yaml, c);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// --- YAML → JSON -------------------------------------------------------------------------------

TEST(AppYamlJson, PlainScalarsAreTypedQuotedOnesStayStrings) {
  Json j = yaml_to_json(R"(
int: 42
negative: -7
hex: 0x1f
float: 1.5
exp: 1e3
yes: true
no: False
nothing: ~
null_word: null
empty:
text: hello
quoted_int: "42"
single_quoted_bool: 'true'
quoted_null: "null"
zero_padded: '007'
tagged_str: !!str 12
version: 3.0
)",
                        "t.yml");
  EXPECT_EQ(j["int"], 42);
  EXPECT_TRUE(j["int"].is_number_integer());
  EXPECT_EQ(j["negative"], -7);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_TRUE(j["float"].is_number_float());
  EXPECT_DOUBLE_EQ(j["float"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(j["exp"].get<double>(), 1000.0);
  EXPECT_EQ(j["yes"], true);
  EXPECT_EQ(j["no"], false);
  EXPECT_TRUE(j["nothing"].is_null());
  EXPECT_TRUE(j["null_word"].is_null());
  EXPECT_TRUE(j["empty"].is_null());
  EXPECT_EQ(j["text"], "hello");
  EXPECT_EQ(j["quoted_int"], "42");
  EXPECT_EQ(j["single_quoted_bool"], "true");
  EXPECT_EQ(j["quoted_null"], "null");
  EXPECT_EQ(j["zero_padded"], "007");
  EXPECT_EQ(j["tagged_str"], "12");
  EXPECT_TRUE(j["version"].is_number_float());
}

TEST(AppYamlJson, KeepsKeyOrderAndAppliesMergeKeys) {
  Json j = yaml_to_json(R"(
zeta: 1
alpha: 2
defaults: &defaults {timeout: 10, memorySize: 256}
fn:
  <<: *defaults
  timeout: 30
)",
                        "t.yml");
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"zeta", "alpha", "defaults", "fn"}));
  EXPECT_EQ(j["fn"]["timeout"], 30);  // explicit keys win over merged ones
  EXPECT_EQ(j["fn"]["memorySize"], 256);
  EXPECT_FALSE(j["fn"].contains("<<"));
}

TEST(AppYamlJson, CloudFormationShortTagsBecomeLongForm) {
  Json j = yaml_to_json(R"(
a: !Ref Table
b: !GetAtt Queue.Arn
c: !Sub 'arn:${AWS::Partition}:s3:::x'
d: !Join [':', [a, b]]
)",
                        "t.yml");
  EXPECT_EQ(j["a"], Json({{"Ref", "Table"}}));
  EXPECT_EQ(j["b"], Json({{"Fn::GetAtt", {"Queue", "Arn"}}}));
  EXPECT_EQ(j["c"], Json({{"Fn::Sub", "arn:${AWS::Partition}:s3:::x"}}));
  EXPECT_EQ(j["d"]["Fn::Join"][0], ":");
}

TEST(AppYamlJson, SyntaxErrorNamesFileLineAndColumn) {
  try {
    yaml_to_json("service: x\nprovider:\n  runtime: [python3.12\n", "serverless.yml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "serverless.yml");
    EXPECT_EQ(e.key_path(), "");
    EXPECT_NE(e.problem().find("YAML syntax error at "), std::string::npos) << e.what();
    EXPECT_TRUE(std::string(e.what()).starts_with("serverless.yml: YAML syntax error at line 4, column "))
        << e.what();
  }
}

TEST(AppYamlJson, ScalarTextIsWhatJavaScriptPrints) {
  EXPECT_EQ(json_scalar_text(Json(5)), "5");
  EXPECT_EQ(json_scalar_text(Json(1.0)), "1");
  EXPECT_EQ(json_scalar_text(Json(2.5)), "2.5");
  EXPECT_EQ(json_scalar_text(Json(true)), "true");
  EXPECT_EQ(json_scalar_text(Json("x")), "x");
}

// --- variables ---------------------------------------------------------------------------------

TEST(AppVariables, SelfReferencesAnyPathIncludingListIndexes) {
  Json j = resolve(R"(
service: shop
custom:
  names: [first, second]
  nested: {deep: {value: found}}
a: ${self:service}
b: ${self:custom.names.1}
c: ${self:custom.nested.deep.value}
)");
  EXPECT_EQ(j["a"], "shop");
  EXPECT_EQ(j["b"], "second");
  EXPECT_EQ(j["c"], "found");
}

TEST(AppVariables, SelfThroughAnotherVariable) {
  // The walk to custom.x.y goes through custom.x, which is itself a variable.
  Json j = resolve(R"(
custom:
  base: {y: 7}
  x: ${self:custom.base}
out: ${self:custom.x.y}
)");
  EXPECT_EQ(j["out"], 7);
  EXPECT_EQ(j["custom"]["x"], Json({{"y", 7}}));
}

TEST(AppVariables, EnvWithAndWithoutDefault) {
  Json j = resolve(R"(
a: ${env:TOKEN}
b: ${env:MISSING, 'fallback'}
c: ${env:MISSING, "double"}
d: ${env:EMPTY, 'empty counts as unset'}
)",
                   context({{"TOKEN", "s3cret"}, {"EMPTY", ""}}));
  EXPECT_EQ(j["a"], "s3cret");
  EXPECT_EQ(j["b"], "fallback");
  EXPECT_EQ(j["c"], "double");
  EXPECT_EQ(j["d"], "empty counts as unset");
}

TEST(AppVariables, UnsetEnvWithoutDefaultNamesKeyPathAndVariable) {
  std::string e = resolve_error(R"(
provider:
  environment:
    TOKEN: ${env:TOKEN}
)");
  EXPECT_EQ(e,
            "serverless.yml: provider.environment.TOKEN: cannot resolve ${env:TOKEN}: "
            "environment variable TOKEN is not set and has no default");
}

TEST(AppVariables, OptionsIncludingStageAndRegion) {
  VariableContext c = context();
  c.stage = "prod";
  c.region = "ap-south-1";
  c.options = {{"color", "blue"}};
  Json j = resolve(R"(
s: ${opt:stage}
r: ${opt:region}
k: ${opt:color}
m: ${opt:missing, 'none'}
)",
                   c);
  EXPECT_EQ(j["s"], "prod");
  EXPECT_EQ(j["r"], "ap-south-1");
  EXPECT_EQ(j["k"], "blue");
  EXPECT_EQ(j["m"], "none");
  std::string e = resolve_error("x: ${opt:stage}");
  EXPECT_NE(e.find("serverless.yml: x: cannot resolve ${opt:stage}: option --stage was not given"),
            std::string::npos)
      << e;
}

TEST(AppVariables, SlsStageFollowsOptionThenProviderThenDev) {
  EXPECT_EQ(resolve("s: ${sls:stage}")["s"], "dev");
  EXPECT_EQ(resolve("provider: {stage: qa}\ns: ${sls:stage}")["s"], "qa");
  EXPECT_EQ(resolve("provider: {stage: '${opt:stage, \"beta\"}'}\ns: ${sls:stage}")["s"], "beta");
  VariableContext c = context();
  c.stage = "prod";
  EXPECT_EQ(resolve("provider: {stage: qa}\ns: ${sls:stage}", c)["s"], "prod");
}

TEST(AppVariables, SlsInstanceIdIsStableWithinALoad) {
  Json j = resolve("a: ${sls:instanceId}\nb: ${sls:instanceId}");
  ASSERT_TRUE(j["a"].is_string());
  EXPECT_FALSE(j["a"].get<std::string>().empty());
  EXPECT_EQ(j["a"], j["b"]);
  EXPECT_NE(resolve_error("a: ${sls:nope}").find("unknown sls variable 'nope'"), std::string::npos);
}

TEST(AppVariables, FileWholeAndKeyed) {
  Json j = resolve(R"(
service: svc
whole: ${file(./config/settings.yml)}
key: ${file(./config/settings.yml):retries}
json: ${file(./config/limits.json):prod.memory}
)");
  EXPECT_EQ(j["whole"]["logLevel"], "info");
  // Variables inside the included file resolve against serverless.yml.
  EXPECT_EQ(j["whole"]["greeting"], "hello from svc");
  EXPECT_EQ(j["key"], 3);
  EXPECT_EQ(j["json"], 2048);
}

TEST(AppVariables, FilePathMayHoldVariables) {
  VariableContext c = context();
  c.stage = "settings";
  Json j = resolve("level: ${file(./config/${opt:stage}.yml):logLevel}", c);
  EXPECT_EQ(j["level"], "info");
}

TEST(AppVariables, MissingFileFallsBackOrFails) {
  Json j = resolve("a: ${file(./nope.yml), 'none'}");
  EXPECT_EQ(j["a"], "none");
  std::string e = resolve_error("a: ${file(./nope.yml):x}");
  EXPECT_NE(e.find("serverless.yml: a: cannot resolve ${file(./nope.yml):x}: file ./nope.yml "
                   "does not exist"),
            std::string::npos)
      << e;
}

TEST(AppVariables, NestedVariablesInAddresses) {
  VariableContext c = context();
  c.stage = "prod";
  Json j = resolve(R"(
custom:
  dev: {url: http://localhost}
  prod: {url: https://example.com}
url: ${self:custom.${opt:stage}.url}
)",
                   c);
  EXPECT_EQ(j["url"], "https://example.com");
}

TEST(AppVariables, FallbackChainsThroughSourcesLiteralsAndVariables) {
  Json j = resolve(R"(
custom:
  b: from-self
  n: 12
a: ${env:A, ${self:custom.b}}
bare: ${env:A, self:custom.b}
chain: ${env:A, ${env:B}, 'last'}
num: ${env:A, 5}
float: ${env:A, 2.5}
yes: ${env:A, true}
)");
  EXPECT_EQ(j["a"], "from-self");
  EXPECT_EQ(j["bare"], "from-self");
  EXPECT_EQ(j["chain"], "last");
  EXPECT_EQ(j["num"], 5);
  EXPECT_DOUBLE_EQ(j["float"].get<double>(), 2.5);
  EXPECT_EQ(j["yes"], true);
}

TEST(AppVariables, WholeScalarKeepsTypeLongerStringInterpolates) {
  Json j = resolve(R"(
custom:
  obj: {a: 1}
  num: 30
  flag: false
obj: ${self:custom.obj}
num: ${self:custom.num}
text: 'timeout is ${self:custom.num}s, flag ${self:custom.flag}'
)");
  EXPECT_EQ(j["obj"], Json({{"a", 1}}));
  EXPECT_TRUE(j["num"].is_number_integer());
  EXPECT_EQ(j["num"], 30);
  EXPECT_EQ(j["text"], "timeout is 30s, flag false");
}

TEST(AppVariables, ObjectInsideALongerStringIsAnError) {
  std::string e = resolve_error("custom: {obj: {a: 1}}\nx: 'v-${self:custom.obj}'");
  EXPECT_NE(e.find("serverless.yml: x: cannot resolve ${self:custom.obj}: it resolves to a"),
            std::string::npos)
      << e;
}

TEST(AppVariables, CycleIsDetected) {
  std::string e = resolve_error(R"(
custom:
  a: ${self:custom.b}
  b: x-${self:custom.a}
)");
  EXPECT_NE(e.find("circular reference"), std::string::npos) << e;
  EXPECT_NE(e.find("custom.a -> custom.b -> custom.a"), std::string::npos) << e;
  EXPECT_TRUE(e.starts_with("serverless.yml: custom.b: cannot resolve ${self:custom.a}")) << e;
}

TEST(AppVariables, SelfReferenceToOwnParentIsACycle) {
  std::string e = resolve_error("a:\n  b: ${self:a}\n");
  EXPECT_NE(e.find("circular reference"), std::string::npos) << e;
}

TEST(AppVariables, SourcesServerliteCannotReadNeedAFallback) {
  std::string e = resolve_error("provider:\n  environment:\n    K: ${ssm:/path/to/key}\n");
  EXPECT_NE(e.find("serverless.yml: provider.environment.K: cannot resolve ${ssm:/path/to/key}: "
                   "serverlite does not read ssm variables (their values are in AWS), and it has "
                   "no fallback: give one, e.g. ${ssm:/path/to/key, 'local-value'}"),
            std::string::npos)
      << e;
  EXPECT_NE(resolve_error("x: ${cf:stack.output}").find("serverlite does not read cf variables"),
            std::string::npos);
  EXPECT_NE(resolve_error("x: ${nosuch:thing}").find("variable source 'nosuch' is not supported"),
            std::string::npos);
  std::vector<std::string> warnings;
  VariableContext c = context();
  c.warnings = &warnings;
  Json j = resolve("x: ${nosuch:thing, 'fallback'}\n", c);
  EXPECT_EQ(j["x"], "fallback");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "serverless.yml: x: ${nosuch:thing, 'fallback'}: variable source 'nosuch' "
                         "is not supported; using the fallback 'fallback'");
}

TEST(AppVariables, ForeignDollarBracesAreLeftAlone) {
  // CloudFormation Fn::Sub placeholders are not Serverless variables.
  Json j = resolve(R"(
resources:
  arn: !Sub 'arn:aws:s3:::${AWS::AccountId}-${BucketSuffix}'
text: 'cost is ${price} today'
)");
  EXPECT_EQ(j["resources"]["arn"]["Fn::Sub"], "arn:aws:s3:::${AWS::AccountId}-${BucketSuffix}");
  EXPECT_EQ(j["text"], "cost is ${price} today");
}

TEST(AppVariables, ValuesFromVariablesAreNotResolvedAgain) {
  Json j = resolve(R"(
custom:
  raw: ${env:RAW}
copy: ${self:custom.raw}
)",
                   context({{"RAW", "${ssm:looks-like-a-variable}"}}));
  EXPECT_EQ(j["copy"], "${ssm:looks-like-a-variable}");
}

TEST(AppVariables, SyntaxErrorIsReported) {
  std::string e = resolve_error("x: ${env:A, oops}");
  EXPECT_NE(e.find("serverless.yml: x: invalid variable syntax"), std::string::npos) << e;
  e = resolve_error("x: ${env:A");
  EXPECT_NE(e.find("invalid variable syntax"), std::string::npos) << e;
}

// Recursion is bounded: in the YAML (nesting, and what aliases expand to), in variables written
// inside variables, and in chains of values that refer to the next.
TEST(Bounds, DeepYamlIsAConfigError) {
  auto error = [](const std::string& yaml) {
    try {
      yaml_to_json(yaml, "serverless.yml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto block = [](int levels) {
    std::string yaml;
    for (int i = 0; i < levels; ++i) yaml += std::string(2 * i, ' ') + "k:\n";
    return yaml + std::string(2 * levels, ' ') + "end\n";
  };
  EXPECT_EQ(error(block(250)), "");
  EXPECT_EQ(error(block(300)), "serverless.yml: the document nests more than 256 levels deep");
  // Past about 500 levels, yaml-cpp's own limit refuses the text while parsing.
  EXPECT_EQ(error("a: " + std::string(200, '[') + std::string(200, ']')), "");
  EXPECT_NE(error("a: " + std::string(100000, '[') + std::string(100000, ']')), "");
  // Nine levels of ten aliases each stand for 10^9 values.
  std::string laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) laughs += (k ? ", " : "") + prev;
    laughs += "]\n";
  }
  EXPECT_EQ(error(laughs),
            "serverless.yml: the document expands to more than 200000 values (aliases repeat "
            "what they refer to)");
  // An alias inside what it refers to.
  EXPECT_NE(error("a: &a [*a]\nb: *a\n"), "");
}

TEST(Bounds, VariablesNestedOrChainedTooDeep) {
  std::string nested = "x";
  for (int i = 0; i < 40; ++i) nested = "${opt:a, " + nested + "}";
  EXPECT_NE(resolve_error("v: \"" + nested + "\"\n").find("variables nested more than 32 deep"),
            std::string::npos)
      << resolve_error("v: \"" + nested + "\"\n");
  std::string chain;
  for (int i = 0; i < 300; ++i)
    chain += "k" + std::to_string(i) + ": ${self:k" + std::to_string(i + 1) + "}\n";
  chain += "k300: end\n";
  EXPECT_NE(resolve_error(chain).find("more than 256 values refer one to the next"),
            std::string::npos)
      << resolve_error(chain);
  std::string short_chain;
  for (int i = 0; i < 100; ++i)
    short_chain += "k" + std::to_string(i) + ": ${self:k" + std::to_string(i + 1) + "}\n";
  short_chain += "k100: end\n";
  EXPECT_EQ(resolve(short_chain)["k0"], "end");
}

}  // namespace
}  // namespace serverlite::app
