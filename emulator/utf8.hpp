#pragma once

#include <string>
#include <string_view>

namespace serverlite {

// Well-formed UTF-8 (RFC 3629): no overlong forms, UTF-16 surrogates, code points past
// U+10FFFF, stray continuation bytes or truncated sequences.
bool is_valid_utf8(std::string_view bytes);

// `bytes` with each byte that starts no well-formed sequence replaced by U+FFFD: for text read
// from a request that goes back into an answer (a JSON or CBOR string must be UTF-8).
std::string to_valid_utf8(std::string_view bytes);

}  // namespace serverlite
