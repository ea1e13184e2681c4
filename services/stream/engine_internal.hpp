// What the stream engine's source files (engine.cpp, streams.cpp, records.cpp) share: the
// in-memory mirror of the stream tables, the prepared statements and the helpers more than one
// of them uses. Private to services/stream.
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/store/database.hpp"
#include "services/stream/engine.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {

namespace engine_detail {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kMaxPosition = INT64_MAX;

inline Error error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// "1 validation error detected: Value 'x' at 'streamName' failed to satisfy constraint: ...", the
// framework's message for a member outside its model's constraints.
inline Error validation(std::string_view value, std::string_view member,
                        std::string_view constraint) {
  return error(ErrorCode::Validation, "1 validation error detected: Value '" + std::string(value) +
                                          "' at '" + std::string(member) +
                                          "' failed to satisfy constraint: Member must " +
                                          std::string(constraint));
}

inline std::optional<Error> check_range(std::optional<std::int64_t> value, std::string_view member,
                                        std::int64_t min, std::int64_t max) {
  if (!value) return std::nullopt;
  if (*value < min)
    return validation(std::to_string(*value), member,
                      "have value greater than or equal to " + std::to_string(min));
  if (*value > max)
    return validation(std::to_string(*value), member,
                      "have value less than or equal to " + std::to_string(max));
  return std::nullopt;
}

inline std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline TimePoint from_ms(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace engine_detail

// The engine's source files use the helpers above unqualified.
using namespace engine_detail;

// ---- in-memory mirror of the stream tables ---------------------------------------------------

struct ShardRow {
  std::int64_t index = 0;
  std::optional<std::int64_t> parent;
  std::optional<std::int64_t> adjacent_parent;
  HashKey start = 0;
  HashKey end = 0;
  std::int64_t start_position = 0;  // the stream's counter when the shard was created
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> end_position;  // the stream's counter when the shard was closed
  std::optional<std::int64_t> closed_ms;
  std::int64_t last_position = 0;  // newest record's position; 0 when none was ever written
  // Throughput windows (whole seconds of the clock): in, and out.
  std::int64_t in_second = -1, out_second = -1;
  std::size_t in_bytes = 0, in_records = 0, out_bytes = 0;

  bool open() const { return !end_position.has_value(); }
};

struct StreamEngine::Stream {
  std::string name;
  std::int64_t created_ms = 0;
  StreamMode mode = StreamMode::Provisioned;
  int retention_hours = 24;
  std::int64_t counter = 0;  // the last position handed out
  std::vector<ShardRow> shards;  // by index
  std::map<std::string, std::string> tags;
  StreamStatus status = StreamStatus::Active;
  std::int64_t status_until_ms = 0;  // when a CREATING, UPDATING or DELETING status ends
  std::string pending;               // the change it waits for (lifecycle.cpp); empty when none

  ShardRow* shard(std::int64_t index) {
    return index >= 0 && index < static_cast<std::int64_t>(shards.size()) ? &shards[index] : nullptr;
  }
  int open_shards() const {
    return static_cast<int>(std::count_if(shards.begin(), shards.end(), [](auto& s) { return s.open(); }));
  }
};

struct StreamEngine::Statements {
  explicit Statements(store::Database& db)
      : insert_record(db.prepare(
            "INSERT INTO kinesis_records(stream, shard_index, position, arrival_ms, partition_key, "
            "data) VALUES (?, ?, ?, ?, ?, ?)")),
        update_counter(db.prepare("UPDATE kinesis_streams SET counter = ? WHERE name = ?")),
        read_after(db.prepare(
            "SELECT position, arrival_ms, partition_key, data FROM kinesis_records WHERE stream = ? "
            "AND shard_index = ? AND position > ? AND arrival_ms >= ? ORDER BY position LIMIT ?")),
        first_at(db.prepare(
            "SELECT position FROM kinesis_records WHERE stream = ? AND shard_index = ? AND "
            "arrival_ms >= ? ORDER BY position LIMIT 1")),
        arrival_of(db.prepare("SELECT arrival_ms FROM kinesis_records WHERE stream = ? AND "
                              "shard_index = ? AND position = ?")) {}

  std::unique_ptr<store::Statement> insert_record, update_counter, read_after, first_at,
      arrival_of;
};

inline Shard shard_view(const StreamEngine::Stream& s, const ShardRow& row) {
  Shard out;
  out.shard_id = shard_id_of(row.index);
  if (row.parent) out.parent_shard_id = shard_id_of(*row.parent);
  if (row.adjacent_parent) out.adjacent_parent_shard_id = shard_id_of(*row.adjacent_parent);
  out.hash_key_range = {hash_key_text(row.start), hash_key_text(row.end)};
  out.sequence_number_range.starting =
      make_sequence_number({row.index, row.start_position, row.created_ms, row.created_ms});
  // A closed shard's range ends at the highest position there is (2^63-1), at its closing time,
  // as Kinesis's ending sequence numbers do.
  if (row.end_position)
    out.sequence_number_range.ending = make_sequence_number(
        {row.index, kMaxPosition, row.closed_ms.value_or(0), row.created_ms});
  (void)s;
  return out;
}

// A closed shard stays listed while its records may still be read: until the retention period
// has passed since it was closed.
inline bool listed(const StreamEngine::Stream& s, const ShardRow& row, std::int64_t now) {
  return row.open() || *row.closed_ms + s.retention_hours * kHourMs > now;
}

}  // namespace serverlite::stream
