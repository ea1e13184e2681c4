// Runs a helper program (esbuild, npm) to completion from a background thread: never from the io
// thread, as it waits.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace serverlite::build {

struct ProcessResult {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;    // -1 when it did not exit normally
  std::string output;    // stdout and stderr together, at most the last 64 KB
};

// Runs argv[0] (a path) with `argv` in `cwd`, with serverlite's environment plus `extra_env`
// ("NAME=value"), in a process group of its own that dies with serverlite. Kills the group after
// `timeout`. While it runs, `*running` holds its pid (for a stop from another thread).
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                          const std::vector<std::string>& extra_env,
                          std::chrono::milliseconds timeout, std::atomic<pid_t>* running);

}  // namespace serverlite::build
