// DynamoDB's scan order: the partition hash of a key, its number form, and segment slices.
#include "services/table/hash_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace serverlite::table {
namespace {

std::string bytes(const char* text) {
  auto n = Number::parse(text);
  EXPECT_TRUE(n) << text;
  return dynamo_number_bytes(*n);
}

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::uint32_t token(ValueType type, const char* text) {
  Json value = type == ValueType::N ? Json{{"N", text}} : Json{{"S", text}};
  return hash_token(type, encode_key_value(value));
}

// Keys sorted as a Scan returns them: by token, then by the encoded key.
std::vector<std::string> scan_order(ValueType type, std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    return token(type, a.c_str()) < token(type, b.c_str());
  });
  return keys;
}

TEST(TableHashOrder, NumberBytes) {
  EXPECT_EQ(hex(bytes("0")), "80");
  EXPECT_EQ(hex(bytes("1")), "c102");
  EXPECT_EQ(hex(bytes("-1")), "3e6466");  // inverted exponent, 101 - digits, terminator
  EXPECT_EQ(hex(bytes("100")), "c202");
  EXPECT_EQ(hex(bytes("12.5")), "c10d33");
  EXPECT_EQ(hex(bytes("0.012345")), "c002182e");  // 0.01|23|45
  EXPECT_EQ(hex(bytes("-0.09")), "3f5c66");
  // 38 digits take 19 digit bytes, or 20 with a pad digit; a negative ends in the terminator
  // only under 20.
  EXPECT_EQ(bytes("-1.1111111111111111111111111111111111111").size(), 21u);
  EXPECT_EQ(bytes("-11111111111111111111111111111111111111").size(), 21u);
  EXPECT_EQ(bytes("-1111111111111111111111111111111111111.1").size(), 21u);
}

TEST(TableHashOrder, StringKeysInDynamoDbsOrder) {
  EXPECT_EQ(scan_order(ValueType::S, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "aardman",
                                      "hello", "zapf", "äáöü"}),
            (std::vector<std::string>{"2", "8", "9", "1", "6", "hello", "0", "5", "4", "äáöü",
                                      "aardman", "7", "3", "zapf"}));
}

TEST(TableHashOrder, NumberKeysInDynamoDbsOrder) {
  EXPECT_EQ(scan_order(ValueType::N, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-0.09",
                                      "999.9", "0.012345", "-999.9"}),
            (std::vector<std::string>{"7", "999.9", "8", "3", "2", "-999.9", "9", "4", "-0.09",
                                      "6", "1", "0", "0.012345", "5"}));
}

TEST(TableHashOrder, SegmentsSliceTheHashSpace) {
  auto in = [](std::uint32_t t, int segment, int total) {
    auto r = segment_tokens(segment, total);
    return t >= r.first && t < r.end;
  };
  EXPECT_TRUE(in(token(ValueType::S, "3635"), 0, 4096));
  EXPECT_TRUE(in(token(ValueType::S, "228"), 0, 4096));
  EXPECT_TRUE(in(token(ValueType::S, "1668"), 1, 4096));
  EXPECT_TRUE(in(token(ValueType::S, "3435"), 4, 4096));
  EXPECT_TRUE(in(token(ValueType::N, "251"), 1, 4096));
  EXPECT_TRUE(in(token(ValueType::N, "2388"), 4095, 4096));
  // Segments cover the space without gaps, for any total.
  for (int total : {1, 3, 7, 4096, 1000000}) {
    EXPECT_EQ(segment_tokens(0, total).first, 0);
    EXPECT_EQ(segment_tokens(total - 1, total).end, std::int64_t{1} << 32);
    for (int s : {0, total / 2, total - 2}) {
      if (s >= 0 && s + 1 < total) {
        EXPECT_EQ(segment_tokens(s, total).end, segment_tokens(s + 1, total).first);
      }
    }
  }
}

}  // namespace
}  // namespace serverlite::table
