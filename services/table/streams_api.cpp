#include "services/table/streams_api.hpp"

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/table/api.hpp"

namespace serverlite::table {

using aws::ApiError;
using Json = nlohmann::json;

namespace {

constexpr std::string_view kValidationType = "com.amazon.coral.validate#ValidationException";

ApiError validation(std::string message) {
  return ApiError(400, std::string(kValidationType), std::move(message));
}

std::string_view error_type(StreamErrorCode code) {
  switch (code) {
    case StreamErrorCode::ResourceNotFound:
      return "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException";
    case StreamErrorCode::Validation:
      return kValidationType;
    case StreamErrorCode::ExpiredIterator:
      return "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException";
    case StreamErrorCode::TrimmedDataAccess:
      return "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException";
  }
  return kValidationType;
}

template <class T>
T& unwrap(StreamResult<T>& r) {
  if (!r) throw ApiError(400, std::string(error_type(r.error().code)), r.error().message);
  return r.value();
}

// The coral validation wording for a member left out, with its camelCase path.
std::string required(const Json& body, std::string_view name, std::string_view path) {
  auto v = aws::optional_string(body, name);
  if (!v)
    throw validation("1 validation error detected: Value null at '" + std::string(path) +
                     "' failed to satisfy constraint: Member must not be null");
  return *v;
}

// StreamArn: "Length Constraints: Minimum length of 37. Maximum length of 1024."
std::string stream_arn(const Json& body) {
  std::string arn = required(body, "StreamArn", "streamArn");
  if (arn.size() < 37 || arn.size() > 1024)
    throw validation("1 validation error detected: Value '" + arn +
                     "' at 'streamArn' failed to satisfy constraint: Member must have length " +
                     (arn.size() < 37 ? "greater than or equal to 37"
                                      : "less than or equal to 1024"));
  return arn;
}

double seconds_of(std::chrono::system_clock::time_point t) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()) /
         1000.0;
}

std::optional<ShardIteratorType> iterator_type_of(std::string_view name) {
  if (name == "TRIM_HORIZON") return ShardIteratorType::TrimHorizon;
  if (name == "LATEST") return ShardIteratorType::Latest;
  if (name == "AT_SEQUENCE_NUMBER") return ShardIteratorType::AtSequenceNumber;
  if (name == "AFTER_SEQUENCE_NUMBER") return ShardIteratorType::AfterSequenceNumber;
  return std::nullopt;
}

}  // namespace

struct StreamsApi::Call {
  Json body;
};

StreamsApi::StreamsApi(StreamLog& log, KeySchemaLookup key_schema)
    : log_(log), key_schema_(std::move(key_schema)) {}

const std::map<std::string, StreamsApi::Operation, std::less<>>& StreamsApi::routes() {
  static const std::map<std::string, Operation, std::less<>> table = {
      {"ListStreams", &StreamsApi::list_streams},
      {"DescribeStream", &StreamsApi::describe_stream},
      {"GetShardIterator", &StreamsApi::get_shard_iterator},
      {"GetRecords", &StreamsApi::get_records},
  };
  return table;
}

std::vector<std::string> StreamsApi::action_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : routes()) names.push_back(name);
  return names;
}

void StreamsApi::handle(http::Request request, http::Responder respond) {
  auto answer = [&](int status, const Json& body) {
    respond(aws::render_json(status, body, dynamodb_protocol()));
  };
  std::string target(request.header("X-Amz-Target").value_or(""));
  std::string action = target.substr(target.find('.') + 1);
  try {
    Call call{aws::parse_json_body(request.body)};
    auto route = routes().find(action);
    if (route == routes().end())
      throw ApiError(400, "com.amazon.coral.service#UnknownOperationException", "");
    Json result = (this->*route->second)(call);
    answer(200, result.is_null() ? Json::object() : result);
  } catch (const ApiError& e) {
    respond(aws::render_json_error(e, dynamodb_protocol()));
  }
}

Json StreamsApi::list_streams(Call& call) {
  const Json& body = call.body;
  ListStreamsRequest req{aws::optional_string(body, "TableName"),
                         aws::optional_int(body, "Limit"),
                         aws::optional_string(body, "ExclusiveStartStreamArn")};
  auto r = log_.list_streams(req);
  auto& page = unwrap(r);
  Json streams = Json::array();
  for (const auto& s : page.streams)
    streams.push_back({{"StreamArn", s.arn}, {"TableName", s.table}, {"StreamLabel", s.label}});
  Json out = {{"Streams", std::move(streams)}};
  if (page.last_evaluated_stream_arn)
    out["LastEvaluatedStreamArn"] = *page.last_evaluated_stream_arn;
  return out;
}

Json StreamsApi::describe_stream(Call& call) {
  const Json& body = call.body;
  std::string arn = stream_arn(body);
  auto r = log_.describe_stream(arn, aws::optional_int(body, "Limit"),
                                aws::optional_string(body, "ExclusiveStartShardId"));
  auto& d = unwrap(r);
  Json shards = Json::array();
  for (const auto& shard : d.shards) {
    Json range = {{"StartingSequenceNumber", shard.starting_sequence_number}};
    if (shard.ending_sequence_number) range["EndingSequenceNumber"] = *shard.ending_sequence_number;
    shards.push_back({{"ShardId", shard.shard_id}, {"SequenceNumberRange", std::move(range)}});
  }
  Json description = {{"StreamArn", d.stream.arn},
                      {"StreamLabel", d.stream.label},
                      {"StreamStatus", d.stream.enabled ? "ENABLED" : "DISABLED"},
                      {"StreamViewType", stream_view_type_name(d.stream.view)},
                      {"CreationRequestDateTime", seconds_of(d.stream.created)},
                      {"TableName", d.stream.table},
                      {"Shards", std::move(shards)}};
  if (key_schema_) {
    if (auto key = key_schema_(d.stream.table)) {
      Json elements = Json::array({{{"AttributeName", key->hash.name}, {"KeyType", "HASH"}}});
      if (key->range)
        elements.push_back({{"AttributeName", key->range->name}, {"KeyType", "RANGE"}});
      description["KeySchema"] = std::move(elements);
    }
  }
  if (d.last_evaluated_shard_id) description["LastEvaluatedShardId"] = *d.last_evaluated_shard_id;
  return {{"StreamDescription", std::move(description)}};
}

Json StreamsApi::get_shard_iterator(Call& call) {
  const Json& body = call.body;
  std::string arn = stream_arn(body);
  std::string shard_id = required(body, "ShardId", "shardId");
  std::string type_name = required(body, "ShardIteratorType", "shardIteratorType");
  auto type = iterator_type_of(type_name);
  if (!type)
    throw validation("1 validation error detected: Value '" + type_name +
                     "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy "
                     "enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, "
                     "TRIM_HORIZON]");
  auto r = log_.get_shard_iterator(arn, shard_id, *type,
                                   aws::optional_string(body, "SequenceNumber"));
  return {{"ShardIterator", unwrap(r)}};
}

Json StreamsApi::get_records(Call& call) {
  const Json& body = call.body;
  std::string iterator = required(body, "ShardIterator", "shardIterator");
  auto r = log_.get_records(iterator, aws::optional_int(body, "Limit"));
  auto& page = unwrap(r);
  Json records = Json::array();
  for (const auto& record : page.records)
    records.push_back(stream_record_json(record, log_.region()));
  Json out = {{"Records", std::move(records)}};
  if (page.next_shard_iterator) out["NextShardIterator"] = *page.next_shard_iterator;
  return out;
}

}  // namespace serverlite::table
