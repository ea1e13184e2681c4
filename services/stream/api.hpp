// The Kinesis protocol front on the AWS endpoint: AWS JSON 1.1 (`X-Amz-Target:
// Kinesis_20131202.<Action>`, `application/x-amz-json-1.1`) and its CBOR form
// (`application/x-amz-cbor-1.1`, the AWS SDK for Java's default). A request is decoded into the
// engine's typed request, run from one dispatch table, and the result encoded in the format the
// request came in: in JSON, record data is base64 text and timestamps are epoch seconds; in CBOR,
// data is a byte string and timestamps are tag 1 + epoch milliseconds (emulator/aws/cbor.hpp).
//
// Threading: owned by the io thread, like the engine.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/http/message.hpp"
#include "services/stream/engine.hpp"

namespace serverlite::stream {

// GetRecords' `Records` as the JSON text nlohmann would write for them (written directly, for
// speed: see api.cpp).
std::string records_json(const std::vector<Record>& records);
// PutRecords' `Records` likewise.
std::string put_records_json(const std::vector<PutRecordsEntry>& entries);

class StreamApi {
 public:
  static constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";

  explicit StreamApi(StreamEngine& engine);

  void handle(http::Request request, http::Responder respond);

  // Every action of the dispatch table.
  static std::vector<std::string> action_names();

  struct Call;
  using Operation = nlohmann::json (StreamApi::*)(Call&);

 private:
  static const std::map<std::string, Operation, std::less<>>& routes();
  std::string stream_name(Call& call, bool required = true);

  nlohmann::json create_stream(Call&);
  nlohmann::json delete_stream(Call&);
  nlohmann::json describe_stream(Call&);
  nlohmann::json describe_stream_summary(Call&);
  nlohmann::json list_streams(Call&);
  nlohmann::json list_shards(Call&);
  nlohmann::json increase_retention(Call&);
  nlohmann::json decrease_retention(Call&);
  nlohmann::json add_tags(Call&);
  nlohmann::json remove_tags(Call&);
  nlohmann::json list_tags(Call&);
  nlohmann::json split_shard(Call&);
  nlohmann::json merge_shards(Call&);
  nlohmann::json update_shard_count(Call&);
  nlohmann::json put_record(Call&);
  nlohmann::json put_records(Call&);
  nlohmann::json get_shard_iterator(Call&);
  nlohmann::json get_records(Call&);
  nlohmann::json describe_limits(Call&);

  StreamEngine& engine_;
};

}  // namespace serverlite::stream
