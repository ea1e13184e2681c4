// A Kinesis stream as an events::ShardSource: what a stream trigger reads, from the engine in
// process (never over HTTP), with records shaped as Lambda delivers them.
#pragma once

#include <string>

#include "emulator/events/shard_source.hpp"
#include "services/stream/engine.hpp"

namespace serverlite::stream {

class KinesisShardSource : public events::ShardSource {
 public:
  // `engine` outlives the source.
  KinesisShardSource(StreamEngine& engine, std::string stream_name, std::string region);

  std::string arn() const override;
  std::string batch_info_key() const override { return "KinesisBatchInfo"; }
  std::optional<std::vector<events::SourceShard>> shards() override;
  events::ShardRead read(const std::string& shard_id, std::int64_t after, int limit) override;
  std::int64_t starting_checkpoint(const std::string& shard_id, events::StartingPosition position,
                                   std::int64_t timestamp_ms) override;

 private:
  StreamEngine& engine_;
  std::string name_;
  std::string arn_;
  std::string region_;
};

}  // namespace serverlite::stream
