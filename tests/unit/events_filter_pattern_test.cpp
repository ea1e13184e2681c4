#include "emulator/events/filter_pattern.hpp"

#include <gtest/gtest.h>

namespace serverlite::events {
namespace {

using Json = nlohmann::json;

bool match(const char* pattern, const char* record) {
  return matches_filter(Json::parse(pattern), Json::parse(record));
}

TEST(FilterPattern, ValuesAndNesting) {
  const char* rec = R"({"body": {"kind": "order", "n": 5, "tags": ["a", "b"]}, "x": null})";
  EXPECT_TRUE(match(R"({"body": {"kind": ["order", "refund"]}})", rec));
  EXPECT_FALSE(match(R"({"body": {"kind": ["refund"]}})", rec));
  EXPECT_TRUE(match(R"({"body": {"n": [5]}})", rec));
  EXPECT_TRUE(match(R"({"body": {"tags": ["b"]}})", rec));  // any element of a list
  EXPECT_TRUE(match(R"({"x": [null]})", rec));
  EXPECT_FALSE(match(R"({"body": {"missing": ["v"]}})", rec));
  EXPECT_TRUE(match(R"({"body": {"kind": ["order"]}, "x": [null]})", rec));  // every key
  EXPECT_FALSE(match(R"({"body": {"kind": ["order"]}, "x": ["y"]})", rec));
}

TEST(FilterPattern, Rules) {
  const char* rec = R"({"s": "Hello-World", "n": 7})";
  EXPECT_TRUE(match(R"({"s": [{"prefix": "Hello"}]})", rec));
  EXPECT_TRUE(match(R"({"s": [{"suffix": "World"}]})", rec));
  EXPECT_TRUE(match(R"({"s": [{"equals-ignore-case": "hello-world"}]})", rec));
  EXPECT_TRUE(match(R"({"s": [{"anything-but": ["x", "y"]}]})", rec));
  EXPECT_FALSE(match(R"({"s": [{"anything-but": "Hello-World"}]})", rec));
  EXPECT_TRUE(match(R"({"s": [{"anything-but": {"prefix": "Bye"}}]})", rec));
  EXPECT_TRUE(match(R"({"n": [{"numeric": [">", 0, "<=", 7]}]})", rec));
  EXPECT_FALSE(match(R"({"n": [{"numeric": ["<", 7]}]})", rec));
  EXPECT_TRUE(match(R"({"missing": [{"exists": false}]})", rec));
  EXPECT_FALSE(match(R"({"s": [{"exists": false}]})", rec));
  EXPECT_TRUE(match(R"({"s": [{"exists": true}]})", rec));
}

TEST(FilterPattern, MalformedPatternsAreRejected) {
  EXPECT_THROW(match(R"({"s": "not a list"})", R"({"s": "x"})"), std::invalid_argument);
  EXPECT_THROW(match(R"({"s": [{"nope": 1}]})", R"({"s": "x"})"), std::invalid_argument);
  EXPECT_THROW(match(R"({"n": [{"numeric": ["~", 1]}]})", R"({"n": 1})"), std::invalid_argument);
}

}  // namespace
}  // namespace serverlite::events
