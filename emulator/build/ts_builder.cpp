#include "emulator/build/ts_builder.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "emulator/build/build_output.hpp"
#include "emulator/build/esbuild_config.hpp"
#include "emulator/build/run_process.hpp"
#include "emulator/fnv.hpp"
#include "emulator/runtimes/embedded.hpp"

namespace serverlite::build {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kBuildTimeout = std::chrono::seconds(120);
constexpr auto kInstallTimeout = std::chrono::seconds(300);

#if defined(__aarch64__)
constexpr const char* kPlatformPackage = "@esbuild/linux-arm64";
#else
constexpr const char* kPlatformPackage = "@esbuild/linux-x64";
#endif

bool executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// The native binary of an esbuild installed under `node_modules`, else its launcher script.
fs::path esbuild_in(const fs::path& node_modules) {
  for (auto candidate : {node_modules / kPlatformPackage / "bin" / "esbuild",
                         node_modules / "esbuild" / "bin" / "esbuild",
                         node_modules / ".bin" / "esbuild"}) {
    if (executable(candidate)) return candidate;
  }
  return {};
}

fs::path on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::string_view rest = path;
  while (!rest.empty()) {
    auto colon = rest.find(':');
    fs::path candidate = fs::path(rest.substr(0, colon)) / name;
    if (!rest.substr(0, colon).empty() && executable(candidate)) return candidate;
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  }
  return {};
}

std::string_view embedded(std::string_view name) {
  for (const auto& file : runtimes::embedded_files())
    if (file.path == name) return file.content;
  return {};
}

bool write_file(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return static_cast<bool>(out);
}

std::string read_small(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  char buf[4096];
  while (in && text.size() < 1024 * 1024) {
    in.read(buf, sizeof buf);
    text.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  return text;
}

// An exclusive lock on `file` for as long as it lives (other serverlites sharing the cache).
class FileLock {
 public:
  explicit FileLock(const fs::path& file) : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

fs::path BuildJob::out_file() const {
  fs::path name = entry.stem();
  name += format == "esm" ? ".mjs" : ".cjs";
  return out_root / entry.parent_path() / name;
}

fs::path build_root(const fs::path& service_dir) {
  return cache_dir() / "build" /
         (service_dir.filename().string() + "-" + fnv1a_32_hex(service_dir.string()));
}

std::vector<fs::path> build_inputs(const app::AppSpec& app, const app::FunctionSpec& fn) {
  if (fn.family != app::RuntimeFamily::Node || !app.document) return {};
  fs::path entry = typescript_entry(app.service_dir, fn.handler);
  if (entry.empty()) return {};
  auto config = esbuild_config(*app.document, fn, entry);
  BuildJob job{.service_dir = app.service_dir, .entry = entry, .args = {},
               .format = config.format, .out_root = build_root(app.service_dir)};
  fs::path meta = job.out_file();
  meta += ".meta.json";
  return metafile_inputs(meta, app.service_dir);
}

TsBuilder::~TsBuilder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (pid_t pid = running_.load(); pid > 0) ::kill(-pid, SIGKILL);
  if (thread_.joinable()) thread_.join();
}

void TsBuilder::ensure(BuildJob job, std::function<void(const BuildResult&)> done) {
  std::string key = job.out_file().string();
  {
    std::lock_guard lock(mutex_);
    auto& callbacks = waiting_[key];
    callbacks.push_back(std::move(done));
    if (callbacks.size() == 1) queue_.push_back(std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
}

void TsBuilder::run() {
  for (;;) {
    BuildJob job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    BuildResult result = build_now(job, &running_);
    std::vector<std::function<void(const BuildResult&)>> callbacks;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      auto it = waiting_.find(job.out_file().string());
      if (it != waiting_.end()) {
        callbacks = std::move(it->second);
        waiting_.erase(it);
      }
    }
    boost::asio::post(io_, [callbacks = std::move(callbacks), result = std::move(result)] {
      for (const auto& cb : callbacks) cb(result);
    });
  }
}

fs::path TsBuilder::find_esbuild(const fs::path& service_dir, std::string& problem,
                                 std::atomic<pid_t>* running) {
  // The app's own, as Node would find the package from the service directory.
  for (fs::path dir = service_dir;; dir = dir.parent_path()) {
    if (auto found = esbuild_in(dir / "node_modules"); !found.empty()) return found;
    if (dir == dir.parent_path()) break;
  }
  // Installed on first need into the cache, from the lockfile serverlite carries.
  fs::path home = cache_dir() / "esbuild";
  std::string_view lock = embedded("esbuild/package-lock.json");
  std::string_view manifest = embedded("esbuild/package.json");
  std::error_code ec;
  fs::create_directories(home, ec);
  FileLock guard(cache_dir() / "esbuild.lock");
  fs::path marker = home / "installed-lock.json";
  fs::path found = esbuild_in(home / "node_modules");
  if (!found.empty() && read_small(marker) == lock) return found;

  std::string command = "npm ci --prefix " + home.string();
  fs::path npm = on_path("npm");
  if (ec || npm.empty() || lock.empty()) {
    problem = "TypeScript handlers are built with esbuild, which is neither in the app's "
              "node_modules nor installed in " + home.string() + ", and " +
              (npm.empty() ? std::string("npm is not on PATH to install it")
                           : "the cache directory cannot be written (" + ec.message() + ")") +
              ". Install it in the app with `npm install --save-dev esbuild`, or set "
              "SERVERLITE_CACHE_DIR to a writable directory";
    return {};
  }
  if (!write_file(home / "package.json", manifest) ||
      !write_file(home / "package-lock.json", lock)) {
    problem = "cannot write " + (home / "package.json").string() +
              ": set SERVERLITE_CACHE_DIR to a writable directory, or install esbuild in the "
              "app with `npm install --save-dev esbuild`";
    return {};
  }
  auto r = run_process({npm.string(), "ci", "--no-audit", "--no-fund", "--loglevel=error"}, home,
                       {}, kInstallTimeout, running);
  found = esbuild_in(home / "node_modules");
  if (r.exit_code != 0 || found.empty()) {
    problem = "TypeScript handlers are built with esbuild, which is not in the app's "
              "node_modules, and installing it failed (" + command + "): " +
              (r.timed_out ? std::string("it took over 5 minutes") : trimmed(r.output)) +
              ". Install it in the app with `npm install --save-dev esbuild`, or run `" +
              command + "` once with network access";
    return {};
  }
  write_file(marker, lock);
  return found;
}

BuildResult TsBuilder::build_now(const BuildJob& job, std::atomic<pid_t>* running) {
  auto started = Clock::now();
  BuildResult result;
  std::string problem;
  fs::path esbuild = find_esbuild(job.service_dir, problem, running);
  if (esbuild.empty()) {
    result.error_type = "Runtime.InvalidEntrypoint";
    result.message = problem;
    result.ms = ms_since(started);
    return result;
  }
  result.esbuild = esbuild.string();
  fs::path out = job.out_file();
  fs::path meta = out;
  meta += ".meta.json";
  fs::path stamp = out;
  stamp += ".settings";
  std::string settings = esbuild.string() + "\n" + job.format + "\n";
  for (const auto& a : job.args) settings += a + "\n";

  std::error_code ec;
  fs::create_directories(out.parent_path(), ec);
  FileLock guard(job.out_root / ".lock");
  // Packages left out of the bundle resolve from the build's directory up: let that reach the
  // app's node_modules, as it would from the handler's own directory.
  fs::path link = job.out_root / "node_modules";
  if (!fs::is_symlink(link, ec) && fs::is_directory(job.service_dir / "node_modules", ec))
    fs::create_directory_symlink(job.service_dir / "node_modules", link, ec);

  if (!is_stale(out, meta, job.service_dir, stamp, settings)) {
    result.ok = true;
    result.ms = ms_since(started);
    return result;
  }
  std::vector<std::string> argv = {esbuild.string(), job.entry.string(),
                                   "--outfile=" + out.string(), "--metafile=" + meta.string(),
                                   "--log-level=warning", "--color=false"};
  argv.insert(argv.end(), job.args.begin(), job.args.end());
  fs::remove(stamp, ec);
  auto r = run_process(argv, job.service_dir, {}, kBuildTimeout, running);
  result.ms = ms_since(started);
  if (r.exit_code != 0) {
    result.error_type = "Runtime.UserCodeSyntaxError";
    result.message = "esbuild could not build " + job.entry.string() + ": " +
                     (r.timed_out ? std::string("it ran over 2 minutes")
                      : !r.started ? std::string("it could not be started")
                                   : trimmed(r.output));
    return result;
  }
  write_file(stamp, settings);
  result.ok = true;
  result.built = true;
  result.message = trimmed(r.output);
  return result;
}

}  // namespace serverlite::build
