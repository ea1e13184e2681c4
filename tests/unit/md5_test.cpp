// serverlite::md5 against RFC 1321's test suite, and the same context reused call after call.
#include "emulator/md5.hpp"

#include <gtest/gtest.h>

#include <string>

namespace serverlite {
namespace {

std::string hex(const Md5& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

TEST(Md5, Rfc1321Vectors) {
  EXPECT_EQ(hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex(md5("12345678901234567890123456789012345678901234567890123456789012345678901234"
                    "567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
  // The reused context starts afresh each time.
  EXPECT_EQ(hex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
}

}  // namespace
}  // namespace serverlite
