// Watches the service directory for changes (inotify, on the io thread) so that the functions
// run the code as it is now: `serverlite up` replaces a function's warm workers when a file it
// may load changes, and reports what a change to serverless.yml needs.
//
// What is watched: every directory under the service directory except node_modules, __pycache__,
// directories whose name starts with a dot (.git, .serverless, .serverlite, .venv, build output of
// tools), Python virtual environments (a pyvenv.cfg inside) and the ones given in `ignore` (the
// state directory). Files whose name marks an editor's temporary (".name", "name~", "*.swp",
// "4913") or what programs write as they run (*.log, *.db, *.sqlite, *.lock, *.pid, *.tmp) are
// no change.
//
// Threading: owned by the io thread; the callback runs there. Reading events never blocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/app/app_spec.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::invoker {

// The files that changed, relative to the service directory, and whether one of them is the
// app's definition (serverless.yml, .json, .ts, .js, and the .env files that feed it).
struct WatchChanges {
  std::vector<std::string> files;  // sorted, without duplicates
  bool config = false;
  bool overflow = false;  // events were lost: treat everything as changed
};

struct WatchOptions {
  std::filesystem::path root;                 // the service directory, absolute
  std::vector<std::filesystem::path> ignore;  // absolute directories left unwatched
  // Changes are reported once this long has passed without another (an editor's save, or a
  // `git checkout`, is several events).
  std::chrono::milliseconds settle{8};
  std::size_t max_dirs = 20000;  // directories watched at most (inotify's per-user limit)
  int max_depth = 32;
};

class Watcher {
 public:
  using Callback = std::function<void(const WatchChanges&)>;
  Watcher(boost::asio::io_context& io, WatchOptions options, Callback on_change);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Sets up the watches. Returns why it could not (no inotify, the limit of watches), or
  // nullopt. Warnings about directories left out go to `warnings`.
  std::optional<std::string> start(std::vector<std::string>& warnings);
  std::size_t watched_dirs() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The rules above, for tests.
bool watch_skips_dir(std::string_view name);
bool watch_skips_file(std::string_view name);
bool is_config_file(std::string_view relative_path);

// Which functions a change of these files concerns (keys, in the app's order): a Python source
// the Python functions, a JavaScript or TypeScript source (or package.json, tsconfig.json) the
// Node.js ones, anything else (data files, a provided runtime's binary, files of layers) every
// function. A module a handler imports may live anywhere in the service directory, so the
// handler's own directory is not a bound.
std::vector<std::string> functions_for_changes(const app::AppSpec& app,
                                               const std::vector<std::string>& files);

// What differs between the running app and its definition as it is now: one line per
// difference a restart is needed for ("function 'x' added", "resource 'Y' removed", "routes
// of function 'z' changed" ...). Empty when nothing that matters differs.
std::vector<std::string> app_differences(const app::AppSpec& running, const app::AppSpec& now);

}  // namespace serverlite::invoker
