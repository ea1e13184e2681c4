// `.env` files, read as the `dotenv` package reads them (which the Serverless Framework and
// serverless-dotenv-plugin use), with `dotenv-expand`'s variable expansion.
//
//   # a comment                     blank lines and comments are skipped
//   NAME=value                      unquoted: trimmed; `#` starts a comment
//   export NAME=value               `export ` is allowed and ignored
//   NAME='single $NOT expanded'     single quotes: literal, no expansion
//   NAME="line\nbreak $OTHER"       double quotes: \n and \r become newlines; may span lines
//   NAME=`backticks`                literal, may span lines
//   NAME=$OTHER/${OTHER}/${X:-def}  expansion: from `lookup` (the process environment) first,
//                                   then names defined earlier in the file; \$ is a literal $
// A later definition of a name replaces an earlier one in the same file. Lines that are not
// `NAME=...` are ignored, as dotenv ignores them.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace serverlite::app {

// Larger files are refused (ConfigError): a .env file holds a few settings. Expansion may make
// values larger (B=$A$A, C=$B$B ... doubles each line): all values together may not pass
// kMaxDotenvExpanded bytes.
constexpr std::size_t kMaxDotenvBytes = 1024 * 1024;
constexpr std::size_t kMaxDotenvExpanded = 4 * 1024 * 1024;

using DotenvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The name/value pairs of `text` in order of first definition. `lookup` answers names for
// expansion that the environment already has (may be empty: no environment). Throws
// ConfigError(label, "", ...) when the values expand past kMaxDotenvExpanded.
std::vector<std::pair<std::string, std::string>> parse_dotenv(const std::string& text,
                                                              const DotenvLookup& lookup,
                                                              const std::string& label = ".env");

// Reads and parses `path`; throws ConfigError(label, "", ...) when it cannot be read or is
// larger than kMaxDotenvBytes.
std::vector<std::pair<std::string, std::string>> load_dotenv_file(const std::filesystem::path& path,
                                                                  const std::string& label,
                                                                  const DotenvLookup& lookup);

}  // namespace serverlite::app
