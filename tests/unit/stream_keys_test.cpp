// Hash keys, shard ranges, sequence numbers and shard ids of the Kinesis engine.
#include <gtest/gtest.h>

#include "services/stream/keys.hpp"

namespace serverlite::stream {
namespace {

TEST(StreamKeys, HashKeyTextRoundTripsAndRejectsOutOfRange) {
  EXPECT_EQ(hash_key_text(0), "0");
  EXPECT_EQ(hash_key_text(kMaxHashKey), "340282366920938463463374607431768211455");
  EXPECT_EQ(parse_hash_key("340282366920938463463374607431768211455"), kMaxHashKey);
  EXPECT_FALSE(parse_hash_key("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_FALSE(parse_hash_key("-1"));
  EXPECT_FALSE(parse_hash_key("01"));
  EXPECT_FALSE(parse_hash_key(""));
  EXPECT_FALSE(parse_hash_key("12a"));
  EXPECT_EQ(parse_hash_key("170141183460469231731687303715884105728"), HashKey{1} << 127);
}

TEST(StreamKeys, PartitionKeyHashIsMd5BigEndian) {
  // MD5("a") = 0cc175b9c0f1b6a831c399e269772661
  HashKey expected = 0;
  for (unsigned char b : {0x0c, 0xc1, 0x75, 0xb9, 0xc0, 0xf1, 0xb6, 0xa8, 0x31, 0xc3, 0x99, 0xe2,
                          0x69, 0x77, 0x26, 0x61})
    expected = (expected << 8) | b;
  EXPECT_EQ(partition_key_hash("a"), expected);
  EXPECT_EQ(hash_key_text(partition_key_hash("a")), "16955237001963240173058271559858726497");
}

TEST(StreamKeys, EvenRangesAreKinesisRanges) {
  auto one = even_ranges(1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].first, 0u);
  EXPECT_EQ(one[0].second, kMaxHashKey);

  auto two = even_ranges(2);
  EXPECT_EQ(hash_key_text(two[0].second), "170141183460469231731687303715884105727");
  EXPECT_EQ(hash_key_text(two[1].first), "170141183460469231731687303715884105728");

  auto three = even_ranges(3);
  EXPECT_EQ(hash_key_text(three[0].second), "113427455640312821154458202477256070484");
  EXPECT_EQ(hash_key_text(three[1].first), "113427455640312821154458202477256070485");
  EXPECT_EQ(hash_key_text(three[1].second), "226854911280625642308916404954512140969");
  EXPECT_EQ(three[2].second, kMaxHashKey);
  for (int n : {4, 5, 7, 16, 500}) {
    auto r = even_ranges(n);
    for (std::size_t i = 1; i < r.size(); ++i) EXPECT_EQ(r[i].first, r[i - 1].second + 1) << n;
    EXPECT_EQ(r.back().second, kMaxHashKey);
  }
}

TEST(StreamKeys, SequenceNumbersRoundTripAndOrder) {
  auto a = make_sequence_number({3, 41, 1700000000000});
  auto b = make_sequence_number({3, 42, 1700000000000});
  auto c = make_sequence_number({3, 1000, 1600000000000});
  EXPECT_EQ(a.size(), 56u);
  EXPECT_TRUE(a.starts_with("49"));
  EXPECT_LT(a, b);  // same length, so text order is numeric order
  EXPECT_LT(b, c);  // the position outranks the time
  auto parts = parse_sequence_number(b);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->shard_index, 3);
  EXPECT_EQ(parts->position, 42);
  EXPECT_EQ(parts->time_ms, 1700000000000);
  EXPECT_FALSE(parse_sequence_number("123"));
  EXPECT_FALSE(parse_sequence_number(std::string(56, '9')));  // not "49..."
  EXPECT_FALSE(parse_sequence_number("49" + std::string(53, '0') + "x"));
}

TEST(StreamKeys, ShardIds) {
  EXPECT_EQ(shard_id_of(7), "shardId-000000000007");
  EXPECT_EQ(shard_index_of("shardId-000000000007"), 7);
  EXPECT_EQ(shard_index_of("7"), 7);
  EXPECT_EQ(shard_index_of("shardId-7"), 7);
  EXPECT_FALSE(shard_index_of("shard-1"));
  EXPECT_FALSE(shard_index_of("shardId-"));
  EXPECT_FALSE(shard_index_of("shardId-9999999999999"));
}

}  // namespace
}  // namespace serverlite::stream
