// The DynamoDB Streams protocol front: AWS JSON 1.0 (`X-Amz-Target:
// DynamoDBStreams_20120810.<Action>`), ListStreams, DescribeStream, GetShardIterator and
// GetRecords over a StreamLog, errors typed as DynamoDB types them
// (`com.amazonaws.dynamodb.v20120810#<Code>`, `com.amazon.coral.validate#ValidationException`),
// and `x-amz-crc32` on every answer (the SDKs check it).
//
// Threading: owned by the io thread, like the log.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/http/message.hpp"
#include "services/table/model.hpp"
#include "services/table/stream_log.hpp"

namespace serverlite::table {

class StreamsApi {
 public:
  static constexpr std::string_view kTargetPrefix = "DynamoDBStreams_20120810.";

  // A table's key schema (DescribeStream's KeySchema), from the table engine; nullopt when the
  // table is gone, and KeySchema is then left out.
  using KeySchemaLookup = std::function<std::optional<KeySchema>(const std::string& table)>;

  StreamsApi(StreamLog& log, KeySchemaLookup key_schema);

  void handle(http::Request request, http::Responder respond);

  static std::vector<std::string> action_names();

  struct Call;
  using Operation = nlohmann::json (StreamsApi::*)(Call&);

 private:
  static const std::map<std::string, Operation, std::less<>>& routes();

  nlohmann::json list_streams(Call&);
  nlohmann::json describe_stream(Call&);
  nlohmann::json get_shard_iterator(Call&);
  nlohmann::json get_records(Call&);

  StreamLog& log_;
  KeySchemaLookup key_schema_;
};

}  // namespace serverlite::table
