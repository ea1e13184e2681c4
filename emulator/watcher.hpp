// `serverlite up`'s hot reload: watches the service directory (invoker::Watcher) and, when a file
// changes, replaces the warm workers of the functions it concerns, so that the next invocation
// runs the new code while those in flight finish on the old. A change to the app's definition
// (serverless.yml, .env) is read again and compared with the running app: what differs is
// listed, and the app is reloaded (`reload`: serverlite restarts in place on its state on disk),
// or, where it cannot be (state in memory, a recording), it says what to do.
//
// Threading: on the io thread.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/emulator.hpp"
#include "emulator/invoker/watch.hpp"

namespace serverlite {

class AppWatch {
 public:
  // `load` reads the app's definition again; nullopt when it has an error (`load` reports it).
  using Loader = std::function<std::optional<app::AppSpec>()>;
  // `reload` restarts serverlite with the new definition, keeping its state; `no_reload` says
  // why it cannot (then the differences are listed with what to do), and is empty otherwise.
  AppWatch(boost::asio::io_context& io, Emulator& emulator, const app::AppSpec& running,
           std::optional<std::filesystem::path> state_dir, Loader load,
           std::function<void()> reload, std::string no_reload);
  // Starts watching; prints what it watches, or why it cannot (serverlite runs on without it).
  void start();

 private:
  void on_change(const invoker::WatchChanges& changes);
  void on_config_change();

  Emulator& emulator_;
  const app::AppSpec& running_;
  std::optional<std::filesystem::path> state_dir_;
  Loader load_;
  std::function<void()> reload_;
  std::string no_reload_;
  invoker::Watcher watcher_;
  std::vector<std::string> last_differences_;  // reported already
};

// Starts this program again in this process (exec) with `argv`, its ports fixed to those it had
// (so clients keep their endpoints when they were chosen with port 0). Returns only when that
// fails, having said why.
void restart_in_place(const std::vector<std::string>& argv, const std::string& aws_url,
                      const std::string& gateway_url);

}  // namespace serverlite
