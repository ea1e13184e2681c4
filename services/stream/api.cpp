#include "services/stream/api.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/cbor.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "emulator/http/base64.hpp"
#include "services/stream/shapes.hpp"

namespace serverlite::stream {

using Json = nlohmann::json;
using aws::ApiError;

namespace {

const aws::JsonProtocol& json_protocol() {
  static const aws::JsonProtocol protocol{.content_type = "application/x-amz-json-1.1"};
  return protocol;
}

ApiError to_api_error(const Error& e) {
  return ApiError(error_http_status(e.code), std::string(error_code_name(e.code)), e.message);
}

template <class T>
T& unwrap(Result<T>& r) {
  if (!r) throw to_api_error(r.error());
  return r.value();
}

// A required member (present once the request passed its shape's checks: shapes.hpp).
std::string required(const Json& body, std::string_view name) {
  return aws::optional_string(body, name).value_or("");
}

std::int64_t required_int(const Json& body, std::string_view name) {
  return aws::optional_int(body, name).value_or(0);
}

double seconds_of(TimePoint t) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()) /
         1000.0;
}

std::optional<TimePoint> optional_time(const Json& body, std::string_view name, bool cbor) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number())
    throw ApiError(400, std::string(aws::kSerializationException),
                   "Expected a timestamp (epoch seconds) for " + std::string(name));
  double seconds = cbor ? aws::cbor_timestamp_seconds(*it) : it->get<double>();
  if (std::isnan(seconds))
    throw ApiError(400, std::string(aws::kSerializationException),
                   "Expected a timestamp (epoch seconds) for " + std::string(name));
  // A time point counts nanoseconds in 64 bits: about 292 years either side of 1970. Times past
  // that (a year 7600 timestamp, an infinity) are clamped to it rather than overflowing; they
  // are refused as too late, or read as "before everything", all the same.
  constexpr double kLimitSeconds = 9.0e9;
  seconds = std::clamp(seconds, -kLimitSeconds, kLimitSeconds);
  return TimePoint(std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000))));
}

Json shard_json(const Shard& s) {
  Json out = {{"ShardId", s.shard_id},
              {"HashKeyRange",
               {{"StartingHashKey", s.hash_key_range.starting},
                {"EndingHashKey", s.hash_key_range.ending}}},
              {"SequenceNumberRange",
               {{"StartingSequenceNumber", s.sequence_number_range.starting}}}};
  if (s.parent_shard_id) out["ParentShardId"] = *s.parent_shard_id;
  if (s.adjacent_parent_shard_id) out["AdjacentParentShardId"] = *s.adjacent_parent_shard_id;
  if (s.sequence_number_range.ending)
    out["SequenceNumberRange"]["EndingSequenceNumber"] = *s.sequence_number_range.ending;
  return out;
}

Json summary_json(const StreamDescription& d) {
  return {{"StreamName", d.name},
          {"StreamARN", d.arn},
          {"StreamStatus", stream_status_name(d.status)},
          {"StreamModeDetails", {{"StreamMode", stream_mode_name(d.mode)}}},
          {"RetentionPeriodHours", d.retention_period_hours},
          {"StreamCreationTimestamp", seconds_of(d.created)},
          {"EnhancedMonitoring", Json::array({{{"ShardLevelMetrics", Json::array()}}})},
          {"EncryptionType", d.encryption_type}};
}

}  // namespace

// The records of a GetRecords answer as JSON text, written directly: building and dumping them
// as nlohmann JSON was 60% of reading 10,000 records. The same text nlohmann writes (members in
// its order, its number and string formats), which a unit test checks.
std::string records_json(const std::vector<Record>& records) {
  std::string out = "[";
  out.reserve(records.empty() ? 2 : records.size() * (records.front().data.size() * 4 / 3 + 160));
  for (const auto& rec : records) {
    if (out.size() > 1) out += ',';
    out += R"({"ApproximateArrivalTimestamp":)";
    out += Json(seconds_of(rec.approximate_arrival)).dump();
    out += R"(,"Data":")";
    out += http::base64_encode(rec.data);  // base64 needs no escaping
    out += R"(","PartitionKey":)";
    out += aws::dump_json(rec.partition_key);
    out += R"(,"SequenceNumber":")";
    out += rec.sequence_number;  // digits
    out += "\"}";
  }
  out += ']';
  return out;
}

// PutRecords' `Records` likewise (a third of the answer's cost was its DOM).
std::string put_records_json(const std::vector<PutRecordsEntry>& entries) {
  std::string out = "[";
  out.reserve(entries.size() * 110 + 2);
  for (const auto& e : entries) {
    if (out.size() > 1) out += ',';
    if (e.ok) {
      out += R"({"SequenceNumber":")";
      out += e.ok->sequence_number;  // digits
      out += R"(","ShardId":")";
      out += e.ok->shard_id;  // shardId-<digits>
      out += "\"}";
    } else {
      out += R"({"ErrorCode":)";
      out += aws::dump_json(e.error_code);
      out += R"(,"ErrorMessage":)";
      out += aws::dump_json(e.error_message);
      out += '}';
    }
  }
  out += ']';
  return out;
}

struct StreamApi::Call {
  Json body;
  bool cbor = false;
  // A member of the answer given as JSON text, spliced in as it is (the records of GetRecords
  // and PutRecords answers in JSON).
  std::optional<std::pair<std::string, std::string>> raw_member;

  // Record data: base64 text in JSON, a byte string in CBOR; nullopt when absent or null (the
  // caller names the member in its error).
  std::optional<std::string> bytes(const Json& obj, std::string_view name) const {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (it->is_binary()) return std::string(it->get_binary().begin(), it->get_binary().end());
    if (it->is_string()) {
      auto decoded = http::base64_decode(it->get_ref<const std::string&>());
      if (!decoded)
        throw ApiError(400, std::string(aws::kSerializationException),
                       "Base64 encoded value expected for " + std::string(name));
      return decoded;
    }
    throw ApiError(400, std::string(aws::kSerializationException),
                   "Expected a blob for " + std::string(name));
  }
  Json blob(const std::string& data) const {
    if (cbor) return Json::binary(std::vector<std::uint8_t>(data.begin(), data.end()));
    return http::base64_encode(data);
  }
};

StreamApi::StreamApi(StreamEngine& engine) : engine_(engine) {}

const std::map<std::string, StreamApi::Operation, std::less<>>& StreamApi::routes() {
  static const std::map<std::string, Operation, std::less<>> table = {
      {"CreateStream", &StreamApi::create_stream},
      {"DeleteStream", &StreamApi::delete_stream},
      {"DescribeStream", &StreamApi::describe_stream},
      {"DescribeStreamSummary", &StreamApi::describe_stream_summary},
      {"ListStreams", &StreamApi::list_streams},
      {"ListShards", &StreamApi::list_shards},
      {"IncreaseStreamRetentionPeriod", &StreamApi::increase_retention},
      {"DecreaseStreamRetentionPeriod", &StreamApi::decrease_retention},
      {"AddTagsToStream", &StreamApi::add_tags},
      {"RemoveTagsFromStream", &StreamApi::remove_tags},
      {"ListTagsForStream", &StreamApi::list_tags},
      {"SplitShard", &StreamApi::split_shard},
      {"MergeShards", &StreamApi::merge_shards},
      {"UpdateShardCount", &StreamApi::update_shard_count},
      {"PutRecord", &StreamApi::put_record},
      {"PutRecords", &StreamApi::put_records},
      {"GetShardIterator", &StreamApi::get_shard_iterator},
      {"GetRecords", &StreamApi::get_records},
      {"DescribeLimits", &StreamApi::describe_limits},
  };
  return table;
}

std::vector<std::string> StreamApi::action_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : routes()) names.push_back(name);
  return names;
}

namespace {

// How a request's body is written, from its Content-Type (parameters and blanks aside).
enum class Wire { Json, Cbor, LegacyJson, Other };

Wire wire_of(const http::Request& request) {
  std::string_view type = request.header("Content-Type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  if (type == "application/x-amz-json-1.1") return Wire::Json;
  if (type == aws::kCborContentType) return Wire::Cbor;
  if (type == "application/json") return Wire::LegacyJson;
  return Wire::Other;
}

// x-amzn-RequestId, and x-amz-id-2: Kinesis's second request id, 72 random bytes in base64.
void add_headers(http::Response& res) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string id2(72, '\0');
  for (std::size_t i = 0; i < id2.size(); i += 8) {
    std::uint64_t r = rng();
    for (std::size_t j = 0; j < 8; ++j) id2[i + j] = static_cast<char>((r >> (8 * j)) & 0xff);
  }
  if (!res.header("x-amzn-RequestId")) res.add_header("x-amzn-RequestId", aws::new_request_id());
  res.add_header("x-amz-id-2", http::base64_encode(id2));
}

http::Response with_headers(http::Response res) {
  add_headers(res);
  return res;
}

// An error answered without a message: the framework's own, for a request it could not read
// ("UnknownOperationException", "SerializationException").
struct BareError {
  int status;
  std::string type;
};

}  // namespace

void StreamApi::handle(http::Request request, http::Responder respond) {
  Call call;
  Wire wire = wire_of(request);
  std::string target(request.header("X-Amz-Target").value_or(""));
  std::string action = target.substr(target.find('.') + 1);
  auto route = routes().find(action);
  const shapes::Shape* shape = shapes::operation_shape(action);

  // The JSON protocol's old envelope, for `application/json` with a body: Kinesis answers it
  // with `{"Output": {"__type": ...}, "Version": "1.0"}` and serves no operation through it.
  if (wire == Wire::LegacyJson && !request.body.empty()) {
    bool parses = nlohmann::json::accept(request.body);
    http::Response res;
    res.status = parses ? 404 : 400;
    add_headers(res);
    res.add_header("Content-Type", "application/json");
    res.body = aws::dump_json(
        {{"Output",
          {{"__type", parses ? "com.amazon.coral.service#UnknownOperationException"
                             : "com.amazon.coral.service#SerializationException"}}},
         {"Version", "1.0"}});
    return respond(std::move(res));
  }
  // Any other type but JSON 1.1 is read as CBOR, the protocol's other form.
  call.cbor = wire != Wire::Json;

  auto answer_body = [&](int status, std::string body) {
    http::Response res;
    res.status = status;
    add_headers(res);
    res.add_header("Content-Type", call.cbor ? std::string(aws::kCborContentType)
                                             : json_protocol().content_type);
    res.body = std::move(body);
    respond(std::move(res));
  };
  auto answer = [&](int status, const Json& body) {
    answer_body(status, call.cbor ? aws::cbor_encode(body) : aws::dump_json(body));
  };
  try {
    if (route == routes().end() || !shape)
      throw BareError{400, "UnknownOperationException"};
    // A body is required (an operation without input takes `{}`), in the request's format.
    if (request.body.empty() || (wire != Wire::Json && wire != Wire::Cbor))
      throw BareError{400, "SerializationException"};
    try {
      call.body = call.cbor ? aws::cbor_decode(request.body) : aws::parse_json_body(request.body);
    } catch (const ApiError&) {
      throw BareError{400, "SerializationException"};
    }
    if (!call.body.is_object()) throw BareError{400, "SerializationException"};
    if (auto wrong = shapes::check_types(call.body, *shape, call.cbor))
      return answer(400, {{"__type", "SerializationException"}, {"Message", *wrong}});
    auto violations = shapes::check_constraints(call.body, *shape, call.cbor);
    if (!violations.empty())
      throw ApiError(400, "ValidationException", shapes::validation_message(violations));
    Json result = (this->*route->second)(call);
    if (call.raw_member)
      return respond(with_headers(aws::render_json_spliced(
          200, result, call.raw_member->first, call.raw_member->second, json_protocol())));
    // Operations without output answer an empty body.
    if (result.is_null()) return answer_body(200, "");
    answer(200, result);
  } catch (const BareError& e) {
    answer(e.status, {{"__type", e.type}});
  } catch (const ApiError& e) {
    Json body = {{"__type", e.code}};
    if (!e.message().empty()) body["message"] = e.message();
    answer(e.http_status, body);
  }
}

// StreamName, or the name in StreamARN (which every operation taking a stream accepts).
std::string StreamApi::stream_name(Call& call, bool needed) {
  auto name = aws::optional_string(call.body, "StreamName");
  auto arn = aws::optional_string(call.body, "StreamARN");
  if (arn) {
    auto from_arn = engine_.name_from_arn(*arn);
    if (!from_arn) {
      // Well formed, but another region's or account's: no such stream here.
      auto parts = *arn;
      auto account_end = parts.find(":stream/");
      auto account_start = parts.rfind(':', account_end - 1) + 1;
      throw ApiError(400, "ResourceNotFoundException",
                     "Stream " + parts.substr(account_end + 8) + " under account " +
                         parts.substr(account_start, account_end - account_start) + " not found.");
    }
    if (name && *name != *from_arn)
      throw ApiError(400, "InvalidArgumentException",
                     "StreamARN and StreamName do not name the same stream.");
    return *from_arn;
  }
  if (!name) {
    if (!needed) return "";
    throw ApiError(400, "InvalidArgumentException",
                   "Either StreamName or StreamARN must be provided.");
  }
  return *name;
}

Json StreamApi::create_stream(Call& call) {
  CreateStreamRequest req;
  req.name = required(call.body, "StreamName");
  req.shard_count = aws::optional_int(call.body, "ShardCount");
  if (const Json* mode = aws::optional_object(call.body, "StreamModeDetails")) {
    std::string m = required(*mode, "StreamMode");
    if (m == "ON_DEMAND") req.mode = StreamMode::OnDemand;
    else if (m == "PROVISIONED") req.mode = StreamMode::Provisioned;
    else
      throw ApiError(400, "ValidationException",
                     "1 validation error detected: Value '" + m +
                         "' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member "
                         "must satisfy enum value set: [PROVISIONED, ON_DEMAND]");
  }
  req.tags = aws::string_map(call.body, "Tags");
  auto r = engine_.create_stream(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::delete_stream(Call& call) {
  DeleteStreamRequest req{stream_name(call),
                          aws::optional_bool(call.body, "EnforceConsumerDeletion").value_or(false)};
  auto r = engine_.delete_stream(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::describe_stream(Call& call) {
  DescribeStreamRequest req{stream_name(call), aws::optional_int(call.body, "Limit"),
                            aws::optional_string(call.body, "ExclusiveStartShardId")};
  auto r = engine_.describe_stream(req);
  auto& d = unwrap(r);
  Json out = summary_json(d.stream);
  Json shards = Json::array();
  for (const auto& s : d.shards) shards.push_back(shard_json(s));
  out["Shards"] = std::move(shards);
  out["HasMoreShards"] = d.has_more_shards;
  return {{"StreamDescription", std::move(out)}};
}

Json StreamApi::describe_stream_summary(Call& call) {
  auto r = engine_.describe_stream_summary(StreamRef{stream_name(call)});
  auto& d = unwrap(r);
  Json out = summary_json(d);
  out["OpenShardCount"] = d.open_shard_count;
  out["ConsumerCount"] = d.consumer_count;
  return {{"StreamDescriptionSummary", std::move(out)}};
}

Json StreamApi::list_streams(Call& call) {
  ListStreamsRequest req{aws::optional_int(call.body, "Limit"),
                         aws::optional_string(call.body, "ExclusiveStartStreamName"),
                         aws::optional_string(call.body, "NextToken")};
  auto r = engine_.list_streams(req);
  auto& d = unwrap(r);
  Json names = Json::array(), summaries = Json::array();
  for (const auto& s : d.streams) {
    names.push_back(s.name);
    summaries.push_back({{"StreamName", s.name},
                         {"StreamARN", s.arn},
                         {"StreamStatus", stream_status_name(s.status)},
                         {"StreamModeDetails", {{"StreamMode", stream_mode_name(s.mode)}}},
                         {"StreamCreationTimestamp", seconds_of(s.created)}});
  }
  Json out = {{"StreamNames", names}, {"HasMoreStreams", d.has_more}, {"StreamSummaries", summaries}};
  if (d.next_token) out["NextToken"] = *d.next_token;
  return out;
}

Json StreamApi::list_shards(Call& call) {
  ListShardsRequest req;
  std::string name = stream_name(call, false);
  if (!name.empty()) req.name = name;
  req.next_token = aws::optional_string(call.body, "NextToken");
  req.exclusive_start_shard_id = aws::optional_string(call.body, "ExclusiveStartShardId");
  req.max_results = aws::optional_int(call.body, "MaxResults");
  req.stream_creation_timestamp = optional_time(call.body, "StreamCreationTimestamp", call.cbor);
  if (const Json* f = aws::optional_object(call.body, "ShardFilter")) {
    static const std::map<std::string, ShardFilterType, std::less<>> types = {
        {"AFTER_SHARD_ID", ShardFilterType::AfterShardId},
        {"AT_TRIM_HORIZON", ShardFilterType::AtTrimHorizon},
        {"FROM_TRIM_HORIZON", ShardFilterType::FromTrimHorizon},
        {"AT_LATEST", ShardFilterType::AtLatest},
        {"AT_TIMESTAMP", ShardFilterType::AtTimestamp},
        {"FROM_TIMESTAMP", ShardFilterType::FromTimestamp},
    };
    std::string type = required(*f, "Type");
    auto t = types.find(type);
    if (t == types.end())
      throw ApiError(400, "ValidationException",
                     "1 validation error detected: Value '" + type +
                         "' at 'shardFilter.type' failed to satisfy constraint: Member must "
                         "satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, "
                         "FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]");
    req.filter = ShardFilter{t->second, aws::optional_string(*f, "ShardId"),
                             optional_time(*f, "Timestamp", call.cbor)};
  }
  auto r = engine_.list_shards(req);
  auto& d = unwrap(r);
  Json shards = Json::array();
  for (const auto& s : d.shards) shards.push_back(shard_json(s));
  Json out = {{"Shards", shards}};
  if (d.next_token) out["NextToken"] = *d.next_token;
  return out;
}

Json StreamApi::increase_retention(Call& call) {
  RetentionRequest req{stream_name(call),
                       required_int(call.body, "RetentionPeriodHours")};
  auto r = engine_.increase_retention_period(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::decrease_retention(Call& call) {
  RetentionRequest req{stream_name(call),
                       required_int(call.body, "RetentionPeriodHours")};
  auto r = engine_.decrease_retention_period(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::add_tags(Call& call) {
  TagsRequest req{stream_name(call), aws::string_map(call.body, "Tags"), {}};
  auto r = engine_.add_tags(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::remove_tags(Call& call) {
  TagsRequest req{stream_name(call), {}, aws::string_list(call.body, "TagKeys")};
  auto r = engine_.remove_tags(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::list_tags(Call& call) {
  ListTagsRequest req{stream_name(call), aws::optional_string(call.body, "ExclusiveStartTagKey"),
                      aws::optional_int(call.body, "Limit")};
  auto r = engine_.list_tags(req);
  auto& d = unwrap(r);
  Json tags = Json::array();
  for (const auto& [k, v] : d.tags) tags.push_back({{"Key", k}, {"Value", v}});
  return {{"Tags", tags}, {"HasMoreTags", d.has_more}};
}

Json StreamApi::split_shard(Call& call) {
  SplitShardRequest req{stream_name(call), required(call.body, "ShardToSplit"),
                        required(call.body, "NewStartingHashKey")};
  auto r = engine_.split_shard(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::merge_shards(Call& call) {
  MergeShardsRequest req{stream_name(call), required(call.body, "ShardToMerge"),
                         required(call.body, "AdjacentShardToMerge")};
  auto r = engine_.merge_shards(req);
  unwrap(r);
  return nullptr;  // an empty body
}

Json StreamApi::update_shard_count(Call& call) {
  UpdateShardCountRequest req{stream_name(call),
                              required_int(call.body, "TargetShardCount"),
                              required(call.body, "ScalingType")};
  auto r = engine_.update_shard_count(req);
  auto& d = unwrap(r);
  return {{"StreamName", d.name},
          {"StreamARN", d.arn},
          {"CurrentShardCount", d.current_shard_count},
          {"TargetShardCount", d.target_shard_count}};
}

Json StreamApi::put_record(Call& call) {
  PutRecordRequest req;
  req.name = stream_name(call);
  req.record.data = call.bytes(call.body, "Data").value_or("");
  req.record.partition_key = required(call.body, "PartitionKey");
  req.record.explicit_hash_key = aws::optional_string(call.body, "ExplicitHashKey");
  req.record.sequence_number_for_ordering =
      aws::optional_string(call.body, "SequenceNumberForOrdering");
  auto r = engine_.put_record(req);
  auto& d = unwrap(r);
  // Kinesis names the encryption only when there is one.
  Json out = {{"ShardId", d.shard_id}, {"SequenceNumber", d.sequence_number}};
  if (d.encryption_type != "NONE") out["EncryptionType"] = d.encryption_type;
  return out;
}

Json StreamApi::put_records(Call& call) {
  PutRecordsRequest req;
  req.name = stream_name(call);
  const Json* records = aws::optional_array(call.body, "Records");
  req.records.reserve(records->size());
  for (std::size_t i = 0; i < records->size(); ++i) {
    const Json& entry = (*records)[i];
    if (!entry.is_object()) continue;
    RecordInput in;
    in.data = call.bytes(entry, "Data").value_or("");
    in.partition_key = aws::optional_string(entry, "PartitionKey").value_or("");
    in.explicit_hash_key = aws::optional_string(entry, "ExplicitHashKey");
    req.records.push_back(std::move(in));
  }
  auto r = engine_.put_records(req);
  auto& d = unwrap(r);
  Json out = {{"FailedRecordCount", d.failed_record_count}};
  if (d.encryption_type != "NONE") out["EncryptionType"] = d.encryption_type;
  if (call.cbor) {
    Json out_records = Json::array();
    for (const auto& e : d.records) {
      if (e.ok)
        out_records.push_back(
            {{"ShardId", e.ok->shard_id}, {"SequenceNumber", e.ok->sequence_number}});
      else
        out_records.push_back({{"ErrorCode", e.error_code}, {"ErrorMessage", e.error_message}});
    }
    out["Records"] = std::move(out_records);
  } else {
    call.raw_member.emplace("Records", put_records_json(d.records));
  }
  return out;
}

Json StreamApi::get_shard_iterator(Call& call) {
  static const std::map<std::string, IteratorType, std::less<>> types = {
      {"AT_SEQUENCE_NUMBER", IteratorType::AtSequenceNumber},
      {"AFTER_SEQUENCE_NUMBER", IteratorType::AfterSequenceNumber},
      {"TRIM_HORIZON", IteratorType::TrimHorizon},
      {"LATEST", IteratorType::Latest},
      {"AT_TIMESTAMP", IteratorType::AtTimestamp},
  };
  GetShardIteratorRequest req;
  req.name = stream_name(call);
  req.shard_id = required(call.body, "ShardId");
  std::string type = required(call.body, "ShardIteratorType");
  auto t = types.find(type);
  if (t == types.end())
    throw ApiError(400, "ValidationException",
                   "1 validation error detected: Value '" + type +
                       "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy "
                       "enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, "
                       "TRIM_HORIZON, LATEST]");
  req.type = t->second;
  req.starting_sequence_number = aws::optional_string(call.body, "StartingSequenceNumber");
  req.timestamp = optional_time(call.body, "Timestamp", call.cbor);
  auto r = engine_.get_shard_iterator(req);
  return {{"ShardIterator", unwrap(r).shard_iterator}};
}

Json StreamApi::get_records(Call& call) {
  GetRecordsRequest req{required(call.body, "ShardIterator"),
                        aws::optional_int(call.body, "Limit"),
                        aws::optional_string(call.body, "StreamARN")};
  auto r = engine_.get_records(req);
  auto& d = unwrap(r);
  Json out = {{"MillisBehindLatest", d.millis_behind_latest}};
  if (call.cbor) {
    Json records = Json::array();
    for (const auto& rec : d.records)
      records.push_back({{"SequenceNumber", rec.sequence_number},
                         {"ApproximateArrivalTimestamp", seconds_of(rec.approximate_arrival)},
                         {"Data", call.blob(rec.data)},
                         {"PartitionKey", rec.partition_key}});
    out["Records"] = std::move(records);
  } else {
    call.raw_member.emplace("Records", records_json(d.records));
  }
  if (d.next_shard_iterator) out["NextShardIterator"] = *d.next_shard_iterator;
  else out["NextShardIterator"] = nullptr;
  if (!d.child_shards.empty()) {
    Json children = Json::array();
    for (const auto& c : d.child_shards)
      children.push_back({{"ShardId", c.shard_id},
                          {"ParentShards", c.parent_shards},
                          {"HashKeyRange",
                           {{"StartingHashKey", c.hash_key_range.starting},
                            {"EndingHashKey", c.hash_key_range.ending}}}});
    out["ChildShards"] = std::move(children);
  }
  return out;
}

Json StreamApi::describe_limits(Call& call) {
  auto r = engine_.list_streams(ListStreamsRequest{10000, std::nullopt, std::nullopt});
  int open = 0, on_demand = 0;
  for (const auto& s : unwrap(r).streams) {
    open += s.open_shard_count;
    if (s.mode == StreamMode::OnDemand) ++on_demand;
  }
  return {{"ShardLimit", engine_.options().shard_limit},
          {"OpenShardCount", open},
          {"OnDemandStreamCount", on_demand},
          {"OnDemandStreamCountLimit", 50}};
}

}  // namespace serverlite::stream
