#include "services/functions/catalog.hpp"

#include <regex>

#include <gtest/gtest.h>

namespace serverlite::functions {
namespace {

app::AppSpec sample_app() {
  app::AppSpec a;
  a.service = "svc";
  a.stage = "dev";
  a.region = "eu-west-1";
  a.service_dir = "/srv/app";
  app::FunctionSpec f;
  f.key = "hello";
  f.name = "svc-dev-hello";
  f.handler = "src/hello.main";
  f.runtime = "python3.12";
  f.timeout_seconds = 9;
  f.memory_mb = 256;
  f.environment = {{"A", "1"}};
  a.functions.push_back(f);
  return a;
}

const app::FunctionSpec* found(const Resolution& r) {
  auto* fn = std::get_if<const app::FunctionSpec*>(&r);
  return fn ? *fn : nullptr;
}

TEST(FunctionsCatalog, ResolvesEveryFormLambdaAccepts) {
  auto app = sample_app();
  Catalog c(app);
  for (const char* name : {"svc-dev-hello", "hello", "svc-dev-hello:$LATEST",
                           "arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-hello",
                           "arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-hello:$LATEST",
                           "000000000000:function:svc-dev-hello"}) {
    EXPECT_EQ(found(c.resolve(name)), &app.functions[0]) << name;
  }
  EXPECT_EQ(found(c.resolve("svc-dev-hello", "$LATEST")), &app.functions[0]);
}

TEST(FunctionsCatalog, UnknownNamesAndQualifiersAreNotFoundWithTheArn) {
  auto app = sample_app();
  Catalog c(app);
  auto r = c.resolve("nope");
  ASSERT_TRUE(std::holds_alternative<NotFound>(r));
  EXPECT_EQ(std::get<NotFound>(r).arn, "arn:aws:lambda:eu-west-1:000000000000:function:nope");
  auto q = c.resolve("svc-dev-hello", "3");
  ASSERT_TRUE(std::holds_alternative<NotFound>(q));
  EXPECT_EQ(std::get<NotFound>(q).arn,
            "arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-hello:3");
}

TEST(FunctionsCatalog, MalformedNamesAreValidationErrors) {
  auto app = sample_app();
  Catalog c(app);
  EXPECT_TRUE(std::holds_alternative<InvalidName>(c.resolve("has space")));
  EXPECT_TRUE(std::holds_alternative<InvalidName>(c.resolve("")));
  EXPECT_TRUE(std::holds_alternative<InvalidName>(c.resolve(std::string(200, 'a'))));
}

TEST(FunctionsCatalog, ConfigurationHasLambdasFields) {
  auto app = sample_app();
  Catalog c(app);
  auto cfg = c.configuration(app.functions[0]);
  EXPECT_EQ(cfg["FunctionName"], "svc-dev-hello");
  EXPECT_EQ(cfg["FunctionArn"], "arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-hello");
  EXPECT_EQ(cfg["Runtime"], "python3.12");
  EXPECT_EQ(cfg["Handler"], "src/hello.main");
  EXPECT_EQ(cfg["Timeout"], 9);
  EXPECT_EQ(cfg["MemorySize"], 256);
  EXPECT_EQ(cfg["Version"], "$LATEST");
  EXPECT_EQ(cfg["State"], "Active");
  EXPECT_EQ(cfg["PackageType"], "Zip");
  EXPECT_EQ(cfg["Environment"]["Variables"]["A"], "1");
  EXPECT_EQ(cfg["Role"], "arn:aws:iam::000000000000:role/svc-dev-eu-west-1-lambdaRole");
  EXPECT_EQ(cfg["CodeSha256"].get<std::string>().size(), 44u);  // base64 of 32 bytes
  EXPECT_TRUE(std::regex_match(cfg["LastModified"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000)")));
}

}  // namespace
}  // namespace serverlite::functions
