#include "services/stream/lambda_event.hpp"

#include <chrono>

#include "emulator/fast_json.hpp"
#include "emulator/http/base64.hpp"

namespace serverlite::stream {

using Json = nlohmann::json;

Json kinesis_record(const Record& record, const std::string& shard_id,
                    const std::string& stream_arn, const std::string& region) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                record.approximate_arrival.time_since_epoch())
                .count();
  Json kinesis = {
      {"kinesisSchemaVersion", "1.0"},
      {"partitionKey", record.partition_key},
      {"sequenceNumber", record.sequence_number},
      {"data", http::base64_encode(record.data)},
      // Seconds as a number with three decimals, e.g. 1545084650.987.
      {"approximateArrivalTimestamp", static_cast<double>(ms) / 1000.0},
  };
  return {
      {"kinesis", std::move(kinesis)},
      {"eventSource", "aws:kinesis"},
      {"eventVersion", "1.0"},
      {"eventID", shard_id + ":" + record.sequence_number},
      {"eventName", "aws:kinesis:record"},
      {"invokeIdentityArn", kInvokeIdentityArn},
      {"awsRegion", region},
      {"eventSourceARN", stream_arn},
  };
}

Json kinesis_filter_document(const Json& record) {
  Json doc = record;
  auto kinesis = doc.find("kinesis");
  if (kinesis == doc.end() || !kinesis->is_object()) return doc;
  if (auto data = kinesis->find("data"); data != kinesis->end() && data->is_string()) {
    if (auto bytes = http::base64_decode(data->get_ref<const std::string&>())) {
      // Lambda filters on `data` as JSON whenever it parses as JSON ("valid JSON" in its docs).
      // Data nested deeper than a request body may be stays text: copying or matching a value
      // 100,000 levels deep would overflow the stack.
      if (!json_nesting_exceeds(*bytes)) {
        auto parsed = Json::parse(*bytes, nullptr, false);
        if (!parsed.is_discarded()) *data = std::move(parsed);
      }
    }
  }
  Json lifted = *kinesis;
  for (auto& [key, value] : lifted.items()) {
    if (!doc.contains(key)) doc[key] = value;
  }
  return doc;
}

}  // namespace serverlite::stream
