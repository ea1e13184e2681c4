// parse_json: simdjson's reading gives what nlohmann's parser gives, types included, and what
// simdjson refuses still reaches nlohmann.
#include "emulator/fast_json.hpp"

#include <gtest/gtest.h>

namespace serverlite {
namespace {

TEST(FastJson, SameDocumentAndTypesAsNlohmann) {
  for (std::string text : {
           R"({"pk":{"S":"p"},"sk":{"N":"12"},"l":{"L":[{"BOOL":true},{"NULL":true}]}})",
           R"({"a":1,"b":-2,"c":2.5,"d":null,"e":[],"f":{},"g":"\u00e9\n"})",
           R"({"dup":1,"dup":2})", R"([1,"x",false])", R"("text")"}) {
    auto fast = parse_json_fast(text);
    ASSERT_TRUE(fast) << text;
    auto slow = nlohmann::json::parse(text);
    EXPECT_EQ(*fast, slow) << text;
    EXPECT_EQ(fast->dump(), slow.dump()) << text;
  }
  auto ints = parse_json(R"({"u":5,"s":-5})");
  EXPECT_TRUE(ints["u"].is_number_unsigned());
  EXPECT_FALSE(ints["s"].is_number_unsigned());
}

TEST(FastJson, WhatSimdjsonRefusesGoesToNlohmann) {
  std::string big = R"({"n":123456789012345678901234567890})";
  EXPECT_FALSE(parse_json_fast(big));
  EXPECT_TRUE(parse_json(big)["n"].is_number_float());
  EXPECT_FALSE(parse_json_fast("{nope"));
  EXPECT_THROW(parse_json("{nope"), nlohmann::json::parse_error);
}

TEST(FastJson, NestingIsCountedWithoutParsing) {
  EXPECT_FALSE(json_nesting_exceeds("[[]]", 2));
  EXPECT_TRUE(json_nesting_exceeds("[[[]]]", 2));
  EXPECT_TRUE(json_nesting_exceeds(R"({"a":[{"b":1}]})", 2));
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":"[[[{{{"})", 1));
  // An escaped quote stays in the string.
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":"\"[[["})", 1));
  EXPECT_FALSE(json_nesting_exceeds("[][][][]", 1));           // siblings, not nesting
  EXPECT_TRUE(json_nesting_exceeds(std::string(100000, '[')));  // unclosed still counts
  EXPECT_FALSE(json_nesting_exceeds(std::string(kMaxJsonNesting, '[')));
  EXPECT_FALSE(json_nesting_exceeds(""));
}

}  // namespace
}  // namespace serverlite
