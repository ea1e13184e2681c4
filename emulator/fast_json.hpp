// JSON text read by simdjson (several times faster than nlohmann's lexer) and handed on as
// nlohmann JSON, typed as nlohmann's own parser types it: a non-negative integer is unsigned, a
// duplicate member keeps its last value.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace serverlite {

// nullopt when simdjson refuses the text: invalid JSON, or what nlohmann reads and simdjson does
// not (numbers beyond 64 bits, nesting past 1,024 levels). The caller decides what follows.
std::optional<nlohmann::json> parse_json_fast(std::string_view text);

// parse_json_fast, else nlohmann's parser (which throws nlohmann::json::parse_error).
nlohmann::json parse_json(std::string_view text);

}  // namespace serverlite
