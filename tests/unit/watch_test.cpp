#include "emulator/invoker/watch.hpp"

#include <unistd.h>

#include <fstream>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/invoker/runtime_files.hpp"

namespace serverlite::invoker {
namespace {

namespace fs = std::filesystem;

TEST(WatchRules, SkipsToolDirectoriesAndEditorFiles) {
  for (const char* dir : {"node_modules", "__pycache__", ".git", ".serverless", ".serverlite",
                          ".venv", ".esbuild"})
    EXPECT_TRUE(watch_skips_dir(dir)) << dir;
  for (const char* dir : {"src", "lib", "handlers", "layers"}) EXPECT_FALSE(watch_skips_dir(dir));
  for (const char* file : {".handler.py.swp", "handler.py~", "4913", ".#handler.py", "x.pyc",
                           ".DS_Store", "app.log", "counts.db", "data.sqlite-wal", "x.lock"})
    EXPECT_TRUE(watch_skips_file(file)) << file;
  for (const char* file : {"handler.py", "index.mjs", "data.json", ".env", ".env.dev", "bootstrap"})
    EXPECT_FALSE(watch_skips_file(file)) << file;
}

TEST(WatchRules, ConfigFilesAreTheDefinitionAtTheTopOnly) {
  for (const char* f : {"serverless.yml", "serverless.yaml", "serverless.json", "serverless.ts",
                        "serverless.js", ".env", ".env.prod"})
    EXPECT_TRUE(is_config_file(f)) << f;
  for (const char* f : {"src/serverless.yml", "serverless.yml.bak", "handler.py", "sub/.env"})
    EXPECT_FALSE(is_config_file(f)) << f;
}

app::AppSpec two_language_app() {
  app::AppSpec app;
  app::FunctionSpec py;
  py.key = "py";
  py.family = app::RuntimeFamily::Python;
  app::FunctionSpec node;
  node.key = "node";
  node.family = app::RuntimeFamily::Node;
  app::FunctionSpec custom;
  custom.key = "custom";
  custom.family = app::RuntimeFamily::Provided;
  app.functions = {py, node, custom};
  return app;
}

TEST(WatchRules, ASourceConcernsItsLanguagesFunctionsAnyOtherFileAll) {
  auto app = two_language_app();
  using Keys = std::vector<std::string>;
  EXPECT_EQ(functions_for_changes(app, {"lib/util.py"}), Keys{"py"});
  EXPECT_EQ(functions_for_changes(app, {"src/index.ts"}), Keys{"node"});
  EXPECT_EQ(functions_for_changes(app, {"package.json"}), Keys{"node"});
  EXPECT_EQ(functions_for_changes(app, {"a.py", "b.mjs"}), (Keys{"py", "node"}));
  EXPECT_EQ(functions_for_changes(app, {"data/prices.csv"}), (Keys{"py", "node", "custom"}));
  EXPECT_EQ(functions_for_changes(app, {"bootstrap"}), (Keys{"py", "node", "custom"}));
  EXPECT_EQ(functions_for_changes(app, {"serverless.yml"}), Keys{});
}

TEST(AppDifferences, NamesWhatARestartIsNeededFor) {
  auto running = two_language_app();
  auto now = two_language_app();
  EXPECT_TRUE(app_differences(running, now).empty());

  now.functions[0].handler = "other.main";
  now.functions[0].routes.push_back({app::ApiKind::Http, "GET", "/hello", {}});
  now.functions.pop_back();  // custom removed
  app::FunctionSpec added;
  added.key = "extra";
  now.functions.push_back(added);
  app::ResourceSpec queue{"Jobs", "AWS::SQS::Queue", "resources.Resources.Jobs"};
  now.resources.push_back(queue);
  auto diff = app_differences(running, now);
  ASSERT_EQ(diff.size(), 4u);
  EXPECT_EQ(diff[0], "function 'custom' removed");
  EXPECT_EQ(diff[1], "function 'py': handler, routes changed");
  EXPECT_EQ(diff[2], "function 'extra' added");
  EXPECT_EQ(diff[3], "resource 'Jobs' (AWS::SQS::Queue) added");
}

TEST(AppDifferences, ResourcePropertiesAndEnvironmentAsWritten) {
  auto running = two_language_app();
  running.resources.push_back({"Jobs", "AWS::SQS::Queue", "resources.Resources.Jobs"});
  auto doc = nlohmann::json::parse(
      R"({"resources":{"Resources":{"Jobs":{"Type":"AWS::SQS::Queue","Properties":{"VisibilityTimeout":30}}}}})");
  running.document = std::make_shared<nlohmann::json>(doc);
  // The running app has its CloudFormation functions evaluated; the file still has them.
  running.functions[0].environment["QUEUE"] = "http://127.0.0.1:4566/000000000000/Jobs";
  running.functions[0].environment_intrinsics["QUEUE"] = {"provider.environment.QUEUE",
                                                          R"({"Ref":"Jobs"})"};
  auto now = running;
  now.functions[0].environment.erase("QUEUE");
  EXPECT_TRUE(app_differences(running, now).empty());

  doc["resources"]["Resources"]["Jobs"]["Properties"]["VisibilityTimeout"] = 60;
  now.document = std::make_shared<nlohmann::json>(doc);
  now.functions[1].environment["MODE"] = "fast";
  auto diff = app_differences(running, now);
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_EQ(diff[0], "function 'node': environment changed");
  EXPECT_EQ(diff[1], "resource 'Jobs' changed");
}

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/serverlite-watch-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    root = templ;
    fs::create_directories(root / "src");
    fs::create_directories(root / "node_modules" / "pkg");
    fs::create_directories(root / "state");
  }
  void TearDown() override { fs::remove_all(root); }

  static void write(const fs::path& file, const std::string& text) {
    std::ofstream(file) << text;
  }

  // Runs the loop until a report arrives (or 5 s pass).
  std::optional<WatchChanges> next_report(Watcher& w, boost::asio::io_context& io) {
    (void)w;
    got.reset();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!got && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(20));
      io.restart();
    }
    return got;
  }

  fs::path root;
  std::optional<WatchChanges> got;
};

TEST_F(WatcherTest, ReportsWritesBelowTheRootButNotInSkippedDirectories) {
  boost::asio::io_context io;
  WatchOptions options;
  options.root = root;
  options.ignore = {root / "state"};
  Watcher watcher(io, options, [&](const WatchChanges& c) { got = c; });
  std::vector<std::string> warnings;
  ASSERT_FALSE(watcher.start(warnings));
  EXPECT_EQ(watcher.watched_dirs(), 2u);  // the root and src

  write(root / "node_modules" / "pkg" / "index.js", "x");
  write(root / "state" / "state.db", "x");
  write(root / "src" / "handler.py", "def main(e, c): return 1\n");
  auto report = next_report(watcher, io);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->files, std::vector<std::string>{"src/handler.py"});
  EXPECT_FALSE(report->config);

  // A directory created later is watched too, and what it holds counts.
  fs::create_directories(root / "lib");
  write(root / "lib" / "util.py", "X = 1\n");
  auto report2 = next_report(watcher, io);
  ASSERT_TRUE(report2);
  EXPECT_EQ(report2->files, std::vector<std::string>{"lib/util.py"});

  write(root / "serverless.yml", "service: x\n");
  auto report3 = next_report(watcher, io);
  ASSERT_TRUE(report3);
  EXPECT_TRUE(report3->config);
}

TEST(InterpreterProbe, FindsTheInterpreterBehindAShellShim) {
  char templ[] = "/tmp/serverlite-shim-test-XXXXXX";
  ASSERT_NE(::mkdtemp(templ), nullptr);
  fs::path dir = templ;
  // A shim as version managers write them: a script that execs the real program.
  auto shim = dir / "python3";
  std::ofstream(shim) << "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n";
  fs::permissions(shim, fs::perms::owner_all);
  EXPECT_TRUE(is_version_manager_shim(shim));
  EXPECT_FALSE(is_version_manager_shim("/bin/sh"));  // a binary (maybe through a link)
  InterpreterProbe probe(shim, "python3", dir);
  auto real = probe.result();
  EXPECT_FALSE(real.empty());
  EXPECT_FALSE(is_version_manager_shim(real));
  EXPECT_EQ(fs::canonical(real), fs::canonical("/usr/bin/python3"));

  // A shim that fails: no answer, and the caller keeps the shim.
  auto broken = dir / "node";
  std::ofstream(broken) << "#!/bin/sh\nexit 3\n";
  fs::permissions(broken, fs::perms::owner_all);
  InterpreterProbe failing(broken, "node", dir);
  EXPECT_TRUE(failing.result().empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace serverlite::invoker
