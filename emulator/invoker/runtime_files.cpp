#include "emulator/invoker/runtime_files.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "emulator/runtimes/embedded.hpp"

namespace serverlite::invoker {

RuntimeFiles::~RuntimeFiles() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::filesystem::path RuntimeFiles::path_of(const std::string& name) {
  if (dir_.empty()) {
    std::string templ = (std::filesystem::temp_directory_path() / "serverlite-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("cannot create a temporary directory");
    dir_ = templ;
  }
  auto path = dir_ / name;
  if (std::filesystem::exists(path)) return path;
  for (const auto& file : runtimes::embedded_files()) {
    if (file.path != name) continue;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(file.content.data(), static_cast<std::streamsize>(file.content.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
    return path;
  }
  throw std::runtime_error("no embedded runtime file " + name);
}

}  // namespace serverlite::invoker
