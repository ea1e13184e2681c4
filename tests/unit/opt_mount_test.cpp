// prepare_opt_mount: what a worker's child mounts on /opt, made before fork.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "emulator/invoker/opt_mount.hpp"

namespace serverlite::invoker {
namespace {

namespace fs = std::filesystem;

struct TempDirs {
  fs::path root = fs::temp_directory_path() / ("opt-mount-test-" + std::to_string(::getpid()));
  TempDirs() { fs::create_directories(root); }
  ~TempDirs() { fs::remove_all(root); }
  fs::path make(const std::string& name) {
    fs::create_directories(root / name);
    return root / name;
  }
};

TEST(OptMount, NoLayersNothingToMount) {
  EXPECT_FALSE(prepare_opt_mount({}).wanted());
}

TEST(OptMount, OneLayerIsBoundAsItIs) {
  if (!fs::is_directory("/opt")) GTEST_SKIP() << "no /opt on this machine";
  TempDirs dirs;
  auto layer = dirs.make("common");
  auto m = prepare_opt_mount({layer, dirs.root / "missing"});  // a missing one is left out
  ASSERT_TRUE(m.wanted());
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0], layer.string());
  EXPECT_TRUE(m.overlay_options.empty());
  std::string uid = std::to_string(::getuid());
  EXPECT_EQ(m.uid_map, uid + " " + uid + " 1");
}

TEST(OptMount, SeveralLayersOverlayTheLastOnTopWithSeparatorsEscaped) {
  if (!fs::is_directory("/opt")) GTEST_SKIP() << "no /opt on this machine";
  TempDirs dirs;
  auto first = dirs.make("first");
  auto second = dirs.make("a:b,c");
  auto m = prepare_opt_mount({first, second});
  ASSERT_EQ(m.layers.size(), 2u);
  // overlayfs lists the upper-most first; ':' and ',' in a path are escaped.
  std::string escaped = (dirs.root / "a\\:b\\,c").string();
  EXPECT_EQ(m.overlay_options, "lowerdir=" + escaped + ":" + first.string());
}

}  // namespace
}  // namespace serverlite::invoker
