// DynamoDB Streams: the change log of tables with a stream, over SQLite, without HTTP.
//
// Contract:
// - Threading: single-threaded, owned by the io thread, like the store::Database it shares with
//   the table engine.
// - Durability: append(), enable(), disable() and table_deleted() write through `db` and open no
//   transaction of their own; the table engine calls them inside the transaction of the write
//   they belong to, so a record is committed exactly when its item change is. If that
//   transaction rolls back, the engine calls reload() so the cache below matches the database.
// - Cost: which tables have an enabled stream is cached, so append() for a table without one is
//   a map lookup and nothing else.
// - Time comes from the injected clock only (retention, iterator expiry, labels).
//
// What AWS documents and this keeps:
// - One stream per table at a time; enabling again creates a *new* stream (new ARN and label),
//   and the old one stays readable, DISABLED, for 24 hours
//   (`arn:aws:dynamodb:<region>:<account>:table/<T>/stream/<label>`, the label the creation time,
//   ISO 8601 with milliseconds, UTC).
// - A record per item change that changes something: INSERT, MODIFY or REMOVE. A write that
//   leaves the item as it was (equal as DynamoDB values) writes no record.
// - Images as the stream's view type says (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES);
//   SizeBytes the DynamoDB size of Keys plus the images kept.
// - Records are readable for 24 hours.
//
// Differences: each stream has one shard (AWS splits shards as partitions grow and rolls them
// over every few hours); a stream's shard closes when the stream is disabled.
//
// Positions (what events::ShardSource calls positions) count a stream's records from 1, never
// reused. A sequence number is the stream's number followed by the position in 20 digits, e.g.
// "300000000000000000012": 21+ decimal digits, strictly increasing within the stream, as AWS's.
//
// SQLite schema (component "table_stream", version 1):
//   table_streams(id INTEGER PRIMARY KEY AUTOINCREMENT, arn UNIQUE, table_name, table_arn,
//                 label, view, enabled, created_ms, disabled_ms NULL, shard_id,
//                 trimmed_position -- the highest position trim() deleted)
//   table_stream_records(stream_id, position, created_ms, event_id, event_name, by_ttl,
//                        keys, new_image NULL, old_image NULL, size,
//                        PRIMARY KEY(stream_id, position)) -- items as wire-form JSON text
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/result.hpp"
#include "emulator/store/database.hpp"
#include "services/table/values.hpp"

namespace serverlite::table {

enum class StreamViewType { KeysOnly, NewImage, OldImage, NewAndOldImages };
// "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES"
std::string_view stream_view_type_name(StreamViewType view);
std::optional<StreamViewType> parse_stream_view_type(std::string_view name);

// DynamoDB Streams' error codes (rendered `com.amazonaws.dynamodb.v20120810#<Code>Exception`, or
// `com.amazon.coral.validate#ValidationException`).
enum class StreamErrorCode { ResourceNotFound, Validation, ExpiredIterator, TrimmedDataAccess };

struct StreamError {
  StreamErrorCode code;
  std::string message;
};

template <class T>
using StreamResult = serverlite::Result<T, StreamError>;

struct StreamDescription {
  std::string arn;
  std::string label;  // "2026-11-24T20:55:12.345"
  StreamViewType view = StreamViewType::KeysOnly;
  bool enabled = false;
  std::string table;
  std::string table_arn;
  std::chrono::system_clock::time_point created;  // CreationRequestDateTime
  std::string shard_id;  // its one shard, "shardId-00000001700000000000-0a1b2c3d"
  std::int64_t id = 0;   // the stream's number, the prefix of its sequence numbers
};

// The stream's one shard as DescribeStream shows it.
struct StreamShard {
  std::string shard_id;
  std::string starting_sequence_number;
  std::optional<std::string> ending_sequence_number;  // set once closed (stream disabled)
  std::int64_t last_position = 0;                     // newest record ever; 0 when none
};

// One stream record as stored.
struct StreamRecord {
  std::int64_t position = 0;
  std::string sequence_number;
  std::string event_id;    // 32 hex digits, fixed when the record is written
  std::string event_name;  // INSERT | MODIFY | REMOVE
  std::chrono::system_clock::time_point created;
  nlohmann::json keys;
  std::optional<nlohmann::json> new_image;
  std::optional<nlohmann::json> old_image;
  std::int64_t size_bytes = 0;
  StreamViewType view = StreamViewType::KeysOnly;
  bool by_ttl = false;
};

// A record as GetRecords answers it on the JSON protocol: eventID, eventName, eventVersion
// "1.1", eventSource "aws:dynamodb", awsRegion, dynamodb {ApproximateCreationDateTime (epoch
// seconds, rounded down), Keys, NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType}
// and, for a TTL delete, userIdentity {PrincipalId "dynamodb.amazonaws.com", Type "Service"}
// (the Identity shape's member names; Lambda's event spells them principalId / type).
nlohmann::json stream_record_json(const StreamRecord& record, const std::string& region);

enum class ShardIteratorType { TrimHorizon, Latest, AtSequenceNumber, AfterSequenceNumber };

struct ListStreamsRequest {
  std::optional<std::string> table;
  std::optional<std::int64_t> limit;  // 1..100 (more is capped at 100), default 100
  std::optional<std::string> exclusive_start_stream_arn;
};

struct ListStreamsResult {
  std::vector<StreamDescription> streams;  // oldest first
  std::optional<std::string> last_evaluated_stream_arn;
};

struct DescribeStreamResult {
  StreamDescription stream;
  std::vector<StreamShard> shards;
  std::optional<std::string> last_evaluated_shard_id;
};

struct GetRecordsResult {
  std::vector<StreamRecord> records;
  // Absent once a closed shard (a disabled stream's) is read to its end, as on AWS.
  std::optional<std::string> next_shard_iterator;
};

class StreamLog {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  static constexpr std::chrono::hours kRetention{24};
  // AWS: "A shard iterator expires 15 minutes after it is retrieved".
  static constexpr std::chrono::minutes kIteratorLifetime{15};

  // Creates the tables in `db` when missing and loads the enabled streams. An empty `clock`
  // means the system clock.
  StreamLog(store::Database& db, std::string region, std::string account_id, Clock clock = {});
  ~StreamLog();
  StreamLog(const StreamLog&) = delete;
  StreamLog& operator=(const StreamLog&) = delete;

  // ---- for the table engine, inside its transaction ----

  // Turns the table's stream on: always a new stream (new ARN and label); an enabled stream the
  // table had is disabled first. Returns the new stream.
  StreamDescription enable(const std::string& table, const std::string& table_arn,
                           StreamViewType view);
  // Turns the table's stream off: DISABLED, its shard closed, its records readable for 24 h.
  // Nothing happens when the table has no enabled stream.
  void disable(const std::string& table);
  // The table was deleted: its enabled stream becomes DISABLED, as disable().
  void table_deleted(const std::string& table);
  // The table's enabled stream; nullopt when it has none. From the cache.
  std::optional<StreamDescription> current(const std::string& table) const;
  // Whether the table has an enabled stream: a map lookup, for every write's hot path.
  bool has_stream(const std::string& table) const { return enabled_.contains(table); }
  // The table's newest stream, enabled or not, while it is readable (DescribeTable's
  // LatestStreamArn / LatestStreamLabel).
  std::optional<StreamDescription> latest(const std::string& table) const;

  struct ItemChange {
    std::string table;
    nlohmann::json keys;                      // wire-form key attributes
    std::optional<nlohmann::json> old_image;  // absent for INSERT
    std::optional<nlohmann::json> new_image;  // absent for REMOVE
    bool by_ttl = false;  // deleted by TTL: userIdentity of the service principal
  };
  // Appends one record when the table has an enabled stream and the change changes something:
  // INSERT (no old image), REMOVE (no new image) or MODIFY (both, not equal as DynamoDB values).
  // Returns whether a record was written; then calls the on-records hook.
  bool append(const ItemChange& change);

  // Called by append() with the stream's ARN after each record written. The caller's transaction
  // is still open then, so the hook should only schedule work (StreamTrigger::wake() does).
  void set_on_records(std::function<void(const std::string& stream_arn)> hook);

  // Re-reads the enabled streams from the database: after a rollback of a transaction that
  // called enable(), disable() or table_deleted().
  void reload();
  // Deletes records older than 24 h and streams disabled more than 24 h ago. Reads never return
  // them in any case; this keeps the database small. Opens its own transaction.
  void trim();

  // ---- DynamoDB Streams operations (the API front and tests) ----

  StreamResult<ListStreamsResult> list_streams(const ListStreamsRequest& request) const;
  // `limit` 1..100 (more is capped) shards after `exclusive_start_shard_id`.
  StreamResult<DescribeStreamResult> describe_stream(
      const std::string& arn, std::optional<std::int64_t> limit = std::nullopt,
      const std::optional<std::string>& exclusive_start_shard_id = std::nullopt) const;
  // Iterators are opaque (AWS's shape: "<stream arn>|1|<base64>") and expire after 15 minutes.
  StreamResult<std::string> get_shard_iterator(const std::string& arn,
                                               const std::string& shard_id,
                                               ShardIteratorType type,
                                               const std::optional<std::string>& sequence_number);
  // Up to `limit` (1..1000, default 1000) records and at most 1 MB.
  StreamResult<GetRecordsResult> get_records(const std::string& iterator,
                                             std::optional<std::int64_t> limit = std::nullopt);

  // ---- for triggers (stream_source.hpp) ----

  // The stream, enabled or disabled, while it is readable; nullopt otherwise.
  std::optional<StreamDescription> find(const std::string& arn) const;
  std::optional<StreamShard> shard(const StreamDescription& stream) const;
  // Up to `limit` records after `after`, oldest first, within the 24 h retention.
  std::vector<StreamRecord> read_after(const StreamDescription& stream, std::int64_t after,
                                       std::int64_t limit) const;
  // The position before the oldest record kept.
  std::int64_t trim_horizon_position(const StreamDescription& stream) const;
  // The position before the first record kept written at or after `at` (the newest position
  // when none was).
  std::int64_t position_before(const StreamDescription& stream,
                               std::chrono::system_clock::time_point at) const;
  // "<id><position, 20 digits>".
  static std::string sequence_number(std::int64_t stream_id, std::int64_t position);

  const std::string& region() const { return region_; }

 private:
  struct Cached {
    StreamDescription stream;
    std::int64_t next_position = 1;
  };

  std::chrono::system_clock::time_point now() const;
  std::int64_t now_ms() const;
  std::int64_t horizon_ms() const;
  // The newest readable stream matching `where` (one `?`, bound to `key`).
  std::optional<StreamDescription> load_stream(std::string_view where,
                                               const store::Value& key) const;
  std::int64_t last_position(std::int64_t stream_id) const;
  std::int64_t trimmed_upto(const StreamDescription& stream) const;
  void close(const std::string& table);
  std::string new_event_id();

  store::Database& db_;
  std::string region_;
  std::string account_id_;
  Clock clock_;
  std::function<void(const std::string&)> on_records_;
  std::map<std::string, Cached, std::less<>> enabled_;  // by table name
  std::unique_ptr<store::Statement> insert_record_;
  std::uint64_t event_counter_ = 0;
  std::uint64_t event_seed_ = 0;
};

}  // namespace serverlite::table
