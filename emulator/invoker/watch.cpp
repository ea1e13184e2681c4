#include "emulator/invoker/watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

namespace serverlite::invoker {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kDirMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                   IN_CREATE | IN_DELETE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace

bool watch_skips_dir(std::string_view name) {
  return name.empty() || name.front() == '.' || name == "node_modules" || name == "__pycache__";
}

bool watch_skips_file(std::string_view name) {
  if (name.empty() || name.back() == '~' || name == "4913") return true;
  if (ends_with(name, ".swp") || ends_with(name, ".swx") || ends_with(name, ".pyc")) return true;
  // What handlers and tools write as they run (logs, databases, locks) is no code: a handler
  // that writes one in the service directory must not have its workers replaced for it.
  for (std::string_view ext : {".log", ".db", ".sqlite", ".sqlite3", "-journal", "-wal", "-shm",
                               ".tmp", ".lock", ".pid", ".md"})
    if (ends_with(name, ext)) return true;
  // Dot files are no code, except the .env files the app's definition reads.
  return name.front() == '.' && !(name == ".env" || name.starts_with(".env."));
}

bool is_config_file(std::string_view path) {
  if (path.find('/') != std::string_view::npos) return false;  // only at the top
  for (std::string_view ext : {".yml", ".yaml", ".json", ".ts", ".js", ".mjs", ".cjs"})
    if (path.size() == 10 + ext.size() && path.starts_with("serverless") && ends_with(path, ext))
      return true;
  return path == ".env" || path.starts_with(".env.");
}

struct Watcher::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, WatchOptions options, Callback on_change)
      : io(io), options(std::move(options)), on_change(std::move(on_change)), stream(io),
        settle(io) {}

  asio::io_context& io;
  WatchOptions options;
  Callback on_change;
  asio::posix::stream_descriptor stream;
  asio::steady_timer settle;
  std::map<int, std::string> dirs;  // watch descriptor → directory relative to root ("" = root)
  std::set<std::string> pending;
  bool pending_config = false, pending_overflow = false, settle_armed = false;
  bool limit_warned = false;
  std::vector<std::string>* warnings = nullptr;  // during start() only

  bool ignored(const fs::path& dir) const {
    for (const auto& i : options.ignore)
      if (dir == i) return true;
    std::error_code ec;
    return fs::exists(dir / "pyvenv.cfg", ec);
  }

  void warn(const std::string& text) {
    if (warnings)
      warnings->push_back(text);
    else
      ::dprintf(STDERR_FILENO, "serverlite: warning: %s\n", text.c_str());
  }

  // Watches `relative` and the directories below it. `report_files`: a directory that appeared
  // after start-up; the files already in it are changes.
  void add_tree(const std::string& relative, int depth, bool report_files) {
    fs::path dir = relative.empty() ? options.root : options.root / relative;
    if (depth > options.max_depth || ignored(dir)) return;
    if (dirs.size() >= options.max_dirs) {
      if (!limit_warned)
        warn("watching the first " + std::to_string(options.max_dirs) +
             " directories only: changes below others are not seen");
      limit_warned = true;
      return;
    }
    int wd = ::inotify_add_watch(stream.native_handle(), dir.c_str(), kDirMask);
    if (wd < 0) {
      if (errno == ENOSPC && !limit_warned) {
        warn("the system's limit of inotify watches is reached (fs.inotify.max_user_watches): "
             "changes below " + dir.string() + " are not seen");
        limit_warned = true;
      }
      return;
    }
    dirs[wd] = relative;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      std::string child = relative.empty() ? name : relative + "/" + name;
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        if (!watch_skips_dir(name)) add_tree(child, depth + 1, report_files);
      } else if (report_files && !watch_skips_file(name)) {
        note(child);
      }
    }
  }

  void note(const std::string& relative) {
    if (is_config_file(relative)) pending_config = true;
    pending.insert(relative);
  }

  void read() {
    stream.async_wait(asio::posix::descriptor_base::wait_read,
                      [weak = weak_from_this()](boost::system::error_code ec) {
                        auto self = weak.lock();
                        if (ec || !self) return;
                        self->drain();
                        self->read();
                      });
  }

  void drain() {
    alignas(inotify_event) char buffer[16384];
    for (int reads = 0; reads < 8; ++reads) {  // bounded: a flood cannot hold the loop
      ssize_t n = ::read(stream.native_handle(), buffer, sizeof buffer);
      if (n <= 0) break;
      for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        handle(*event);
      }
    }
    if (!pending.empty() || pending_config || pending_overflow) arm();
  }

  void handle(const inotify_event& event) {
    if (event.mask & IN_Q_OVERFLOW) {
      pending_overflow = true;
      return;
    }
    auto it = dirs.find(event.wd);
    if (it == dirs.end()) return;
    if (event.mask & (IN_DELETE_SELF | IN_IGNORED)) {
      if (event.mask & IN_IGNORED) dirs.erase(it);
      return;
    }
    if (event.len == 0) return;
    std::string name(event.name);
    std::string relative = it->second.empty() ? name : it->second + "/" + name;
    if (event.mask & IN_ISDIR) {
      if (watch_skips_dir(name)) return;
      // A directory created or moved in: watch it, and what it holds is new.
      if (event.mask & (IN_CREATE | IN_MOVED_TO)) add_tree(relative, depth_of(relative), true);
      // One moved or deleted: what it held is gone (its own watch goes with IN_IGNORED).
      if (event.mask & (IN_MOVED_FROM | IN_DELETE)) pending.insert(relative + "/");
      return;
    }
    if (event.mask & IN_CREATE) return;  // a new file counts once it is written (close)
    if (watch_skips_file(name)) return;
    note(relative);
  }

  static int depth_of(const std::string& relative) {
    return 1 + static_cast<int>(std::count(relative.begin(), relative.end(), '/'));
  }

  void arm() {
    settle.expires_after(options.settle);
    settle_armed = true;
    settle.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;  // re-armed by a later event, or gone
      self->settle_armed = false;
      self->report();
    });
  }

  void report() {
    WatchChanges changes;
    changes.files.assign(pending.begin(), pending.end());
    changes.config = pending_config;
    changes.overflow = pending_overflow;
    pending.clear();
    pending_config = pending_overflow = false;
    if (on_change) on_change(changes);
  }
};

Watcher::Watcher(asio::io_context& io, WatchOptions options, Callback on_change)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(on_change))) {}

Watcher::~Watcher() {
  boost::system::error_code ec;
  impl_->settle.cancel();
  impl_->stream.close(ec);  // closing the descriptor removes its watches
}

std::optional<std::string> Watcher::start(std::vector<std::string>& warnings) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return std::string("cannot watch files: inotify_init1: ") + std::strerror(errno);
  impl_->stream.assign(fd);
  impl_->warnings = &warnings;
  impl_->add_tree("", 0, false);
  impl_->warnings = nullptr;
  if (impl_->dirs.empty())
    return "cannot watch " + impl_->options.root.string() + ": " + std::strerror(errno);
  impl_->read();
  return std::nullopt;
}

std::size_t Watcher::watched_dirs() const { return impl_->dirs.size(); }

// ---- which functions a change concerns ---------------------------------------------------------

namespace {

enum class Kind { Python, Node, Any };

Kind kind_of(std::string_view file) {
  auto slash = file.rfind('/');
  std::string_view name = slash == std::string_view::npos ? file : file.substr(slash + 1);
  if (ends_with(name, ".py")) return Kind::Python;
  for (std::string_view ext : {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"})
    if (ends_with(name, ext)) return Kind::Node;
  if (name == "package.json" || name == "tsconfig.json") return Kind::Node;
  return Kind::Any;
}

}  // namespace

std::vector<std::string> functions_for_changes(const app::AppSpec& app,
                                               const std::vector<std::string>& files) {
  bool python = false, node = false, any = false;
  for (const auto& f : files) {
    if (is_config_file(f)) continue;  // the app's definition: see app_differences
    switch (kind_of(f)) {
      case Kind::Python: python = true; break;
      case Kind::Node: node = true; break;
      case Kind::Any: any = true; break;
    }
  }
  std::vector<std::string> keys;
  for (const auto& fn : app.functions) {
    bool hit = any || (python && fn.family == app::RuntimeFamily::Python) ||
               (node && fn.family == app::RuntimeFamily::Node);
    if (hit) keys.push_back(fn.key);
  }
  return keys;
}

}  // namespace serverlite::invoker

// ---- what a new definition of the app changes ---------------------------------------------------

namespace serverlite::invoker {

namespace {

std::string route_text(const app::HttpRoute& r) {
  return std::string(r.kind == app::ApiKind::Rest ? "http " : "httpApi ") + r.method + " " +
         (r.path.empty() ? "*" : r.path);
}

std::set<std::string> routes_of(const app::FunctionSpec& fn) {
  std::set<std::string> out;
  for (const auto& r : fn.routes) out.insert(route_text(r));
  return out;
}

std::set<std::string> triggers_of(const app::FunctionSpec& fn) {
  std::set<std::string> out;
  for (const auto& q : fn.queue_events)
    out.insert("sqs " + q.arn_json + " batch " + std::to_string(q.batch_size) +
               (q.enabled ? "" : " disabled"));
  for (const auto& s : fn.stream_events)
    out.insert("stream " + s.arn_json + " batch " + std::to_string(s.batch_size) +
               (s.enabled ? "" : " disabled"));
  for (const auto& n : fn.notify_events)
    out.insert("notify " + std::to_string(static_cast<int>(n.kind)) + " " + n.rule + " " +
               n.topic + " " + n.bucket + " " + n.pattern);
  return out;
}

// The environment as written: the running app's has its CloudFormation functions evaluated.
std::map<std::string, std::string> written_environment(const app::FunctionSpec& fn) {
  auto env = fn.environment;
  for (const auto& [name, deferred] : fn.environment_intrinsics) env[name] = deferred.json;
  return env;
}

const nlohmann::json* resource_body(const app::AppSpec& app, const std::string& id) {
  if (!app.document) return nullptr;
  const auto& doc = *app.document;
  auto res = doc.find("resources");
  if (res == doc.end() || !res->is_object()) return nullptr;
  auto all = res->find("Resources");
  if (all == res->end() || !all->is_object()) return nullptr;
  auto it = all->find(id);
  return it == all->end() ? nullptr : &*it;
}

}  // namespace

std::vector<std::string> app_differences(const app::AppSpec& running, const app::AppSpec& now) {
  std::vector<std::string> out;
  if (running.service != now.service)
    out.push_back("service renamed to '" + now.service + "'");
  if (running.stage != now.stage) out.push_back("stage is now '" + now.stage + "'");
  if (running.region != now.region) out.push_back("region is now '" + now.region + "'");

  for (const auto& fn : running.functions)
    if (!now.find_function(fn.key)) out.push_back("function '" + fn.key + "' removed");
  for (const auto& fn : now.functions) {
    const app::FunctionSpec* old = nullptr;
    for (const auto& o : running.functions)
      if (o.key == fn.key) old = &o;
    if (!old) {
      out.push_back("function '" + fn.key + "' added");
      continue;
    }
    std::vector<std::string> what;
    if (old->name != fn.name) what.push_back("name");
    if (old->handler != fn.handler) what.push_back("handler");
    if (old->runtime != fn.runtime) what.push_back("runtime");
    if (written_environment(*old) != written_environment(fn)) what.push_back("environment");
    if (old->timeout_seconds != fn.timeout_seconds) what.push_back("timeout");
    if (old->memory_mb != fn.memory_mb) what.push_back("memorySize");
    if (old->reserved_concurrency != fn.reserved_concurrency)
      what.push_back("reservedConcurrency");
    if (routes_of(*old) != routes_of(fn)) what.push_back("routes");
    if (triggers_of(*old) != triggers_of(fn)) what.push_back("events");
    if (what.empty()) continue;
    std::string line = "function '" + fn.key + "': ";
    for (std::size_t i = 0; i < what.size(); ++i) line += (i ? ", " : "") + what[i];
    out.push_back(line + " changed");
  }

  for (const auto& r : running.resources) {
    bool kept = std::any_of(now.resources.begin(), now.resources.end(),
                            [&](const auto& n) { return n.logical_id == r.logical_id; });
    if (!kept) out.push_back("resource '" + r.logical_id + "' removed");
  }
  for (const auto& r : now.resources) {
    auto old = std::find_if(running.resources.begin(), running.resources.end(),
                            [&](const auto& o) { return o.logical_id == r.logical_id; });
    if (old == running.resources.end()) {
      out.push_back("resource '" + r.logical_id + "' (" + r.type + ") added");
      continue;
    }
    const auto* a = resource_body(running, r.logical_id);
    const auto* b = resource_body(now, r.logical_id);
    if (old->type != r.type || !a || !b || *a != *b)
      out.push_back("resource '" + r.logical_id + "' changed");
  }
  return out;
}

}  // namespace serverlite::invoker
