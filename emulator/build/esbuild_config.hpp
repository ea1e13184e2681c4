// How a TypeScript handler is built: the esbuild command-line settings serverless.yml asks for,
// read as the Serverless Framework v4 reads `build.esbuild`, or as the serverless-esbuild plugin
// reads `custom.esbuild` when the app lists that plugin.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/app/app_spec.hpp"

namespace serverlite::build {

// Handler files serverlite builds before it runs them.
bool is_typescript(const std::filesystem::path& file);

// The file of a Node handler ("src/handler.main" → "src/handler.ts", relative to the service
// directory) when it has to be built: no .js/.mjs/.cjs of that name exists and a .ts/.mts/.cts
// does. Empty otherwise.
std::filesystem::path typescript_entry(const std::filesystem::path& service_dir,
                                       const std::string& handler);

struct EsbuildConfig {
  bool disabled = false;           // build.esbuild: false, and no plugin that builds
  std::string disabled_reason;     // what to tell the user then
  std::string source;              // "build.esbuild", "custom.esbuild" or "" (defaults)
  std::vector<std::string> args;   // esbuild flags, without entry point and outputs
  std::string format = "cjs";      // "cjs" or "esm": the output file is .cjs or .mjs
  bool source_maps = true;
  bool set_node_options = true;    // NODE_OPTIONS gets --enable-source-maps
  std::vector<std::string> warnings;  // settings that are not applied here
};

// The settings for building `entry` (relative to the service directory) of `fn`.
EsbuildConfig esbuild_config(const nlohmann::json& document, const app::FunctionSpec& fn,
                             const std::filesystem::path& entry);

}  // namespace serverlite::build
