// TsBuilder::build_now (emulator/build/ts_builder.cpp) with a real esbuild: the one scripts/setup
// installs into the default cache; skipped without it. Never reaches the network.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "emulator/build/ts_builder.hpp"

namespace serverlite::build {
namespace {

namespace fs = std::filesystem;

fs::path installed_esbuild() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  fs::path cache = xdg && *xdg ? fs::path(xdg) : fs::path(home ? home : "/") / ".cache";
  return cache / "serverlite" / "esbuild";
}

class BuildNow : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(installed_esbuild() / "installed-lock.json"))
      GTEST_SKIP() << "no esbuild in " << installed_esbuild() << ": run scripts/setup";
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("serverlite-tsbuild-test-" + std::to_string(rd()));
    fs::create_directories(dir_ / "cache");
    fs::create_directory_symlink(installed_esbuild(), dir_ / "cache" / "esbuild");
    if (const char* old = std::getenv("SERVERLITE_CACHE_DIR")) saved_ = old;
    ::setenv("SERVERLITE_CACHE_DIR", (dir_ / "cache").c_str(), 1);
    write("app/src/h.ts", "import { v } from './v';\nexport const handler = async () => v;\n");
    write("app/src/v.ts", "export const v: number = 1;\n");
  }
  void TearDown() override {
    if (saved_.empty()) ::unsetenv("SERVERLITE_CACHE_DIR");
    else ::setenv("SERVERLITE_CACHE_DIR", saved_.c_str(), 1);
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  BuildJob job() {
    return {.service_dir = dir_ / "app", .entry = "src/h.ts",
            .args = {"--bundle", "--platform=node", "--sourcemap=linked"}, .format = "cjs",
            .out_root = build_root(dir_ / "app")};
  }
  fs::path dir_;
  std::string saved_;
};

TEST_F(BuildNow, BuildsOnceThenOnlyWhenAnInputChanges) {
  auto first = TsBuilder::build_now(job(), nullptr);
  ASSERT_TRUE(first.ok) << first.message;
  EXPECT_TRUE(first.built);
  fs::path out = job().out_file();
  EXPECT_EQ(out, build_root(dir_ / "app") / "src" / "h.cjs");
  EXPECT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::exists(out.string() + ".map"));
  EXPECT_TRUE(first.esbuild.starts_with((dir_ / "cache" / "esbuild").string()));

  auto again = TsBuilder::build_now(job(), nullptr);
  ASSERT_TRUE(again.ok);
  EXPECT_FALSE(again.built);

  write("app/src/v.ts", "export const v: number = 2;\n");
  fs::last_write_time(dir_ / "app/src/v.ts",
                      fs::last_write_time(out) + std::chrono::seconds(1));
  auto changed = TsBuilder::build_now(job(), nullptr);
  ASSERT_TRUE(changed.ok);
  EXPECT_TRUE(changed.built);
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("= 2"), std::string::npos) << text;

  // Other settings: rebuilt.
  auto j = job();
  j.args.push_back("--minify");
  EXPECT_TRUE(TsBuilder::build_now(j, nullptr).built);
}

TEST_F(BuildNow, ACompileErrorIsReportedWithFileAndLine) {
  write("app/src/h.ts", "export const handler = async () => {\n  return (;\n};\n");
  auto r = TsBuilder::build_now(job(), nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_type, "Runtime.UserCodeSyntaxError");
  EXPECT_NE(r.message.find("src/h.ts:2"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace serverlite::build
