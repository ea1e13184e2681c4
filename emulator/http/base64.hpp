// Standard base64 (RFC 4648, with padding), as AWS uses it in headers and event bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace serverlite::http {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64. Whitespace is not allowed.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace serverlite::http
