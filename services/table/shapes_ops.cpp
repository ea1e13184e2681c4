// The input shapes of DynamoDB's operations (API Reference, "Request Parameters" of each
// action): member types and constraints, in the order DynamoDB reports them.
#include <map>

#include "services/table/shapes.hpp"

namespace serverlite::table::shapes {

namespace {

ShapePtr make(Shape s) { return std::make_shared<const Shape>(std::move(s)); }

ShapePtr scalar(Type type, Constraints c = {}) {
  Shape s;
  s.type = type;
  s.constraints = std::move(c);
  return make(std::move(s));
}
ShapePtr string(Constraints c = {}) { return scalar(Type::String, std::move(c)); }
ShapePtr boolean() { return scalar(Type::Boolean); }

ShapePtr list(ShapePtr element, Constraints c = {}) {
  Shape s;
  s.type = Type::List;
  s.element = std::move(element);
  s.constraints = std::move(c);
  return make(std::move(s));
}

ShapePtr map(std::string java, ShapePtr value, Constraints c = {},
             std::optional<Constraints> keys = std::nullopt,
             std::optional<Constraints> values = std::nullopt) {
  Shape s;
  s.type = Type::Map;
  s.java_name = std::move(java);
  s.element = std::move(value);
  s.constraints = std::move(c);
  s.map_keys = std::move(keys);
  s.map_values = std::move(values);
  return make(std::move(s));
}

ShapePtr structure(std::string java, std::vector<Member> members, Constraints c = {}) {
  Shape s;
  s.type = Type::Structure;
  s.java_name = std::move(java);
  s.members = std::move(members);
  s.constraints = std::move(c);
  return make(std::move(s));
}

Constraints not_null() { return {.not_null = true}; }

// A table or index name: [a-zA-Z0-9_.-]+ of 3 to 255 characters.
Constraints name(bool required) {
  return {.not_null = required, .min_length = 3, .max_length = 255, .name_pattern = true};
}
// The table operations check the name's length on their own (Operation::table_name_member).
Constraints table_operation_name() { return {.name_pattern = true}; }

ShapePtr attribute_value() {
  static const ShapePtr shape = [] {
    auto s = std::make_shared<Shape>();
    s->type = Type::Structure;
    s->java_name = "AttributeValue";
    s->attribute_value = true;
    // M and L refer back to it without owning it (no cycle): `shape` below owns it.
    ShapePtr self(ShapePtr(), s.get());
    auto blob = scalar(Type::Blob);
    s->members = {{"S", string()},
                  {"N", string()},
                  {"B", blob},
                  {"SS", list(string())},
                  {"NS", list(string())},
                  {"BS", list(blob)},
                  {"M", map("AttributeValue", self)},
                  {"L", list(self)},
                  {"NULL", boolean()},
                  {"BOOL", boolean()}};
    return ShapePtr(s);
  }();
  return shape;
}

ShapePtr attribute_map(Constraints c = {}) { return map("AttributeValue", attribute_value(), c); }

const std::vector<std::string> kOperators = {"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS",
                                             "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH",
                                             "GE", "CONTAINS"};

Member return_consumed_capacity() {
  return {"ReturnConsumedCapacity", string({.enum_values = {"INDEXES", "TOTAL", "NONE"}})};
}
Member return_item_collection_metrics() {
  return {"ReturnItemCollectionMetrics", string({.enum_values = {"SIZE", "NONE"}})};
}
Member return_values() {
  return {"ReturnValues",
          string({.enum_values = {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}})};
}
Member return_values_on_failure() {
  return {"ReturnValuesOnConditionCheckFailure", string({.enum_values = {"ALL_OLD", "NONE"}})};
}
Member conditional_operator() {
  return {"ConditionalOperator", string({.enum_values = {"OR", "AND"}})};
}
Member attributes_to_get() {
  return {"AttributesToGet", list(string(), {.min_length = 1, .max_length = 255})};
}
Member names() {
  return {"ExpressionAttributeNames", map("java.lang.String", string())};
}
Member values() { return {"ExpressionAttributeValues", attribute_map()}; }
Member text(const char* member) { return {member, string()}; }

Member expected() {
  auto entry = structure("ExpectedAttributeValue",
                         {{"AttributeValueList", list(attribute_value())},
                          {"ComparisonOperator", string({.enum_values = kOperators})},
                          {"Exists", boolean()},
                          {"Value", attribute_value()}});
  return {"Expected", map("ExpectedAttributeValue", entry)};
}

Member conditions(const char* member) {
  auto entry = structure("Condition",
                         {{"AttributeValueList", list(attribute_value())},
                          {"ComparisonOperator",
                           string({.not_null = true, .enum_values = kOperators})}});
  return {member, map("Condition", entry)};
}

ShapePtr throughput(bool required) {
  Constraints units{.not_null = true, .min_value = 1};
  return structure("ProvisionedThroughput",
                   {{"WriteCapacityUnits", scalar(Type::Long, units)},
                    {"ReadCapacityUnits", scalar(Type::Long, units)}},
                   {.not_null = required});
}

ShapePtr key_schema(bool check_type) {
  Constraints type{.not_null = true};
  if (check_type) type.enum_values = {"HASH", "RANGE"};
  return list(structure("KeySchemaElement", {{"AttributeName", string(not_null())},
                                             {"KeyType", string(type)}}),
              {.not_null = true, .min_length = 1, .max_length = 2});
}

ShapePtr projection() {
  return structure("Projection",
                   {{"ProjectionType", string({.enum_values = {"ALL", "INCLUDE", "KEYS_ONLY"}})},
                    {"NonKeyAttributes", list(string(), {.min_length = 1})}},
                   not_null());
}

ShapePtr secondary_index(const char* java, bool global) {
  std::vector<Member> members = {{"IndexName", string(name(true))},
                                 {"KeySchema", key_schema(false)},
                                 {"Projection", projection()}};
  if (global) members.push_back({"ProvisionedThroughput", throughput(false)});
  return structure(java, std::move(members));
}

ShapePtr tags() {
  return list(structure("Tag", {{"Key", string()}, {"Value", string()}}));
}

Member billing_mode() {
  return {"BillingMode", string({.enum_values = {"PROVISIONED", "PAY_PER_REQUEST"}})};
}

Operation table_operation(std::vector<Member> members) {
  members.insert(members.begin(), {"TableName", string(table_operation_name())});
  return {structure("", std::move(members)), {"TableName"}, "TableName"};
}

Operation item_operation(std::vector<Member> members) {
  return {structure("", std::move(members)), {}, ""};
}

std::map<std::string, Operation, std::less<>> build() {
  std::map<std::string, Operation, std::less<>> ops;
  auto table_name = [] { return Member{"TableName", string(name(true))}; };
  ops["CreateTable"] = table_operation({
      {"AttributeDefinitions",
       list(structure("AttributeDefinition",
                      {{"AttributeName", string(not_null())},
                       {"AttributeType", string({.not_null = true, .enum_values = {"B", "N", "S"}})}}),
            not_null())},
      billing_mode(),
      {"ProvisionedThroughput", throughput(false)},
      {"KeySchema", key_schema(true)},
      {"LocalSecondaryIndexes", list(secondary_index("LocalSecondaryIndex", false))},
      {"GlobalSecondaryIndexes", list(secondary_index("GlobalSecondaryIndex", true))},
      {"Tags", tags()},
      {"DeletionProtectionEnabled", boolean()},
  });
  auto gsi_update = structure(
      "GlobalSecondaryIndexUpdate",
      {{"Update", structure("UpdateGlobalSecondaryIndexAction",
                            {{"IndexName", string(name(true))},
                             {"ProvisionedThroughput", throughput(true)}})},
       {"Create", structure("CreateGlobalSecondaryIndexAction",
                            {{"Projection", projection()},
                             {"IndexName", string(name(true))},
                             // Optional: an on-demand table's index has none.
                             {"ProvisionedThroughput", throughput(false)},
                             {"KeySchema", key_schema(false)}})},
       {"Delete", structure("DeleteGlobalSecondaryIndexAction",
                            {{"IndexName", string(name(true))}})}});
  ops["UpdateTable"] = table_operation({
      {"ProvisionedThroughput", throughput(false)},
      billing_mode(),
      {"GlobalSecondaryIndexUpdates", list(gsi_update)},
      {"AttributeDefinitions",
       list(structure("AttributeDefinition",
                      {{"AttributeName", string(not_null())},
                       {"AttributeType", string({.not_null = true, .enum_values = {"B", "N", "S"}})}}))},
      {"DeletionProtectionEnabled", boolean()},
  });
  ops["DeleteTable"] = table_operation({});
  ops["DescribeTable"] = table_operation({});
  ops["DescribeTimeToLive"] = table_operation({});
  ops["ListTables"] = item_operation({
      {"Limit", scalar(Type::Integer, {.min_value = 1, .max_value = 100})},
      {"ExclusiveStartTableName", string(name(false))},
  });
  ops["ListTagsOfResource"] = item_operation({{"ResourceArn", string()}, {"NextToken", string()}});
  ops["TagResource"] = item_operation({{"ResourceArn", string()}, {"Tags", tags()}});
  ops["UntagResource"] = item_operation({{"ResourceArn", string()}, {"TagKeys", list(string())}});

  ops["GetItem"] = item_operation({
      return_consumed_capacity(),
      attributes_to_get(),
      table_name(),
      {"Key", attribute_map(not_null())},
      {"ConsistentRead", boolean()},
      text("ProjectionExpression"),
      names(),
  });
  ops["PutItem"] = item_operation({
      return_consumed_capacity(),
      table_name(),
      {"Item", attribute_map(not_null())},
      conditional_operator(),
      expected(),
      return_values(),
      return_item_collection_metrics(),
      text("ConditionExpression"),
      values(),
      names(),
      return_values_on_failure(),
  });
  ops["DeleteItem"] = item_operation({
      return_consumed_capacity(),
      table_name(),
      return_values(),
      return_item_collection_metrics(),
      {"Key", attribute_map(not_null())},
      conditional_operator(),
      expected(),
      text("ConditionExpression"),
      values(),
      names(),
      return_values_on_failure(),
  });
  auto update = structure("AttributeValueUpdate",
                          {{"Action", string()}, {"Value", attribute_value()}});
  ops["UpdateItem"] = item_operation({
      return_consumed_capacity(),
      table_name(),
      return_item_collection_metrics(),
      return_values(),
      {"Key", attribute_map(not_null())},
      conditional_operator(),
      expected(),
      {"AttributeUpdates", map("AttributeValueUpdate", update)},
      text("ConditionExpression"),
      text("UpdateExpression"),
      values(),
      names(),
      return_values_on_failure(),
  });
  auto select = Member{"Select", string({.enum_values = {"SPECIFIC_ATTRIBUTES", "COUNT",
                                                         "ALL_ATTRIBUTES",
                                                         "ALL_PROJECTED_ATTRIBUTES"}})};
  ops["Query"] = item_operation({
      select,
      {"IndexName", string(name(false))},
      return_consumed_capacity(),
      conditions("QueryFilter"),
      table_name(),
      conditional_operator(),
      attributes_to_get(),
      {"Limit", scalar(Type::Integer, {.min_value = 1})},
      conditions("KeyConditions"),
      {"ExclusiveStartKey", attribute_map()},
      {"ConsistentRead", boolean()},
      {"ScanIndexForward", boolean()},
      text("KeyConditionExpression"),
      text("FilterExpression"),
      text("ProjectionExpression"),
      values(),
      names(),
  });
  ops["Scan"] = item_operation({
      select,
      {"IndexName", string(name(false))},
      {"TotalSegments", scalar(Type::Integer, {.min_value = 1, .max_value = 1000000})},
      return_consumed_capacity(),
      table_name(),
      conditional_operator(),
      conditions("ScanFilter"),
      {"Segment", scalar(Type::Integer, {.min_value = 0, .max_value = 999999})},
      {"Limit", scalar(Type::Integer, {.min_value = 1})},
      attributes_to_get(),
      {"ExclusiveStartKey", attribute_map()},
      {"ConsistentRead", boolean()},
      text("FilterExpression"),
      text("ProjectionExpression"),
      values(),
      names(),
  });
  Constraints table_keys{.min_length = 3, .max_length = 255, .name_pattern = true};
  auto keys_and_attributes = structure(
      "KeysAndAttributes",
      {{"Keys", list(attribute_map(), {.not_null = true, .min_length = 1, .max_length = 100})},
       attributes_to_get(),
       {"ConsistentRead", boolean()},
       text("ProjectionExpression"),
       names()});
  ops["BatchGetItem"] = item_operation({
      return_consumed_capacity(),
      {"RequestItems", map("KeysAndAttributes", keys_and_attributes,
                           {.not_null = true, .min_length = 1}, table_keys)},
  });
  auto write_request = structure(
      "WriteRequest",
      {{"DeleteRequest", structure("DeleteRequest", {{"Key", attribute_map(not_null())}})},
       {"PutRequest", structure("PutRequest", {{"Item", attribute_map(not_null())}})}});
  ops["BatchWriteItem"] = item_operation({
      return_consumed_capacity(),
      return_item_collection_metrics(),
      {"RequestItems",
       map("java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>", list(write_request),
           {.not_null = true, .min_length = 1}, table_keys,
           Constraints{.min_length = 1, .max_length = 25})},
  });
  ops["UpdateTimeToLive"] = item_operation({
      table_name(),
      {"TimeToLiveSpecification",
       structure("TimeToLiveSpecification",
                 {{"Enabled", scalar(Type::Boolean, not_null())},
                  {"AttributeName", string({.not_null = true, .min_length = 1, .max_length = 255})}},
                 not_null())},
  });
  return ops;
}

}  // namespace

const Operation* operation(std::string_view action) {
  static const auto ops = build();
  auto it = ops.find(action);
  return it == ops.end() ? nullptr : &it->second;
}

}  // namespace serverlite::table::shapes
