// The Kinesis front's hand-written GetRecords text against nlohmann's rendering of the same
// records: same members, order, number and string formats, escapes included.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "emulator/http/base64.hpp"
#include "services/stream/api.hpp"

namespace serverlite::stream {
namespace {

using Json = nlohmann::json;

TEST(StreamRecordsJson, IsTheTextNlohmannWrites) {
  using std::chrono::milliseconds;
  std::vector<Record> records = {
      {"49000000000000000000000000000000000000000000000000000001",
       TimePoint(milliseconds(1700000000123)), std::string("\x00\x01\xff binary", 10), "plain"},
      {"49000000000000000000000000000000000000000000000000000002",
       TimePoint(milliseconds(1700000000000)), "",
       "quote \" backslash \\ tab \t newline \n \x01 \xc3\xa9"},
      {"49000000000000000000000000000000000000000000000000000003", TimePoint(milliseconds(1)),
       "x", "bad utf-8 \xff"},
  };
  Json expected = Json::array();
  for (const auto& r : records)
    expected.push_back(
        {{"SequenceNumber", r.sequence_number},
         {"ApproximateArrivalTimestamp",
          static_cast<double>(r.approximate_arrival.time_since_epoch() / milliseconds(1)) / 1000.0},
         {"Data", http::base64_encode(r.data)},
         {"PartitionKey", r.partition_key}});
  EXPECT_EQ(records_json(records),
            expected.dump(-1, ' ', false, Json::error_handler_t::replace));
  EXPECT_EQ(records_json({}), "[]");
  // And it parses back to the records.
  auto back = Json::parse(records_json(records));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1]["PartitionKey"], records[1].partition_key);
  EXPECT_EQ(back[0]["ApproximateArrivalTimestamp"].get<double>(), 1700000000.123);
  EXPECT_EQ(*http::base64_decode(back[0]["Data"].get<std::string>()), records[0].data);
}

TEST(StreamRecordsJson, PutRecordsEntriesAreTheTextNlohmannWrites) {
  std::vector<PutRecordsEntry> entries(3);
  entries[0].ok = PutRecordResult{"shardId-000000000001",
                                  "49000000000000000000000000000000000000000000000000000001"};
  entries[1].error_code = "ProvisionedThroughputExceededException";
  entries[1].error_message = "Rate exceeded for shard shardId-000000000002 in stream \"s\"";
  entries[2].ok = PutRecordResult{"shardId-000000000000",
                                  "49000000000000000000000000000000000000000000000000000002"};
  Json expected = Json::array();
  for (const auto& e : entries) {
    if (e.ok)
      expected.push_back({{"ShardId", e.ok->shard_id}, {"SequenceNumber", e.ok->sequence_number}});
    else
      expected.push_back({{"ErrorCode", e.error_code}, {"ErrorMessage", e.error_message}});
  }
  EXPECT_EQ(put_records_json(entries), expected.dump());
  EXPECT_EQ(put_records_json({}), "[]");
}

}  // namespace
}  // namespace serverlite::stream
