// DynamoDB Streams: the stream log (append semantics, stream on/off, iterators, retention), the
// DynamoDB Streams API front and the trigger source, with an injected clock.
#include <regex>

#include <boost/crc.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "services/table/stream_log.hpp"
#include "services/table/stream_source.hpp"
#include "services/table/streams_api.hpp"

namespace serverlite::table {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using TP = std::chrono::system_clock::time_point;

constexpr const char* kTableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders";

class StreamLogTest : public ::testing::Test {
 protected:
  // 2026-11-24T20:55:12.345Z
  TP now = TP(std::chrono::milliseconds(1795553712345LL));
  store::Database db{std::nullopt};
  StreamLog log{db, "us-east-1", "000000000000", [this] { return now; }};

  StreamDescription enable(StreamViewType view = StreamViewType::NewAndOldImages) {
    return log.enable("Orders", kTableArn, view);
  }

  static Json key(const std::string& id) { return {{"id", {{"S", id}}}}; }
  static Json item(const std::string& id, const std::string& n) {
    return {{"id", {{"S", id}}}, {"n", {{"N", n}}}};
  }

  bool put(const std::string& id, std::optional<Json> old_image, std::optional<Json> new_image,
           bool ttl = false) {
    return log.append({"Orders", key(id), std::move(old_image), std::move(new_image), ttl});
  }

  std::vector<StreamRecord> all(const StreamDescription& s) { return log.read_after(s, 0, 1000); }

  std::string iterator(const StreamDescription& s, ShardIteratorType type,
                       std::optional<std::string> seq = std::nullopt) {
    auto r = log.get_shard_iterator(s.arn, s.shard_id, type, seq);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : "";
  }
};

// ---- append ------------------------------------------------------------------------------------

TEST_F(StreamLogTest, InsertModifyRemoveWithBothImages) {
  auto s = enable();
  EXPECT_TRUE(put("a", std::nullopt, item("a", "1")));
  EXPECT_TRUE(put("a", item("a", "1"), item("a", "2")));
  EXPECT_TRUE(put("a", item("a", "2"), std::nullopt));
  auto records = all(s);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].event_name, "INSERT");
  EXPECT_FALSE(records[0].old_image);
  EXPECT_EQ(*records[0].new_image, item("a", "1"));
  EXPECT_EQ(records[1].event_name, "MODIFY");
  EXPECT_EQ(*records[1].old_image, item("a", "1"));
  EXPECT_EQ(*records[1].new_image, item("a", "2"));
  EXPECT_EQ(records[2].event_name, "REMOVE");
  EXPECT_EQ(*records[2].old_image, item("a", "2"));
  EXPECT_FALSE(records[2].new_image);
  for (const auto& r : records) {
    EXPECT_EQ(r.keys, key("a"));
    EXPECT_EQ(r.view, StreamViewType::NewAndOldImages);
    EXPECT_EQ(r.event_id.size(), 32u);
  }
  EXPECT_NE(records[0].event_id, records[1].event_id);
  // SizeBytes: Keys (id + "a" = 3) + each image kept (id/a 3 + n 1 + the number 1 in 2 = 6).
  EXPECT_EQ(records[0].size_bytes, 3 + 6);
  EXPECT_EQ(records[1].size_bytes, 3 + 6 + 6);
  EXPECT_EQ(records[2].size_bytes, 3 + 6);
}

TEST_F(StreamLogTest, WriteThatChangesNothingWritesNoRecord) {
  auto s = enable();
  Json a = {{"id", {{"S", "a"}}}, {"tags", {{"SS", {"x", "y"}}}}, {"n", {{"N", "1.50"}}}};
  Json b = {{"n", {{"N", "1.5"}}}, {"tags", {{"SS", {"y", "x"}}}}, {"id", {{"S", "a"}}}};
  EXPECT_FALSE(put("a", a, b));  // equal as DynamoDB values: set order, number form
  EXPECT_FALSE(put("a", std::nullopt, std::nullopt));
  EXPECT_TRUE(all(s).empty());
  Json c = b;
  c["extra"] = {{"BOOL", true}};
  EXPECT_TRUE(put("a", a, c));
  EXPECT_EQ(all(s).size(), 1u);
}

TEST_F(StreamLogTest, ImagesFollowTheViewType) {
  struct Case {
    StreamViewType view;
    bool has_new, has_old;
    std::int64_t size;
  };
  for (auto c : {Case{StreamViewType::KeysOnly, false, false, 3},
                 Case{StreamViewType::NewImage, true, false, 3 + 6},
                 Case{StreamViewType::OldImage, false, true, 3 + 6},
                 Case{StreamViewType::NewAndOldImages, true, true, 3 + 6 + 6}}) {
    auto s = enable(c.view);
    ASSERT_TRUE(put("a", item("a", "1"), item("a", "2")));
    auto records = all(s);
    ASSERT_EQ(records.size(), 1u) << stream_view_type_name(c.view);
    EXPECT_EQ(records[0].new_image.has_value(), c.has_new) << stream_view_type_name(c.view);
    EXPECT_EQ(records[0].old_image.has_value(), c.has_old) << stream_view_type_name(c.view);
    EXPECT_EQ(records[0].size_bytes, c.size);
    Json j = stream_record_json(records[0], "us-east-1");
    EXPECT_EQ(j["dynamodb"].contains("NewImage"), c.has_new);
    EXPECT_EQ(j["dynamodb"].contains("OldImage"), c.has_old);
    EXPECT_EQ(j["dynamodb"]["StreamViewType"], stream_view_type_name(c.view));
    now += 1ms;
  }
}

TEST_F(StreamLogTest, TableWithoutStreamWritesNothing) {
  EXPECT_FALSE(log.current("Orders"));
  EXPECT_FALSE(put("a", std::nullopt, item("a", "1")));
  auto s = enable();
  EXPECT_TRUE(put("a", std::nullopt, item("a", "1")));
  log.disable("Orders");
  EXPECT_FALSE(log.current("Orders"));
  EXPECT_FALSE(put("b", std::nullopt, item("b", "1")));
  EXPECT_EQ(all(*log.find(s.arn)).size(), 1u);
}

TEST_F(StreamLogTest, TtlDeleteCarriesTheServiceIdentity) {
  auto s = enable();
  ASSERT_TRUE(put("a", item("a", "1"), std::nullopt, /*ttl=*/true));
  ASSERT_TRUE(put("b", item("b", "1"), std::nullopt));
  auto records = all(s);
  Json ttl = stream_record_json(records[0], "us-east-1");
  EXPECT_EQ(ttl["userIdentity"],
            (Json{{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}}));
  EXPECT_FALSE(stream_record_json(records[1], "us-east-1").contains("userIdentity"));
  Json lambda = lambda_stream_record(records[0], s.arn, "us-east-1");
  EXPECT_EQ(lambda["userIdentity"],
            (Json{{"principalId", "dynamodb.amazonaws.com"}, {"type", "Service"}}));
}

TEST_F(StreamLogTest, HookAnnouncesEachRecord) {
  std::vector<std::string> seen;
  log.set_on_records([&](const std::string& arn) { seen.push_back(arn); });
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));
  put("a", item("a", "1"), item("a", "1"));  // no-op: no record, no announcement
  EXPECT_EQ(seen, std::vector<std::string>{s.arn});
}

TEST_F(StreamLogTest, SequenceNumbersIncreaseAndLookLikeAws) {
  auto s = enable();
  for (int i = 0; i < 12; ++i) put("a" + std::to_string(i), std::nullopt, item("a", "1"));
  auto records = all(s);
  ASSERT_EQ(records.size(), 12u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& seq = records[i].sequence_number;
    EXPECT_GE(seq.size(), 21u);
    EXPECT_TRUE(std::regex_match(seq, std::regex("[1-9][0-9]+")));
    if (i > 0) {
      const auto& prev = records[i - 1].sequence_number;
      // Same length, so string order is numeric order.
      EXPECT_TRUE(prev.size() < seq.size() || (prev.size() == seq.size() && prev < seq));
      EXPECT_EQ(records[i].position, records[i - 1].position + 1);
    }
  }
}

TEST_F(StreamLogTest, PositionsSurviveARollbackAndAReload) {
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));
  try {
    db.transaction([&] {
      put("b", std::nullopt, item("b", "1"));
      throw std::runtime_error("write failed");
    });
  } catch (const std::runtime_error&) {
    log.reload();
  }
  put("c", std::nullopt, item("c", "1"));
  auto records = all(s);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].keys, key("a"));
  EXPECT_EQ(records[1].keys, key("c"));
  EXPECT_GT(records[1].position, 2);  // the rolled-back position is not reused

  // A rolled-back enable() is undone by reload().
  try {
    db.transaction([&] {
      log.enable("Other", "arn:aws:dynamodb:us-east-1:000000000000:table/Other",
                 StreamViewType::KeysOnly);
      throw std::runtime_error("create failed");
    });
  } catch (const std::runtime_error&) {
    log.reload();
  }
  EXPECT_FALSE(log.current("Other"));
}

// ---- streams on and off ------------------------------------------------------------------------

TEST_F(StreamLogTest, EnableNamesTheStreamAsAws) {
  auto s = enable();
  EXPECT_EQ(s.label, "2026-11-24T20:55:12.345");
  EXPECT_EQ(s.arn,
            "arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2026-11-24T20:55:12.345");
  EXPECT_TRUE(std::regex_match(s.shard_id, std::regex("shardId-[0-9]{20}-[0-9a-f]{8}")));
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.table, "Orders");
  EXPECT_EQ(s.table_arn, kTableArn);
  EXPECT_EQ(log.current("Orders")->arn, s.arn);
}

TEST_F(StreamLogTest, EnablingAgainMakesANewStreamAndDisablesTheOld) {
  auto first = enable(StreamViewType::KeysOnly);
  put("a", std::nullopt, item("a", "1"));
  // Same millisecond: the label still differs.
  auto second = enable(StreamViewType::NewImage);
  EXPECT_NE(first.arn, second.arn);
  EXPECT_NE(first.label, second.label);
  EXPECT_EQ(second.label, "2026-11-24T20:55:12.346");
  EXPECT_FALSE(log.find(first.arn)->enabled);
  EXPECT_EQ(log.current("Orders")->arn, second.arn);
  put("b", std::nullopt, item("b", "1"));
  EXPECT_EQ(all(*log.find(first.arn)).size(), 1u);  // old records stay readable
  EXPECT_EQ(all(second).size(), 1u);
  EXPECT_EQ(log.latest("Orders")->arn, second.arn);

  log.disable("Orders");
  auto d = log.find(second.arn);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->enabled);
  EXPECT_EQ(log.latest("Orders")->arn, second.arn);
}

TEST_F(StreamLogTest, DeletedTableDisablesItsStream) {
  auto s = enable();
  log.table_deleted("Orders");
  EXPECT_FALSE(log.current("Orders"));
  EXPECT_FALSE(log.find(s.arn)->enabled);
}

TEST_F(StreamLogTest, StreamsSurviveARestart) {
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));
  StreamLog again(db, "us-east-1", "000000000000", [this] { return now; });
  EXPECT_EQ(again.current("Orders")->arn, s.arn);
  again.append({"Orders", key("b"), std::nullopt, item("b", "1")});
  auto records = again.read_after(s, 0, 10);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].position, 2);
}

// ---- iterators ---------------------------------------------------------------------------------

TEST_F(StreamLogTest, IteratorTypes) {
  auto s = enable();
  for (auto id : {"a", "b", "c"}) put(id, std::nullopt, item(id, "1"));
  auto records = all(s);

  auto trim = log.get_records(iterator(s, ShardIteratorType::TrimHorizon));
  ASSERT_TRUE(trim.ok());
  EXPECT_EQ(trim->records.size(), 3u);

  auto latest_it = iterator(s, ShardIteratorType::Latest);
  auto latest = log.get_records(latest_it);
  ASSERT_TRUE(latest.ok());
  EXPECT_TRUE(latest->records.empty());
  ASSERT_TRUE(latest->next_shard_iterator);
  put("d", std::nullopt, item("d", "1"));
  auto after_latest = log.get_records(*latest->next_shard_iterator);
  ASSERT_EQ(after_latest->records.size(), 1u);
  EXPECT_EQ(after_latest->records[0].keys, key("d"));

  auto at = log.get_records(
      iterator(s, ShardIteratorType::AtSequenceNumber, records[1].sequence_number));
  ASSERT_EQ(at->records.size(), 3u);
  EXPECT_EQ(at->records[0].keys, key("b"));
  auto after = log.get_records(
      iterator(s, ShardIteratorType::AfterSequenceNumber, records[1].sequence_number));
  ASSERT_EQ(after->records.size(), 2u);
  EXPECT_EQ(after->records[0].keys, key("c"));
}

TEST_F(StreamLogTest, GetRecordsPagesWithNextIterator) {
  auto s = enable();
  for (int i = 0; i < 5; ++i) put("k" + std::to_string(i), std::nullopt, item("x", "1"));
  std::string it = iterator(s, ShardIteratorType::TrimHorizon);
  std::vector<std::string> keys;
  for (int page = 0; page < 4; ++page) {
    auto r = log.get_records(it, 2);
    ASSERT_TRUE(r.ok());
    for (const auto& rec : r->records) keys.push_back(rec.keys["id"]["S"]);
    ASSERT_TRUE(r->next_shard_iterator);  // an open shard always gives one
    it = *r->next_shard_iterator;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4"}));
}

TEST_F(StreamLogTest, ClosedShardEndsWithoutNextIterator) {
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));
  put("b", std::nullopt, item("b", "1"));
  log.disable("Orders");
  auto first = log.get_records(iterator(s, ShardIteratorType::TrimHorizon), 1);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next_shard_iterator);
  auto second = log.get_records(*first->next_shard_iterator, 1);
  ASSERT_EQ(second->records.size(), 1u);
  EXPECT_FALSE(second->next_shard_iterator);
}

TEST_F(StreamLogTest, IteratorsExpireAfterFifteenMinutes) {
  auto s = enable();
  std::string it = iterator(s, ShardIteratorType::TrimHorizon);
  now += 15min;
  EXPECT_TRUE(log.get_records(it).ok());
  now += 1ms;
  auto r = log.get_records(it);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StreamErrorCode::ExpiredIterator);
}

TEST_F(StreamLogTest, IteratorErrors) {
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));
  std::string it = iterator(s, ShardIteratorType::TrimHorizon);
  EXPECT_EQ(it.rfind(s.arn + "|1|", 0), 0u);  // AWS's shape

  std::string mangled = it;
  std::size_t inside = s.arn.size() + 3 + 8;  // a character of the opaque part
  mangled[inside] = mangled[inside] == 'A' ? 'B' : 'A';
  auto bad = log.get_records(mangled);
  ASSERT_FALSE(bad.ok()) << mangled;
  EXPECT_EQ(bad.error().code, StreamErrorCode::Validation);
  EXPECT_EQ(log.get_records("nonsense").error().code, StreamErrorCode::Validation);
  EXPECT_EQ(log.get_records(it, 0).error().code, StreamErrorCode::Validation);
  EXPECT_EQ(log.get_records(it, 1001).error().code, StreamErrorCode::Validation);
  EXPECT_TRUE(log.get_records(it, 1000).ok());

  auto missing = log.get_shard_iterator(s.arn + "x", s.shard_id, ShardIteratorType::Latest, {});
  EXPECT_EQ(missing.error().code, StreamErrorCode::ResourceNotFound);
  EXPECT_EQ(missing.error().message,
            "Requested resource not found: Stream: " + s.arn + "x not found");
  auto shard = log.get_shard_iterator(s.arn, "shardId-00000000000000000000-00000000",
                                      ShardIteratorType::Latest, {});
  EXPECT_EQ(shard.error().code, StreamErrorCode::ResourceNotFound);
  EXPECT_EQ(shard.error().message, "Requested resource not found: Shard does not exist");
  EXPECT_EQ(log.get_shard_iterator(s.arn, s.shard_id, ShardIteratorType::AtSequenceNumber, {})
                .error().code,
            StreamErrorCode::Validation);
  EXPECT_EQ(log.get_shard_iterator(s.arn, s.shard_id, ShardIteratorType::AtSequenceNumber,
                                   std::string("900000000000000000001"))
                .error().code,
            StreamErrorCode::Validation);  // another stream's number
}

// ---- retention ---------------------------------------------------------------------------------

TEST_F(StreamLogTest, RecordsOlderThanADayAreGone) {
  auto s = enable();
  put("old", std::nullopt, item("old", "1"));
  auto old_seq = all(s)[0].sequence_number;
  now += 23h;
  put("new", std::nullopt, item("new", "1"));
  now += 1h + 1ms;

  auto records = all(s);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].keys, key("new"));
  auto trim = log.get_records(iterator(s, ShardIteratorType::TrimHorizon));
  ASSERT_EQ(trim->records.size(), 1u);
  EXPECT_EQ(trim->records[0].keys, key("new"));
  auto at_old = log.get_shard_iterator(s.arn, s.shard_id, ShardIteratorType::AtSequenceNumber,
                                       old_seq);
  EXPECT_EQ(at_old.error().code, StreamErrorCode::TrimmedDataAccess);
  EXPECT_TRUE(log.get_shard_iterator(s.arn, s.shard_id, ShardIteratorType::AfterSequenceNumber,
                                     old_seq).ok());

  log.trim();
  auto count = db.prepare("SELECT COUNT(*) FROM table_stream_records");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->column_int(0), 1);
  // Positions go on after a trim, and trimmed numbers stay trimmed.
  put("next", std::nullopt, item("next", "1"));
  EXPECT_EQ(all(s).back().position, 3);
  EXPECT_EQ(log.get_shard_iterator(s.arn, s.shard_id, ShardIteratorType::AtSequenceNumber, old_seq)
                .error().code,
            StreamErrorCode::TrimmedDataAccess);
}

TEST_F(StreamLogTest, IteratorOverTrimmedRecordsIsRefused) {
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));
  now += 24h - 10min;
  std::string it = iterator(s, ShardIteratorType::TrimHorizon);  // before "a"
  now += 11min;                                                  // "a" is now past 24 h
  auto r = log.get_records(it);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StreamErrorCode::TrimmedDataAccess);
}

TEST_F(StreamLogTest, DisabledStreamIsReadableForADay) {
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));
  log.disable("Orders");
  now += 23h;
  ASSERT_TRUE(log.find(s.arn));
  EXPECT_EQ(log.list_streams({})->streams.size(), 1u);
  now += 1h + 1ms;
  EXPECT_FALSE(log.find(s.arn));
  EXPECT_TRUE(log.list_streams({})->streams.empty());
  EXPECT_EQ(log.describe_stream(s.arn).error().code, StreamErrorCode::ResourceNotFound);
  log.trim();
  auto count = db.prepare("SELECT COUNT(*) FROM table_streams");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->column_int(0), 0);
}

// ---- ListStreams / DescribeStream --------------------------------------------------------------

TEST_F(StreamLogTest, ListStreamsPagesAndFilters) {
  std::vector<std::string> arns;
  for (auto table : {"A", "B", "C", "D", "E"}) {
    arns.push_back(log.enable(table, std::string("arn:aws:dynamodb:us-east-1:0:table/") + table,
                              StreamViewType::KeysOnly)
                       .arn);
    now += 1s;
  }
  std::vector<std::string> seen;
  ListStreamsRequest req;
  req.limit = 2;
  for (int page = 0; page < 5; ++page) {
    auto r = log.list_streams(req);
    ASSERT_TRUE(r.ok());
    for (const auto& s : r->streams) seen.push_back(s.arn);
    if (!r->last_evaluated_stream_arn) break;
    req.exclusive_start_stream_arn = r->last_evaluated_stream_arn;
  }
  EXPECT_EQ(seen, arns);

  auto only = log.list_streams({std::string("C"), std::nullopt, std::nullopt});
  ASSERT_EQ(only->streams.size(), 1u);
  EXPECT_EQ(only->streams[0].arn, arns[2]);
  EXPECT_FALSE(only->last_evaluated_stream_arn);
  EXPECT_TRUE(log.list_streams({std::string("Nope"), std::nullopt, std::nullopt})->streams.empty());
  EXPECT_EQ(log.list_streams({std::nullopt, 0, std::nullopt}).error().code,
            StreamErrorCode::Validation);
}

TEST_F(StreamLogTest, DescribeStreamShowsTheShard) {
  auto s = enable();
  auto open = log.describe_stream(s.arn);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->shards.size(), 1u);
  EXPECT_EQ(open->shards[0].shard_id, s.shard_id);
  EXPECT_FALSE(open->shards[0].ending_sequence_number);
  EXPECT_FALSE(open->last_evaluated_shard_id);
  put("a", std::nullopt, item("a", "1"));
  put("b", std::nullopt, item("b", "1"));
  EXPECT_EQ(open->shards[0].starting_sequence_number, all(s)[0].sequence_number);

  // A page after the only shard is empty.
  EXPECT_TRUE(log.describe_stream(s.arn, 100, s.shard_id)->shards.empty());
  EXPECT_EQ(log.describe_stream(s.arn, 0).error().code, StreamErrorCode::Validation);

  log.disable("Orders");
  auto closed = log.describe_stream(s.arn);
  EXPECT_FALSE(closed->stream.enabled);
  EXPECT_EQ(closed->shards[0].ending_sequence_number, all(s)[1].sequence_number);
}

// ---- the record's JSON -------------------------------------------------------------------------

TEST_F(StreamLogTest, RecordJsonIsExactlyAwsShape) {
  auto s = enable();
  put("a", item("a", "1"), item("a", "2"));
  auto r = all(s)[0];
  Json expected = {
      {"eventID", r.event_id},
      {"eventName", "MODIFY"},
      {"eventVersion", "1.1"},
      {"eventSource", "aws:dynamodb"},
      {"awsRegion", "us-east-1"},
      {"dynamodb",
       {{"ApproximateCreationDateTime", 1795553712},
        {"Keys", {{"id", {{"S", "a"}}}}},
        {"NewImage", {{"id", {{"S", "a"}}}, {"n", {{"N", "2"}}}}},
        {"OldImage", {{"id", {{"S", "a"}}}, {"n", {{"N", "1"}}}}},
        {"SequenceNumber", r.sequence_number},
        {"SizeBytes", 15},
        {"StreamViewType", "NEW_AND_OLD_IMAGES"}}},
  };
  EXPECT_EQ(stream_record_json(r, "us-east-1"), expected);
  EXPECT_EQ(r.sequence_number, std::to_string(s.id) + "00000000000000000001");
  // Seconds rounded down: the ".345" is gone, and the number is a JSON integer, as in Lambda's
  // events ("ApproximateCreationDateTime": 1428537600).
  EXPECT_NE(stream_record_json(r, "us-east-1").dump().find("\"ApproximateCreationDateTime\":"
                                                           "1795553712,"),
            std::string::npos);

  Json lambda = expected;
  lambda["eventSourceARN"] = s.arn;
  EXPECT_EQ(lambda_stream_record(r, s.arn, "us-east-1"), lambda);
}

// ---- the trigger source ------------------------------------------------------------------------

TEST_F(StreamLogTest, TriggerSourceReadsTheStream) {
  auto s = enable(StreamViewType::NewImage);
  TableStreamSource source(log, s.arn);
  EXPECT_EQ(source.arn(), s.arn);
  EXPECT_EQ(source.batch_info_key(), "DDBStreamBatchInfo");
  auto shards = source.shards();
  ASSERT_TRUE(shards);
  ASSERT_EQ(shards->size(), 1u);
  EXPECT_EQ((*shards)[0].shard_id, s.shard_id);
  EXPECT_FALSE((*shards)[0].closed);
  EXPECT_EQ(source.starting_checkpoint(s.shard_id, events::StartingPosition::Latest, 0), 0);

  put("a", std::nullopt, item("a", "1"));
  put("b", std::nullopt, item("b", "1"));
  put("c", std::nullopt, item("c", "1"));
  EXPECT_EQ(source.starting_checkpoint(s.shard_id, events::StartingPosition::TrimHorizon, 0), 0);
  EXPECT_EQ(source.starting_checkpoint(s.shard_id, events::StartingPosition::Latest, 0), 3);

  auto read = source.read(s.shard_id, 1, 10);
  ASSERT_EQ(read.records.size(), 2u);
  EXPECT_FALSE(read.end_of_shard);
  const auto& rec = read.records[0];
  EXPECT_EQ(rec.position, 2);
  EXPECT_EQ(rec.sequence_number, all(s)[1].sequence_number);
  EXPECT_EQ(rec.arrival_ms, 1795553712345LL);
  EXPECT_EQ(rec.lambda_record["eventSourceARN"], s.arn);
  EXPECT_EQ(rec.lambda_record["eventName"], "INSERT");
  EXPECT_EQ(rec.lambda_record["dynamodb"]["NewImage"], item("b", "1"));
  EXPECT_EQ(rec.filter_document, rec.lambda_record);
  EXPECT_EQ(rec.size_bytes, rec.lambda_record.dump().size());
  EXPECT_TRUE(source.read("shardId-other", 0, 10).records.empty());

  log.disable("Orders");
  EXPECT_TRUE((*source.shards())[0].closed);
  EXPECT_FALSE(source.read(s.shard_id, 1, 1).end_of_shard);
  EXPECT_TRUE(source.read(s.shard_id, 1, 10).end_of_shard);
  EXPECT_TRUE(source.read(s.shard_id, 3, 10).end_of_shard);

  now += 25h;
  EXPECT_FALSE(source.shards());
}

TEST_F(StreamLogTest, TriggerSourceStartsAtATimestamp) {
  auto s = enable();
  TableStreamSource source(log, s.arn);
  put("a", std::nullopt, item("a", "1"));
  now += 10s;
  auto at = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  put("b", std::nullopt, item("b", "1"));
  EXPECT_EQ(source.starting_checkpoint(s.shard_id, events::StartingPosition::AtTimestamp, at), 1);
  EXPECT_EQ(source.starting_checkpoint(s.shard_id, events::StartingPosition::AtTimestamp, at + 1),
            2);
}

// ---- the API front -----------------------------------------------------------------------------

class StreamsApiTest : public StreamLogTest {
 protected:
  StreamsApi api{log, [](const std::string& table) -> std::optional<KeySchema> {
                   if (table != "Orders") return std::nullopt;
                   return KeySchema{{"id", ValueType::S}, KeyElement{"sk", ValueType::N}};
                 }};

  http::Response call(const std::string& action, const Json& body) {
    http::Request req;
    req.method = "POST";
    req.target = "/";
    req.headers.push_back({"X-Amz-Target", "DynamoDBStreams_20120810." + action});
    req.body = body.dump();
    http::Response out;
    api.handle(std::move(req), [&](http::Response r) { out = std::move(r); });
    return out;
  }

  Json ok(const std::string& action, const Json& body) {
    auto r = call(action, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body);
  }
};

TEST_F(StreamsApiTest, DispatchTable) {
  EXPECT_EQ(StreamsApi::action_names(),
            (std::vector<std::string>{"DescribeStream", "GetRecords", "GetShardIterator",
                                      "ListStreams"}));
  auto r = call("PutRecord", Json::object());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json::parse(r.body)["__type"], "com.amazon.coral.service#UnknownOperationException");
}

TEST_F(StreamsApiTest, EndToEndWithChecksums) {
  auto s = enable();
  put("a", std::nullopt, item("a", "1"));

  auto list = ok("ListStreams", {{"TableName", "Orders"}});
  EXPECT_EQ(list, (Json{{"Streams", {{{"StreamArn", s.arn},
                                      {"TableName", "Orders"},
                                      {"StreamLabel", s.label}}}}}));

  auto describe = ok("DescribeStream", {{"StreamArn", s.arn}});
  const Json& d = describe["StreamDescription"];
  EXPECT_EQ(d["StreamArn"], s.arn);
  EXPECT_EQ(d["StreamLabel"], s.label);
  EXPECT_EQ(d["StreamStatus"], "ENABLED");
  EXPECT_EQ(d["StreamViewType"], "NEW_AND_OLD_IMAGES");
  EXPECT_DOUBLE_EQ(d["CreationRequestDateTime"].get<double>(), 1795553712.345);
  EXPECT_EQ(d["TableName"], "Orders");
  EXPECT_EQ(d["KeySchema"], (Json::array({{{"AttributeName", "id"}, {"KeyType", "HASH"}},
                                          {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}})));
  ASSERT_EQ(d["Shards"].size(), 1u);
  EXPECT_EQ(d["Shards"][0]["ShardId"], s.shard_id);
  EXPECT_TRUE(d["Shards"][0]["SequenceNumberRange"].contains("StartingSequenceNumber"));
  EXPECT_FALSE(d["Shards"][0]["SequenceNumberRange"].contains("EndingSequenceNumber"));

  auto it = ok("GetShardIterator", {{"StreamArn", s.arn},
                                    {"ShardId", s.shard_id},
                                    {"ShardIteratorType", "TRIM_HORIZON"}});
  auto raw = call("GetRecords", {{"ShardIterator", it["ShardIterator"]}});
  ASSERT_EQ(raw.status, 200);
  boost::crc_32_type crc;
  crc.process_bytes(raw.body.data(), raw.body.size());
  EXPECT_EQ(raw.header("x-amz-crc32"), std::to_string(crc.checksum()));
  EXPECT_EQ(raw.header("Content-Type"), "application/x-amz-json-1.0");
  auto records = Json::parse(raw.body);
  ASSERT_EQ(records["Records"].size(), 1u);
  EXPECT_EQ(records["Records"][0], stream_record_json(all(s)[0], "us-east-1"));
  EXPECT_TRUE(records["NextShardIterator"].is_string());
}

TEST_F(StreamsApiTest, ErrorsAsDynamoDbStreamsTypesThem) {
  auto s = enable();
  auto missing = call("DescribeStream",
                      {{"StreamArn", "arn:aws:dynamodb:us-east-1:000000000000:table/X/stream/"
                                     "2026-01-01T00:00:00.000"}});
  EXPECT_EQ(missing.status, 400);
  auto body = Json::parse(missing.body);
  EXPECT_EQ(body["__type"], "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
  EXPECT_EQ(body["message"],
            "Requested resource not found: Stream: arn:aws:dynamodb:us-east-1:000000000000:"
            "table/X/stream/2026-01-01T00:00:00.000 not found");
  EXPECT_TRUE(missing.header("x-amz-crc32"));

  auto no_arn = Json::parse(call("DescribeStream", Json::object()).body);
  EXPECT_EQ(no_arn["__type"], "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(no_arn["message"], "1 validation error detected: Value null at 'streamArn' failed "
                               "to satisfy constraint: Member must not be null");
  auto short_arn = Json::parse(call("DescribeStream", {{"StreamArn", "arn:short"}}).body);
  EXPECT_EQ(short_arn["message"], "1 validation error detected: Value 'arn:short' at "
                                  "'streamArn' failed to satisfy constraint: Member must have "
                                  "length greater than or equal to 37");

  auto bad_type = Json::parse(call("GetShardIterator", {{"StreamArn", s.arn},
                                                        {"ShardId", s.shard_id},
                                                        {"ShardIteratorType", "AT_TIMESTAMP"}})
                                  .body);
  EXPECT_EQ(bad_type["__type"], "com.amazon.coral.validate#ValidationException");

  auto it = ok("GetShardIterator", {{"StreamArn", s.arn},
                                    {"ShardId", s.shard_id},
                                    {"ShardIteratorType", "LATEST"}});
  now += 16min;
  auto expired = Json::parse(call("GetRecords", {{"ShardIterator", it["ShardIterator"]}}).body);
  EXPECT_EQ(expired["__type"], "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException");

  auto bad_json = call("ListStreams", Json::object());
  EXPECT_EQ(bad_json.status, 200);
}

}  // namespace
}  // namespace serverlite::table
