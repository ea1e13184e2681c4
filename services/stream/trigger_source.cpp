#include "services/stream/trigger_source.hpp"

#include "services/stream/lambda_event.hpp"

namespace serverlite::stream {

KinesisShardSource::KinesisShardSource(StreamEngine& engine, std::string stream_name,
                                       std::string region)
    : engine_(engine), name_(std::move(stream_name)), arn_(engine.stream_arn(name_)),
      region_(std::move(region)) {}

std::string KinesisShardSource::arn() const { return arn_; }

std::optional<std::vector<events::SourceShard>> KinesisShardSource::shards() {
  auto states = engine_.shard_states(name_);
  if (!states) return std::nullopt;
  std::vector<events::SourceShard> out;
  for (const auto& s : *states)
    out.push_back({s.shard.shard_id, s.shard.parent_shard_id, s.shard.adjacent_parent_shard_id,
                   s.closed});
  return out;
}

events::ShardRead KinesisShardSource::read(const std::string& shard_id, std::int64_t after,
                                           int limit) {
  events::ShardRead out;
  for (auto& stored : engine_.read_after(name_, shard_id, after, limit)) {
    events::SourceRecord r;
    r.position = stored.position;
    r.sequence_number = stored.record.sequence_number;
    r.arrival_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       stored.record.approximate_arrival.time_since_epoch())
                       .count();
    r.size_bytes = stored.record.data.size() * 4 / 3 + stored.record.partition_key.size() + 400;
    r.lambda_record = kinesis_record(stored.record, shard_id, arn_, region_);
    r.filter_document = kinesis_filter_document(r.lambda_record);
    out.records.push_back(std::move(r));
  }
  if (static_cast<int>(out.records.size()) < limit) {
    // Read to the end of what there is: the end of the shard, if it is closed.
    auto states = engine_.shard_states(name_);
    if (states)
      for (const auto& s : *states)
        if (s.shard.shard_id == shard_id && s.closed) out.end_of_shard = true;
  }
  return out;
}

std::int64_t KinesisShardSource::starting_checkpoint(const std::string& shard_id,
                                                     events::StartingPosition position,
                                                     std::int64_t timestamp_ms) {
  switch (position) {
    case events::StartingPosition::TrimHorizon:
      return engine_.trim_horizon_position(name_, shard_id);
    case events::StartingPosition::Latest: {
      auto states = engine_.shard_states(name_);
      if (states)
        for (const auto& s : *states)
          if (s.shard.shard_id == shard_id) return s.last_position;
      return 0;
    }
    case events::StartingPosition::AtTimestamp:
      return engine_.position_before(name_, shard_id,
                                     TimePoint(std::chrono::milliseconds(timestamp_ms)));
  }
  return 0;
}

}  // namespace serverlite::stream
