#include "emulator/invoker/leftovers.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "emulator/invoker/process_tree.hpp"

namespace serverlite::invoker {

namespace {

std::set<pid_t>& workers() {
  static std::set<pid_t> pids;
  return pids;
}

bool all_digits(const char* s) {
  if (!*s) return false;
  for (; *s; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}

std::string read_small_file(const std::string& path, std::size_t limit = 1 << 20) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() >= limit) break;
  }
  ::close(fd);
  return out;
}

std::vector<std::string> stat_fields(pid_t pid) {
  return parse_stat_fields(read_small_file("/proc/" + std::to_string(pid) + "/stat", 4096));
}

bool is_zombie_or_gone(pid_t pid) {
  auto fields = stat_fields(pid);
  return fields.empty() || fields[0] == "Z" || fields[0] == "X";
}

const std::string kRunFile = "run";
bool marker_used = false;

}  // namespace

bool run_marker_used() { return marker_used; }

const std::string& run_marker() {
  marker_used = true;
  static const std::string marker = [] {
    std::random_device device;
    std::mt19937_64 rng{(static_cast<std::uint64_t>(device()) << 32) ^ device() ^
                        static_cast<std::uint64_t>(::getpid())};
    char id[40];
    std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                  static_cast<unsigned long long>(rng()));
    return "SERVERLITE_RUN=" + std::string(id);
  }();
  return marker;
}

void adopt_orphans() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

void note_worker(pid_t pid) { workers().insert(pid); }
void forget_worker(pid_t pid) { workers().erase(pid); }

void reap_adopted() {
  auto tree = process_tree(::getpid());
  // Only direct children can be waited for; waitpid answers ECHILD for the deeper ones.
  for (std::size_t i = 1; i < tree.size(); ++i) {
    pid_t pid = tree[i];
    if (workers().contains(pid)) continue;
    int status = 0;
    ::waitpid(pid, &status, WNOHANG);
  }
}

std::vector<std::string> parse_stat_fields(std::string_view text) {
  std::vector<std::string> fields;
  auto close = text.rfind(')');
  if (close == std::string_view::npos) return fields;
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    auto start = rest.find_first_not_of(" \t\n\r\v\f");
    if (start == std::string_view::npos) break;
    auto end = rest.find_first_of(" \t\n\r\v\f", start);
    fields.emplace_back(rest.substr(start, end == std::string_view::npos ? end : end - start));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  return fields;
}

bool environ_has(std::string_view block, std::string_view entry) {
  std::size_t at = 0;
  while (at < block.size()) {
    auto end = block.find('\0', at);
    if (end == std::string_view::npos) end = block.size();
    if (block.substr(at, end - at) == entry) return true;
    at = end + 1;
  }
  return false;
}

std::vector<pid_t> processes_with(std::string_view entry) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (!proc) return found;
  uid_t uid = ::geteuid();
  pid_t self = ::getpid();
  while (dirent* e = ::readdir(proc)) {
    if (!all_digits(e->d_name)) continue;
    pid_t pid = 0;
    std::from_chars(e->d_name, e->d_name + std::char_traits<char>::length(e->d_name), pid);
    if (pid == self) continue;
    std::string dir = std::string("/proc/") + e->d_name;
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0 || st.st_uid != uid) continue;
    if (environ_has(read_small_file(dir + "/environ"), entry)) found.push_back(pid);
  }
  ::closedir(proc);
  return found;
}

int end_processes(std::string_view entry, bool descendants, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::set<pid_t> signalled;
  for (;;) {
    std::vector<pid_t> targets = processes_with(entry);
    if (descendants) {
      auto tree = process_tree(::getpid());
      targets.insert(targets.end(), tree.begin() + (tree.empty() ? 0 : 1), tree.end());
    }
    std::erase_if(targets, is_zombie_or_gone);
    if (targets.empty()) break;
    for (pid_t pid : targets) {
      ::kill(pid, SIGKILL);
      signalled.insert(pid);
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (descendants) reap_adopted();
  }
  if (descendants) reap_adopted();
  return static_cast<int>(signalled.size());
}

std::optional<unsigned long long> start_time(pid_t pid) {
  auto fields = stat_fields(pid);
  if (fields.size() < 20) return std::nullopt;
  unsigned long long ticks = 0;
  std::from_chars(fields[19].data(), fields[19].data() + fields[19].size(), ticks);
  return ticks;
}

std::optional<RunRecord> parse_run_record(std::string_view text) {
  std::istringstream in{std::string(text)};
  RunRecord record;
  if (!(in >> record.marker >> record.pid >> record.start_time)) return std::nullopt;
  if (!record.marker.starts_with("SERVERLITE_RUN=") || record.pid <= 0) return std::nullopt;
  return record;
}

std::string format_run_record(const RunRecord& record) {
  return record.marker + " " + std::to_string(record.pid) + " " +
         std::to_string(record.start_time) + "\n";
}

namespace {

std::vector<RunRecord> read_run_records(const std::filesystem::path& state_dir) {
  std::vector<RunRecord> records;
  std::istringstream in(read_small_file(state_dir / kRunFile, 1 << 16));
  std::string line;
  while (std::getline(in, line))
    if (auto record = parse_run_record(line)) records.push_back(std::move(*record));
  return records;
}

bool still_running(const RunRecord& record) {
  return record.pid != ::getpid() && start_time(record.pid) == record.start_time;
}

void write_run_records(const std::filesystem::path& state_dir,
                       const std::vector<RunRecord>& records) {
  std::error_code ignored;
  if (records.empty()) {
    std::filesystem::remove(state_dir / kRunFile, ignored);
    return;
  }
  std::string text;
  for (const auto& record : records) text += format_run_record(record);
  auto tmp = state_dir / (kRunFile + "." + std::to_string(::getpid()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (ok) std::filesystem::rename(tmp, state_dir / kRunFile, ignored);
  else std::filesystem::remove(tmp, ignored);
}

}  // namespace

int end_previous_run(const std::filesystem::path& state_dir) {
  int ended = 0;
  for (const auto& record : read_run_records(state_dir))
    if (!still_running(record)) ended += end_processes(record.marker, false);
  return ended;
}

void record_run(const std::filesystem::path& state_dir) {
  auto records = read_run_records(state_dir);
  std::erase_if(records, [](const RunRecord& r) { return !still_running(r); });
  records.push_back({run_marker(), ::getpid(), start_time(::getpid()).value_or(0)});
  write_run_records(state_dir, records);
}

void remove_run_record(const std::filesystem::path& state_dir) {
  auto records = read_run_records(state_dir);
  std::erase_if(records, [](const RunRecord& r) { return r.marker == run_marker(); });
  write_run_records(state_dir, records);
}

}  // namespace serverlite::invoker
