// Where the runtime clients we ship live while serverlite runs: written from the binary into a
// private temporary directory on first use, removed when the owner is destroyed.
#pragma once

#include <filesystem>

namespace serverlite::invoker {

class RuntimeFiles {
 public:
  RuntimeFiles() = default;
  ~RuntimeFiles();
  RuntimeFiles(const RuntimeFiles&) = delete;
  RuntimeFiles& operator=(const RuntimeFiles&) = delete;

  // Path of an embedded file ("python/bootstrap.py"), written out on first call.
  // Throws std::runtime_error when the file is unknown or cannot be written.
  std::filesystem::path path_of(const std::string& name);

 private:
  std::filesystem::path dir_;
};

}  // namespace serverlite::invoker
