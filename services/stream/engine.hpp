// The Kinesis stream engine: every operation of Kinesis Data Streams over SQLite, without HTTP or
// wire formats.
//
// Contract:
// - Threading: single-threaded, owned by the io thread, like the store::Database it is built on.
// - Durability: every acknowledged write is one committed SQLite transaction (a PutRecords of 500
//   records is one commit), so it survives a crash of the process.
// - Expected outcomes come back as Result errors with Kinesis's codes and messages; exceptions
//   mean a broken store.
// - Status changes (CREATING -> ACTIVE, UPDATING -> ACTIVE, DELETING -> gone) take the times of
//   EngineOptions (0: immediate). A stream in one of them keeps its status, the time it ends and
//   the change it waits for (the shards to create, the split, merge or new shard count to apply)
//   in its row; the change is applied, as of the stored end time, by the first call that looks at
//   the stream once the clock has passed it, so a restart or a moved clock finishes it too.
// - Time comes from the injected Clock only, so tests move time without sleeping: retention,
//   iterator expiry and throughput windows all read it.
// - Sequence numbers are 56-digit decimal strings: "49", the shard's index (10 digits), a
//   stream-wide record counter (25 digits) and the arrival time in ms (19 digits). They increase
//   strictly within a shard (and across the stream), and name their shard, so a number used with
//   another shard is rejected as Kinesis rejects it. The counter is the record's *position*.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/store/database.hpp"
#include "services/stream/keys.hpp"
#include "services/stream/model.hpp"

namespace serverlite::stream {

struct EngineOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Kinesis's per-shard limits: 1 MiB/s or 1000 records/s in, 2 MiB/s out, answered with
  // ProvisionedThroughputExceededException. Off by default (a laptop should not throttle).
  bool throughput_limits = false;
  // The account's shard quota: 500 in us-east-1, us-west-2 and eu-west-1, 200 elsewhere.
  int shard_limit = 500;
  // How long a stream stays CREATING after CreateStream, UPDATING after SplitShard, MergeShards
  // and UpdateShardCount, and DELETING after DeleteStream (ms of the engine's clock; 0: none).
  std::int64_t create_stream_ms = 0;
  std::int64_t update_stream_ms = 0;
  std::int64_t delete_stream_ms = 0;
};

// A shard as a trigger sees it (see events::ShardSource).
struct ShardState {
  Shard shard;
  bool closed = false;
  std::int64_t last_position = 0;  // position of the newest record kept; 0 when none
};

struct StoredRecord {
  std::int64_t position = 0;
  Record record;
};

class StreamEngine {
 public:
  // Creates the engine's tables in `db` when missing and records schema version "stream".
  StreamEngine(store::Database& db, EngineOptions options = {}, Clock clock = {});
  ~StreamEngine();
  StreamEngine(const StreamEngine&) = delete;
  StreamEngine& operator=(const StreamEngine&) = delete;

  Result<Empty> create_stream(const CreateStreamRequest& request);
  Result<Empty> delete_stream(const DeleteStreamRequest& request);
  Result<DescribeStreamResult> describe_stream(const DescribeStreamRequest& request);
  Result<StreamDescription> describe_stream_summary(const StreamRef& request);
  Result<ListStreamsResult> list_streams(const ListStreamsRequest& request);
  Result<ListShardsResult> list_shards(const ListShardsRequest& request);
  Result<Empty> increase_retention_period(const RetentionRequest& request);
  Result<Empty> decrease_retention_period(const RetentionRequest& request);
  Result<Empty> add_tags(const TagsRequest& request);
  Result<Empty> remove_tags(const TagsRequest& request);
  Result<ListTagsResult> list_tags(const ListTagsRequest& request);
  Result<Empty> split_shard(const SplitShardRequest& request);
  Result<Empty> merge_shards(const MergeShardsRequest& request);
  // UNIFORM_SCALING: every open shard is closed and the hash key space is split evenly over
  // `target` new shards; each new shard names the old shard holding its starting hash key as
  // parent and, when its range reaches into a second old shard, that one as adjacent parent.
  // (Kinesis reaches the same layout through a series of splits and merges.)
  Result<UpdateShardCountResult> update_shard_count(const UpdateShardCountRequest& request);

  Result<PutRecordResult> put_record(const PutRecordRequest& request);
  Result<PutRecordsResult> put_records(const PutRecordsRequest& request);
  Result<GetShardIteratorResult> get_shard_iterator(const GetShardIteratorRequest& request);
  Result<GetRecordsResult> get_records(const GetRecordsRequest& request);

  // ---- for the front, resources and triggers ----
  std::string stream_arn(std::string_view name) const;
  // The stream name an ARN of this region and account names; nullopt otherwise.
  std::optional<std::string> name_from_arn(std::string_view arn) const;
  bool stream_exists(const std::string& name);
  // Every readable shard of the stream in shard order (parents first); nullopt when no such
  // stream.
  std::optional<std::vector<ShardState>> shard_states(const std::string& name);
  // Up to `limit` records of the shard after `after`, oldest first, within retention.
  std::vector<StoredRecord> read_after(const std::string& name, const std::string& shard_id,
                                       std::int64_t after, int limit);
  // The position before the first record kept that arrived at or after `at` (before the newest
  // record + 1 when none did).
  std::int64_t position_before(const std::string& name, const std::string& shard_id,
                               TimePoint at);
  // The position before the oldest record kept (the trim horizon).
  std::int64_t trim_horizon_position(const std::string& name, const std::string& shard_id);
  // Called after a commit added records to `stream_name`.
  void set_on_records(std::function<void(const std::string& stream_name)> hook);
  // Deletes records past their stream's retention period (and closed shards with none left).
  // Reads never return them in any case; this keeps the database small.
  void trim_expired();

  const EngineOptions& options() const { return options_; }

  struct Stream;  // a stream's cached rows; defined in engine_internal.hpp

 private:
  struct Statements;

  std::int64_t now_ms() const;
  Result<Stream*> find(const std::string& name);
  Result<Empty> change_retention(const RetentionRequest& request, bool increase);
  Stream* lookup(const std::string& name);  // after settle()
  // Ends every CREATING, UPDATING and DELETING state whose time has passed (lifecycle.cpp).
  void settle();
  void finish_change(Stream& stream);
  void erase_stream_rows(const std::string& name, bool stream_row);
  int account_shards() const;  // open shards of every stream, and those of streams being created
  std::optional<Error> check_active(const Stream& stream) const;
  // Start the status change `pending` ("create|N", "split|...", ...) or, with a time of 0,
  // apply it at once.
  void begin_change(Stream& stream, StreamStatus status, std::int64_t ms, std::string pending);
  void create_shards(Stream& stream, std::int64_t count);
  void apply_split(Stream& stream, std::int64_t shard, HashKey key, std::int64_t now);
  void apply_merge(Stream& stream, std::int64_t a, std::int64_t b, std::int64_t now);
  void apply_shard_count(Stream& stream, std::int64_t target, std::int64_t now);
  void create_schema();  // the tables, made or brought to kSchemaVersion
  void load();
  void save_stream(const Stream& stream);
  void save_shards(const Stream& stream);
  Result<std::pair<std::size_t, std::string>> place(const Stream& stream, const RecordInput& record);
  std::optional<Error> validate_record(const RecordInput& record, bool single) const;
  PutRecordResult insert(Stream& stream, std::size_t shard, const RecordInput& record,
                         std::int64_t now);
  std::optional<Error> take_put_capacity(Stream& stream, std::size_t shard, std::size_t bytes,
                                         std::int64_t now);
  void notify(const std::string& name);

  store::Database& db_;
  EngineOptions options_;
  Clock clock_;
  std::function<void(const std::string&)> on_records_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;  // the streams table, cached
  std::int64_t next_change_ms_ = INT64_MAX;  // the earliest end of a status change
  std::unique_ptr<Statements> st_;
};

}  // namespace serverlite::stream
