#include "services/queue/lambda_event.hpp"

#include "emulator/http/base64.hpp"

namespace serverlite::queue {

using Json = nlohmann::json;

Json sqs_record(const ReceivedMessage& m, const std::string& queue_arn, const std::string& region) {
  Json attributes = Json::object();
  for (const auto& [k, v] : m.attributes) attributes[k] = v;
  Json message_attributes = Json::object();
  for (const auto& [name, v] : m.message_attributes) {
    Json a = {{"stringListValues", Json::array()}, {"binaryListValues", Json::array()},
              {"dataType", v.data_type}};
    if (v.is_binary()) a["binaryValue"] = http::base64_encode(v.binary_value);
    else a["stringValue"] = v.string_value;
    message_attributes[name] = a;
  }
  Json record = {
      {"messageId", m.message_id},
      {"receiptHandle", m.receipt_handle},
      {"body", m.body},
      {"attributes", attributes},
      {"messageAttributes", message_attributes},
      {"md5OfBody", m.md5_of_body},
  };
  if (m.md5_of_message_attributes) record["md5OfMessageAttributes"] = *m.md5_of_message_attributes;
  record["eventSource"] = "aws:sqs";
  record["eventSourceARN"] = queue_arn;
  record["awsRegion"] = region;
  return record;
}

Json sqs_event(const std::vector<ReceivedMessage>& messages, const std::string& queue_arn,
               const std::string& region) {
  Json records = Json::array();
  for (const auto& m : messages) records.push_back(sqs_record(m, queue_arn, region));
  return {{"Records", records}};
}

}  // namespace serverlite::queue
