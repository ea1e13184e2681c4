#include "emulator/build/build_output.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace serverlite::build {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxMetafileBytes = 64ull * 1024 * 1024;

bool read_file(const fs::path& file, std::string& out, std::uintmax_t limit) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > limit) return false;
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = std::move(text).str();
  return true;
}

}  // namespace

fs::path cache_dir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (auto dir = env("SERVERLITE_CACHE_DIR"); !dir.empty()) return dir;
  if (auto dir = env("XDG_CACHE_HOME"); !dir.empty()) return fs::path(dir) / "serverlite";
  if (auto dir = env("HOME"); !dir.empty()) return fs::path(dir) / ".cache" / "serverlite";
  return fs::temp_directory_path() / ("serverlite-cache-" + std::to_string(::getuid()));
}

bool is_stale(const fs::path& output, const fs::path& metafile, const fs::path& base,
              const fs::path& stamp, const std::string& settings) {
  std::error_code ec;
  auto built = fs::last_write_time(output, ec);
  if (ec) return true;
  std::string text;
  if (!read_file(stamp, text, 1024 * 1024) || text != settings) return true;
  if (!read_file(metafile, text, kMaxMetafileBytes)) return true;
  // esbuild writes the metafile itself: flat, two levels deep; the parser's own depth is bounded
  // by the size limit above.
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return true;
  auto inputs = doc.find("inputs");
  if (inputs == doc.end() || !inputs->is_object() || inputs->empty()) return true;
  for (const auto& [name, _] : inputs->items()) {
    fs::path input = name;
    // Inputs outside the file system (a plugin's namespace "ns:path") are not files to compare.
    if (name.find(':') != std::string::npos && !fs::exists(base / input, ec)) continue;
    auto changed = fs::last_write_time(input.is_absolute() ? input : base / input, ec);
    if (ec || changed > built) return true;
  }
  return false;
}

std::vector<fs::path> metafile_inputs(const fs::path& metafile, const fs::path& base) {
  std::vector<fs::path> inputs;
  std::string text;
  if (!read_file(metafile, text, kMaxMetafileBytes)) return inputs;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("inputs") ||
      !doc["inputs"].is_object())
    return inputs;
  for (const auto& [name, _] : doc["inputs"].items()) {
    fs::path input = name;
    inputs.push_back((input.is_absolute() ? input : base / input).lexically_normal());
  }
  return inputs;
}

}  // namespace serverlite::build
