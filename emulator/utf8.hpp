#pragma once

#include <string_view>

namespace serverlite {

// Well-formed UTF-8 (RFC 3629): no overlong forms, UTF-16 surrogates, code points past
// U+10FFFF, stray continuation bytes or truncated sequences.
bool is_valid_utf8(std::string_view bytes);

}  // namespace serverlite
