#include "emulator/invoker/runtime_files.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
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

// ---- version managers' shims ------------------------------------------------------------------

namespace serverlite::invoker {

bool is_version_manager_shim(const std::filesystem::path& path) {
  std::error_code ec;
  auto real = std::filesystem::canonical(path, ec);
  if (ec) return false;
  // volta: every tool is a link to its one `volta-shim` program.
  if (real.filename().string().find("shim") != std::string::npos) return true;
  // pyenv, asdf, nodenv, rbenv: a shell script. A real interpreter (or a virtual environment's
  // link to one) is a binary.
  std::ifstream in(real, std::ios::binary);
  char head[2] = {};
  in.read(head, 2);
  return in.gcount() == 2 && head[0] == '#' && head[1] == '!';
}

InterpreterProbe::InterpreterProbe(std::filesystem::path shim, std::string_view name,
                                   const std::filesystem::path& cwd)
    : shim_(std::move(shim)) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  std::string code = name == "node" ? "process.stdout.write(process.execPath)"
                                    : "import sys; sys.stdout.write(sys.executable)";
  std::string flag = name == "node" ? "-e" : "-c";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::execl(shim_.c_str(), shim_.c_str(), flag.c_str(), code.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return;
  }
  pid_ = pid;
  out_ = fds[0];
}

InterpreterProbe::~InterpreterProbe() {
  if (!done_) {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
}

std::filesystem::path InterpreterProbe::result() {
  if (done_) return result_;
  done_ = true;
  if (pid_ <= 0) return result_;
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool eof = false;
  while (!eof && text.size() < 4096) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{out_, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    char buf[1024];
    ssize_t got = ::read(out_, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) eof = true;
    else text.append(buf, static_cast<std::size_t>(got));
  }
  ::close(out_);
  out_ = -1;
  if (!eof) ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  if (!eof || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return result_;
  std::filesystem::path found = text;
  std::error_code ec;
  if (found.is_absolute() && ::access(found.c_str(), X_OK) == 0 &&
      !is_version_manager_shim(found) && std::filesystem::is_regular_file(found, ec))
    result_ = found;
  return result_;
}

}  // namespace serverlite::invoker
