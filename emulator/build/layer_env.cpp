#include "emulator/build/layer_env.hpp"

#include <algorithm>
#include <system_error>

namespace serverlite::build {
namespace {

namespace fs = std::filesystem;

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// "python3.12" → "python3.12"; "nodejs20.x" → "node20"; else empty.
std::string versioned_dir(const app::FunctionSpec& fn) {
  if (fn.family == app::RuntimeFamily::Python) return fn.runtime;
  if (fn.family == app::RuntimeFamily::Node && fn.runtime.size() > 8)
    return "node" + fn.runtime.substr(6, fn.runtime.size() - 8);
  return {};
}

// Appends `dirs` to the variable `name` in `env`, after what it holds.
void extend(std::vector<std::string>& env, const std::string& name,
            const std::vector<fs::path>& dirs) {
  if (dirs.empty()) return;
  std::string joined;
  for (const auto& d : dirs) {
    if (!joined.empty()) joined += ':';
    joined += d.string();
  }
  std::string prefix = name + "=";
  auto it = std::find_if(env.begin(), env.end(),
                         [&](const std::string& e) { return e.starts_with(prefix); });
  if (it == env.end()) {
    env.push_back(prefix + joined);
  } else if (it->size() == prefix.size()) {
    *it += joined;
  } else {
    *it += ":" + joined;
  }
}

}  // namespace

void add_layer_paths(const app::FunctionSpec& fn, std::vector<std::string>& env) {
  if (fn.layers.empty()) return;
  std::vector<fs::path> python, node, bin, lib;
  std::string versioned = versioned_dir(fn);
  for (auto layer = fn.layers.rbegin(); layer != fn.layers.rend(); ++layer) {
    auto add = [](std::vector<fs::path>& to, const fs::path& dir) {
      if (is_dir(dir)) to.push_back(dir);
    };
    if (fn.family == app::RuntimeFamily::Python) {
      add(python, *layer / "python" / "lib" / versioned / "site-packages");
      add(python, *layer / "python");
    }
    if (fn.family == app::RuntimeFamily::Node) {
      add(node, *layer / "nodejs" / versioned / "node_modules");
      add(node, *layer / "nodejs" / "node_modules");
    }
    add(bin, *layer / "bin");
    add(lib, *layer / "lib");
  }
  extend(env, "PYTHONPATH", python);
  extend(env, "NODE_PATH", node);
  extend(env, "PATH", bin);
  extend(env, "LD_LIBRARY_PATH", lib);
}

}  // namespace serverlite::build
