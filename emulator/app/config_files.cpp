#include "emulator/app/config_files.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/yaml_json.hpp"
#include "emulator/fast_json.hpp"

namespace serverlite::app {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;
constexpr auto kProgramTimeout = std::chrono::seconds(60);

struct ProgramResult {
  int status = -1;  // exit code; -1 when it did not exit normally
  std::string out, err;
  bool too_large = false, timed_out = false;
};

// Runs argv in `cwd` with `input` on its stdin; stdout and stderr are collected (each up to
// kMaxConfigProgramOutput). A program that runs past kProgramTimeout is killed.
ProgramResult run_program(const std::vector<std::string>& argv, const fs::path& cwd,
                          const std::string& input) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ProgramResult r;
  std::size_t written = 0;
  int in_fd = in[1];
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  auto deadline = std::chrono::steady_clock::now() + kProgramTimeout;
  int open_outputs = 2;
  while (open_outputs > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    int n = ::poll(fds, in_fd >= 0 ? 3 : 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got <= 0) {
        ::close(fds[k].fd);
        (k == 0 ? out[0] : err[0]) = -1;
        --open_outputs;
        continue;
      }
      std::string& sink = k == 0 ? r.out : r.err;
      sink.append(buf, static_cast<std::size_t>(got));
      if (sink.size() > kMaxConfigProgramOutput) r.too_large = true;
    }
    if (r.too_large) break;
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t put = ::write(in_fd, input.data() + written, input.size() - written);
      if (put > 0) written += static_cast<std::size_t>(put);
      if (put < 0 && errno != EAGAIN) written = input.size();
      if (written >= input.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  if (out[0] >= 0) ::close(out[0]);
  if (err[0] >= 0) ::close(err[0]);
  if (r.timed_out || r.too_large) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Evaluates the module (CommonJS or ESM, through import()) or, with code on stdin, the bundled
// CommonJS code as if it were `file`; prints what it exports (awaited) as JSON.
constexpr const char* kEvaluate = R"JS(
const path = require('path');
const file = process.argv[1];
const fromStdin = process.argv[2] === 'stdin';
async function load() {
  if (!fromStdin) {
    const m = await import(require('url').pathToFileURL(file).href);
    return m.default !== undefined ? m.default : m;
  }
  const code = require('fs').readFileSync(0, 'utf8');
  const Module = require('module');
  const m = new Module(file, null);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(code, file);
  const e = m.exports;
  return e && e.__esModule && e.default !== undefined ? e.default : e;
}
load().then(async (v) => {
  v = await v;
  process.stdout.write(JSON.stringify(v === undefined ? null : v));
}).catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
)JS";

std::string tail_lines(const std::string& text, std::size_t max_chars = 2000) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  if (t.size() > max_chars) t = "..." + t.substr(t.size() - max_chars);
  return t;
}

std::string find_esbuild(const fs::path& dir) {
  std::error_code ec;
  for (fs::path d = dir; !d.empty(); d = d.parent_path()) {
    fs::path candidate = d / "node_modules" / ".bin" / "esbuild";
    if (fs::exists(candidate, ec)) return candidate.string();
    if (d == d.parent_path()) break;
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string one;
    while (std::getline(dirs, one, ':')) {
      if (!one.empty() && ::access((fs::path(one) / "esbuild").c_str(), X_OK) == 0) {
        return (fs::path(one) / "esbuild").string();
      }
    }
  }
  return "";
}

Json evaluate_program(const fs::path& file, const std::string& label) {
  const fs::path dir = file.parent_path();
  std::string code;
  if (file.extension() == ".ts") {
    std::string esbuild = find_esbuild(dir);
    if (esbuild.empty()) {
      throw ConfigError(label, "",
                        "reading a TypeScript definition needs esbuild: install it in the app "
                        "(npm install --save-dev esbuild) or on PATH");
    }
    auto built = run_program({esbuild, file.string(), "--bundle", "--platform=node",
                              "--format=cjs", "--packages=external", "--log-level=error"},
                             dir, "");
    if (built.status != 0 || built.too_large || built.timed_out) {
      throw ConfigError(label, "", "esbuild could not build it: " + tail_lines(built.err));
    }
    code = std::move(built.out);
    if (code.empty()) code = " ";
  }
  ProgramResult r;
  try {
    r = run_program({"node", "-e", kEvaluate, file.string(), code.empty() ? "import" : "stdin"},
                    dir, code);
  } catch (const std::exception& e) {
    throw ConfigError(label, "", std::string("cannot run node: ") + e.what());
  }
  if (r.timed_out) throw ConfigError(label, "", "node did not finish evaluating it in 60 s");
  if (r.too_large) {
    throw ConfigError(label, "", "what it exports is larger than " +
                                     std::to_string(kMaxConfigProgramOutput) + " bytes");
  }
  if (r.status == 127) throw ConfigError(label, "", "evaluating it needs node on PATH");
  if (r.status != 0) throw ConfigError(label, "", "node could not evaluate it: " + tail_lines(r.err));
  if (json_nesting_exceeds(r.out)) throw ConfigError(label, "", "what it exports nests too deep");
  Json doc = Json::parse(r.out, nullptr, false);
  if (doc.is_discarded()) throw ConfigError(label, "", "node printed something that is not JSON");
  return doc;
}

std::string read_text(const fs::path& file, const std::string& label) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) throw ConfigError(label, "", "cannot read the file (" + ec.message() + ")");
  if (size > kMaxConfigBytes) {
    throw ConfigError(label, "", "the file is larger than " + std::to_string(kMaxConfigBytes) +
                                     " bytes");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

fs::path find_config_file(const fs::path& given) {
  std::error_code ec;
  fs::path p = given.empty() ? fs::current_path(ec) : given;
  if (p.is_relative()) p = fs::absolute(p, ec);
  p = p.lexically_normal();
  if (!fs::is_directory(p, ec)) {
    if (!fs::is_regular_file(p, ec)) {
      throw ConfigError(given.filename().string(), "", "file not found: " + given.string());
    }
    return p;
  }
  for (const auto& name : kConfigNames) {
    if (fs::is_regular_file(p / name, ec)) return p / name;
  }
  throw ConfigError("serverless.yml", "",
                    "file not found: no serverless.yml, serverless.yaml, serverless.json, "
                    "serverless.js or serverless.ts in " + p.string());
}

Json read_config_document(const fs::path& file, const std::string& label) {
  std::string ext = file.extension().string();
  if (ext == ".js" || ext == ".cjs" || ext == ".mjs" || ext == ".ts") {
    return evaluate_program(file, label);
  }
  if (ext == ".json") {
    std::string text = read_text(file, label);
    if (json_nesting_exceeds(text)) throw ConfigError(label, "", "the document nests too deep");
    try {
      return Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw ConfigError(label, "", std::string("JSON syntax error: ") + e.what());
    }
  }
  return load_yaml_file(file, label);
}

std::map<std::string, std::string> framework_dotenv(const fs::path& service_dir,
                                                    const std::string& stage,
                                                    const DotenvLookup& lookup,
                                                    std::vector<std::string>& loaded) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  fs::path file = service_dir / (".env." + stage);
  if (!fs::is_regular_file(file, ec)) file = service_dir / ".env";
  if (!fs::is_regular_file(file, ec)) return out;
  std::string label = file.filename().string();
  for (auto& [name, value] : load_dotenv_file(file, label, lookup)) {
    if (lookup && lookup(name)) continue;
    out[name] = value;
  }
  loaded.push_back(label);
  return out;
}

std::map<std::string, std::string> plugin_dotenv(const fs::path& service_dir,
                                                 const std::string& stage,
                                                 const std::vector<std::string>& paths,
                                                 const DotenvLookup& lookup,
                                                 std::vector<std::string>& loaded) {
  std::vector<std::string> files = paths;
  if (files.empty()) {
    std::string env = stage;
    if (lookup) {
      if (auto node_env = lookup("NODE_ENV"); node_env && !node_env->empty()) env = *node_env;
    }
    files = {".env." + env + ".local", ".env." + env, ".env.local", ".env"};
  }
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& rel : files) {
    fs::path file = fs::path(rel).is_absolute() ? fs::path(rel) : service_dir / rel;
    if (!fs::is_regular_file(file, ec)) continue;
    auto in_scope = [&](const std::string& name) -> std::optional<std::string> {
      if (lookup) {
        if (auto v = lookup(name)) return v;
      }
      if (auto it = out.find(name); it != out.end()) return it->second;
      return std::nullopt;
    };
    for (auto& [name, value] : load_dotenv_file(file, rel, in_scope)) {
      // The first file that defines a name wins; a name the environment has keeps its value.
      std::optional<std::string> set = lookup ? lookup(name) : std::nullopt;
      out.emplace(name, set ? *set : value);
    }
    loaded.push_back(rel);
  }
  return out;
}

}  // namespace serverlite::app
