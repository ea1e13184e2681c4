// Builds TypeScript handlers with esbuild, off the io thread, when a worker is about to start and
// the built file is older than what it was built from. The output goes to the cache directory
// (build_output.hpp), one directory per service, laid out like the service (src/handler.ts →
// src/handler.cjs) so that it can be the handler's LAMBDA_TASK_ROOT.
//
// esbuild comes from the app's node_modules (or a parent directory's), else from the cache,
// where it is installed on first need with npm from the package.json and package-lock.json
// compiled into serverlite (emulator/build/esbuild/).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/app/app_spec.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::build {

struct BuildJob {
  std::filesystem::path service_dir;  // absolute; esbuild runs there
  std::filesystem::path entry;        // relative to service_dir: "src/handler.ts"
  std::vector<std::string> args;      // esbuild settings (esbuild_config.hpp)
  std::string format = "cjs";         // "cjs" or "esm"
  // Where the build goes: out_root / entry's directory / entry's stem + ".cjs" or ".mjs".
  std::filesystem::path out_root;
  std::filesystem::path out_file() const;
};

struct BuildResult {
  bool ok = false;
  bool built = false;          // false: the output was up to date
  std::string error_type;      // when !ok: "Runtime.UserCodeSyntaxError" (esbuild's errors) or
                               // "Runtime.InvalidEntrypoint" (no esbuild)
  std::string message;         // when !ok, what went wrong; else esbuild's warnings, if any
  std::string esbuild;         // the esbuild used
  double ms = 0;               // how long the build (or check) took
};

// The directory a service's builds go to, under the cache directory.
std::filesystem::path build_root(const std::filesystem::path& service_dir);

// The files the last build of a function's TypeScript handler was made from (absolute), empty
// when it has none or was never built: what a watcher compares a changed file with.
std::vector<std::filesystem::path> build_inputs(const app::AppSpec& app,
                                                const app::FunctionSpec& fn);

class TsBuilder {
 public:
  explicit TsBuilder(boost::asio::io_context& io) : io_(io) {}
  ~TsBuilder();  // stops a build under way and waits for the thread
  TsBuilder(const TsBuilder&) = delete;
  TsBuilder& operator=(const TsBuilder&) = delete;

  // Makes job.out_file() current, then calls `done` on the io thread. Jobs for the same output
  // share one build.
  void ensure(BuildJob job, std::function<void(const BuildResult&)> done);

  // The steps, run on the builder's thread (public for tests): the esbuild binary to use, or
  // empty with `problem` set; and one build.
  static std::filesystem::path find_esbuild(const std::filesystem::path& service_dir,
                                            std::string& problem, std::atomic<pid_t>* running);
  static BuildResult build_now(const BuildJob& job, std::atomic<pid_t>* running);

 private:
  void run();

  boost::asio::io_context& io_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<BuildJob> queue_;
  std::map<std::string, std::vector<std::function<void(const BuildResult&)>>> waiting_;
  std::thread thread_;
  bool stopping_ = false;
  std::atomic<pid_t> running_{0};
};

}  // namespace serverlite::build
