#include "services/queue/lambda_event.hpp"

#include <gtest/gtest.h>

namespace serverlite::queue {
namespace {

TEST(SqsLambdaEvent, RecordHasLambdasShape) {
  ReceivedMessage m;
  m.message_id = "id-1";
  m.receipt_handle = "rh";
  m.body = "test";
  m.md5_of_body = "098f6bcd4621d373cade4e832627b4f6";
  m.md5_of_message_attributes = "abc";
  m.attributes = {{"ApproximateReceiveCount", "1"}, {"SentTimestamp", "1545082649183"}};
  m.message_attributes["s"] = {"String", "v", ""};
  m.message_attributes["b"] = {"Binary", "", std::string("\x00\x01", 2)};
  auto event = sqs_event({m}, "arn:aws:sqs:eu-west-1:000000000000:q", "eu-west-1");
  ASSERT_EQ(event["Records"].size(), 1u);
  const auto& r = event["Records"][0];
  EXPECT_EQ(r["messageId"], "id-1");
  EXPECT_EQ(r["receiptHandle"], "rh");
  EXPECT_EQ(r["body"], "test");
  EXPECT_EQ(r["md5OfBody"], "098f6bcd4621d373cade4e832627b4f6");
  EXPECT_EQ(r["md5OfMessageAttributes"], "abc");
  EXPECT_EQ(r["attributes"]["SentTimestamp"], "1545082649183");
  EXPECT_EQ(r["messageAttributes"]["s"],
            nlohmann::json::parse(R"({"stringValue": "v", "stringListValues": [],
                                      "binaryListValues": [], "dataType": "String"})"));
  EXPECT_EQ(r["messageAttributes"]["b"]["binaryValue"], "AAE=");
  EXPECT_FALSE(r["messageAttributes"]["b"].contains("stringValue"));
  EXPECT_EQ(r["eventSource"], "aws:sqs");
  EXPECT_EQ(r["eventSourceARN"], "arn:aws:sqs:eu-west-1:000000000000:q");
  EXPECT_EQ(r["awsRegion"], "eu-west-1");
}

TEST(SqsLambdaEvent, NoAttributesMeansNoAttributeDigest) {
  ReceivedMessage m;
  m.message_id = "x";
  auto r = sqs_record(m, "arn", "us-east-1");
  EXPECT_FALSE(r.contains("md5OfMessageAttributes"));
  EXPECT_TRUE(r["messageAttributes"].is_object());
  EXPECT_TRUE(r["messageAttributes"].empty());
}

}  // namespace
}  // namespace serverlite::queue
