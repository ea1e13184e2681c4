#include "services/table/stream_source.hpp"

#include <chrono>

namespace serverlite::table {

using Json = nlohmann::json;

Json lambda_stream_record(const StreamRecord& record, const std::string& stream_arn,
                          const std::string& region) {
  Json out = stream_record_json(record, region);
  // Lambda's event writes the Identity members in camelCase, unlike the API's shape.
  if (record.by_ttl)
    out["userIdentity"] = {{"type", "Service"}, {"principalId", "dynamodb.amazonaws.com"}};
  out["eventSourceARN"] = stream_arn;
  return out;
}

TableStreamSource::TableStreamSource(StreamLog& log, std::string stream_arn)
    : log_(log), arn_(std::move(stream_arn)) {}

std::optional<std::vector<events::SourceShard>> TableStreamSource::shards() {
  auto stream = log_.find(arn_);
  if (!stream) return std::nullopt;
  return std::vector<events::SourceShard>{
      {stream->shard_id, std::nullopt, std::nullopt, !stream->enabled}};
}

events::ShardRead TableStreamSource::read(const std::string& shard_id, std::int64_t after,
                                          int limit) {
  events::ShardRead out;
  auto stream = log_.find(arn_);
  if (!stream || stream->shard_id != shard_id) return out;
  for (auto& stored : log_.read_after(*stream, after, limit)) {
    events::SourceRecord r;
    r.position = stored.position;
    r.sequence_number = stored.sequence_number;
    r.arrival_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       stored.created.time_since_epoch())
                       .count();
    r.lambda_record = lambda_stream_record(stored, arn_, log_.region());
    r.size_bytes = r.lambda_record.dump().size();
    // Lambda matches DynamoDB filter patterns against the record itself
    // ({"dynamodb": {"NewImage": {...}}}, {"eventName": ["INSERT"]}).
    r.filter_document = r.lambda_record;
    out.records.push_back(std::move(r));
  }
  if (!stream->enabled && static_cast<int>(out.records.size()) < limit) {
    std::int64_t last = out.records.empty() ? after : out.records.back().position;
    if (last >= log_.shard(*stream)->last_position) out.end_of_shard = true;
  }
  return out;
}

std::int64_t TableStreamSource::starting_checkpoint(const std::string& shard_id,
                                                    events::StartingPosition position,
                                                    std::int64_t timestamp_ms) {
  auto stream = log_.find(arn_);
  if (!stream || stream->shard_id != shard_id) return 0;
  switch (position) {
    case events::StartingPosition::TrimHorizon:
      return log_.trim_horizon_position(*stream);
    case events::StartingPosition::Latest:
      return log_.shard(*stream)->last_position;
    case events::StartingPosition::AtTimestamp:
      // Lambda offers AT_TIMESTAMP for Kinesis only; answered anyway, by arrival time.
      return log_.position_before(
          *stream, std::chrono::system_clock::time_point(std::chrono::milliseconds(timestamp_ms)));
  }
  return 0;
}

}  // namespace serverlite::table
