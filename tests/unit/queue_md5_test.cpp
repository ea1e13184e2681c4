// MD5OfMessageBody / MD5OfMessageAttributes / MD5OfMessageSystemAttributes as SQS computes them.
// Expected values come from published vectors and from an independent construction of the
// digested bytes (written out by hand below, hashed with OpenSSL's one-shot MD5).
#include <gtest/gtest.h>
#include <openssl/md5.h>

#include <cstdio>
#include <string>

#include "services/queue/md5.hpp"

namespace serverlite::queue {
namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
std::string legacy_md5(const std::string& bytes) {
  unsigned char out[MD5_DIGEST_LENGTH];
  MD5(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out);
  std::string hex;
  char two[3];
  for (unsigned char b : out) {
    std::snprintf(two, sizeof two, "%02x", b);
    hex += two;
  }
  return hex;
}
#pragma GCC diagnostic pop

MessageAttributeValue string_attr(std::string type, std::string value) {
  return {std::move(type), std::move(value), {}};
}
MessageAttributeValue binary_attr(std::string type, std::string value) {
  return {std::move(type), {}, std::move(value)};
}

TEST(QueueMd5, BodyDigestIsPlainMd5) {
  EXPECT_EQ(md5_of_message_body("hello"), "5d41402abc4b2a76b9719d911017c592");
  // RFC 1321 test suite.
  EXPECT_EQ(md5_of_message_body("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
}

// Vectors published with the npm package aws-md5-of-message-attributes, which checks them
// against SQS responses.
TEST(QueueMd5, PublishedAttributeVectors) {
  MessageAttributes simple{{"attribName1", string_attr("String", "attribValue 1")}};
  EXPECT_EQ(md5_of_message_attributes(simple), "19e27d4e946b072f3f58da80d94fd778");

  MessageAttributes custom{{"customNumberTypeAttrib",
                            string_attr("Number.float", "4563442423554324324264524243.32543234")}};
  EXPECT_EQ(md5_of_message_attributes(custom), "9fe1b90bbd9965bdf77bac517c7d2495");

  MessageAttributes binary{{"binaryAttribute", binary_attr("Binary", "Hello binary world!")}};
  EXPECT_EQ(md5_of_message_attributes(binary), "31a92b15d92f8db860eda32aceb656c3");

  MessageAttributes all = simple;
  all.insert(custom.begin(), custom.end());
  all.insert(binary.begin(), binary.end());
  EXPECT_EQ(md5_of_message_attributes(all), "c932db14a896c663f83c260297d594ff");
}

TEST(QueueMd5, HandBuiltEncodingOfTwoAttributes) {
  // Names sorted: "a" before "b". Each field is a 4-byte big-endian length and its bytes; the
  // transport byte is 1 for String/Number types and 2 for Binary ones.
  std::string expected_bytes;
  expected_bytes += std::string("\x00\x00\x00\x01", 4) + "a";
  expected_bytes += std::string("\x00\x00\x00\x06", 4) + "Number";
  expected_bytes += std::string("\x01", 1);
  expected_bytes += std::string("\x00\x00\x00\x02", 4) + "42";
  expected_bytes += std::string("\x00\x00\x00\x01", 4) + "b";
  expected_bytes += std::string("\x00\x00\x00\x0a", 4) + "Binary.png";
  expected_bytes += std::string("\x02", 1);
  expected_bytes += std::string("\x00\x00\x00\x03", 4) + std::string("\x00\xff\x10", 3);

  MessageAttributes attributes{{"b", binary_attr("Binary.png", std::string("\x00\xff\x10", 3))},
                               {"a", string_attr("Number", "42")}};
  EXPECT_EQ(md5_of_message_attributes(attributes), legacy_md5(expected_bytes));
}

TEST(QueueMd5, LengthsAreBytesNotCharacters) {
  std::string value = "h\xc3\xa9llo";  // "héllo": 6 bytes, 5 characters
  std::string expected_bytes = std::string("\x00\x00\x00\x01", 4) + "k" +
                               std::string("\x00\x00\x00\x06", 4) + "String" +
                               std::string("\x01", 1) + std::string("\x00\x00\x00\x06", 4) + value;
  EXPECT_EQ(md5_of_message_attributes({{"k", string_attr("String", value)}}),
            legacy_md5(expected_bytes));
}

TEST(QueueMd5, SystemAttributesUseTheSameAlgorithm) {
  std::string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
  std::string expected_bytes =
      std::string("\x00\x00\x00\x0e", 4) + "AWSTraceHeader" + std::string("\x00\x00\x00\x06", 4) +
      "String" + std::string("\x01", 1) + std::string(1, '\0') + std::string(1, '\0') +
      std::string(1, '\0') + std::string(1, static_cast<char>(trace.size())) + trace;
  EXPECT_EQ(md5_of_message_attributes({{"AWSTraceHeader", string_attr("String", trace)}}),
            legacy_md5(expected_bytes));
}

TEST(QueueMd5, NoAttributesGiveNoDigest) { EXPECT_EQ(md5_of_message_attributes({}), ""); }

TEST(QueueMd5, Sha256ForContentBasedDeduplication) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace serverlite::queue
