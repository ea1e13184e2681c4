// Stream statuses of the engine: CREATING, UPDATING and DELETING end when the engine's clock
// passes their stored end time, the change they wait for applied as of that time, also after the
// state is reopened; and a state file of schema version 2 (no statuses) opens with its streams
// ACTIVE.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "services/stream/engine.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {
namespace {

using namespace std::chrono_literals;

EngineOptions timed() {
  EngineOptions o;
  o.create_stream_ms = 500;
  o.update_stream_ms = 1000;
  o.delete_stream_ms = 500;
  return o;
}

StreamStatus status_of(StreamEngine& engine, const std::string& name) {
  auto d = engine.describe_stream_summary({name});
  EXPECT_TRUE(d.ok());
  return d.ok() ? d->status : StreamStatus::Active;
}

TEST(StreamLifecycle, ChangesEndWithTheClockAndApplyAsOfTheirEnd) {
  store::Database db(std::nullopt);
  TimePoint now(1700000000000ms);
  StreamEngine engine(db, timed(), [&] { return now; });
  ASSERT_TRUE(engine.create_stream({"s", 2, std::nullopt, {}}).ok());
  EXPECT_EQ(status_of(engine, "s"), StreamStatus::Creating);
  EXPECT_TRUE(engine.describe_stream({"s", {}, {}})->shards.empty());
  auto put = engine.put_record({"s", {"x", "k", {}, {}}});
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::ResourceNotFound);
  now += 499ms;
  EXPECT_EQ(status_of(engine, "s"), StreamStatus::Creating);
  now += 1ms;
  EXPECT_EQ(status_of(engine, "s"), StreamStatus::Active);
  EXPECT_EQ(engine.describe_stream({"s", {}, {}})->shards.size(), 2u);

  ASSERT_TRUE(engine.merge_shards({"s", "shardId-0", "shardId-1"}).ok());
  TimePoint merged_at = now + 1000ms;
  EXPECT_EQ(status_of(engine, "s"), StreamStatus::Updating);
  auto again = engine.split_shard({"s", "shardId-0", "100"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::ResourceInUse);
  EXPECT_EQ(again.error().message,
            "Stream s under account 000000000000 not ACTIVE, instead in state UPDATING");
  now += 300ms;
  auto during = engine.put_record({"s", {"during", "k", std::string("0"), {}}});
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->shard_id, "shardId-000000000000");
  // Nothing looks at the stream until well after the merge's end: it still closes at that end.
  now += 5000ms;
  auto d = engine.describe_stream({"s", {}, {}});
  EXPECT_EQ(d->stream.status, StreamStatus::Active);
  ASSERT_EQ(d->shards.size(), 3u);
  EXPECT_EQ(parse_sequence_number(*d->shards[0].sequence_number_range.ending)->time_ms,
            std::chrono::duration_cast<std::chrono::milliseconds>(merged_at.time_since_epoch())
                .count() / 1000 * 1000);
  auto after = engine.put_record({"s", {"after", "k", std::string("0"), {}}});
  EXPECT_EQ(after->shard_id, "shardId-000000000002");
  EXPECT_GT(after->sequence_number, during->sequence_number);

  ASSERT_TRUE(engine.delete_stream({"s"}).ok());
  EXPECT_EQ(status_of(engine, "s"), StreamStatus::Deleting);
  EXPECT_TRUE(engine.stream_exists("s"));
  EXPECT_EQ(engine.create_stream({"s", 1, std::nullopt, {}}).error().code,
            ErrorCode::ResourceInUse);
  now += 500ms;
  EXPECT_FALSE(engine.stream_exists("s"));
  EXPECT_TRUE(engine.list_streams({})->streams.empty());
}

TEST(StreamLifecycle, ShardsOfStreamsBeingCreatedCountAgainstTheLimit) {
  store::Database db(std::nullopt);
  TimePoint now(1700000000000ms);
  EngineOptions o = timed();
  o.shard_limit = 3;
  StreamEngine engine(db, o, [&] { return now; });
  ASSERT_TRUE(engine.create_stream({"a", 2, std::nullopt, {}}).ok());
  auto over = engine.create_stream({"b", 2, std::nullopt, {}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::LimitExceeded);
}

TEST(StreamLifecycle, PendingChangesSurviveReopening) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-stream-lifecycle-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  TimePoint now(1700000000000ms);
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db, timed(), [&] { return now; });
    ASSERT_TRUE(engine.create_stream({"s", 1, std::nullopt, {}}).ok());
  }
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db, timed(), [&] { return now; });
    EXPECT_EQ(status_of(engine, "s"), StreamStatus::Creating);
    now += 600ms;
    EXPECT_EQ(status_of(engine, "s"), StreamStatus::Active);
    ASSERT_TRUE(engine.update_shard_count({"s", 2, "UNIFORM_SCALING"}).ok());
  }
  {
    // Reopened after the update's end: it is applied while opening's first look.
    now += 2000ms;
    store::Database db(dir / "state.db");
    StreamEngine engine(db, timed(), [&] { return now; });
    auto d = engine.describe_stream({"s", {}, {}});
    EXPECT_EQ(d->stream.status, StreamStatus::Active);
    EXPECT_EQ(d->stream.open_shard_count, 2);
    EXPECT_EQ(d->shards.size(), 3u);
  }
  std::filesystem::remove_all(dir);
}

TEST(StreamLifecycle, Version2StreamsOpenActive) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-stream-v2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db);
    ASSERT_TRUE(engine.create_stream({"s", 1, std::nullopt, {}}).ok());
    // The streams table as version 2 had it.
    db.exec(
        "CREATE TABLE old(name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, mode TEXT NOT "
        "NULL, retention_hours INTEGER NOT NULL, counter INTEGER NOT NULL);"
        "INSERT INTO old SELECT name, created_ms, mode, retention_hours, counter FROM "
        "kinesis_streams; DROP TABLE kinesis_streams; ALTER TABLE old RENAME TO kinesis_streams;");
    db.set_schema_version("stream", 2);
  }
  {
    store::Database db(dir / "state.db");
    StreamEngine engine(db, timed());
    EXPECT_EQ(db.schema_version("stream"), 3);
    EXPECT_EQ(status_of(engine, "s"), StreamStatus::Active);
    EXPECT_EQ(engine.describe_stream({"s", {}, {}})->shards.size(), 1u);
    ASSERT_TRUE(engine.split_shard({"s", "shardId-0", "100"}).ok());
    EXPECT_EQ(status_of(engine, "s"), StreamStatus::Updating);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serverlite::stream
