#include "emulator/watcher.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <string>

namespace serverlite {

namespace {

void say(const std::string& line) {
  std::string out = "serverlite: " + line + "\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
}

invoker::WatchOptions watch_options(const app::AppSpec& app,
                                    const std::optional<std::filesystem::path>& state_dir) {
  invoker::WatchOptions o;
  o.root = app.service_dir;
  if (state_dir) {
    std::error_code ec;
    auto dir = std::filesystem::weakly_canonical(std::filesystem::absolute(*state_dir), ec);
    o.ignore.push_back(ec ? *state_dir : dir);
  }
  return o;
}

std::string list(const std::vector<std::string>& items, std::size_t most = 5) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > most) out += " and " + std::to_string(items.size() - most) + " more";
  return out;
}

}  // namespace

AppWatch::AppWatch(boost::asio::io_context& io, Emulator& emulator, const app::AppSpec& running,
                   std::optional<std::filesystem::path> state_dir, Loader load,
                   std::function<void()> reload, std::string no_reload)
    : emulator_(emulator),
      running_(running),
      state_dir_(state_dir),
      load_(std::move(load)),
      reload_(std::move(reload)),
      no_reload_(std::move(no_reload)),
      watcher_(io, watch_options(running, state_dir),
               [this](const invoker::WatchChanges& c) { on_change(c); }) {}

void AppWatch::start() {
  std::vector<std::string> warnings;
  auto failure = watcher_.start(warnings);
  for (const auto& w : warnings) say("warning: " + w);
  if (failure) {
    say("warning: " + *failure + "; code changes need a restart");
    return;
  }
  emulator_.keep_standbys(true);
  say("watching " + running_.service_dir.string() + " (" +
      std::to_string(watcher_.watched_dirs()) +
      " directories) for code changes (each function that has run keeps a process started "
      "ahead for its next change); --no-watch turns this off");
}

void AppWatch::on_change(const invoker::WatchChanges& changes) {
  auto begin = std::chrono::steady_clock::now();
  std::vector<std::string> code;
  for (const auto& f : changes.files)
    if (!invoker::is_config_file(f)) code.push_back(f);
  if (!code.empty() || changes.overflow) {
    std::vector<std::string> keys;
    if (changes.overflow) {
      for (const auto& fn : running_.functions) keys.push_back(fn.key);
    } else {
      keys = invoker::functions_for_changes(running_, code);
    }
    int replaced = emulator_.replace_workers(keys);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
                    .count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f", ms);
    std::string what = changes.overflow ? std::string("many files") : list(code);
    if (keys.empty())
      say(what + " changed: no function's code");
    else
      say(what + " changed: " + std::to_string(replaced) + " warm worker(s) of " + list(keys, 8) +
          " replaced in " + took + " ms; the next invocation runs the new code");
  }
  if (changes.config || changes.overflow) on_config_change();
}

void AppWatch::on_config_change() {
  auto now = load_();
  if (!now) {
    say("the app's definition has an error (above): the app runs on as it was loaded");
    return;
  }
  auto differences = invoker::app_differences(running_, *now);
  if (differences.empty()) {
    if (!last_differences_.empty())
      say("the app's definition matches the running app again");
    else
      say("the app's definition changed, in nothing the running app uses");
    last_differences_.clear();
    return;
  }
  if (differences == last_differences_) return;
  last_differences_ = differences;
  std::string text = "the app's definition changed:";
  for (const auto& d : differences) text += "\n  " + d;
  if (reload_ && no_reload_.empty()) {
    text += "\n  reloading the app: invocations in flight finish first; the state in " +
            (state_dir_ ? state_dir_->string() : std::string("the state directory")) +
            " is kept (a resource removed from the definition stays in it, as on a restart)";
    say(text);
    reload_();
    return;
  }
  text += "\n  restart serverlite to apply this (Ctrl-C, then `serverlite up` again): it is not "
          "reloaded by itself, " + no_reload_;
  say(text);
}

namespace {

std::string port_of(const std::string& url) {
  auto colon = url.rfind(':');
  return colon == std::string::npos ? "0" : url.substr(colon + 1);
}

}  // namespace

void restart_in_place(const std::vector<std::string>& argv, const std::string& aws_url,
                      const std::string& gateway_url) {
  std::vector<std::string> args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const auto& a = argv[i];
    bool with_value = a == "-p" || a == "--port" || a == "-g" || a == "--gateway-port";
    if (with_value) {
      ++i;  // and its value
      continue;
    }
    if (a.starts_with("--port=") || a.starts_with("--gateway-port=") ||
        (a.size() > 2 && (a.starts_with("-p") || a.starts_with("-g")) && a[2] != '-'))
      continue;
    args.push_back(a);
  }
  args.insert(args.end(), {"--port", port_of(aws_url), "--gateway-port", port_of(gateway_url)});
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  say("restarting with the app's new definition");
  ::execv("/proc/self/exe", c_args.data());
  say(std::string("cannot restart: ") + std::strerror(errno) + "; start serverlite again");
}

}  // namespace serverlite
