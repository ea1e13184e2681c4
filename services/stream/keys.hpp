// The numbers of Kinesis: 128-bit hash keys, the shards' hash-key ranges, and sequence numbers.
//
// - A record's hash key is the MD5 of its partition key read as a 128-bit big-endian unsigned
//   integer, or its ExplicitHashKey; it goes to the open shard whose range holds it.
// - CreateStream with N shards splits [0, 2^128-1] evenly: shard i starts at i * floor(2^128 / N)
//   and ends one below the next start; the last shard ends at 2^128-1. (Kinesis's own ranges.)
// - Sequence numbers are serverlite's (see engine.hpp): 56 decimal digits that embed the shard
//   index, the record's position and its arrival time, so they order like Kinesis's and name
//   their shard.
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

struct SequenceParts {
  std::int64_t shard_index = 0;
  std::int64_t position = 0;
  std::int64_t time_ms = 0;
};

std::string make_sequence_number(const SequenceParts& parts);
// nullopt when `text` is not a sequence number serverlite wrote.
std::optional<SequenceParts> parse_sequence_number(std::string_view text);

// "shardId-000000000007" and back (the index is what follows "shardId-", or the whole text when
// it is only digits, as Kinesis accepts "7" and "shardId-7").
std::string shard_id_of(std::int64_t index);
std::optional<std::int64_t> shard_index_of(std::string_view shard_id);

}  // namespace serverlite::stream
