// JSON text read by simdjson (several times faster than nlohmann's lexer) and handed on as
// nlohmann JSON, typed as nlohmann's own parser types it: a non-negative integer is unsigned, a
// duplicate member keeps its last value.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace serverlite {

// nullopt when simdjson refuses the text: invalid JSON, or what nlohmann reads and simdjson does
// not (numbers beyond 64 bits, nesting past 1,024 levels). The caller decides what follows.
std::optional<nlohmann::json> parse_json_fast(std::string_view text);

// The deepest nesting of arrays and objects that request bodies may have: simdjson's own limit,
// which parse_json_fast enforces. nlohmann's parser has none, and a value nested 10,000 levels
// deep overflows the stack of whatever walks it recursively afterwards (copy, dump, validation).
inline constexpr std::size_t kMaxJsonNesting = 1024;

// Whether `text` opens more than `limit` arrays and objects inside one another (brackets inside
// strings do not count). Reads the text once without recursing; it need not be valid JSON.
bool json_nesting_exceeds(std::string_view text, std::size_t limit = kMaxJsonNesting);

// parse_json_fast, else nlohmann's parser (which throws nlohmann::json::parse_error).
nlohmann::json parse_json(std::string_view text);

}  // namespace serverlite
