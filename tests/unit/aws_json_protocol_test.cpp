#include "emulator/aws/json_protocol.hpp"

#include <gtest/gtest.h>

namespace serverlite::aws {
namespace {

using nlohmann::json;

JsonProtocol sqs() {
  return {.content_type = "application/x-amz-json-1.0",
          .type_prefix = "com.amazonaws.sqs#",
          .query_compatible = true,
          .json_types = {{"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"},
                         {"QueueAlreadyExists", "QueueNameExists"}}};
}

// Runs `f`, which must throw ApiError, and returns it.
template <typename F>
ApiError error_of(F f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError thrown";
  return ApiError(0, "", "");
}

TEST(JsonBody, EmptyBodyIsAnEmptyObject) {
  EXPECT_EQ(parse_json_body(""), json::object());
  EXPECT_EQ(parse_json_body(" \r\n"), json::object());
  EXPECT_EQ(parse_json_body("{}"), json::object());
}

TEST(JsonBody, ParsesWhatTheJavaScriptSdkSends) {
  auto body = parse_json_body(
      R"({"QueueUrl":"http://localhost:4566/000000000000/orders","MessageBody":"hi \u00e9",)"
      R"("DelaySeconds":5,)"
      R"("MessageAttributes":{"color":{"DataType":"String","StringValue":"blue"}},)"
      R"("MessageSystemAttributes":)"
      R"({"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1"}}})");
  EXPECT_EQ(required_string(body, "QueueUrl"), "http://localhost:4566/000000000000/orders");
  EXPECT_EQ(required_string(body, "MessageBody"), "hi \xC3\xA9");
  EXPECT_EQ(optional_int(body, "DelaySeconds"), 5);
  const json* attrs = optional_object(body, "MessageAttributes");
  ASSERT_NE(attrs, nullptr);
  EXPECT_EQ(required_string(attrs->at("color"), "StringValue"), "blue");
  EXPECT_EQ(optional_object(body, "MessageDeduplicationId"), nullptr);
}

// The fast reader must type values exactly as nlohmann's parser does (the accessors look at
// signed against unsigned), keep the last of duplicate members, and hand what it refuses
// (integers past 64 bits) to nlohmann's parser.
TEST(JsonBody, ReadsAsNlohmannWould) {
  std::string deep = std::string(1023, '[') + std::string(1023, ']');
  for (std::string text :
       {std::string(R"({"a":1,"b":-1,"c":1.5,"d":-0.0,"e":1e3,"f":18446744073709551615,)"
                    R"("g":-9223372036854775808,"h":true,"i":false,"j":null,"k":"\u00e9\ud83d\ude00",)"
                    R"("l":[1,[2,{"m":"n"}],{}],"o":{"p":{"q":[]}}})"),
        std::string(R"({"dup":1,"dup":"last"})"),
        std::string(R"({"big":123456789012345678901234567890,"neg":-123456789012345678901234567890})"),
        std::string(R"({"deep":)") + deep + "}"}) {
    json fast = parse_json_body(text);
    json slow = json::parse(text);
    EXPECT_EQ(fast.dump(), slow.dump()) << text.substr(0, 80);
    for (auto it = slow.begin(); it != slow.end(); ++it)
      EXPECT_EQ(fast.at(it.key()).type(), it->type()) << it.key();
  }
  auto body = parse_json_body(R"({"a":1,"b":-1})");
  EXPECT_TRUE(body["a"].is_number_unsigned());
  EXPECT_FALSE(body["b"].is_number_unsigned());
  EXPECT_EQ(parse_json_body(R"({"dup":1,"dup":"last"})")["dup"], "last");
}

// Nesting past 1,024 levels is refused before anything builds or walks the value (nlohmann's
// parser would build it, and a recursive copy, dump or check of 12,000 levels overflowed the
// stack), whichever parser would have read it: simdjson refuses it, and so does the fallback for
// a body it would otherwise take (a big integer).
TEST(JsonBody, NestingPastTheLimitIsRefused) {
  auto nested = [](std::size_t levels, std::string leaf) {
    std::string text;
    for (std::size_t i = 0; i < levels; ++i) text += "{\"a\":";
    return text + leaf + std::string(levels, '}');
  };
  const std::string big = "123456789012345678901234567890";
  EXPECT_NO_THROW(parse_json_body(nested(1024, big)));
  const ApiError too_deep(400, "ValidationException", "too deep");
  for (std::size_t levels : {1025, 12000, 100000}) {
    for (const std::string& leaf : {big, std::string("1")}) {
      auto e = error_of([&] { parse_json_body(nested(levels, leaf)); });
      EXPECT_EQ(e.http_status, 400);
      EXPECT_EQ(e.code, kSerializationException);
      EXPECT_EQ(e.message(), "The request body is nested more than 1024 levels deep.");
      auto own = error_of([&] { parse_json_body(nested(levels, leaf), &too_deep); });
      EXPECT_EQ(own.code, "ValidationException");
      EXPECT_EQ(own.message(), "too deep");
    }
  }
  // Brackets inside strings are text, not nesting.
  std::string brackets = R"({"a":")" + std::string(5000, '[') + R"(\"{{","n":)" + big + "}";
  EXPECT_EQ(parse_json_body(brackets)["a"].get<std::string>().size(), 5003u);
}

TEST(JsonBody, MalformedBodiesAreSerializationErrors) {
  for (const char* bad : {"{", "not json", "{\"a\":}", "[1,2]", "\"str\"", "42", "null",
                          "{\"a\":\"\xff\"}", "{\"a\":1} x", "{\"a\":\"\x01\"}"}) {
    auto e = error_of([&] { parse_json_body(bad); });
    EXPECT_EQ(e.http_status, 400) << bad;
    EXPECT_EQ(e.code, kSerializationException) << bad;
  }
}

TEST(JsonAccessors, AbsentAndNullAreAbsent) {
  auto body = json::parse(R"({"A": null})");
  EXPECT_FALSE(optional_string(body, "A"));
  EXPECT_FALSE(optional_string(body, "B"));
  EXPECT_FALSE(optional_int(body, "A"));
  EXPECT_FALSE(optional_bool(body, "A"));
  EXPECT_EQ(optional_array(body, "A"), nullptr);
  EXPECT_TRUE(string_list(body, "A").empty());
  EXPECT_TRUE(string_map(body, "B").empty());
  auto e = error_of([&] { required_string(body, "QueueUrl"); });
  EXPECT_EQ(e.code, "MissingParameter");
  EXPECT_EQ(e.message(), "The request must contain the parameter QueueUrl.");
  EXPECT_EQ(required_string(json::parse(R"({"MessageBody": ""})"), "MessageBody"), "");
}

TEST(JsonAccessors, WrongTypesAreSerializationErrors) {
  auto body = json::parse(
      R"({"S": 5, "I": "30", "F": 30.5, "B": "true", "O": [], "L": {}, "LS": [1], "M": {"k": 1},)"
      R"( "Big": 18446744073709551615, "Neg": -3, "U": 9007199254740993})");
  auto expect_serialization = [](auto f, const char* what) {
    auto e = error_of(f);
    EXPECT_EQ(e.code, kSerializationException) << what;
    EXPECT_EQ(e.http_status, 400) << what;
  };
  expect_serialization([&] { optional_string(body, "S"); }, "S");
  expect_serialization([&] { required_string(body, "S"); }, "S required");
  expect_serialization([&] { optional_int(body, "I"); }, "I");
  expect_serialization([&] { optional_int(body, "F"); }, "F");
  expect_serialization([&] { optional_int(body, "Big"); }, "Big");
  expect_serialization([&] { optional_bool(body, "B"); }, "B");
  expect_serialization([&] { optional_object(body, "O"); }, "O");
  expect_serialization([&] { optional_array(body, "L"); }, "L");
  expect_serialization([&] { string_list(body, "LS"); }, "LS");
  expect_serialization([&] { string_map(body, "M"); }, "M");
  EXPECT_EQ(optional_int(body, "Neg"), -3);
  EXPECT_EQ(optional_int(body, "U"), 9007199254740993);
}

TEST(JsonAccessors, ListsAndMaps) {
  auto body =
      json::parse(R"({"AttributeNames": ["All", "QueueArn"], "Attributes": {"DelaySeconds": "5",)"
                  R"( "VisibilityTimeout": "30"}, "tags": {"team": ""}, "FifoQueue": true})");
  EXPECT_EQ(string_list(body, "AttributeNames"), (std::vector<std::string>{"All", "QueueArn"}));
  auto attrs = string_map(body, "Attributes");
  EXPECT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs.at("VisibilityTimeout"), "30");
  EXPECT_EQ(string_map(body, "tags").at("team"), "");
  EXPECT_EQ(optional_bool(body, "FifoQueue"), true);
}

TEST(JsonRendering, ResponsesCarryTheServiceContentType) {
  auto res = render_json_response(sqs(), json{{"QueueUrl", "http://h/0/q"}}, "req-1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "application/x-amz-json-1.0");
  EXPECT_EQ(res.header("x-amzn-RequestId").value_or(""), "req-1");
  EXPECT_EQ(res.body, R"({"QueueUrl":"http://h/0/q"})");
  // Operations without output answer `{}`.
  EXPECT_EQ(render_json_response(sqs(), json()).body, "{}");
  // A client's invalid UTF-8 echoed back does not throw.
  auto odd = render_json_response(sqs(), json{{"Body", std::string("a\xFF")}});
  EXPECT_EQ(json::parse(odd.body)["Body"], "a\xEF\xBF\xBD");
}

TEST(JsonRendering, QueryCompatibleErrorsMatchSqs) {
  // The shape SQS documents for a non-existent queue through the JSON protocol.
  auto res = render_json_error(ApiError(400, "AWS.SimpleQueueService.NonExistentQueue",
                                        "The specified queue does not exist."),
                               sqs(), "req-2");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "application/x-amz-json-1.0");
  EXPECT_EQ(res.header("x-amzn-RequestId").value_or(""), "req-2");
  EXPECT_EQ(res.header("x-amzn-query-error").value_or(""),
            "AWS.SimpleQueueService.NonExistentQueue;Sender");
  auto body = json::parse(res.body);
  EXPECT_EQ(body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
  EXPECT_EQ(body["message"], "The specified queue does not exist.");
}

TEST(JsonRendering, UnmappedCodesAndServerFaults) {
  auto res = render_json_error(ApiError(400, "InvalidParameterValue", "bad"), sqs());
  EXPECT_EQ(json::parse(res.body)["__type"], "com.amazonaws.sqs#InvalidParameterValue");
  EXPECT_EQ(res.header("x-amzn-query-error").value_or(""), "InvalidParameterValue;Sender");
  auto internal = render_json_error(ApiError(500, "InternalError", "boom"), sqs());
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.header("x-amzn-query-error").value_or(""), "InternalError;Receiver");
}

TEST(JsonRendering, SerializationErrorsAreTheFrameworksOwn) {
  auto e = error_of([] { parse_json_body("{oops"); });
  auto res = render_json_error(e, sqs());
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(json::parse(res.body)["__type"], "com.amazon.coral.service#SerializationException");
  // A service may map it elsewhere.
  JsonProtocol custom = sqs();
  custom.json_types["SerializationException"] = "Malformed";
  EXPECT_EQ(json::parse(render_json_error(e, custom).body)["__type"],
            "com.amazonaws.sqs#Malformed");
}

TEST(JsonRendering, PlainJsonServicesHaveNoQueryHeader) {
  JsonProtocol kinesis{.content_type = "application/x-amz-json-1.1", .type_prefix = ""};
  auto res =
      render_json_error(ApiError(400, "ResourceNotFoundException", "Stream x not found"), kinesis);
  EXPECT_FALSE(res.header("x-amzn-query-error"));
  EXPECT_EQ(res.header("Content-Type").value_or(""), "application/x-amz-json-1.1");
  EXPECT_EQ(json::parse(res.body)["__type"], "ResourceNotFoundException");
  // An already qualified name gets no prefix.
  JsonProtocol qualified{
      .type_prefix = "com.amazonaws.x#",
      .json_types = {{"Throttled", "com.amazon.coral.availability#ThrottlingException"}}};
  EXPECT_EQ(
      json::parse(render_json_error(ApiError(400, "Throttled", "slow"), qualified).body)["__type"],
      "com.amazon.coral.availability#ThrottlingException");
}

}  // namespace
}  // namespace serverlite::aws
