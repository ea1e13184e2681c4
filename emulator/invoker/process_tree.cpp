#include "emulator/invoker/process_tree.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace serverlite::invoker {

namespace {

std::uint64_t status_kib(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(field)) continue;
    std::string_view rest = std::string_view(line).substr(field.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    std::uint64_t kib = 0;
    std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    return kib;
  }
  return 0;
}

// /proc/PID/task/TID/children lists the children of each thread; worker processes are few
// and shallow, so a walk per sample is cheap (tens of microseconds).
void children_of(pid_t pid, std::vector<pid_t>& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child;
  while (in >> child) out.push_back(child);
}

}  // namespace

std::uint64_t tree_rss_bytes(pid_t pid) {
  std::uint64_t total = 0;
  std::vector<pid_t> todo{pid};
  for (std::size_t i = 0; i < todo.size() && i < 4096; ++i) {
    total += status_kib(todo[i], "VmRSS:") * 1024;
    children_of(todo[i], todo);
  }
  return total;
}

std::uint64_t peak_rss_bytes(pid_t pid) { return status_kib(pid, "VmHWM:") * 1024; }

}  // namespace serverlite::invoker
