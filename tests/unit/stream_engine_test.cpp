// The Kinesis stream engine, operation by operation, with an injected clock (no sleeping).
#include <gtest/gtest.h>

#include <filesystem>

#include "services/stream/engine.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {
namespace {

using namespace std::chrono_literals;

class StreamEngineTest : public ::testing::Test {
 protected:
  StreamEngineTest() : db(std::nullopt), engine(db, {}, [this] { return now; }) {}

  void create(const std::string& name, int shards) {
    auto r = engine.create_stream({name, shards, std::nullopt, {}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  PutRecordResult put(const std::string& name, const std::string& key, const std::string& data,
                      std::optional<std::string> explicit_key = std::nullopt) {
    auto r = engine.put_record({name, {data, key, explicit_key, std::nullopt}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : PutRecordResult{};
  }
  std::string iterator(const std::string& name, const std::string& shard, IteratorType type,
                       std::optional<std::string> seq = std::nullopt,
                       std::optional<TimePoint> at = std::nullopt) {
    auto r = engine.get_shard_iterator({name, shard, type, seq, at});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->shard_iterator : "";
  }
  GetRecordsResult get(const std::string& it, std::optional<std::int64_t> limit = std::nullopt) {
    auto r = engine.get_records({it, limit, std::nullopt});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : GetRecordsResult{};
  }
  std::vector<Shard> shards(const std::string& name) {
    auto r = engine.list_shards({.name = name});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->shards : std::vector<Shard>{};
  }

  TimePoint now = TimePoint(1700000000000ms);
  store::Database db;
  StreamEngine engine;
};

TEST_F(StreamEngineTest, CreateDescribeAndErrors) {
  create("views", 3);
  auto d = engine.describe_stream({"views", std::nullopt, std::nullopt});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->stream.arn, "arn:aws:kinesis:us-east-1:000000000000:stream/views");
  EXPECT_EQ(d->stream.status, StreamStatus::Active);
  ASSERT_EQ(d->shards.size(), 3u);
  EXPECT_EQ(d->shards[1].shard_id, "shardId-000000000001");
  EXPECT_EQ(d->shards[1].hash_key_range.starting, "113427455640312821154458202477256070485");
  EXPECT_FALSE(d->has_more_shards);

  auto page = engine.describe_stream({"views", 2, "shardId-000000000000"});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->shards.size(), 2u);
  EXPECT_FALSE(page->has_more_shards);
  page = engine.describe_stream({"views", 1, std::nullopt});
  EXPECT_TRUE(page->has_more_shards);

  auto again = engine.create_stream({"views", 1, std::nullopt, {}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::ResourceInUse);
  EXPECT_EQ(again.error().message, "Stream views under account 000000000000 already exists.");

  auto missing = engine.describe_stream_summary({"nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::ResourceNotFound);
  EXPECT_EQ(missing.error().message, "Stream nope under account 000000000000 not found.");

  auto bad = engine.create_stream({"bad name", 1, std::nullopt, {}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::Validation);
  auto zero = engine.create_stream({"zero", 0, std::nullopt, {}});
  EXPECT_EQ(zero.error().code, ErrorCode::Validation);
  auto limit = engine.create_stream({"huge", 600, std::nullopt, {}});
  EXPECT_EQ(limit.error().code, ErrorCode::LimitExceeded);

  auto on_demand = engine.create_stream({"od", std::nullopt, StreamMode::OnDemand, {}});
  ASSERT_TRUE(on_demand.ok());
  EXPECT_EQ(engine.describe_stream_summary({"od"})->open_shard_count, 4);
}

TEST_F(StreamEngineTest, RecordsGoToTheShardOfTheirHashKey) {
  create("s", 2);
  // MD5("a") starts 0x0c: the lower half, shard 0.
  EXPECT_EQ(put("s", "a", "x").shard_id, "shardId-000000000000");
  EXPECT_EQ(put("s", "a", "y", "170141183460469231731687303715884105728").shard_id,
            "shardId-000000000001");
  auto bad = engine.put_record({"s", {"d", "k", "340282366920938463463374607431768211456", {}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  EXPECT_TRUE(bad.error().message.starts_with("Invalid ExplicitHashKey."));
  auto empty_key = engine.put_record({"s", {"d", "", {}, {}}});
  EXPECT_EQ(empty_key.error().code, ErrorCode::Validation);
  auto big = engine.put_record({"s", {std::string(1024 * 1024 + 1, 'x'), "k", {}, {}}});
  EXPECT_EQ(big.error().code, ErrorCode::Validation);
}

TEST_F(StreamEngineTest, SequenceNumbersIncreaseAndIteratorsStartWhereAsked) {
  create("s", 1);
  auto a = put("s", "k", "1");
  now += 5ms;
  auto b = put("s", "k", "2", std::nullopt);
  auto c = put("s", "k", "3");
  EXPECT_LT(a.sequence_number, b.sequence_number);
  EXPECT_LT(b.sequence_number, c.sequence_number);

  auto all = get(iterator("s", "shardId-000000000000", IteratorType::TrimHorizon));
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_EQ(all.records[0].data, "1");
  EXPECT_EQ(all.records[0].sequence_number, a.sequence_number);
  EXPECT_EQ(all.records[0].approximate_arrival, TimePoint(1700000000000ms));
  EXPECT_EQ(all.millis_behind_latest, 0);
  ASSERT_TRUE(all.next_shard_iterator);

  auto at = get(iterator("s", "0", IteratorType::AtSequenceNumber, b.sequence_number));
  ASSERT_EQ(at.records.size(), 2u);
  EXPECT_EQ(at.records[0].data, "2");
  auto after = get(iterator("s", "0", IteratorType::AfterSequenceNumber, b.sequence_number));
  ASSERT_EQ(after.records.size(), 1u);
  EXPECT_EQ(after.records[0].data, "3");
  auto stamp = get(iterator("s", "0", IteratorType::AtTimestamp, std::nullopt,
                            TimePoint(1700000000003ms)));
  ASSERT_EQ(stamp.records.size(), 2u);
  EXPECT_EQ(stamp.records[0].data, "2");

  auto latest_it = iterator("s", "0", IteratorType::Latest);
  EXPECT_TRUE(get(latest_it).records.empty());
  put("s", "k", "4");
  auto latest = get(latest_it);
  ASSERT_EQ(latest.records.size(), 1u);
  EXPECT_EQ(latest.records[0].data, "4");

  // Reading in pages: Limit, then the next iterator, and how far behind the first page was.
  now += 1000ms;
  auto first = get(iterator("s", "0", IteratorType::TrimHorizon), 2);
  EXPECT_EQ(first.records.size(), 2u);
  EXPECT_EQ(first.millis_behind_latest, 1000);
  auto second = get(*first.next_shard_iterator, 10);
  ASSERT_EQ(second.records.size(), 2u);
  EXPECT_EQ(second.records[1].data, "4");
  EXPECT_EQ(second.millis_behind_latest, 0);
}

TEST_F(StreamEngineTest, IteratorsAreCheckedAndExpire) {
  create("s", 2);
  auto seq = put("s", "a", "x").sequence_number;  // shard 0
  auto other = engine.get_shard_iterator({"s", "shardId-000000000001",
                                          IteratorType::AtSequenceNumber, seq, std::nullopt});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().message,
            "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in "
            "a call to a shard with shardId-000000000001");
  auto no_seq = engine.get_shard_iterator(
      {"s", "shardId-000000000000", IteratorType::AtSequenceNumber, std::nullopt, std::nullopt});
  EXPECT_EQ(no_seq.error().code, ErrorCode::InvalidArgument);
  auto no_shard = engine.get_shard_iterator(
      {"s", "shardId-000000000009", IteratorType::TrimHorizon, std::nullopt, std::nullopt});
  EXPECT_EQ(no_shard.error().code, ErrorCode::ResourceNotFound);

  auto garbage = engine.get_records({"bm90IGFuIGl0ZXJhdG9y", std::nullopt, std::nullopt});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().message, "Invalid ShardIterator.");

  auto it = iterator("s", "shardId-000000000000", IteratorType::TrimHorizon);
  now += 300001ms;
  auto expired = engine.get_records({it, std::nullopt, std::nullopt});
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, ErrorCode::ExpiredIterator);
  EXPECT_TRUE(expired.error().message.starts_with("Iterator expired. The iterator was created at "
                                                  "time Tue Nov 14 22:13:20 UTC 2023"));
}

TEST_F(StreamEngineTest, PutRecordsReportsEachRecordAndValidatesTheCall) {
  create("s", 4);
  PutRecordsRequest req{"s", {}};
  for (int i = 0; i < 500; ++i)
    req.records.push_back({std::to_string(i), "key-" + std::to_string(i), {}, {}});
  auto r = engine.put_records(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed_record_count, 0);
  ASSERT_EQ(r->records.size(), 500u);
  std::set<std::string> shards_used;
  for (const auto& e : r->records) shards_used.insert(e.ok->shard_id);
  EXPECT_EQ(shards_used.size(), 4u);

  req.records.push_back({"x", "k", {}, {}});
  auto too_many = engine.put_records(req);
  EXPECT_EQ(too_many.error().code, ErrorCode::Validation);
  auto empty = engine.put_records({"s", {}});
  EXPECT_EQ(empty.error().code, ErrorCode::Validation);
  auto bad = engine.put_records({"s", {{"x", "k", {}, {}}, {"x", "", {}, {}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'records.2.member.partitionKey'"), std::string::npos);
}

TEST_F(StreamEngineTest, SplitMergeAndReadingAClosedShardToItsEnd) {
  create("s", 1);
  put("s", "k", "before");
  auto split = engine.split_shard({"s", "shardId-000000000000",
                                   "170141183460469231731687303715884105728"});
  ASSERT_TRUE(split.ok()) << split.error().message;
  auto list = shards("s");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_TRUE(list[0].sequence_number_range.ending);
  EXPECT_EQ(list[1].parent_shard_id, "shardId-000000000000");
  EXPECT_EQ(list[2].hash_key_range.starting, "170141183460469231731687303715884105728");
  EXPECT_EQ(list[2].hash_key_range.ending, hash_key_text(kMaxHashKey));

  auto parent = get(iterator("s", "shardId-000000000000", IteratorType::TrimHorizon));
  ASSERT_EQ(parent.records.size(), 1u);
  EXPECT_FALSE(parent.next_shard_iterator);  // closed, and read to its end
  ASSERT_EQ(parent.child_shards.size(), 2u);
  EXPECT_EQ(parent.child_shards[0].parent_shards, std::vector<std::string>{"shardId-000000000000"});

  auto after = put("s", "k", "after");
  EXPECT_NE(after.shard_id, "shardId-000000000000");
  // The new starting key must lie strictly inside the shard, above its start + 1.
  auto outside = engine.split_shard({"s", "shardId-000000000001", "1"});
  EXPECT_EQ(outside.error().code, ErrorCode::InvalidArgument);
  auto closed = engine.split_shard({"s", "shardId-000000000000", "1000"});
  EXPECT_EQ(closed.error().code, ErrorCode::ResourceInUse);

  auto merge = engine.merge_shards({"s", "shardId-000000000001", "shardId-000000000002"});
  ASSERT_TRUE(merge.ok()) << merge.error().message;
  list = shards("s");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[3].parent_shard_id, "shardId-000000000001");
  EXPECT_EQ(list[3].adjacent_parent_shard_id, "shardId-000000000002");
  EXPECT_EQ(list[3].hash_key_range.starting, "0");
  auto open = engine.list_shards({.name = "s", .filter = ShardFilter{ShardFilterType::AtLatest}});
  ASSERT_EQ(open->shards.size(), 1u);
  EXPECT_EQ(open->shards[0].shard_id, "shardId-000000000003");
  auto not_adjacent = engine.merge_shards({"s", "shardId-000000000003", "shardId-000000000003"});
  EXPECT_FALSE(not_adjacent.ok());
}

TEST_F(StreamEngineTest, UpdateShardCountReshardsUniformly) {
  create("s", 2);
  auto up = engine.update_shard_count({"s", 4, "UNIFORM_SCALING"});
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->current_shard_count, 2);
  auto open = engine.list_shards({.name = "s", .filter = ShardFilter{ShardFilterType::AtLatest}});
  ASSERT_EQ(open->shards.size(), 4u);
  EXPECT_EQ(open->shards[0].parent_shard_id, "shardId-000000000000");
  EXPECT_EQ(open->shards[3].parent_shard_id, "shardId-000000000001");
  auto too_far = engine.update_shard_count({"s", 9, "UNIFORM_SCALING"});
  EXPECT_EQ(too_far.error().code, ErrorCode::LimitExceeded);
  auto too_low = engine.update_shard_count({"s", 1, "UNIFORM_SCALING"});
  EXPECT_EQ(too_low.error().code, ErrorCode::LimitExceeded);
}

TEST_F(StreamEngineTest, ListingPagesWithTokens) {
  for (auto name : {"a", "b", "c"}) create(name, 3);
  auto first = engine.list_streams({2, std::nullopt, std::nullopt});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->streams.size(), 2u);
  EXPECT_TRUE(first->has_more);
  auto rest = engine.list_streams({2, std::nullopt, first->next_token});
  ASSERT_EQ(rest->streams.size(), 1u);
  EXPECT_EQ(rest->streams[0].name, "c");

  auto page = engine.list_shards({.name = "a", .max_results = 2});
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->next_token);
  auto next = engine.list_shards({.next_token = page->next_token});
  ASSERT_TRUE(next.ok()) << next.error().message;
  ASSERT_EQ(next->shards.size(), 1u);
  EXPECT_EQ(next->shards[0].shard_id, "shardId-000000000002");
  auto both = engine.list_shards({.name = "a", .next_token = page->next_token});
  EXPECT_EQ(both.error().code, ErrorCode::InvalidArgument);
  auto after = engine.list_shards(
      {.name = "a", .filter = ShardFilter{ShardFilterType::AfterShardId, "shardId-000000000000"}});
  EXPECT_EQ(after->shards.size(), 2u);
}

TEST_F(StreamEngineTest, RetentionTrimsOldRecords) {
  create("s", 1);
  put("s", "k", "old");
  now += 2h;
  put("s", "k", "new");
  auto too_short = engine.decrease_retention_period({"s", 23});
  EXPECT_EQ(too_short.error().message,
            "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) "
            "is too short.");
  ASSERT_TRUE(engine.increase_retention_period({"s", 48}).ok());
  EXPECT_EQ(engine.increase_retention_period({"s", 30}).error().code, ErrorCode::InvalidArgument);
  ASSERT_TRUE(engine.decrease_retention_period({"s", 24}).ok());
  now += 23h;  // "old" is 25 hours old, "new" 23
  auto it = iterator("s", "shardId-000000000000", IteratorType::TrimHorizon);
  auto read = get(it);
  ASSERT_EQ(read.records.size(), 1u);
  EXPECT_EQ(read.records[0].data, "new");
  engine.trim_expired();
  EXPECT_EQ(engine.read_after("s", "shardId-000000000000", 0, 10).size(), 1u);
}

TEST_F(StreamEngineTest, TagsAddRemoveListInKeyOrder) {
  create("s", 1);
  ASSERT_TRUE(engine.add_tags({"s", {{"b", "2"}, {"a", "1"}, {"c", "3"}}, {}}).ok());
  auto tags = engine.list_tags({"s", std::nullopt, 2});
  ASSERT_EQ(tags->tags.size(), 2u);
  EXPECT_EQ(tags->tags[0].first, "a");
  EXPECT_TRUE(tags->has_more);
  ASSERT_TRUE(engine.remove_tags({"s", {}, {"a"}}).ok());
  tags = engine.list_tags({"s", "b", std::nullopt});
  ASSERT_EQ(tags->tags.size(), 1u);
  EXPECT_EQ(tags->tags[0], (std::pair<std::string, std::string>{"c", "3"}));
}

TEST(StreamEngineThroughput, PerShardLimitsWhenSwitchedOn) {
  store::Database db(std::nullopt);
  TimePoint now = TimePoint(1700000000000ms);
  StreamEngine engine(db, {.throughput_limits = true}, [&] { return now; });
  ASSERT_TRUE(engine.create_stream({"s", 1, std::nullopt, {}}).ok());
  std::string half(512 * 1024, 'x');
  ASSERT_TRUE(engine.put_record({"s", {half, "k", {}, {}}}).ok());
  auto over = engine.put_record({"s", {half, "k", {}, {}}});  // 1 MiB + 2 key bytes
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::ProvisionedThroughputExceeded);
  auto batch = engine.put_records({"s", {{"a", "k", {}, {}}, {half, "k", {}, {}}}});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->failed_record_count, 1);
  EXPECT_EQ(batch->records[1].error_code, "ProvisionedThroughputExceededException");
  now += 1s;
  EXPECT_TRUE(engine.put_record({"s", {half, "k", {}, {}}}).ok());
}

TEST(StreamEngineDurability, StreamsAndRecordsSurviveReopening) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-stream-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string seq;
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db);
    ASSERT_TRUE(engine.create_stream({"s", 2, std::nullopt, {{"team", "a"}}}).ok());
    ASSERT_TRUE(engine.split_shard({"s", "shardId-000000000001",
                                    "200000000000000000000000000000000000000"}).ok());
    seq = engine.put_record({"s", {"kept", "k", {}, {}}})->sequence_number;
  }
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db);
    auto d = engine.describe_stream({"s", std::nullopt, std::nullopt});
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->shards.size(), 4u);
    auto parts = parse_sequence_number(seq);
    auto records = engine.read_after("s", shard_id_of(parts->shard_index), 0, 10);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].record.data, "kept");
    EXPECT_EQ(records[0].record.sequence_number, seq);
    // New records keep increasing after a restart.
    auto next = engine.put_record({"s", {"next", "k", {}, {}}});
    EXPECT_GT(next->sequence_number, seq);
    EXPECT_EQ(engine.list_tags({"s", std::nullopt, std::nullopt})->tags.size(), 1u);
  }
  std::filesystem::remove_all(dir);
}

// A state file from schema version 1 (records WITHOUT ROWID) is brought to version 2 on open,
// its records kept in order and readable, new ones numbered after them.
TEST(StreamEngineDurability, Version1RecordsAreMigrated) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-stream-migrate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string first, second;
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db);
    ASSERT_TRUE(engine.create_stream({"s", 1, std::nullopt, {}}).ok());
    first = engine.put_record({"s", {"one", "k", {}, {}}})->sequence_number;
    second = engine.put_record({"s", {std::string(3000, 'x'), "k", {}, {}}})->sequence_number;
    // Put the table back as version 1 had it.
    db.exec(
        "CREATE TABLE old(stream TEXT NOT NULL, shard_index INTEGER NOT NULL, position INTEGER "
        "NOT NULL, arrival_ms INTEGER NOT NULL, partition_key TEXT NOT NULL, data BLOB NOT "
        "NULL, PRIMARY KEY(stream, shard_index, position)) WITHOUT ROWID;"
        "INSERT INTO old SELECT stream, shard_index, position, arrival_ms, partition_key, data "
        "FROM kinesis_records; DROP TABLE kinesis_records;"
        "ALTER TABLE old RENAME TO kinesis_records;");
    db.set_schema_version("stream", 1);
  }
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db);
    EXPECT_EQ(db.schema_version("stream"), 3);
    auto records = engine.read_after("s", "shardId-000000000000", 0, 10);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].record.data, "one");
    EXPECT_EQ(records[0].record.sequence_number, first);
    EXPECT_EQ(records[1].record.data, std::string(3000, 'x'));
    EXPECT_EQ(records[1].record.sequence_number, second);
    auto next = engine.put_record({"s", {"three", "k", {}, {}}});
    ASSERT_TRUE(next.ok());
    EXPECT_GT(next->sequence_number, second);
    auto indexes = db.prepare(
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('kinesis_records_key', "
        "'kinesis_records_v1')");
    ASSERT_TRUE(indexes->step());
    EXPECT_EQ(indexes->column_int(0), 1);  // the new index; the old table is gone
  }
  std::filesystem::remove_all(dir);
}

// Writes do not store the stream's counter; reopening finds it from the records, or from what
// trim_expired() stored when it deleted them all: positions never go back.
TEST(StreamEngineDurability, PositionsKeepRisingAfterReopeningAndTrimming) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-stream-counter-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto now = TimePoint(std::chrono::milliseconds(1700000000000));
  auto clock = [&] { return now; };
  auto position = [](const std::string& seq) { return parse_sequence_number(seq)->position; };
  std::string last;
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db, {}, clock);
    ASSERT_TRUE(engine.create_stream({"s", 2, std::nullopt, {}}).ok());
    ASSERT_TRUE(engine.put_records({"s", {{"a", "1", {}}, {"b", "2", {}}, {"c", "3", {}}}}).ok());
    last = engine.put_record({"s", {"d", "4", {}, {}}})->sequence_number;
  }
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db, {}, clock);
    auto next = engine.put_record({"s", {"e", "5", {}, {}}})->sequence_number;
    EXPECT_EQ(position(next), position(last) + 1);
    last = next;
    now += std::chrono::hours(25);
    engine.trim_expired();
    for (const auto& shard : {"shardId-000000000000", "shardId-000000000001"})
      EXPECT_TRUE(engine.read_after("s", shard, 0, 10).empty());
  }
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db, {}, clock);
    auto next = engine.put_record({"s", {"f", "6", {}, {}}})->sequence_number;
    EXPECT_EQ(position(next), position(last) + 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serverlite::stream
