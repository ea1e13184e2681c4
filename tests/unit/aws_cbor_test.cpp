// CBOR bodies of the cbor-1.1 protocol: decoding requests, encoding answers byte for byte.
#include <gtest/gtest.h>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/cbor.hpp"

namespace serverlite::aws {
namespace {

using Json = nlohmann::json;

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(static_cast<char>(b));
  return out;
}

TEST(AwsCbor, DecodesMapsWithByteStringsAndTaggedTimestamps) {
  // {"Data": h'0102', "Timestamp": 1(1700000000000), "Limit": 5}
  std::string body = bytes({0xa3, 0x64, 'D', 'a', 't', 'a', 0x42, 0x01, 0x02,
                            0x69, 'T', 'i', 'm', 'e', 's', 't', 'a', 'm', 'p',
                            0xc1, 0x1b, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
                            0x65, 'L', 'i', 'm', 'i', 't', 0x05});
  Json v = cbor_decode(body);
  ASSERT_TRUE(v["Data"].is_binary());
  EXPECT_EQ(v["Data"].get_binary(), (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(v["Limit"], 5);
  EXPECT_DOUBLE_EQ(cbor_timestamp_seconds(v["Timestamp"]), 1700000000.0);
  EXPECT_DOUBLE_EQ(cbor_timestamp_seconds(Json(1700000000.5)), 1700000000.5);
}

TEST(AwsCbor, DecodesIndefiniteLengthsAndHalfFloats) {
  // {_ "a": [_ 1, 2], "b": (_ h'01', h'02'), "c": 1.0 as a half float} as Jackson writes it.
  std::string body = bytes({0xbf, 0x61, 'a', 0x9f, 0x01, 0x02, 0xff, 0x61, 'b', 0x5f, 0x41, 0x01,
                            0x41, 0x02, 0xff, 0x61, 'c', 0xf9, 0x3c, 0x00, 0xff});
  Json v = cbor_decode(body);
  EXPECT_EQ(v["a"], Json::array({1, 2}));
  EXPECT_EQ(v["b"].get_binary(), (std::vector<std::uint8_t>{1, 2}));
  EXPECT_DOUBLE_EQ(v["c"].get<double>(), 1.0);
  EXPECT_THROW(cbor_decode(bytes({0xa1, 0x61, 'a', 0x01, 0x00})), ApiError);  // trailing byte
}

TEST(AwsCbor, EmptyBodyIsAnEmptyObjectAndGarbageIsASerializationError) {
  EXPECT_EQ(cbor_decode(""), Json::object());
  try {
    cbor_decode(bytes({0xa1, 0x64, 'D'}));  // truncated
    FAIL() << "expected an ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_status, 400);
    EXPECT_EQ(e.code, "SerializationException");
  }
  EXPECT_THROW(cbor_decode(bytes({0x83, 0x01, 0x02, 0x03})), ApiError);  // an array
}

// A text string that is not UTF-8 (here a Kinesis PartitionKey "a\xffz") was accepted, and the
// Lambda event later built from the record threw while being encoded, ending serverlite.
TEST(AwsCbor, TextThatIsNotUtf8IsASerializationError) {
  try {
    cbor_decode(bytes({0xa1, 0x6c, 'P', 'a', 'r', 't', 'i', 't', 'i', 'o', 'n', 'K', 'e', 'y', 0x63,
                       'a', 0xff, 'z'}));
    FAIL() << "expected an ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_status, 400);
    EXPECT_EQ(e.code, "SerializationException");
  }
  // Map keys are text too; byte strings may hold anything.
  EXPECT_THROW(cbor_decode(bytes({0xa1, 0x61, 0xc3, 0x01})), ApiError);
  EXPECT_EQ(cbor_decode(bytes({0xa1, 0x61, 'b', 0x42, 0xff, 0xfe})).at("b").get_binary().size(), 2u);
}

TEST(AwsCbor, EncodesBlobsIntegersStringsAndTimestamps) {
  Json v = Json::object();
  v["Data"] = Json::binary({0xff});
  EXPECT_EQ(cbor_encode(v), bytes({0xa1, 0x64, 'D', 'a', 't', 'a', 0x41, 0xff}));

  EXPECT_EQ(cbor_encode(Json(-1)), bytes({0x20}));
  EXPECT_EQ(cbor_encode(Json(500)), bytes({0x19, 0x01, 0xf4}));
  EXPECT_EQ(cbor_encode(Json(nullptr)), bytes({0xf6}));
  EXPECT_EQ(cbor_encode(Json(true)), bytes({0xf5}));
  EXPECT_EQ(cbor_encode(Json(1.5)), bytes({0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}));

  // A "...Timestamp" member in epoch seconds goes out as tag 1 + integer milliseconds.
  Json t = {{"ApproximateArrivalTimestamp", 1700000000.25}};
  std::string out = cbor_encode(t);
  std::string expected_tail = bytes({0xc1, 0x1b, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0xfa});
  EXPECT_TRUE(out.ends_with(expected_tail));
  // Round trip of everything else through nlohmann's decoder.
  Json doc = {{"Records", Json::array({{{"PartitionKey", "p"}, {"Data", Json::binary({1})}}})},
              {"MillisBehindLatest", 0},
              {"NextShardIterator", nullptr}};
  EXPECT_EQ(cbor_decode(cbor_encode(doc)), doc);
}

}  // namespace
}  // namespace serverlite::aws
