// Kinesis records as Lambda delivers them, and the document filter patterns see
// (services/stream/lambda_event.cpp).
#include "services/stream/lambda_event.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "emulator/events/filter_pattern.hpp"

namespace serverlite::stream {
namespace {

using Json = nlohmann::json;

Record make_record(std::string data) {
  Record r;
  r.sequence_number = "49590338271490256608559692538361571095921575989136588898";
  r.approximate_arrival =
      TimePoint(std::chrono::milliseconds(1545084650987));  // 2018-12-17T22:10:50.987Z
  r.data = std::move(data);
  r.partition_key = "1";
  return r;
}

// The example of AWS's "Using Lambda with Kinesis" page, with our region, account and role.
TEST(KinesisLambdaEvent, RecordHasLambdasShape) {
  Json r = kinesis_record(make_record("Hello, this is a test."), "shardId-000000000006",
                          "arn:aws:kinesis:us-east-2:000000000000:stream/lambda-stream",
                          "us-east-2");
  Json expected = Json::parse(R"({
    "kinesis": {
      "kinesisSchemaVersion": "1.0",
      "partitionKey": "1",
      "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
      "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
      "approximateArrivalTimestamp": 1545084650.987
    },
    "eventSource": "aws:kinesis",
    "eventVersion": "1.0",
    "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
    "eventName": "aws:kinesis:record",
    "invokeIdentityArn": "arn:aws:iam::000000000000:role/serverlite-lambda-role",
    "awsRegion": "us-east-2",
    "eventSourceARN": "arn:aws:kinesis:us-east-2:000000000000:stream/lambda-stream"
  })");
  EXPECT_EQ(r, expected) << r.dump(2);
  // Seconds with milliseconds, as a JSON number.
  EXPECT_NE(r.dump().find("\"approximateArrivalTimestamp\":1545084650.987"), std::string::npos)
      << r.dump();
}

TEST(KinesisLambdaEvent, BinaryDataIsBase64) {
  Json r = kinesis_record(make_record(std::string("\x00\xff\x10", 3)), "shardId-000000000000",
                          "arn", "us-east-1");
  EXPECT_EQ(r["kinesis"]["data"], "AP8Q");
}

TEST(KinesisLambdaEvent, FilterDocumentDecodesJsonData) {
  Json r = kinesis_record(make_record(R"({"order":{"type":"buy","quantity":1000}})"),
                          "shardId-000000000000", "arn", "us-east-1");
  Json doc = kinesis_filter_document(r);
  Json data = {{"order", {{"type", "buy"}, {"quantity", 1000}}}};
  EXPECT_EQ(doc["data"], data);
  EXPECT_EQ(doc["kinesis"]["data"], data);
  EXPECT_EQ(doc["partitionKey"], "1");
  EXPECT_EQ(doc["eventSource"], "aws:kinesis");
  // The pattern of AWS's Kinesis filtering page matches.
  EXPECT_TRUE(events::matches_filter(Json::parse(R"({"data":{"order":{"type":["buy"]}}})"), doc));
  EXPECT_FALSE(events::matches_filter(Json::parse(R"({"data":{"order":{"type":["sell"]}}})"), doc));
  EXPECT_TRUE(events::matches_filter(Json::parse(R"({"partitionKey":["1"]})"), doc));
  // The event itself is unchanged.
  EXPECT_TRUE(r["kinesis"]["data"].is_string());
}

TEST(KinesisLambdaEvent, FilterDocumentKeepsDataThatIsNotJson) {
  Json r = kinesis_record(make_record("plain text"), "shardId-000000000000", "arn", "us-east-1");
  Json doc = kinesis_filter_document(r);
  EXPECT_EQ(doc["data"], "cGxhaW4gdGV4dA==");
  EXPECT_FALSE(events::matches_filter(Json::parse(R"({"data":{"order":{"exists":true}}})"), doc));
}

// Data nested deeper than a request body may be stays text in the filter document: copying it,
// or matching a pattern against it, would recurse once per level.
TEST(KinesisLambdaEvent, FilterDocumentKeepsTooDeepDataAsText) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  Json r = kinesis_record(make_record(deep), "shardId-000000000000", "arn", "us-east-1");
  Json doc = kinesis_filter_document(r);
  EXPECT_TRUE(doc["kinesis"]["data"].is_string());
  EXPECT_TRUE(doc["data"].is_string());
  Json shallow = kinesis_filter_document(
      kinesis_record(make_record("[[1]]"), "shardId-000000000000", "arn", "us-east-1"));
  EXPECT_EQ(shallow["data"], Json::parse("[[1]]"));
}

}  // namespace
}  // namespace serverlite::stream
