// A DynamoDB table stream as an events::ShardSource: what a stream trigger reads, from the
// StreamLog in process (never over HTTP), with records shaped as Lambda delivers them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "emulator/events/shard_source.hpp"
#include "services/table/stream_log.hpp"

namespace serverlite::table {

// One record of `Records[]` in a Lambda event from a DynamoDB stream: the GetRecords record
// (stream_record_json) plus "eventSourceARN", with a TTL delete's userIdentity spelled as
// Lambda spells it ({"type": "Service", "principalId": "dynamodb.amazonaws.com"}).
nlohmann::json lambda_stream_record(const StreamRecord& record, const std::string& stream_arn,
                                    const std::string& region);

class TableStreamSource : public events::ShardSource {
 public:
  // `log` outlives the source. `stream_arn` names one stream (a table's LatestStreamArn, as a
  // mapping's EventSourceArn does); a stream enabled later under a new ARN is another source.
  TableStreamSource(StreamLog& log, std::string stream_arn);

  std::string arn() const override { return arn_; }
  std::string batch_info_key() const override { return "DDBStreamBatchInfo"; }
  // The stream's one shard, closed once the stream is disabled; nullopt when the stream does not
  // exist or is past its 24 hours after being disabled.
  std::optional<std::vector<events::SourceShard>> shards() override;
  events::ShardRead read(const std::string& shard_id, std::int64_t after, int limit) override;
  std::int64_t starting_checkpoint(const std::string& shard_id, events::StartingPosition position,
                                   std::int64_t timestamp_ms) override;

 private:
  StreamLog& log_;
  std::string arn_;
};

}  // namespace serverlite::table
