// Typed requests and results of the SQS queue engine, and the engine's result codes.
//
// Protocol fronts (AWS JSON 1.0 and the query protocol) decode the wire into these structs and
// encode the results back; the engine never sees JSON or form fields. Queues are named, never
// addressed by URL or ARN here: the front turns `http://HOST:PORT/ACCOUNT/NAME` and
// `arn:aws:sqs:REGION:ACCOUNT:NAME` into NAME and builds them back from the names in results.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "emulator/result.hpp"

namespace serverlite::queue {

using TimePoint = std::chrono::system_clock::time_point;
using Clock = std::function<TimePoint()>;

// Every expected outcome the engine reports. The wire names come from the functions below, each
// one exhaustive switch without `default:`, so a new code cannot be forgotten by a front.
enum class ErrorCode {
  NonExistentQueue,
  QueueAlreadyExists,
  InvalidParameterValue,
  InvalidAttributeName,
  InvalidAttributeValue,
  MissingParameter,
  InvalidMessageContents,
  ReceiptHandleIsInvalid,
  MessageNotInflight,
  BatchEntryIdsNotDistinct,
  TooManyEntriesInBatchRequest,
  EmptyBatchRequest,
  InvalidBatchEntryId,
  BatchRequestTooLong,
  PurgeQueueInProgress,
  QueueDeletedRecently,
  OverLimit,
  ResourceNotFound,
  UnsupportedOperation,
};

// The code the query protocol puts in `<Error><Code>` and that the JSON protocol repeats in the
// `x-amzn-query-error: CODE;Sender` header, e.g. "AWS.SimpleQueueService.NonExistentQueue".
std::string_view error_code_name(ErrorCode code);
// The shape name of the JSON protocol (`__type` is "com.amazonaws.sqs#" + this), e.g.
// "QueueDoesNotExist" and "QueueNameExists"; unmodelled errors keep their query code.
std::string_view json_error_type(ErrorCode code);
// Every code above is the caller's fault ("Sender") and HTTP 400, as SQS answers them.
constexpr int error_http_status(ErrorCode) { return 400; }

struct Error {
  ErrorCode code;
  std::string message;  // SQS's message text
};

template <class T>
using Result = serverlite::Result<T, Error>;

struct Empty {};

// ---- attributes -------------------------------------------------------------------------------

// A message (or message system) attribute. `data_type` is "String", "Number", "Binary" or one of
// them with a custom ".suffix"; Binary types carry raw bytes in `binary_value` (the front decodes
// base64), the others their text in `string_value`.
struct MessageAttributeValue {
  std::string data_type;
  std::string string_value;
  std::string binary_value;

  bool is_binary() const { return data_type.rfind("Binary", 0) == 0; }
  bool operator==(const MessageAttributeValue&) const = default;
};
// Ordered by name: the MD5 of message attributes is computed over the names in sorted order.
using MessageAttributes = std::map<std::string, MessageAttributeValue>;

using QueueAttributes = std::map<std::string, std::string>;  // SQS attribute name -> value
using Tags = std::map<std::string, std::string>;

// ---- queues -----------------------------------------------------------------------------------

struct CreateQueueRequest {
  std::string queue_name;
  QueueAttributes attributes;
  Tags tags;
};
struct CreateQueueResult {
  std::string queue_name;
};

struct GetQueueUrlRequest {
  std::string queue_name;
};
struct GetQueueUrlResult {
  std::string queue_name;
};

struct ListQueuesRequest {
  std::string queue_name_prefix;
  std::optional<int> max_results;  // 1..1000; without it up to 1000 names and no token
  std::string next_token;          // opaque, from a previous result
};
struct ListQueuesResult {
  std::vector<std::string> queue_names;  // sorted
  std::string next_token;                // empty when there is nothing more
};

struct DeleteQueueRequest {
  std::string queue_name;
};

struct GetQueueAttributesRequest {
  std::string queue_name;
  std::vector<std::string> attribute_names;  // "All" or names; empty returns nothing
};
struct GetQueueAttributesResult {
  QueueAttributes attributes;
};

struct SetQueueAttributesRequest {
  std::string queue_name;
  QueueAttributes attributes;
};

struct PurgeQueueRequest {
  std::string queue_name;
};

struct TagQueueRequest {
  std::string queue_name;
  Tags tags;
};
struct UntagQueueRequest {
  std::string queue_name;
  std::vector<std::string> tag_keys;
};
struct ListQueueTagsRequest {
  std::string queue_name;
};
struct ListQueueTagsResult {
  Tags tags;
};

// AddPermission: a statement of the queue's Policy attribute, named by its label, allowing the
// accounts the actions. RemovePermission takes it out again.
struct AddPermissionRequest {
  std::string queue_name;
  std::string label;
  std::vector<std::string> account_ids;
  std::vector<std::string> actions;  // "SendMessage", ... or "*"
};
struct RemovePermissionRequest {
  std::string queue_name;
  std::string label;
};

// Message move tasks (dead-letter queue redrive): messages of a dead-letter queue moved back to
// the queues they came from, or to one destination.
struct StartMessageMoveTaskRequest {
  std::string source_arn;
  std::string destination_arn;  // empty: each message's original source queue
  std::optional<std::int64_t> max_per_second;
};
struct MessageMoveTask {
  std::string task_handle;
  std::string status;  // RUNNING, COMPLETED, CANCELLED, FAILED
  std::string source_arn, destination_arn, failure_reason;
  std::optional<std::int64_t> max_per_second;
  std::int64_t moved = 0, to_move = 0, started_ms = 0;
};
struct ListMessageMoveTasksRequest {
  std::string source_arn;
  std::optional<std::int64_t> max_results;
};

struct ListDeadLetterSourceQueuesRequest {
  std::string queue_name;  // the dead-letter queue
  std::optional<int> max_results;
  std::string next_token;
};
using ListDeadLetterSourceQueuesResult = ListQueuesResult;

// ---- messages ---------------------------------------------------------------------------------

struct MessageInput {
  std::string body;
  std::optional<int> delay_seconds;  // standard queues only; the queue's DelaySeconds otherwise
  MessageAttributes message_attributes;
  MessageAttributes message_system_attributes;  // only AWSTraceHeader (String) is accepted
  std::optional<std::string> message_group_id;
  std::optional<std::string> message_deduplication_id;
};

struct SendMessageRequest {
  std::string queue_name;
  MessageInput message;
};
struct SendMessageResult {
  std::string message_id;
  std::string md5_of_message_body;
  std::optional<std::string> md5_of_message_attributes;         // when attributes were sent
  std::optional<std::string> md5_of_message_system_attributes;  // likewise
  std::optional<std::string> sequence_number;                   // FIFO queues
};

struct SendMessageBatchEntry {
  std::string id;
  MessageInput message;
};
struct SendMessageBatchRequest {
  std::string queue_name;
  std::vector<SendMessageBatchEntry> entries;
};
// A failed entry of any batch operation (BatchResultErrorEntry).
struct BatchResultError {
  std::string id;
  bool sender_fault = true;
  ErrorCode code;
  std::string message;
};
struct SendMessageBatchResultEntry {
  std::string id;
  SendMessageResult result;
};
struct SendMessageBatchResult {
  std::vector<SendMessageBatchResultEntry> successful;
  std::vector<BatchResultError> failed;
};

struct ReceiveMessageRequest {
  std::string queue_name;
  int max_number_of_messages = 1;         // 1..10
  std::optional<int> visibility_timeout;  // 0..43200; the queue's VisibilityTimeout otherwise
  std::optional<int> wait_time_seconds;   // validated only (0..20): waiting is the front's job
  // System attribute names to return ("All", "ApproximateReceiveCount", "SentTimestamp", ...);
  // the front merges AttributeNames and MessageSystemAttributeNames into this.
  std::vector<std::string> attribute_names;
  // Message attribute names to return: "All", ".*", "prefix.*" or exact names.
  std::vector<std::string> message_attribute_names;
  // FIFO queues: a retry with the same id within 5 minutes answers the same messages and receipt
  // handles (and restarts their visibility timeout) while none of them was deleted, changed or
  // received again. Ignored by standard queues, as SQS does.
  std::optional<std::string> receive_request_attempt_id;
};
struct ReceivedMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::string md5_of_body;
  std::optional<std::string> md5_of_message_attributes;  // over the attributes returned
  std::map<std::string, std::string> attributes;         // system attributes asked for
  MessageAttributes message_attributes;                  // message attributes asked for
};
struct ReceiveMessageResult {
  std::vector<ReceivedMessage> messages;
};

struct DeleteMessageRequest {
  std::string queue_name;
  std::string receipt_handle;
};
struct DeleteMessageBatchEntry {
  std::string id;
  std::string receipt_handle;
};
struct DeleteMessageBatchRequest {
  std::string queue_name;
  std::vector<DeleteMessageBatchEntry> entries;
};
struct BatchResult {
  std::vector<std::string> successful;  // entry ids
  std::vector<BatchResultError> failed;
};
using DeleteMessageBatchResult = BatchResult;

struct ChangeMessageVisibilityRequest {
  std::string queue_name;
  std::string receipt_handle;
  int visibility_timeout = 0;  // 0..43200
};
struct ChangeMessageVisibilityBatchEntry {
  std::string id;
  std::string receipt_handle;
  int visibility_timeout = 0;
};
struct ChangeMessageVisibilityBatchRequest {
  std::string queue_name;
  std::vector<ChangeMessageVisibilityBatchEntry> entries;
};
using ChangeMessageVisibilityBatchResult = BatchResult;

}  // namespace serverlite::queue
