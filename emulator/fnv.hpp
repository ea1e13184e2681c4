// FNV-1a, 32 bits: a small, stable, non-cryptographic hash for checksums inside opaque tokens
// (shard iterators) and for short stable identifiers derived from names.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace serverlite {

inline std::uint32_t fnv1a_32(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) h = (h ^ c) * 16777619u;
  return h;
}

// fnv1a_32() as 8 lowercase hex digits.
inline std::string fnv1a_32_hex(std::string_view text) {
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", fnv1a_32(text));
  return buffer;
}

}  // namespace serverlite
