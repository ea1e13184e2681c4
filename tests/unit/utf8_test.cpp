#include "emulator/utf8.hpp"

#include <gtest/gtest.h>

namespace serverlite {
namespace {

TEST(Utf8, WellFormedTextIsKept) {
  EXPECT_TRUE(is_valid_utf8("plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80"));
  EXPECT_EQ(to_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(Utf8, EachByteThatStartsNoSequenceBecomesAReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_EQ(to_valid_utf8("a\xFF" "b"), "a" + fffd + "b");
  EXPECT_EQ(to_valid_utf8("\xC3\x28"), fffd + "(");              // a lead without continuation
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), fffd + fffd);             // overlong '/'
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);  // a UTF-16 surrogate
  EXPECT_EQ(to_valid_utf8("x\xE2\x82"), "x" + fffd + fffd);      // truncated at the end
  EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\x80\xBF\xF8\xF4\x90\x80\x80")));
}

}  // namespace
}  // namespace serverlite
