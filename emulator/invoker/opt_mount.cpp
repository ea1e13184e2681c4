#include "emulator/invoker/opt_mount.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace serverlite::invoker {

namespace {

// Writes all of `text` to the file at `path` (a /proc/self file). Async-signal-safe.
bool write_file(const char* path, const char* text, std::size_t size) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text, size) == static_cast<ssize_t>(size);
  ::close(fd);
  return ok;
}

// "serverlite: the layers are not under /opt (<what>: errno <n>); they are on the search paths\n"
// without allocating.
void report(const char* what, int error) {
  char line[256];
  std::size_t n = 0;
  auto add = [&](const char* s) {
    for (; *s && n + 1 < sizeof line; ++s) line[n++] = *s;
  };
  add("serverlite: the layers are not under /opt (");
  add(what);
  add(": errno ");
  char digits[12];
  int d = 0;
  unsigned value = error < 0 ? 0u : static_cast<unsigned>(error);
  do {
    digits[d++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value && d < 11);
  while (d > 0 && n + 1 < sizeof line) line[n++] = digits[--d];
  add("); they are on the search paths\n");
  [[maybe_unused]] auto written = ::write(2, line, n);
}

}  // namespace

OptMount prepare_opt_mount(const std::vector<std::filesystem::path>& layers) {
  OptMount m;
  std::error_code ec;
  if (layers.empty() || !std::filesystem::is_directory("/opt", ec)) return m;
  for (const auto& dir : layers) {
    auto absolute = std::filesystem::absolute(dir, ec);
    if (ec || !std::filesystem::is_directory(absolute, ec)) continue;
    m.layers.push_back(absolute.lexically_normal().string());
  }
  if (m.layers.empty()) return m;
  m.uid_map = std::to_string(::getuid()) + " " + std::to_string(::getuid()) + " 1";
  m.gid_map = std::to_string(::getgid()) + " " + std::to_string(::getgid()) + " 1";
  if (m.layers.size() > 1) {
    // overlayfs lists the upper-most lower directory first: the last layer wins.
    m.overlay_options = "lowerdir=";
    for (auto it = m.layers.rbegin(); it != m.layers.rend(); ++it) {
      if (it != m.layers.rbegin()) m.overlay_options += ':';
      for (char c : *it) {
        if (c == ':' || c == ',' || c == '\\') m.overlay_options += '\\';
        m.overlay_options += c;
      }
    }
  }
  return m;
}

bool mount_layers_at_opt(const OptMount& m) noexcept {
  if (!m.wanted()) return false;
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    report("a user namespace", errno);
    return false;
  }
  // The maps make the child's own ids the same inside; setgroups must be denied before gid_map.
  if (!write_file("/proc/self/setgroups", "deny", 4) ||
      !write_file("/proc/self/uid_map", m.uid_map.data(), m.uid_map.size()) ||
      !write_file("/proc/self/gid_map", m.gid_map.data(), m.gid_map.size())) {
    report("the namespace's id maps", errno);
    return false;
  }
  // Nothing mounted here goes back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    report("a private mount namespace", errno);
    return false;
  }
  if (m.layers.size() == 1) {
    if (::mount(m.layers[0].c_str(), "/opt", nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      report("a bind mount of the layer", errno);
      return false;
    }
    // Read-only, as on Lambda; a kernel that refuses leaves it writable as its files are.
    ::mount(nullptr, "/opt", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, nullptr);
    return true;
  }
  if (::mount("overlay", "/opt", "overlay", MS_RDONLY, m.overlay_options.c_str()) != 0) {
    report("an overlay of the layers", errno);
    return false;
  }
  return true;
}

}  // namespace serverlite::invoker
