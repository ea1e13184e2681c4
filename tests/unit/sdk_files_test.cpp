// The files around the runtime clients that give handlers Lambda's environment: embedded under
// their path below emulator/runtimes, nested directories included, since the Node preload finds
// the SDK lockfiles relative to itself (../sdk/node-v3) and PYTHONPATH names python/site.
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "emulator/invoker/runtime_files.hpp"

namespace serverlite::invoker {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(SdkFiles, NestedFilesKeepTheirPathsBesideTheClients) {
  RuntimeFiles files;
  auto preload = files.path_of("node/preload.cjs");
  auto root = preload.parent_path().parent_path();
  EXPECT_EQ(files.path_of("node/sdk.cjs").parent_path(), preload.parent_path());
  for (const char* name : {"node-v3", "node-v2"}) {
    auto lock = files.path_of(std::string("sdk/") + name + "/package-lock.json");
    EXPECT_EQ(lock, root / "sdk" / name / "package-lock.json");
    EXPECT_NE(read(lock).find("\"lockfileVersion\""), std::string::npos) << name;
  }
  EXPECT_NE(read(files.path_of("sdk/node-v3/package.json")).find("@aws-sdk/client-dynamodb"),
            std::string::npos);
  EXPECT_NE(read(files.path_of("sdk/node-v2/package.json")).find("\"aws-sdk\""),
            std::string::npos);
  auto site = files.path_of("python/site/sitecustomize.py");
  EXPECT_EQ(site, root / "python" / "site" / "sitecustomize.py");
  EXPECT_NE(read(site).find("create_client"), std::string::npos);
}

}  // namespace
}  // namespace serverlite::invoker
