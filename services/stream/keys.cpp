#include "services/stream/keys.hpp"

#include <algorithm>
#include <array>

#include "emulator/md5.hpp"

namespace serverlite::stream {

std::string hash_key_text(HashKey key) {
  if (key == 0) return "0";
  std::string out;
  while (key > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(key % 10)));
    key /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<HashKey> parse_hash_key(std::string_view text) {
  if (text.empty() || text.size() > 39) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  HashKey value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    HashKey digit = static_cast<HashKey>(c - '0');
    if (value > (kMaxHashKey - digit) / 10) return std::nullopt;  // past 2^128-1
    value = value * 10 + digit;
  }
  return value;
}

HashKey partition_key_hash(std::string_view partition_key) {
  HashKey key = 0;
  for (unsigned char byte : md5(partition_key)) key = (key << 8) | byte;
  return key;
}

std::vector<std::pair<HashKey, HashKey>> even_ranges(int count) {
  std::vector<std::pair<HashKey, HashKey>> ranges;
  if (count <= 0) return ranges;
  // floor(2^128 / count), computed without 2^128: (max / count) is the same unless count divides
  // 2^128, i.e. count is a power of two, where it is one less.
  HashKey step = kMaxHashKey / static_cast<HashKey>(count);
  if ((kMaxHashKey % static_cast<HashKey>(count)) == static_cast<HashKey>(count - 1)) ++step;
  for (int i = 0; i < count; ++i) {
    HashKey start = step * static_cast<HashKey>(i);
    HashKey end = i + 1 == count ? kMaxHashKey : step * static_cast<HashKey>(i + 1) - 1;
    ranges.emplace_back(start, end);
  }
  return ranges;
}

namespace {

std::optional<std::int64_t> digits(std::string_view text) {
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// `value` in decimal, zero-padded to fill [out, out + width) (the fields are wide enough for any
// non-negative 64-bit value but the shard index, which is below 2^31). snprintf's format parsing
// was a tenth of a PutRecords' own work.
void put_digits(char* out, std::uint64_t value, std::size_t width) {
  for (std::size_t i = width; i-- > 0; value /= 10) out[i] = static_cast<char>('0' + value % 10);
}
}  // namespace

namespace {

// Decimal text <-> hexadecimal digits (lower case, no leading zeros) of numbers below 2^256, in
// four 64-bit limbs (least significant first): sequence numbers have 47 hexadecimal digits.
using Limbs = std::array<std::uint64_t, 4>;

// nullopt when `decimal` is 2^256 or more.
std::optional<std::string> decimal_to_hex(std::string_view decimal) {
  Limbs n{};
  for (char c : decimal) {
    unsigned __int128 carry = static_cast<unsigned>(c - '0');
    for (auto& limb : n) {
      unsigned __int128 v = static_cast<unsigned __int128>(limb) * 10 + carry;
      limb = static_cast<std::uint64_t>(v);
      carry = v >> 64;
    }
    if (carry) return std::nullopt;
  }
  std::string hex;
  for (int i = 3; i >= 0; --i)
    for (int shift = 60; shift >= 0; shift -= 4) {
      int d = static_cast<int>((n[i] >> shift) & 0xf);
      if (hex.empty() && d == 0) continue;
      hex.push_back("0123456789abcdef"[d]);
    }
  return hex.empty() ? "0" : hex;
}

std::string hex_to_decimal(std::string_view hex) {
  Limbs n{};
  for (char c : hex) {
    std::uint64_t d = c <= '9' ? c - '0' : c - 'a' + 10;
    for (int i = 3; i > 0; --i) n[i] = (n[i] << 4) | (n[i - 1] >> 60);
    n[0] = (n[0] << 4) | d;
  }
  constexpr std::uint64_t kChunk = 10000000000000000000ULL;  // 10^19
  std::vector<std::uint64_t> chunks;  // least significant first
  while (n[0] || n[1] || n[2] || n[3]) {
    unsigned __int128 rem = 0;
    for (int i = 3; i >= 0; --i) {
      unsigned __int128 cur = (rem << 64) | n[i];
      n[i] = static_cast<std::uint64_t>(cur / kChunk);
      rem = cur % kChunk;
    }
    chunks.push_back(static_cast<std::uint64_t>(rem));
  }
  if (chunks.empty()) return "0";
  std::string out = std::to_string(chunks.back());
  for (std::size_t i = chunks.size() - 1; i-- > 0;) {
    std::string part = std::to_string(chunks[i]);
    out += std::string(19 - part.size(), '0') + part;
  }
  return out;
}

// `value`'s low `width` hexadecimal digits.
std::string hex_field(std::uint64_t value, std::size_t width) {
  std::string out(width, '0');
  for (std::size_t i = width; i-- > 0; value >>= 4) out[i] = "0123456789abcdef"[value & 0xf];
  return out;
}

std::optional<std::int64_t> hex_value(std::string_view hex) {
  if (hex.empty() || hex.size() > 15) return std::nullopt;
  std::int64_t v = 0;
  for (char c : hex) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + d;
  }
  return v;
}

// Creation times past this (in seconds; about the year 2477) are refused, as Kinesis refuses them.
constexpr std::int64_t kMaxCreationSeconds = 16025175000;

}  // namespace

std::string make_sequence_number(const SequenceParts& parts) {
  auto index = static_cast<std::uint64_t>(parts.shard_index);
  std::string hex = "2";
  hex += hex_field(static_cast<std::uint64_t>(parts.shard_created_ms / 1000), 9);
  hex += hex_field(index, 1);
  hex += hex_field(static_cast<std::uint64_t>(parts.position), 16);
  hex += "00";
  hex += hex_field(static_cast<std::uint64_t>(parts.time_ms / 1000), 9);
  hex += hex_field(index, 8);
  hex += "2";
  return hex_to_decimal(hex);
}

std::optional<SequenceParts> parse_sequence_number(std::string_view text) {
  if (text.empty() || text.size() > 129) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  auto converted = decimal_to_hex(text);
  if (!converted) return std::nullopt;
  std::string hex = std::move(*converted);
  SequenceParts out;
  // Below 2^124: the oldest layout (version 0), read with 2^124 added.
  if (hex.size() < 32) hex = "1" + std::string(31 - hex.size(), '0') + hex;
  if (hex.size() == 32 && hex[0] == '1') {
    out.version = 0;
    auto created = hex_value(hex.substr(1, 9));
    auto shard = hex_value(hex.substr(28, 4));
    if (!created || !shard || *created >= kMaxCreationSeconds) return std::nullopt;
    out.shard_created_ms = *created * 1000;
    out.shard_index = *shard;
    return out;
  }
  // Versions 1 and 2: 47 digits, "2..." above 2^185 (all zeros after the 2 is no number).
  if (hex.size() != 47 || hex[0] != '2' || hex.find_first_not_of('0', 1) == std::string::npos)
    return std::nullopt;
  char version = hex.back();
  auto created = hex_value(hex.substr(1, 9));
  if (!created || *created >= kMaxCreationSeconds) return std::nullopt;
  out.shard_created_ms = *created * 1000;
  auto signed_index = [](std::string_view h) -> std::optional<std::int64_t> {
    auto v = hex_value(h);
    if (!v) return std::nullopt;
    return h[0] > '7' ? -*v : *v;  // a high first digit reads as a negative index
  };
  if (version == '2') {
    if (hex[11] > '7') return std::nullopt;  // the position is a signed 64-bit number
    auto position = hex_value(hex.substr(11, 15));
    auto time = hex_value(hex.substr(29, 9));
    auto shard = signed_index(hex.substr(38, 8));
    if (!position || !time || !shard) return std::nullopt;
    out.version = 2;
    // 16 digits: the first 15, then the last (hex_value reads at most 15).
    out.position = *position * 16 + *hex_value(hex.substr(26, 1));
    out.time_ms = *time * 1000;
    out.shard_index = *shard;
    return out;
  }
  if (version == '1') {
    auto time = hex_value(hex.substr(13, 9));
    auto position = hex_value(hex.substr(36, 2));
    auto shard = signed_index(hex.substr(38, 8));
    if (!time || !position || !shard) return std::nullopt;
    out.version = 1;
    out.time_ms = *time * 1000;
    out.position = *position;
    out.shard_index = *shard;
    return out;
  }
  return std::nullopt;
}

std::string shard_id_of(std::int64_t index) {
  if (index < 0) {
    std::string out = "shardId--00000000000";
    put_digits(out.data() + 9, static_cast<std::uint64_t>(-index), 11);
    return out;
  }
  std::string out = "shardId-000000000000";
  put_digits(out.data() + 8, static_cast<std::uint64_t>(index), 12);
  return out;
}

std::optional<std::int64_t> shard_index_of(std::string_view shard_id) {
  // Kinesis reads the part after the first '-' up to the next one ("shardId-7", "anything-7",
  // "-7"), or the whole id when it has no '-' ("7"), as a decimal index.
  std::string_view digits_part = shard_id;
  if (auto dash = shard_id.find('-'); dash != std::string_view::npos) {
    auto rest = shard_id.substr(dash + 1);
    rest = rest.substr(0, rest.find('-'));
    if (!rest.empty()) digits_part = rest;
  }
  while (digits_part.size() > 1 && digits_part[0] == '0') digits_part.remove_prefix(1);
  if (digits_part.empty() || digits_part.size() > 10) return std::nullopt;
  auto value = digits(digits_part);
  if (!value || *value > 2147483647) return std::nullopt;
  return value;
}

}  // namespace serverlite::stream
