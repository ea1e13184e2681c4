// Layers: serverless.yml's `layers:` and a function's references to them
// (emulator/app/loader_layers.cpp), and where they appear to the handler (emulator/build/layer_env).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/layers.hpp"
#include "emulator/build/layer_env.hpp"

namespace serverlite {
namespace {

namespace fs = std::filesystem;

class LayerApp : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("serverlite-layers-test-" + std::to_string(rd()));
    write("h.py", "def main(e, c):\n    return 1\n");
    write("h.js", "exports.main = async () => 1;\n");
    fs::create_directories(dir_ / "deps/python");
    fs::create_directories(dir_ / "deps/python/lib/python3.12/site-packages");
    fs::create_directories(dir_ / "tools/bin");
    fs::create_directories(dir_ / "tools/nodejs/node_modules");
    fs::create_directories(dir_ / "tools/nodejs/node20/node_modules");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  app::AppSpec load(const std::string& yaml) {
    write("serverless.yml", yaml);
    app::LoadOptions options;
    options.config_file = dir_ / "serverless.yml";
    options.getenv = [](const std::string&) { return std::nullopt; };
    return app::load_app(options);
  }
  std::string error(const std::string& yaml) {
    try {
      load(yaml);
    } catch (const app::ConfigError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

const char* kLayers = R"(
service: s
provider: {name: aws, runtime: python3.12}
layers:
  deps: {path: deps, compatibleRuntimes: [python3.12]}
  my-tools_v2: {path: tools/, name: tools-layer}
)";

TEST(LayerLogicalId, AsTheFrameworkNamesIt) {
  EXPECT_EQ(app::layers::logical_id("common"), "CommonLambdaLayer");
  EXPECT_EQ(app::layers::logical_id("my-tools_v2"), "MyDashtoolsUnderscorev2LambdaLayer");
  EXPECT_EQ(app::layers::logical_id("Deps"), "DepsLambdaLayer");
}

TEST_F(LayerApp, RefAndNameAndKeyResolveToTheLayerDirectories) {
  auto app = load(std::string(kLayers) + R"(
functions:
  f:
    handler: h.main
    layers:
      - {Ref: MyDashtoolsUnderscorev2LambdaLayer}
      - deps
      - tools-layer
)");
  ASSERT_EQ(app.layers.size(), 2u);
  EXPECT_EQ(app.layers[1].name, "tools-layer");
  const auto& fn = app.functions[0];
  ASSERT_EQ(fn.layers.size(), 2u);  // tools named twice: once
  EXPECT_EQ(fn.layers[0], dir_ / "tools");
  EXPECT_EQ(fn.layers[1], dir_ / "deps");
  EXPECT_TRUE(app.warnings.empty()) << app.warnings[0];
}

TEST_F(LayerApp, ProviderLayersAreTheDefaultAndAFunctionsOwnReplaceThem) {
  auto with_provider = load(R"(
service: s
provider: {name: aws, runtime: python3.12, layers: [{Ref: DepsLambdaLayer}]}
layers:
  deps: {path: deps}
  tools: {path: tools}
functions:
  a: {handler: h.main}
  b: {handler: h.main, layers: [tools]}
)");
  EXPECT_EQ(with_provider.functions[0].layers, std::vector<fs::path>{dir_ / "deps"});
  EXPECT_EQ(with_provider.functions[1].layers, std::vector<fs::path>{dir_ / "tools"});
}

TEST_F(LayerApp, AnArnFromOutsideTheAppIsWarnedAboutOnceByName) {
  auto app = load(std::string(kLayers) + R"(
functions:
  a: {handler: h.main, layers: ['arn:aws:lambda:us-east-1:1:layer:pandas:4', deps]}
  b: {handler: h.main, layers: ['arn:aws:lambda:us-east-1:1:layer:pandas:4']}
)");
  int mentions = 0;
  for (const auto& w : app.warnings)
    if (w.find("arn:aws:lambda:us-east-1:1:layer:pandas:4") != std::string::npos) ++mentions;
  EXPECT_EQ(mentions, 2) << "one per place it is written";
  EXPECT_EQ(app.functions[0].layers, std::vector<fs::path>{dir_ / "deps"});
  EXPECT_TRUE(app.functions[1].layers.empty());
}

TEST_F(LayerApp, BadReferencesAndPathsAreConfigErrors) {
  EXPECT_NE(error(std::string(kLayers) + "functions:\n  a: {handler: h.main, layers: [nope]}\n")
                .find("functions.a.layers[0]: no layer named \"nope\""),
            std::string::npos);
  auto e = error(std::string(kLayers) +
                 "functions:\n  a: {handler: h.main, layers: [{Ref: DepLambdaLayer}]}\n");
  EXPECT_NE(e.find("Ref DepLambdaLayer names no layer"), std::string::npos) << e;
  EXPECT_NE(e.find("deps (DepsLambdaLayer)"), std::string::npos) << e;
  e = error("service: s\nprovider: {name: aws, runtime: python3.12}\nlayers:\n  x: {path: gone}\n");
  EXPECT_NE(e.find("layers.x.path: directory"), std::string::npos) << e;
  e = error("service: s\nprovider: {name: aws, runtime: python3.12}\nlayers:\n  x: {name: y}\n");
  EXPECT_NE(e.find("layers.x.path: missing"), std::string::npos) << e;
}

std::string value_of(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env)
    if (e.starts_with(name + "=")) return e.substr(name.size() + 1);
  return "<unset>";
}

TEST_F(LayerApp, PathsAreSetAsLambdaSetsThemLaterLayersFirst) {
  app::FunctionSpec py;
  py.family = app::RuntimeFamily::Python;
  py.runtime = "python3.12";
  py.layers = {dir_ / "deps", dir_ / "tools"};
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "PYTHONPATH=/mine"};
  build::add_layer_paths(py, env);
  EXPECT_EQ(value_of(env, "PATH"), "/usr/bin:/bin:" + (dir_ / "tools/bin").string());
  EXPECT_EQ(value_of(env, "PYTHONPATH"),
            "/mine:" + (dir_ / "deps/python/lib/python3.12/site-packages").string() + ":" +
                (dir_ / "deps/python").string());
  EXPECT_EQ(value_of(env, "NODE_PATH"), "<unset>");

  app::FunctionSpec node;
  node.family = app::RuntimeFamily::Node;
  node.runtime = "nodejs20.x";
  node.layers = {dir_ / "deps", dir_ / "tools"};
  env.clear();
  build::add_layer_paths(node, env);
  EXPECT_EQ(value_of(env, "NODE_PATH"),
            (dir_ / "tools/nodejs/node20/node_modules").string() + ":" +
                (dir_ / "tools/nodejs/node_modules").string());
  EXPECT_EQ(value_of(env, "PYTHONPATH"), "<unset>");
}

}  // namespace
}  // namespace serverlite
