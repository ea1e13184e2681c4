// TypeScript handlers: which files are built, the esbuild settings serverless.yml asks for
// (emulator/build/esbuild_config), and when a build is stale (emulator/build/build_output).
#include <chrono>
#include <cstdlib>
#include <optional>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/build/build_output.hpp"
#include "emulator/build/esbuild_config.hpp"

namespace serverlite::build {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

bool has(const std::vector<std::string>& args, const std::string& arg) {
  return std::find(args.begin(), args.end(), arg) != args.end();
}

app::FunctionSpec node(const std::string& runtime = "nodejs20.x") {
  app::FunctionSpec fn;
  fn.family = app::RuntimeFamily::Node;
  fn.runtime = runtime;
  return fn;
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("serverlite-build-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  fs::path dir_;
};

TEST(EsbuildConfig, DefaultsAreTheFrameworks) {
  auto c = esbuild_config(Json::object(), node("nodejs18.x"), "src/h.ts");
  EXPECT_TRUE(has(c.args, "--bundle"));
  EXPECT_TRUE(has(c.args, "--external:@aws-sdk/*"));
  EXPECT_TRUE(has(c.args, "--platform=node"));
  EXPECT_TRUE(has(c.args, "--target=node18"));
  EXPECT_TRUE(has(c.args, "--format=cjs"));
  EXPECT_TRUE(has(c.args, "--sourcemap=linked"));
  EXPECT_TRUE(c.set_node_options);
  EXPECT_FALSE(has(c.args, "--minify"));
  // Node 16 and older runtimes had the SDK v2.
  EXPECT_TRUE(has(esbuild_config(Json::object(), node("nodejs16.x"), "h.ts").args,
                  "--external:aws-sdk"));
  // .mts is an ES module.
  EXPECT_EQ(esbuild_config(Json::object(), node(), "h.mts").format, "esm");
}

TEST(EsbuildConfig, BuildEsbuildSettingsAreHonoured) {
  auto doc = Json::parse(R"({"build": {"esbuild": {
      "bundle": true, "minify": true, "keepNames": true, "external": ["pg-native"],
      "exclude": ["@aws-sdk/*", "sharp"], "target": "node18", "format": "esm",
      "define": {"VERSION": "\"1\""}, "loader": {".txt": "text"}, "mainFields": ["module", "main"],
      "sourcemap": {"type": "linked", "setNodeOptions": false}, "buildConcurrency": 3,
      "configFile": "esbuild.config.js", "surprise": 1}}})");
  auto c = esbuild_config(doc, node(), "h.ts");
  EXPECT_EQ(c.source, "build.esbuild");
  for (const char* arg : {"--minify", "--keep-names", "--external:pg-native", "--external:sharp",
                          "--external:@aws-sdk/*", "--target=node18", "--format=esm",
                          "--define:VERSION=\"1\"", "--loader:.txt=text",
                          "--main-fields=module,main", "--sourcemap=linked"})
    EXPECT_TRUE(has(c.args, arg)) << arg;
  EXPECT_FALSE(has(c.args, "--target=node20"));
  EXPECT_EQ(c.format, "esm");
  EXPECT_FALSE(c.set_node_options);
  ASSERT_EQ(c.warnings.size(), 2u);  // configFile, surprise; buildConcurrency is silent
  EXPECT_NE(c.warnings[0].find("build.esbuild.configFile"), std::string::npos);
  EXPECT_NE(c.warnings[1].find("build.esbuild.surprise: not supported"), std::string::npos);
}

TEST(EsbuildConfig, SourceMapsOffAndBuildOff) {
  auto c = esbuild_config(Json::parse(R"({"build": {"esbuild": {"sourcemap": false,
                                          "bundle": false}}})"), node(), "h.ts");
  EXPECT_FALSE(has(c.args, "--sourcemap=linked"));
  EXPECT_FALSE(has(c.args, "--bundle"));
  EXPECT_FALSE(c.set_node_options);
  auto off = esbuild_config(Json::parse(R"({"build": {"esbuild": false}})"), node(), "h.ts");
  EXPECT_TRUE(off.disabled);
  EXPECT_NE(off.disabled_reason.find("build.esbuild is false"), std::string::npos);
  // A build plugin still builds.
  auto plugin = esbuild_config(
      Json::parse(R"({"build": {"esbuild": false}, "plugins": ["serverless-plugin-typescript"]})"),
      node(), "h.ts");
  EXPECT_FALSE(plugin.disabled);
}

TEST(EsbuildConfig, TheServerlessEsbuildPluginReadsCustomEsbuild) {
  auto doc = Json::parse(R"({"plugins": ["serverless-offline", "serverless-esbuild"],
      "build": {"esbuild": {"minify": true}},
      "custom": {"esbuild": {"keepNames": true, "packager": "yarn", "exclude": ["*"]}}})");
  auto c = esbuild_config(doc, node(), "h.ts");
  EXPECT_EQ(c.source, "custom.esbuild");
  EXPECT_TRUE(has(c.args, "--keep-names"));
  EXPECT_FALSE(has(c.args, "--minify"));
  EXPECT_TRUE(has(c.args, "--packages=external"));
  EXPECT_TRUE(c.warnings.empty());
}

TEST_F(TempDir, TypescriptEntryOnlyWhenNoJavaScriptFileExists) {
  write("src/a.ts", "");
  write("src/b.ts", "");
  write("src/b.js", "");
  write("c.mts", "");
  EXPECT_EQ(typescript_entry(dir_, "src/a.handler"), "src/a.ts");
  EXPECT_EQ(typescript_entry(dir_, "src/b.handler"), "");
  EXPECT_EQ(typescript_entry(dir_, "c.nested.fn"), "c.mts");
  EXPECT_EQ(typescript_entry(dir_, "missing.fn"), "");
}

TEST_F(TempDir, StaleWhenAnInputOrTheSettingsChanged) {
  using namespace std::chrono_literals;
  write("src/h.ts", "export const x = 1;");
  write("src/lib.ts", "export const y = 1;");
  write("out/h.cjs", "built");
  write("out/h.cjs.settings", "S1");
  write("out/h.cjs.meta.json",
        R"({"inputs": {"src/h.ts": {"bytes": 1}, "src/lib.ts": {"bytes": 1}}, "outputs": {}})");
  auto stale = [&](const std::string& settings = "S1") {
    return is_stale(dir_ / "out/h.cjs", dir_ / "out/h.cjs.meta.json", dir_,
                    dir_ / "out/h.cjs.settings", settings);
  };
  // Sources written before the output: fresh.
  auto old = fs::last_write_time(dir_ / "out/h.cjs") - 10s;
  fs::last_write_time(dir_ / "src/h.ts", old);
  fs::last_write_time(dir_ / "src/lib.ts", old);
  EXPECT_FALSE(stale());
  EXPECT_TRUE(stale("S2"));
  // An imported file changes.
  fs::last_write_time(dir_ / "src/lib.ts", fs::last_write_time(dir_ / "out/h.cjs") + 1s);
  EXPECT_TRUE(stale());
  fs::last_write_time(dir_ / "src/lib.ts", old);
  // An input is gone, the metafile is broken, the output is gone.
  fs::remove(dir_ / "src/lib.ts");
  EXPECT_TRUE(stale());
  write("src/lib.ts", "");
  fs::last_write_time(dir_ / "src/lib.ts", old);
  write("out/h.cjs.meta.json", "{not json");
  EXPECT_TRUE(stale());
  write("out/h.cjs.meta.json", R"({"inputs": {"src/h.ts": {}}})");
  EXPECT_FALSE(stale());
  fs::remove(dir_ / "out/h.cjs");
  EXPECT_TRUE(stale());
}

TEST_F(TempDir, MetafileInputsAreAbsolute) {
  write("m.json", R"({"inputs": {"src/h.ts": {}, "node_modules/x/i.js": {}, "/abs/y.ts": {}}})");
  auto inputs = metafile_inputs(dir_ / "m.json", dir_);
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_EQ(inputs[0], fs::path("/abs/y.ts"));  // nlohmann's object order: sorted
  EXPECT_EQ(inputs[1], dir_ / "node_modules/x/i.js");
  EXPECT_EQ(inputs[2], dir_ / "src/h.ts");
  EXPECT_TRUE(metafile_inputs(dir_ / "none.json", dir_).empty());
}

TEST(CacheDir, FromTheEnvironment) {
  // Both variables as they were, afterwards.
  struct Restore {
    std::string name;
    std::optional<std::string> value;
    ~Restore() { value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str()); }
  };
  auto saved = [](const char* name) {
    const char* v = std::getenv(name);
    return Restore{name, v ? std::optional<std::string>(v) : std::nullopt};
  };
  Restore a = saved("SERVERLITE_CACHE_DIR"), b = saved("XDG_CACHE_HOME");
  ::setenv("SERVERLITE_CACHE_DIR", "/x/cache", 1);
  EXPECT_EQ(cache_dir(), fs::path("/x/cache"));
  ::unsetenv("SERVERLITE_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/y", 1);
  EXPECT_EQ(cache_dir(), fs::path("/y/serverlite"));
  ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace serverlite::build
