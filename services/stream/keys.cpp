#include "services/stream/keys.hpp"

#include <algorithm>

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
constexpr std::size_t kIndexDigits = 10, kPositionDigits = 25, kTimeDigits = 19;
constexpr std::size_t kSequenceLength = 2 + kIndexDigits + kPositionDigits + kTimeDigits;  // 56

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

std::string make_sequence_number(const SequenceParts& parts) {
  std::string out(kSequenceLength, '0');
  out[0] = '4';
  out[1] = '9';
  put_digits(out.data() + 2, static_cast<std::uint64_t>(parts.shard_index), kIndexDigits);
  put_digits(out.data() + 2 + kIndexDigits, static_cast<std::uint64_t>(parts.position),
             kPositionDigits);
  put_digits(out.data() + 2 + kIndexDigits + kPositionDigits,
             static_cast<std::uint64_t>(parts.time_ms), kTimeDigits);
  return out;
}

std::optional<SequenceParts> parse_sequence_number(std::string_view text) {
  if (text.size() != kSequenceLength || !text.starts_with("49")) return std::nullopt;
  auto index = digits(text.substr(2, kIndexDigits));
  auto position = digits(text.substr(2 + kIndexDigits, kPositionDigits));
  auto time = digits(text.substr(2 + kIndexDigits + kPositionDigits, kTimeDigits));
  if (!index || !position || !time) return std::nullopt;
  return SequenceParts{*index, *position, *time};
}

std::string shard_id_of(std::int64_t index) {
  std::string out = "shardId-000000000000";
  put_digits(out.data() + 8, static_cast<std::uint64_t>(index), 12);
  return out;
}

std::optional<std::int64_t> shard_index_of(std::string_view shard_id) {
  if (shard_id.starts_with("shardId-")) shard_id.remove_prefix(8);
  if (shard_id.empty() || shard_id.size() > 12) return std::nullopt;
  auto value = digits(shard_id);
  if (!value || *value > 2147483647) return std::nullopt;
  return value;
}

}  // namespace serverlite::stream
