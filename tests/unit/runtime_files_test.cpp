#include "emulator/invoker/runtime_files.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace serverlite::invoker {
namespace {

TEST(RuntimeFiles, WritesEmbeddedClientsAndRemovesThemAfterwards) {
  std::filesystem::path dir;
  {
    RuntimeFiles files;
    auto py = files.path_of("python/bootstrap.py");
    dir = py.parent_path().parent_path();
    std::ifstream in(py);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(text.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(files.path_of("node/bootstrap.mjs")));
    EXPECT_NE(dir.filename().string().find("serverlite-runtimes-" + std::to_string(getpid())),
              std::string::npos);
    EXPECT_THROW(files.path_of("ruby/nope.rb"), std::runtime_error);
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(RuntimeFiles, DirectoriesOfDeadProcessesAreRemoved) {
  // A pid far above any live one stands for a serverlite that was killed.
  auto abandoned = std::filesystem::temp_directory_path() / "serverlite-runtimes-4000000-test";
  auto alive = std::filesystem::temp_directory_path() /
               ("serverlite-runtimes-" + std::to_string(getpid()) + "-other");
  std::filesystem::create_directories(abandoned / "python");
  std::filesystem::create_directories(alive);
  RuntimeFiles files;
  files.path_of("python/bootstrap.py");
  EXPECT_FALSE(std::filesystem::exists(abandoned));
  EXPECT_TRUE(std::filesystem::exists(alive));  // its process (this test) still runs
  std::filesystem::remove_all(alive);
}

}  // namespace
}  // namespace serverlite::invoker
