// The runtime clients we ship (emulator/runtimes/*), compiled into the binary by embed.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace serverlite::runtimes {

struct EmbeddedFile {
  std::string_view path;     // "python/bootstrap.py", "node/bootstrap.mjs"
  std::string_view content;
};

const std::vector<EmbeddedFile>& embedded_files();

}  // namespace serverlite::runtimes
