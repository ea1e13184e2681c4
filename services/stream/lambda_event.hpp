// The records Lambda delivers to a function triggered by a Kinesis stream, and the document its
// event filtering matches patterns against.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "services/stream/model.hpp"

namespace serverlite::stream {

// The role every event names as invokeIdentityArn: Lambda puts the mapping's execution role
// there; locally there is none, so one fixed, well-formed role ARN stands in.
inline constexpr const char* kInvokeIdentityArn =
    "arn:aws:iam::000000000000:role/serverlite-lambda-role";

// One record of `Records[]`, as AWS's Kinesis event source builds it:
// {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey", "sequenceNumber", "data" (base64),
//  "approximateArrivalTimestamp" (seconds since the epoch, a number with millisecond
// precision)}, "eventSource": "aws:kinesis", "eventVersion": "1.0",
// "eventID": "<shard id>:<sequence number>", "eventName": "aws:kinesis:record",
// "invokeIdentityArn", "awsRegion", "eventSourceARN"}.
nlohmann::json kinesis_record(const Record& record, const std::string& shard_id,
                              const std::string& stream_arn, const std::string& region);

// What a filter pattern is matched against for a Kinesis record. AWS documents Kinesis patterns
// with the record's fields at the top (`{"data": {"order": {"type": ["buy"]}}}`,
// `{"partitionKey": [...]}`), `data` being the decoded payload when it is JSON; so the document
// is the record's outer fields plus the fields of `kinesis` lifted to the top. The `kinesis`
// member is kept too (its `data` decoded the same way), so patterns written against the event's
// shape also match. Data that is not JSON stays the base64 text, which no object pattern on
// `data` matches, as on AWS.
nlohmann::json kinesis_filter_document(const nlohmann::json& record);

}  // namespace serverlite::stream
