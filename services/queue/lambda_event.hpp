// The event Lambda delivers to a function triggered by a queue: {"Records": [...]}, each record
// shaped exactly as AWS's SQS event source builds it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/queue/model.hpp"

namespace serverlite::queue {

// One record: messageId, receiptHandle, body, attributes, messageAttributes (camelCase members:
// stringValue, binaryValue, stringListValues, binaryListValues, dataType), md5OfBody,
// md5OfMessageAttributes (when there are attributes), eventSource "aws:sqs", eventSourceARN,
// awsRegion.
nlohmann::json sqs_record(const ReceivedMessage& message, const std::string& queue_arn,
                          const std::string& region);

nlohmann::json sqs_event(const std::vector<ReceivedMessage>& messages, const std::string& queue_arn,
                         const std::string& region);

}  // namespace serverlite::queue
