// The numbers of Kinesis: 128-bit hash keys, the shards' hash-key ranges, and sequence numbers.
//
// - A record's hash key is the MD5 of its partition key read as a 128-bit big-endian unsigned
//   integer, or its ExplicitHashKey; it goes to the open shard whose range holds it.
// - CreateStream with N shards splits [0, 2^128-1] evenly: shard i starts at i * floor(2^128 / N)
//   and ends one below the next start; the last shard ends at 2^128-1. (Kinesis's own ranges.)
// - Sequence numbers have Kinesis's layout (below): they embed the shard, its creation time, the
//   record's position and its arrival time, so they order like Kinesis's and name their shard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace serverlite::stream {

using HashKey = unsigned __int128;

inline constexpr HashKey kMaxHashKey = ~HashKey{0};

// Decimal text of a hash key, and back: digits only, no sign, no leading zeros (except "0"),
// at most 2^128-1. nullopt otherwise.
std::string hash_key_text(HashKey key);
std::optional<HashKey> parse_hash_key(std::string_view text);

// MD5(partition key) as a big-endian 128-bit integer.
HashKey partition_key_hash(std::string_view partition_key);

// [start, end] of each of `count` shards covering the whole key space evenly.
std::vector<std::pair<HashKey, HashKey>> even_ranges(int count);

// A sequence number in Kinesis's layout (version 2), a decimal number whose hexadecimal digits are
//   2 | shard creation, epoch s (9) | shard index, last digit (1) | position (16) | 00 |
//   arrival, epoch s (9) | shard index (8) | 2
// so numbers of one shard order by position, and each names its shard and when it was written.
// The position is serverlite's stream-wide record counter.
struct SequenceParts {
  std::int64_t shard_index = 0;
  std::int64_t position = 0;
  std::int64_t time_ms = 0;           // the record's arrival (kept to the second)
  std::int64_t shard_created_ms = 0;  // its shard's creation (kept to the second)
  int version = 2;                    // of a parsed number: 0, 1 or 2 (older layouts)
};

std::string make_sequence_number(const SequenceParts& parts);
// nullopt when `text` is not a sequence number in one of Kinesis's layouts (versions 0 to 2),
// as Kinesis refuses it: a version it does not know, a position or creation time out of range.
std::optional<SequenceParts> parse_sequence_number(std::string_view text);

// "shardId-000000000007" and back (the index is the digits between the id's first '-' and the
// next, or the whole id when it has no '-', as Kinesis reads "7", "shardId-7" and "x-7"; at most
// 2^31-1). A negative index (only ever parsed from a sequence number) is "shardId--00000000007".
std::string shard_id_of(std::int64_t index);
std::optional<std::int64_t> shard_index_of(std::string_view shard_id);

}  // namespace serverlite::stream
