// libFuzzer target for the request checks that run before any operation: DynamoDB's and
// Kinesis's shape checkers (types, then every constraint) over any decoded body, and Kinesis's
// parsers of numbers given as text: sequence numbers, 128-bit hash keys and shard ids.
//
// The first byte picks what is checked: its low bit the service, the rest the operation (or, past
// the operations, a Kinesis number parser); the remaining bytes are a JSON body (CBOR for Kinesis
// when the second bit of the second byte says so) or the number's text. Properties:
// - a check answers a message or nothing; a DynamoDB failure is never an empty message;
// - a sequence number that parses, made again from its parts, parses back to the same parts;
// - a hash key that parses prints as the same text; a shard index round-trips through its id.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/cbor.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/stream/keys.hpp"
#include "services/stream/shapes.hpp"
#include "services/table/shapes.hpp"

namespace aws = serverlite::aws;
namespace stream = serverlite::stream;
namespace table = serverlite::table;

namespace {

constexpr std::string_view kTableActions[] = {
    "BatchGetItem", "BatchWriteItem", "CreateTable",        "DeleteItem",   "DeleteTable",
    "DescribeTable", "DescribeTimeToLive", "GetItem",      "ListTables",   "ListTagsOfResource",
    "PutItem",      "Query",          "Scan",               "TagResource",  "UntagResource",
    "UpdateItem",   "UpdateTable",    "UpdateTimeToLive"};

constexpr std::string_view kStreamActions[] = {
    "AddTagsToStream", "CreateStream",   "DecreaseStreamRetentionPeriod", "DeleteStream",
    "DescribeLimits",  "DescribeStream", "DescribeStreamSummary",         "GetRecords",
    "GetShardIterator", "IncreaseStreamRetentionPeriod", "ListShards",    "ListStreams",
    "ListTagsForStream", "MergeShards",  "PutRecord",     "PutRecords",   "RemoveTagsFromStream",
    "SplitShard",      "UpdateShardCount"};

constexpr std::size_t kTableCount = std::size(kTableActions);
constexpr std::size_t kStreamCount = std::size(kStreamActions);

void check(bool ok) {
  if (!ok) std::abort();
}

// A body as the front decodes it (bounded depth and length), or nothing when it refuses it.
bool decode(std::string_view text, bool cbor, nlohmann::json& out) {
  try {
    out = cbor ? aws::cbor_decode(text) : aws::parse_json_body(text);
  } catch (const aws::ApiError&) {
    return false;
  }
  return out.is_object();
}

void table_check(std::string_view action, std::string_view text) {
  const auto* operation = table::shapes::operation(action);
  if (!operation) return;
  nlohmann::json body;
  if (!decode(text, false, body)) return;
  if (auto failure = table::shapes::check(*operation, body)) check(!failure->message.empty());
}

void stream_check(std::string_view action, std::string_view text, bool cbor) {
  const auto* shape = stream::shapes::operation_shape(action);
  if (!shape) return;
  nlohmann::json body;
  if (!decode(text, cbor, body)) return;
  if (auto message = stream::shapes::check_types(body, *shape, cbor)) {
    check(!message->empty());
    return;
  }
  auto violations = stream::shapes::check_constraints(body, *shape, cbor);
  check(violations.size() <= 10);
  if (!violations.empty()) (void)stream::shapes::validation_message(violations);
}

void numbers(std::uint8_t which, std::string_view text) {
  switch (which % 3) {
    case 0: {
      auto parts = stream::parse_sequence_number(text);
      // A high first digit of the shard's field reads as a negative index, as Kinesis reads it;
      // no number serverlite makes has one.
      if (!parts || parts->shard_index < 0) return;
      // Made again from its parts, it parses to the same parts (the layout keeps seconds).
      stream::SequenceParts made = *parts;
      made.version = 2;
      made.time_ms -= made.time_ms % 1000;
      made.shard_created_ms -= made.shard_created_ms % 1000;
      auto again = stream::parse_sequence_number(stream::make_sequence_number(made));
      if (!again) return;  // parts a version 0/1 number holds but version 2 cannot
      check(again->shard_index == made.shard_index && again->position == made.position &&
            again->time_ms == made.time_ms && again->shard_created_ms == made.shard_created_ms);
      return;
    }
    case 1: {
      auto key = stream::parse_hash_key(text);
      if (key) check(stream::hash_key_text(*key) == text);
      return;
    }
    default: {
      auto index = stream::shard_index_of(text);
      if (index && *index >= 0) check(stream::shard_index_of(stream::shard_id_of(*index)) == index);
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::uint8_t pick = data[0], flags = data[1];
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  std::size_t which = pick >> 1;
  if ((pick & 1) == 0) {
    table_check(kTableActions[which % kTableCount], rest);
  } else if (which < kStreamCount * 3) {
    stream_check(kStreamActions[which % kStreamCount], rest, (flags & 2) != 0);
  } else {
    numbers(flags, rest);
  }
  return 0;
}
