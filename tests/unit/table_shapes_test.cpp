// The request shapes: the decoder's type messages, constraint collection, normalisation.
#include <gtest/gtest.h>

#include "services/table/shapes.hpp"

namespace serverlite::table::shapes {
namespace {

std::optional<Failure> run(std::string_view action, Json body) {
  return check(*operation(action), body);
}

TEST(TableShapes, TypeMessagesDependOnWhereTheValueSits) {
  auto f = run("GetItem", {{"TableName", 23}});
  ASSERT_TRUE(f && f->serialization);
  EXPECT_EQ(f->message, "NUMBER_VALUE cannot be converted to String");
  EXPECT_EQ(run("GetItem", {{"TableName", 34.5}})->message,
            "DECIMAL_VALUE cannot be converted to String");
  EXPECT_EQ(run("GetItem", {{"Key", "x"}})->message, "Unexpected field type");
  EXPECT_EQ(run("GetItem", {{"Key", {{"a", "x"}}}})->message, "Unexpected value type in payload");
  EXPECT_EQ(run("GetItem", {{"Key", Json::array()}})->message,
            "Unrecognized collection type java.util.Map<java.lang.String, "
            "com.amazonaws.dynamodb.v20120810.AttributeValue>");
  EXPECT_EQ(run("GetItem", {{"ConsistentRead", Json::object()}})->message,
            "Start of structure or map found where not expected");
  EXPECT_EQ(run("Scan", {{"Limit", true}})->message, "TRUE_VALUE cannot be converted to Integer");
}

TEST(TableShapes, BlobsNeedWholeBase64) {
  auto blob = [](const char* text) {
    return run("GetItem", {{"Key", {{"a", {{"B", text}}}}}});
  };
  EXPECT_EQ(blob("23456")->message, "Base64 encoded length is expected a multiple of 4 bytes but found: 5");
  EXPECT_EQ(blob("+/+=")->message, "Invalid last non-pad Base64 character dectected");
  EXPECT_EQ(blob("=+/=")->message, "Invalid last non-pad Base64 character dectected");
  auto ok = blob("Yg==");
  ASSERT_TRUE(ok);  // valid blob: only the missing TableName remains
  EXPECT_FALSE(ok->serialization);
}

TEST(TableShapes, EveryConstraintIsCounted) {
  auto f = run("GetItem", {{"TableName", ""}});
  ASSERT_TRUE(f && !f->serialization);
  EXPECT_EQ(f->message,
            "3 validation errors detected: Value '' at 'tableName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at "
            "'tableName' failed to satisfy constraint: Member must have length greater than or "
            "equal to 3; Value null at 'key' failed to satisfy constraint: Member must not be null");
  auto list = run("CreateTable", {{"TableName", "abc"},
                                  {"AttributeDefinitions", Json::array()},
                                  {"KeySchema", Json::array({Json::object()})}});
  EXPECT_NE(list->message.find("'keySchema.1.member.attributeName'"), std::string::npos);
  EXPECT_EQ(run("DescribeTable", Json::object())->message,
            "The parameter 'TableName' is required but was not present in the request");
}

TEST(TableShapes, NormalisesWhatTheDecoderAccepts) {
  Json body = {{"TableName", "abc"},
               {"Key", {{"a", {{"S", "x"}, {"junk", 1}}}}},
               {"ConsistentRead", "TRUE"},
               {"ReturnConsumedCapacity", nullptr}};
  EXPECT_FALSE(check(*operation("GetItem"), body));
  EXPECT_EQ(body["Key"]["a"], Json({{"S", "x"}}));
  EXPECT_EQ(body["ConsistentRead"], true);
  EXPECT_FALSE(body.contains("ReturnConsumedCapacity"));
}

}  // namespace
}  // namespace serverlite::table::shapes
