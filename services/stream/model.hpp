// Typed requests and results of the Kinesis stream engine, and its error codes.
//
// The protocol front (AWS JSON 1.1 and CBOR) decodes the wire into these structs and encodes the
// results back; the engine never sees JSON. Streams are named here: the front turns a StreamARN
// into a name. Record data is raw bytes (the front base64-decodes JSON and takes CBOR byte
// strings as they are).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "emulator/result.hpp"

namespace serverlite::stream {

using TimePoint = std::chrono::system_clock::time_point;
using Clock = std::function<TimePoint()>;

// Every expected outcome the engine reports; the wire names come from error_code_name(), an
// exhaustive switch, so a new code cannot be forgotten by the front.
enum class ErrorCode {
  ResourceNotFound,
  ResourceInUse,
  InvalidArgument,
  Validation,
  LimitExceeded,
  ExpiredIterator,
  ProvisionedThroughputExceeded,
  InternalFailure,  // HTTP 500, no message
};

// "ResourceNotFoundException", ...: the shape name of `__type`.
std::string_view error_code_name(ErrorCode code);
// Kinesis answers every one of them with HTTP 400 but InternalFailure (500).
constexpr int error_http_status(ErrorCode code) {
  return code == ErrorCode::InternalFailure ? 500 : 400;
}

struct Error {
  ErrorCode code;
  std::string message;  // Kinesis's message text
};

template <class T>
using Result = serverlite::Result<T, Error>;

struct Empty {};

// ---- streams ---------------------------------------------------------------------------------

enum class StreamMode { Provisioned, OnDemand };
std::string_view stream_mode_name(StreamMode mode);  // "PROVISIONED" | "ON_DEMAND"

enum class StreamStatus { Creating, Deleting, Active, Updating };
std::string_view stream_status_name(StreamStatus status);  // "CREATING", ...

struct HashKeyRange {
  std::string starting;  // decimal, 0 .. 2^128-1
  std::string ending;
};

struct SequenceNumberRange {
  std::string starting;
  std::optional<std::string> ending;  // set once the shard is closed
};

struct Shard {
  std::string shard_id;  // "shardId-000000000000"
  std::optional<std::string> parent_shard_id;
  std::optional<std::string> adjacent_parent_shard_id;
  HashKeyRange hash_key_range;
  SequenceNumberRange sequence_number_range;
};

struct StreamDescription {
  std::string name;
  std::string arn;
  StreamStatus status = StreamStatus::Active;
  StreamMode mode = StreamMode::Provisioned;
  int retention_period_hours = 24;
  TimePoint created;
  int open_shard_count = 0;
  int consumer_count = 0;
  std::string encryption_type = "NONE";
};

struct CreateStreamRequest {
  std::string name;
  std::optional<std::int64_t> shard_count;  // required for PROVISIONED
  std::optional<StreamMode> mode;           // StreamModeDetails.StreamMode
  std::map<std::string, std::string> tags;
};

struct StreamRef {  // StreamName or StreamARN, resolved by the front to a name
  std::string name;
};

struct DeleteStreamRequest {
  std::string name;
  bool enforce_consumer_deletion = false;
};

struct DescribeStreamRequest {
  std::string name;
  std::optional<std::int64_t> limit;                     // 1..10000, default 100
  std::optional<std::string> exclusive_start_shard_id;
};
struct DescribeStreamResult {
  StreamDescription stream;
  std::vector<Shard> shards;
  bool has_more_shards = false;
};

struct ListStreamsRequest {
  std::optional<std::int64_t> limit;  // 1..10000, default 100
  std::optional<std::string> exclusive_start_stream_name;
  std::optional<std::string> next_token;
};
struct ListStreamsResult {
  std::vector<StreamDescription> streams;  // by name
  bool has_more = false;
  std::optional<std::string> next_token;
};

enum class ShardFilterType {
  AfterShardId,
  AtTrimHorizon,
  FromTrimHorizon,
  AtLatest,
  AtTimestamp,
  FromTimestamp,
};

struct ShardFilter {
  ShardFilterType type;
  std::optional<std::string> shard_id;
  std::optional<TimePoint> timestamp;
};

struct ListShardsRequest {
  std::optional<std::string> name;  // absent with a NextToken
  std::optional<std::string> next_token;
  std::optional<std::string> exclusive_start_shard_id;
  std::optional<std::int64_t> max_results;  // 1..10000, default 1000
  std::optional<TimePoint> stream_creation_timestamp;
  std::optional<ShardFilter> filter;
};
struct ListShardsResult {
  std::vector<Shard> shards;
  std::optional<std::string> next_token;
};

struct RetentionRequest {
  std::string name;
  std::int64_t hours = 24;
};

struct TagsRequest {
  std::string name;
  std::map<std::string, std::string> tags;  // AddTagsToStream
  std::vector<std::string> keys;            // RemoveTagsFromStream
};

struct ListTagsRequest {
  std::string name;
  std::optional<std::string> exclusive_start_tag_key;
  std::optional<std::int64_t> limit;  // 1..50, default 50 (10 in old docs)
};
struct ListTagsResult {
  std::vector<std::pair<std::string, std::string>> tags;  // by key
  bool has_more = false;
};

struct SplitShardRequest {
  std::string name;
  std::string shard_to_split;
  std::string new_starting_hash_key;  // decimal
};

struct MergeShardsRequest {
  std::string name;
  std::string shard_to_merge;
  std::string adjacent_shard_to_merge;
};

struct UpdateShardCountRequest {
  std::string name;
  std::int64_t target_shard_count = 0;
  std::string scaling_type = "UNIFORM_SCALING";
};
struct UpdateShardCountResult {
  std::string name;
  std::string arn;
  int current_shard_count = 0;
  int target_shard_count = 0;
};

// ---- records ---------------------------------------------------------------------------------

struct RecordInput {
  std::string data;  // bytes, up to 1 MiB with the partition key
  std::string partition_key;
  std::optional<std::string> explicit_hash_key;
  std::optional<std::string> sequence_number_for_ordering;  // PutRecord only
};

struct PutRecordRequest {
  std::string name;
  RecordInput record;
};
struct PutRecordResult {
  std::string shard_id;
  std::string sequence_number;
  std::string encryption_type = "NONE";
};

struct PutRecordsRequest {
  std::string name;
  std::vector<RecordInput> records;  // 1..500
};
struct PutRecordsEntry {
  std::optional<PutRecordResult> ok;
  std::string error_code;  // "ProvisionedThroughputExceededException" | "InternalFailure"
  std::string error_message;
};
struct PutRecordsResult {
  std::vector<PutRecordsEntry> records;  // in request order
  int failed_record_count = 0;
  std::string encryption_type = "NONE";
};

enum class IteratorType { AtSequenceNumber, AfterSequenceNumber, TrimHorizon, Latest, AtTimestamp };

struct GetShardIteratorRequest {
  std::string name;
  std::string shard_id;
  IteratorType type = IteratorType::TrimHorizon;
  std::optional<std::string> starting_sequence_number;
  std::optional<TimePoint> timestamp;
};
struct GetShardIteratorResult {
  std::string shard_iterator;
};

struct Record {
  std::string sequence_number;
  TimePoint approximate_arrival;
  std::string data;
  std::string partition_key;
  std::string encryption_type;  // empty: not shown (unencrypted streams)
};

struct ChildShard {
  std::string shard_id;
  std::vector<std::string> parent_shards;
  HashKeyRange hash_key_range;
};

struct GetRecordsRequest {
  std::string shard_iterator;
  std::optional<std::int64_t> limit;  // 1..10000, default 10000
  std::optional<std::string> stream_arn;
};
struct GetRecordsResult {
  std::vector<Record> records;
  std::optional<std::string> next_shard_iterator;  // absent: closed shard read to its end
  std::int64_t millis_behind_latest = 0;
  std::vector<ChildShard> child_shards;  // when the shard is closed and read to its end
};

}  // namespace serverlite::stream
