#include "emulator/invoker/runtime_files.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "emulator/runtimes/embedded.hpp"

namespace serverlite::invoker {

RuntimeFiles::~RuntimeFiles() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

namespace {

constexpr std::string_view kPrefix = "serverlite-runtimes-";

// A serverlite that was killed (kill -9, a crash) left its directory behind; its name carries
// the pid, so the next one removes those whose process is gone.
void remove_abandoned(const std::filesystem::path& tmp) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tmp, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + kPrefix.size()));
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove_all(entry, ec);
  }
}

}  // namespace

std::filesystem::path RuntimeFiles::path_of(const std::string& name) {
  if (dir_.empty()) {
    auto tmp = std::filesystem::temp_directory_path();
    remove_abandoned(tmp);
    std::string templ =
        (tmp / (std::string(kPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
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
