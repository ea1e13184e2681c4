// StreamARN's pattern without std::regex: the same answers as the regex on every case below, and
// an answer (no crash) for input long enough to have overflowed the regex's recursion.
#include "services/stream/arn_pattern.hpp"

#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace serverlite::stream {
namespace {

TEST(StreamArnPattern, AgreesWithTheRegex) {
  const std::regex pattern(R"(arn:aws.*:kinesis:.*:\d{12}:stream/\S+)");
  const char* cases[] = {
      "arn:aws:kinesis:us-east-1:000000000000:stream/s",
      "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/a.b-c_d",
      "arn:aws:kinesis::000000000000:stream/s",
      "arn:aws:kinesis:us-east-1:000000000000:stream/",
      "arn:aws:kinesis:us-east-1:00000000000:stream/s",
      "arn:aws:kinesis:us-east-1:0000000000000:stream/s",
      "arn:aws:kinesis:us-east-1:00000000000x:stream/s",
      "arn:aws:sqs:us-east-1:000000000000:stream/s",
      "arn:aws:kinesis:us-east-1:000000000000:stream/has space",
      "arn:aws:kinesis:us-east-1:000000000000:stream/tab\t",
      "arn:aws:kinesis:us\n-east-1:000000000000:stream/s",
      "arn:aws:kinesis:us-east-1:000000000000:stream/s\nx",
      "arn:aws:kinesis:x:111111111111:stream/a b:222222222222:stream/c",
      "arn:aws:kinesis:x:111111111111:stream/a:222222222222:stream/c",
      "arn:aws:kinesis:111111111111:stream/s",
      "arn:aws:kinesis::111111111111:stream/s",
      "arn:aws:kinesis:111111111111:stream/s:kinesis::222222222222:stream/t",
      "xarn:aws:kinesis:us-east-1:000000000000:stream/s",
      "arn:awskinesis:us-east-1:000000000000:stream/s",
      "arn:aws:kinesis:",
      "",
  };
  for (const char* c : cases)
    EXPECT_EQ(matches_stream_arn_pattern(c), std::regex_match(std::string(c), pattern)) << c;
}

// Reproduces the crash: std::regex_match recursed once per character of a 30,000+ character
// StreamARN and overflowed the stack.
TEST(StreamArnPattern, AnswersForVeryLongInput) {
  std::string arn = "arn:aws:kinesis:us-east-1:000000000000:stream/" + std::string(200000, 'a');
  EXPECT_TRUE(matches_stream_arn_pattern(arn));
  EXPECT_FALSE(matches_stream_arn_pattern(std::string(200000, ':')));
  EXPECT_FALSE(matches_stream_arn_pattern("arn:aws" + std::string(200000, 'x') + ":stream/s"));
}

}  // namespace
}  // namespace serverlite::stream
