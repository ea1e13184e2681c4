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

// Hexadecimal digits of a decimal sequence number (test helper, small numbers only via the API).
std::string hex_of(std::string decimal) {
  std::string hex;
  while (!(decimal.empty() || decimal == "0")) {
    std::string q;
    int rem = 0;
    for (char c : decimal) {
      rem = rem * 10 + (c - '0');
      if (!q.empty() || rem / 16) q.push_back(static_cast<char>('0' + rem / 16));
      rem %= 16;
    }
    hex.insert(hex.begin(), "0123456789abcdef"[rem]);
    decimal = q;
  }
  return hex;
}

TEST(StreamKeys, SequenceNumbersHaveKinesisLayout) {
  // shard 3, created at 1700000000 s, position 0x29, written at 1700000005 s
  auto a = make_sequence_number({3, 41, 1700000005123, 1700000000000});
  EXPECT_EQ(hex_of(a), "2" "06553f100" "3" "0000000000000029" "00" "06553f105" "00000003" "2");
  auto b = make_sequence_number({3, 42, 1700000005000, 1700000000000});
  auto c = make_sequence_number({3, 1000, 1600000000000, 1700000000000});
  EXPECT_EQ(a.size(), b.size());
  EXPECT_LT(a, b);  // same length, so text order is numeric order
  EXPECT_LT(b, c);  // the position outranks the arrival time
  auto parts = parse_sequence_number(b);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->version, 2);
  EXPECT_EQ(parts->shard_index, 3);
  EXPECT_EQ(parts->position, 42);
  EXPECT_EQ(parts->time_ms, 1700000005000);
  EXPECT_EQ(parts->shard_created_ms, 1700000000000);
}

TEST(StreamKeys, SequenceNumberVersionsAsKinesisReadsThem) {
  auto from_hex = [](std::string_view hex) {
    std::string dec = "0";
    for (char h : hex) {  // dec = dec * 16 + digit
      int carry = h <= '9' ? h - '0' : h - 'a' + 10;
      for (auto it = dec.rbegin(); it != dec.rend(); ++it) {
        int v = (*it - '0') * 16 + carry;
        *it = static_cast<char>('0' + v % 10);
        carry = v / 10;
      }
      while (carry) {
        dec.insert(dec.begin(), static_cast<char>('0' + carry % 10));
        carry /= 10;
      }
    }
    return dec;
  };
  // small numbers are the oldest layout (version 0), naming the shard in their low digits
  auto v0 = parse_sequence_number("5");
  ASSERT_TRUE(v0);
  EXPECT_EQ(v0->version, 0);
  EXPECT_EQ(v0->shard_index, 5);
  EXPECT_TRUE(parse_sequence_number(from_hex("20000000000000000000000000000000000000000000001")));
  EXPECT_TRUE(parse_sequence_number(from_hex("20000000000000000000000000000000000000000000002")));
  // a high shard digit reads as a negative index
  auto negative = parse_sequence_number(from_hex("20000000000000000000000000000000000000800000002"));
  ASSERT_TRUE(negative);
  EXPECT_EQ(shard_id_of(negative->shard_index), "shardId--02147483648");
  for (const char* bad : {"20000000000000000000000000000000000000000000000",  // no version
                          "20000000000000000000000000000000000000000000004",  // unknown version
                          "30000000000000000000000000000000000000000000001",  // too large
                          "1ffffffffff7fffffffffffffff000000000007fffffff2",  // between layouts
                          "20000000000800000000000000000000000000000000002",  // position sign
                          "2ffffffffff7fffffffffffffff000000000007fffffff2",  // creation too late
                          "13bb2cc3d80000000000000000000000"})                  // same, version 0
    EXPECT_FALSE(parse_sequence_number(from_hex(bad))) << bad;
  EXPECT_FALSE(parse_sequence_number("12x"));
  EXPECT_FALSE(parse_sequence_number(std::string(130, '9')));
}

TEST(StreamKeys, ShardIds) {
  EXPECT_EQ(shard_id_of(7), "shardId-000000000007");
  EXPECT_EQ(shard_index_of("shardId-000000000007"), 7);
  EXPECT_EQ(shard_index_of("7"), 7);
  EXPECT_EQ(shard_index_of("shardId-7"), 7);
  // Kinesis reads the digits after the first '-', whatever precedes it
  EXPECT_EQ(shard_index_of("shard-1"), 1);
  EXPECT_EQ(shard_index_of("some_stream.1-0"), 0);
  EXPECT_EQ(shard_index_of("-00002147483647"), 2147483647);
  EXPECT_FALSE(shard_index_of("2147483648"));
  EXPECT_FALSE(shard_index_of("shardId-002147483648"));
  EXPECT_FALSE(shard_index_of("ABKLFD8"));
  EXPECT_FALSE(shard_index_of("2.14E4"));
  EXPECT_FALSE(shard_index_of("shardId-"));
  EXPECT_FALSE(shard_index_of("shardId-9999999999999"));
}

}  // namespace
}  // namespace serverlite::stream
