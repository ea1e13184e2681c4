// ASCII case folding for protocol text (header names, HTTP methods, host names, keywords): only
// A-Z change, whatever the process's locale says.
#pragma once

#include <string>
#include <string_view>

namespace serverlite {

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

inline std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace serverlite
