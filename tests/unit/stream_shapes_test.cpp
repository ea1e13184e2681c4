#include "services/stream/shapes.hpp"

#include <gtest/gtest.h>

namespace serverlite::stream::shapes {
namespace {

using Json = nlohmann::json;

std::optional<std::string> types(const char* action, Json body) {
  return check_types(body, *operation_shape(action), false);
}

std::string constraints(const char* action, const Json& body) {
  auto v = check_constraints(body, *operation_shape(action), false);
  return v.empty() ? "" : validation_message(v);
}

TEST(StreamShapes, TypeErrorsNameTheJavaConversion) {
  EXPECT_EQ(types("CreateStream", {{"StreamName", true}}),
            "class java.lang.Boolean can not be converted to an String");
  EXPECT_EQ(types("CreateStream", {{"StreamName", 23}}),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted "
            "to an String");
  EXPECT_EQ(types("CreateStream", {{"ShardCount", "23"}}),
            "class java.lang.String can not be converted to an Integer");
  EXPECT_EQ(types("CreateStream", {{"ShardCount", Json::array()}}),
            "Start of list found where not expected");
  EXPECT_EQ(types("CreateStream", {{"ShardCount", Json::object()}}),
            "Start of structure or map found where not expected.");
  EXPECT_EQ(types("AddTagsToStream", {{"Tags", "x"}}), "Expected map or null");
  EXPECT_EQ(types("AddTagsToStream", {{"Tags", {{"a", false}}}}),
            "class java.lang.Boolean can not be converted to an String");
  EXPECT_EQ(types("PutRecords", {{"Records", 1}}), "Expected list or null");
  EXPECT_EQ(types("PutRecords", {{"Records", {1}}}), "Expected null");
  EXPECT_EQ(types("GetShardIterator", {{"Timestamp", "23"}}),
            "class java.lang.String can not be converted to milliseconds since epoch");
  EXPECT_EQ(types("PutRecord", {{"Data", "23456"}}),
            "'23456' can not be converted to a Blob: Base64 encoded length is expected a "
            "multiple of 4 bytes but found: 5");
  EXPECT_EQ(types("PutRecord", {{"Data", "=+/="}}),
            "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='");
  EXPECT_EQ(types("PutRecord", {{"Data", "+/+="}}),
            "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected");
  EXPECT_EQ(types("PutRecord", {{"Data", "YQ=="}, {"Unknown", true}, {"StreamName", nullptr}}),
            std::nullopt);
}

TEST(StreamShapes, NumbersAreReadAsTheFrameworkReadsThem) {
  Json body = {{"ShardCount", 100000000000}, {"StreamName", "s"}};
  EXPECT_FALSE(check_types(body, *operation_shape("CreateStream"), false));
  EXPECT_EQ(body["ShardCount"], 2147483647);
  Json fraction = {{"Limit", 2.7}};
  EXPECT_FALSE(check_types(fraction, *operation_shape("GetRecords"), false));
  EXPECT_EQ(fraction["Limit"], 2);
}

TEST(StreamShapes, EveryViolationIsCollected) {
  EXPECT_EQ(constraints("GetShardIterator", Json::object()),
            "3 validation errors detected: "
            "Value null at 'shardId' failed to satisfy constraint: Member must not be null; "
            "Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be "
            "null; Value null at 'streamName' failed to satisfy constraint: Member must not be null");
  // StreamARN stands in for StreamName
  EXPECT_EQ(constraints("DescribeStreamSummary",
                        {{"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/s"}}),
            "");
  EXPECT_EQ(constraints("DescribeStream", {{"StreamName", ""}, {"Limit", 0}}),
            "3 validation errors detected: "
            "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater "
            "than or equal to 1; "
            "Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [a-zA-Z0-9_.-]+; "
            "Value '' at 'streamName' failed to satisfy constraint: Member must have length "
            "greater than or equal to 1");
  EXPECT_EQ(constraints("RemoveTagsFromStream", {{"StreamName", "s"}, {"TagKeys", {"a", ""}}}),
            "1 validation error detected: Value '[a, ]' at 'tagKeys' failed to satisfy "
            "constraint: Member must satisfy constraint: [Member must have length less than or "
            "equal to 128, Member must have length greater than or equal to 1]");
  EXPECT_EQ(constraints("AddTagsToStream", {{"StreamName", "s"}, {"Tags", {{"a", std::string(257, 'v')}}}}),
            "1 validation error detected: Value '{a=" + std::string(257, 'v') +
                "}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: "
                "[Member must have length less than or equal to 256, Member must have length "
                "greater than or equal to 0]");
  std::string big(1048577 / 3 * 4 + 4, 'A');  // base64 of 1,048,578 zero bytes
  EXPECT_EQ(constraints("PutRecords",
                        {{"StreamName", "s"},
                         {"Records", {{{"PartitionKey", ""}, {"Data", big}, {"ExplicitHashKey", "01"}}}}}),
            "3 validation errors detected: "
            "Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member "
            "must have length greater than or equal to 1; "
            "Value '01' at 'records.1.member.explicitHashKey' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38}); "
            "Value 'java.nio.HeapByteBuffer[pos=0 lim=1048578 cap=1048578]' at "
            "'records.1.member.data' failed to satisfy constraint: Member must have length less "
            "than or equal to 1048576");
}

TEST(StreamShapes, AtMostTenViolations) {
  Json records = Json::array();
  for (int i = 0; i < 501; ++i) records.push_back({{"PartitionKey", ""}, {"Data", ""}});
  auto v = check_constraints({{"StreamName", ""}, {"Records", records}},
                             *operation_shape("PutRecords"), false);
  ASSERT_EQ(v.size(), 10u);
  EXPECT_NE(v[0].text.find("Member must have length less than or equal to 500"), std::string::npos);
  EXPECT_NE(v[9].text.find("records.9.member.partitionKey"), std::string::npos);
}

}  // namespace
}  // namespace serverlite::stream::shapes
