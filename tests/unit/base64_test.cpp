#include "emulator/http/base64.hpp"

#include <gtest/gtest.h>

namespace serverlite::http {
namespace {

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode(std::string("\x00\xff\x10", 3)), "AP8Q");
}

TEST(Base64, DecodesAndRoundTripsBinary) {
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64_decode("Zm8"));     // not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm8*"));    // not in the alphabet
  EXPECT_FALSE(base64_decode("Zm 8="));   // whitespace
  EXPECT_FALSE(base64_decode("Zm=8"));    // padding before the end
  EXPECT_FALSE(base64_decode("Zg=A"));
  EXPECT_FALSE(base64_decode("===="));    // padding only
  EXPECT_FALSE(base64_decode("Z==="));    // three padding characters
  EXPECT_FALSE(base64_decode("Zm9vZm8\n"));
  EXPECT_FALSE(base64_decode(std::string("Zm9v\0Zm8", 8)));
}

TEST(Base64, DecodesWhatItEncodesAtEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("+/+/"), std::string("\xfb\xff\xbf", 3));
}

}  // namespace
}  // namespace serverlite::http
