#include "emulator/app/intrinsics.hpp"

#include <gtest/gtest.h>

namespace serverlite::app {
namespace {

using Json = nlohmann::json;

// An app with a queue (emulated by a fake resolver below) and a table (not emulated).
AppSpec sample_app() {
  AppSpec app;
  app.config_file = "/srv/app/serverless.yml";
  app.service = "svc";
  app.stage = "dev";
  app.region = "eu-west-1";
  app.document = std::make_shared<const Json>(Json::parse(R"({
    "resources": {"Resources": {
      "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
      "Unnamed": {"Type": "AWS::SQS::Queue"},
      "Items": {"Type": "AWS::DynamoDB::Table"}
    }}})"));
  app.resources = {{"Jobs", "AWS::SQS::Queue", "resources.Resources.Jobs"},
                   {"Unnamed", "AWS::SQS::Queue", "resources.Resources.Unnamed"},
                   {"Items", "AWS::DynamoDB::Table", "resources.Resources.Items"}};
  return app;
}

ResourceTypes queue_types(const AppSpec& app) {
  ResourceTypes types;
  types.add("AWS::SQS::Queue", [&app](const ResourceSpec& r, const Json& props,
                                      std::string_view attr) -> std::optional<Json> {
    std::string name = props.value("QueueName", default_physical_name(app, r));
    if (attr.empty()) return "http://localhost:4566/000000000000/" + name;
    if (attr == "Arn") return "arn:aws:sqs:" + app.region + ":000000000000:" + name;
    if (attr == "QueueName") return name;
    return std::nullopt;
  });
  return types;
}

Json eval(const char* text, const AppSpec& app, const ResourceTypes& types) {
  return evaluate_intrinsics(Json::parse(text), "x", app, types);
}

TEST(Intrinsics, RefAndGetAttGoToTheTypesResolver) {
  auto app = sample_app();
  auto types = queue_types(app);
  EXPECT_EQ(eval(R"({"Ref": "Jobs"})", app, types), "http://localhost:4566/000000000000/jobs");
  EXPECT_EQ(eval(R"({"Fn::GetAtt": ["Jobs", "Arn"]})", app, types),
            "arn:aws:sqs:eu-west-1:000000000000:jobs");
  EXPECT_EQ(eval(R"({"Fn::GetAtt": "Jobs.QueueName"})", app, types), "jobs");
  // A resource without a name gets CloudFormation's stack-prefixed one, without the random part.
  EXPECT_EQ(eval(R"({"Fn::GetAtt": ["Unnamed", "QueueName"]})", app, types), "svc-dev-Unnamed");
}

TEST(Intrinsics, PseudoParameters) {
  auto app = sample_app();
  ResourceTypes none;
  EXPECT_EQ(eval(R"({"Ref": "AWS::Region"})", app, none), "eu-west-1");
  EXPECT_EQ(eval(R"({"Ref": "AWS::AccountId"})", app, none), "000000000000");
  EXPECT_EQ(eval(R"({"Ref": "AWS::StackName"})", app, none), "svc-dev");
}

// A string index is read without std::regex (which recursed once per character) or std::stoul
// (which threw std::out_of_range, not a ConfigError, past 64 bits).
TEST(Intrinsics, SelectIndexAsAString) {
  auto app = sample_app();
  auto types = queue_types(app);
  EXPECT_EQ(eval(R"({"Fn::Select": ["1", ["a", "b"]]})", app, types), "b");
  for (std::string index : {std::string("99999999999999999999999"), std::string("-1"),
                            std::string("1x"), std::string(""), std::string(100000, '7')})
    EXPECT_THROW(evaluate_intrinsics(Json{{"Fn::Select", {index, {"a", "b"}}}}, "x", app, types),
                 ConfigError)
        << index.substr(0, 30);
}

TEST(Intrinsics, SubJoinAndSelectCompose) {
  auto app = sample_app();
  auto types = queue_types(app);
  EXPECT_EQ(eval(R"({"Fn::Sub": "${AWS::Region}/${Jobs.QueueName}/${!Literal}/${Jobs}"})", app, types),
            "eu-west-1/jobs/${Literal}/http://localhost:4566/000000000000/jobs");
  EXPECT_EQ(eval(R"({"Fn::Sub": ["q=${Q}", {"Q": {"Fn::GetAtt": ["Jobs", "QueueName"]}}]})", app,
                 types),
            "q=jobs");
  EXPECT_EQ(eval(R"({"Fn::Join": [":", ["a", {"Ref": "AWS::Region"}, 3]]})", app, types),
            "a:eu-west-1:3");
  EXPECT_EQ(eval(R"({"Fn::Select": [1, ["a", "b"]]})", app, types), "b");
  // Functions nested inside plain structures are evaluated too.
  EXPECT_EQ(eval(R"({"deadLetterTargetArn": {"Fn::GetAtt": ["Jobs", "Arn"]}, "n": 3})", app, types),
            Json::parse(R"({"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:000000000000:jobs", "n": 3})"));
}

TEST(Intrinsics, ErrorsNameTheKeyAndTheProblem) {
  auto app = sample_app();
  auto types = queue_types(app);
  auto message = [&](const char* text) {
    try {
      eval(text, app, types);
    } catch (const UnsupportedResource& e) {
      return "unsupported: " + std::string(e.what());
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(R"({"Ref": "Nope"})"),
            "serverless.yml: x.Ref: no resource 'Nope' in resources.Resources");
  EXPECT_EQ(message(R"({"Fn::GetAtt": ["Jobs", "Colour"]})"),
            "serverless.yml: x.Fn::GetAtt: AWS::SQS::Queue 'Jobs' has no attribute Colour");
  EXPECT_EQ(message(R"({"Fn::If": ["c", 1, 2]})"),
            "serverless.yml: x.Fn::If: CloudFormation function Fn::If is not supported");
  EXPECT_EQ(message(R"({"Ref": "Items"})"),
            "unsupported: serverless.yml: x.Ref: AWS::DynamoDB::Table ('Items') is not supported yet");
}

TEST(Intrinsics, ResolveEnvironmentFillsValuesAndWarnsOnceForUnemulatedTypes) {
  auto app = sample_app();
  auto types = queue_types(app);
  for (const char* key : {"a", "b"}) {
    FunctionSpec fn;
    fn.key = key;
    fn.environment_intrinsics["QUEUE"] = {"provider.environment.QUEUE", R"({"Ref": "Jobs"})"};
    fn.environment_intrinsics["TABLE"] = {"provider.environment.TABLE", R"({"Ref": "Items"})"};
    app.functions.push_back(fn);
  }
  auto warnings = resolve_environment(app, types);
  for (const auto& fn : app.functions) {
    EXPECT_EQ(fn.environment.at("QUEUE"), "http://localhost:4566/000000000000/jobs");
    EXPECT_FALSE(fn.environment.contains("TABLE"));
    EXPECT_TRUE(fn.environment_intrinsics.empty());
  }
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "serverless.yml: provider.environment.TABLE.Ref: AWS::DynamoDB::Table ('Items') is not "
            "supported yet, so TABLE is not set");
  auto unsupported = unsupported_resources(app, types);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_EQ(unsupported[0],
            "serverless.yml: resources.Resources.Items: AWS::DynamoDB::Table is not supported yet, "
            "ignored");
}

TEST(Intrinsics, AnEnvironmentValueMustBeAScalar) {
  auto app = sample_app();
  FunctionSpec fn;
  fn.key = "f";
  fn.environment_intrinsics["X"] = {"functions.f.environment.X", R"({"Fn::Select": [0, [[1]]]})"};
  app.functions.push_back(fn);
  EXPECT_THROW(resolve_environment(app, queue_types(app)), ConfigError);
}

}  // namespace
}  // namespace serverlite::app
