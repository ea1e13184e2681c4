// Finding and reading the app's definition and its .env files (load_app's first steps).
//
// The definition is found as the Serverless Framework finds it: serverless.yml, serverless.yaml,
// serverless.json, serverless.js, serverless.ts (first found, in the directory given, else the
// current one). .js and .ts files are programs: Node evaluates them in the service directory
// and prints the exported object (or what its promise gives) as JSON; .ts is first bundled with
// esbuild (the app's node_modules/.bin/esbuild, else one on PATH).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/dotenv.hpp"

namespace serverlite::app {

// One ConfigError holding several problems (load_app reports all it finds): what() is their
// messages one a line; file(), key_path() are the first's and problem() the first's followed by
// the other messages. `all` must not be empty.
ConfigError combine_config_errors(const std::vector<ConfigError>& all);

// Each problem's "FILE: KEY.PATH: PROBLEM" of an error combine_config_errors made (one for any
// other ConfigError).
std::vector<std::string> config_error_messages(const ConfigError& error);

// The names tried, in order.
inline const std::vector<std::string> kConfigNames = {
    "serverless.yml", "serverless.yaml", "serverless.json", "serverless.js", "serverless.ts"};

// `given` as an absolute path: a file as it is; a directory (or empty: the current directory)
// searched for kConfigNames. Throws ConfigError when nothing is found.
std::filesystem::path find_config_file(const std::filesystem::path& given);

// The document, by the file's extension. Throws ConfigError labelled `label`.
nlohmann::ordered_json read_config_document(const std::filesystem::path& file,
                                            const std::string& label);

// Output of a program evaluating a .js/.ts definition is refused past this size.
constexpr std::size_t kMaxConfigProgramOutput = 16 * 1024 * 1024;

// The variables of the .env files the Serverless Framework (v4, or v3 with useDotenv) loads:
// `.env.{stage}` when it exists, else `.env`. Names `lookup` already answers are left out (a
// .env file never overrides the environment). `loaded` gets the file names read.
std::map<std::string, std::string> framework_dotenv(const std::filesystem::path& service_dir,
                                                    const std::string& stage,
                                                    const DotenvLookup& lookup,
                                                    std::vector<std::string>& loaded);

// serverless-dotenv-plugin's files: custom.dotenv.path when given, else `.env.{env}.local`,
// `.env.{env}`, `.env.local`, `.env` (env: NODE_ENV, else the stage); the first file that
// defines a name wins, and a name the environment has keeps the environment's value. These go
// into every function's environment, as the plugin puts them there.
std::map<std::string, std::string> plugin_dotenv(const std::filesystem::path& service_dir,
                                                 const std::string& stage,
                                                 const std::vector<std::string>& paths,
                                                 const DotenvLookup& lookup,
                                                 std::vector<std::string>& loaded);

}  // namespace serverlite::app
