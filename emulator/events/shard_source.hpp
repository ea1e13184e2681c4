// What a stream trigger reads: a source of ordered records split into shards, as Kinesis streams
// and DynamoDB table streams are. The trigger (stream_trigger.hpp) is written against this
// interface only; each service adapts its engine to it, so Kinesis and DynamoDB Streams triggers
// share the polling, batching, retry, bisect, checkpoint and on-failure logic.
//
// Positions are the source's own ordering of records within a shard: strictly increasing
// integers, never reused. A checkpoint is the position of the last record done; 0 means "before
// the first record ever written to the shard".
//
// New records are announced by whoever owns both the engine and the triggers (the emulator calls
// StreamTrigger::wake() from the engine's on-records hook), so pollers need not poll often.
//
// Threading: called on the io thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace serverlite::events {

struct SourceShard {
  std::string shard_id;                        // "shardId-000000000000"
  std::optional<std::string> parent;           // ParentShardId
  std::optional<std::string> adjacent_parent;  // AdjacentParentShardId (after a merge)
  bool closed = false;  // no record will be added any more (split, merged, or resharded)
};

struct SourceRecord {
  std::int64_t position = 0;
  std::string sequence_number;      // as the service shows it
  std::int64_t arrival_ms = 0;      // ApproximateArrivalTimestamp, ms since the epoch
  std::size_t size_bytes = 0;       // counted against Lambda's 6 MB payload
  // The record as Lambda delivers it in `Records[]` of the event, complete (eventSourceARN,
  // awsRegion ... included).
  nlohmann::json lambda_record;
  // The document a filter pattern is matched against, as Lambda does it: for Kinesis the record
  // with `data` decoded when it is JSON; for DynamoDB the record itself.
  nlohmann::json filter_document;
};

struct ShardRead {
  std::vector<SourceRecord> records;  // in position order, all > `after`
  // The shard is closed and nothing after the last record returned is left.
  bool end_of_shard = false;
};

enum class StartingPosition { TrimHorizon, Latest, AtTimestamp };

class ShardSource {
 public:
  virtual ~ShardSource() = default;

  // The source's ARN (eventSourceARN), for logs and failure records.
  virtual std::string arn() const = 0;
  // The kind, as the on-failure record's batch info key: "KinesisBatchInfo" or
  // "DDBStreamBatchInfo".
  virtual std::string batch_info_key() const = 0;
  // Every shard still readable (open, or closed with records within retention), parents before
  // children; nullopt when the stream or table stream does not exist (yet).
  virtual std::optional<std::vector<SourceShard>> shards() = 0;
  // Up to `limit` records of `shard_id` after position `after`, oldest first. Records trimmed by
  // retention are skipped silently, as a Lambda mapping that fell behind loses them.
  virtual ShardRead read(const std::string& shard_id, std::int64_t after, int limit) = 0;
  // Where a new mapping starts in `shard_id`: the position *before* the first record to deliver.
  // Latest: after the newest record now; TrimHorizon: before the oldest kept; AtTimestamp: before
  // the first record that arrived at or after `timestamp_ms`.
  virtual std::int64_t starting_checkpoint(const std::string& shard_id, StartingPosition position,
                                           std::int64_t timestamp_ms) = 0;
};

}  // namespace serverlite::events
