#include "emulator/samples/samples.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>

#include "emulator/app/app_spec.hpp"
#include "emulator/fnv.hpp"
#include "emulator/http/base64.hpp"
#include "emulator/http/message.hpp"
#include "emulator/http/route_matcher.hpp"
#include "emulator/samples/samples_internal.hpp"
#include "emulator/time_format.hpp"
#include "services/gateway/events.hpp"
#include "services/queue/lambda_event.hpp"
#include "services/queue/md5.hpp"
#include "services/queue/receipt_handle.hpp"
#include "services/stream/keys.hpp"
#include "services/stream/lambda_event.hpp"
#include "services/table/stream_log.hpp"
#include "services/table/stream_source.hpp"
#include "services/table/values.hpp"

namespace serverlite::samples {

using namespace detail;

namespace {

// fixed_clock: 2024-01-01T12:00:00.000Z.
constexpr std::int64_t kFixedTimeMs = 1704110400000;

// ---- the option table -------------------------------------------------------------------------

OptionInfo region_option() {
  return {"region", "AWS region named in ARNs and awsRegion", "us-east-1"};
}

std::vector<OptionInfo> api_options(std::string default_stage) {
  return {
      {"method", "HTTP method", "GET"},
      {"path", "Request path, percent-encoded (without the stage)", "/items/42"},
      {"route", "Route path template, e.g. /items/{id} (optionally 'ANY /items/{id}'); "
                "path parameters come from it. Default: the path itself",
       ""},
      {"query", "Query string, e.g. a=1&b=2", ""},
      {"header", "Request header 'Name: value'; one per line for several", ""},
      {"body", "Request body", ""},
      {"stage", "Stage name", std::move(default_stage)},
      {"source-ip", "Client address (requestContext sourceIp)", "127.0.0.1"},
      region_option(),
  };
}

const std::vector<SourceInfo> kSources = {
    {"apigateway-rest", "API Gateway REST API proxy event (payload format 1.0)",
     api_options("dev")},
    {"apigateway-http", "API Gateway HTTP API event (payload format 2.0)",
     [] {
       auto o = api_options("$default");
       // HTTP APIs also have a catch-all route.
       o[2].help += "; $default for the catch-all route";
       return o;
     }()},
    {"sqs",
     "SQS queue trigger: {\"Records\": [...]} of received messages",
     {
         {"queue", "Queue name; a name ending in .fifo is a FIFO queue", "my-queue"},
         {"body", "Message body", "Hello from SQS!"},
         {"count", "Number of records (1-100)", "1"},
         {"message-attributes",
          "Message attributes as a JSON object: \"text\" (String), 42 (Number), or "
          "{\"DataType\": ..., \"StringValue\"|\"BinaryValue\": ...}",
          ""},
         {"message-group-id", "MessageGroupId (FIFO queues only)", "group-1"},
         region_option(),
     }},
    {"kinesis",
     "Kinesis stream trigger: {\"Records\": [...]}",
     {
         {"stream", "Stream name", "my-stream"},
         {"partition-key", "Partition key", "partition-key-1"},
         {"data", "Record data as text (the event carries it base64-encoded)",
          "Hello from Kinesis!"},
         {"count", "Number of records (1-100)", "1"},
         region_option(),
     }},
    {"dynamodb-stream",
     "DynamoDB stream trigger: {\"Records\": [...]} with one stream record",
     {
         {"table", "Table name", "my-table"},
         {"event-name", "INSERT, MODIFY or REMOVE", "INSERT"},
         {"keys", "Key attributes: plain JSON or DynamoDB JSON ({\"id\": {\"S\": \"1\"}})",
          R"({"id":"1"})"},
         {"new-image", "Attributes after the change, besides the keys (plain or DynamoDB JSON)",
          R"({"message":"Hello from DynamoDB!"})"},
         {"old-image", "Attributes before the change, besides the keys (MODIFY, REMOVE)",
          R"({"message":"Hello, DynamoDB"})"},
         {"view-type", "KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES",
          "NEW_AND_OLD_IMAGES"},
         region_option(),
     }},
    {"schedule",
     "EventBridge scheduled event (detail-type \"Scheduled Event\")",
     {
         {"rule", "Rule name", "my-scheduled-rule"},
         region_option(),
     }},
    {"eventbridge",
     "EventBridge event from a rule with an event pattern",
     {
         {"source", "Event source", "com.example.orders"},
         {"detail-type", "Event detail-type", "Order Placed"},
         {"detail", "Event detail, a JSON object", R"({"orderId":"1234","amount":42})"},
         {"resources", "Resource ARNs, comma-separated", ""},
         region_option(),
     }},
    {"sns",
     "SNS topic subscription: {\"Records\": [...]} with one notification",
     {
         {"topic", "Topic name", "my-topic"},
         {"message", "Message", "Hello from SNS!"},
         {"subject", "Subject (null when empty)", ""},
         {"message-attributes",
          "Message attributes as a JSON object: \"text\" (String), 42 (Number), [..] "
          "(String.Array)",
          ""},
         region_option(),
     }},
    {"s3",
     "S3 bucket notification: {\"Records\": [...]} with one record",
     {
         {"bucket", "Bucket name", "my-bucket"},
         {"key", "Object key (the event carries it URL-encoded)", "uploads/hello.txt"},
         {"event-name",
          "ObjectCreated:Put|Post|Copy|CompleteMultipartUpload or "
          "ObjectRemoved:Delete|DeleteMarkerCreated",
          "ObjectCreated:Put"},
         {"size", "Object size in bytes (ObjectCreated)", "1024"},
         {"etag", "Object ETag (default: derived from bucket, key and size)", ""},
         {"version-id", "Object version id (versioned buckets)", ""},
         {"source-ip", "requestParameters.sourceIPAddress", "127.0.0.1"},
         region_option(),
     }},
};

}  // namespace

// ---- ids and time (Ids is in samples_internal.hpp) --------------------------------------------

namespace detail {

std::int64_t epoch_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// UTC "2024-01-01T12:00:00" followed by ".000" when `millis`, then `suffix`.
std::string iso_time(TimePoint t, bool millis, std::string_view suffix) {
  std::string out = iso8601_millis(epoch_ms(t), false);
  if (!millis) out.resize(out.size() - 4);  // no ".mmm"
  return out + std::string(suffix);
}

}  // namespace detail

// ---- option access: Options and Context are in samples_internal.hpp.

// ---- API Gateway ------------------------------------------------------------------------------

namespace detail {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace detail

namespace {

// An API id as AWS writes them (10 lower-case alphanumerics), stable per region and API kind.
std::string api_id(const std::string& region, bool rest) {
  std::uint64_t h = (static_cast<std::uint64_t>(fnv1a_32(region)) << 32) |
                    fnv1a_32(rest ? "serverlite-rest-api" : "serverlite-http-api");
  std::string id;
  for (int i = 0; i < 10; ++i, h /= 36) id += "0123456789abcdefghijklmnopqrstuvwxyz"[h % 36];
  return id;
}

std::vector<http::Header> parse_headers(const Options& o) {
  std::vector<http::Header> out;
  std::string text = o.text("header");
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    auto colon = line.find(':');
    std::string name = colon == std::string::npos ? "" : trim(line.substr(0, colon));
    bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
    if (!token) o.fail("header", "'" + line + "' is not 'Name: value'");
    out.push_back({name, trim(line.substr(colon + 1))});
  }
  return out;
}

Json api_gateway(const Context& c, bool rest) {
  const Options& o = c.options;
  std::string method = o.text("method");
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char ch) {
        return ch >= 'A' && ch <= 'Z';
      }))
    o.fail("method", "'" + o.text("method") + "' is not an HTTP method");
  std::string path = o.text("path");
  if (path.empty() || path.front() != '/') o.fail("path", "must start with '/'");
  if (path.find('?') != std::string::npos)
    o.fail("path", "has a query string; give it with the query option");
  std::string query = o.text("query");
  if (!query.empty() && query.front() == '?') query.erase(0, 1);
  std::string stage = o.text("stage");
  bool default_stage = !rest && stage == "$default";
  if (!default_stage) o.name_like("stage", "-_", 128);

  // The route that matched: the one given, else a literal route for exactly this path.
  gateway::RouteInfo route{method, path, {}};
  std::string route_text = trim(o.text("route"));
  if (!rest && route_text == "$default") {
    route = {"ANY", "", {}};
  } else if (!route_text.empty()) {
    std::string route_method = method, template_path = route_text;
    if (auto space = route_text.find(' '); space != std::string::npos) {
      route_method = route_text.substr(0, space);
      template_path = trim(route_text.substr(space + 1));
    }
    http::RouteMatcher matcher;
    try {
      matcher.add(route_method, template_path, 0);
    } catch (const std::invalid_argument& e) {
      o.fail("route", "'" + route_text + "' is not a route: " + e.what());
    }
    auto match = matcher.match(method, path);
    if (match.status == http::MatchStatus::NoPath)
      o.fail("path", "'" + path + "' does not match route '" + route_text + "'");
    if (match.status == http::MatchStatus::MethodMismatch)
      o.fail("method", method + " does not match route '" + route_text + "'");
    route = {match.method, match.path_template, std::move(match.params)};
  }

  std::string body = o.text("body");
  std::string id = api_id(c.region, rest);
  std::string domain = id + ".execute-api." + c.region + ".amazonaws.com";
  std::string source_ip = o.text("source-ip");
  if (source_ip.empty()) o.fail("source-ip", "must not be empty");

  // What curl sends, plus what API Gateway adds in front of the integration (X-Amzn-Trace-Id,
  // X-Forwarded-*). A header given in the options replaces the default of that name.
  auto given = parse_headers(o);
  auto has = [&](std::string_view name) {
    return std::any_of(given.begin(), given.end(),
                       [&](const http::Header& h) { return http::iequals(h.name, name); });
  };
  char trace_time[16];
  std::snprintf(trace_time, sizeof trace_time, "%08llx",
                static_cast<unsigned long long>(epoch_ms(c.time) / 1000));
  std::vector<http::Header> headers = {
      {"Accept", "*/*"},
      {"Host", domain},
      {"User-Agent", "curl/8.5.0"},
      {"X-Amzn-Trace-Id", "Root=1-" + std::string(trace_time) + "-" + c.ids.hex(24)},
      {"X-Forwarded-For", source_ip},
      {"X-Forwarded-Port", "443"},
      {"X-Forwarded-Proto", "https"},
  };
  if (!body.empty()) {
    headers.push_back({"Content-Length", std::to_string(body.size())});
    bool json_body = Json::accept(body);
    headers.push_back({"Content-Type", json_body ? "application/json" : "text/plain"});
  }
  std::erase_if(headers, [&](const http::Header& h) { return has(h.name); });
  headers.insert(headers.end(), given.begin(), given.end());

  http::Request request;
  request.method = method;
  // REST APIs are addressed with the stage first; so are HTTP API stages other than $default.
  std::string target = default_stage ? path : "/" + stage + path;
  request.target = query.empty() ? target : target + "?" + query;
  request.version = 11;
  request.headers = std::move(headers);
  request.body = body;
  request.remote_address = source_ip;

  gateway::EventContext context;
  context.stage = stage;
  context.request_id = c.ids.uuid();
  // 15 characters of the base64 alphabet and '=', as API Gateway's extendedRequestId.
  context.extended_request_id = rest ? c.ids.alnum(15) + "=" : "";
  context.api_id = id;
  context.domain_name = domain;
  context.time = c.time;
  return rest ? gateway::rest_event(request, path, route, context)
              : gateway::http_api_event(request, route, context);
}

// ---- SQS --------------------------------------------------------------------------------------

queue::MessageAttributes sqs_attributes(const Options& o, const std::string& name) {
  queue::MessageAttributes out;
  Json given = o.object(name);  // items() does not keep a temporary alive
  for (const auto& [key, value] : given.items()) {
    queue::MessageAttributeValue v;
    if (value.is_string()) {
      v = {"String", value.get<std::string>(), ""};
    } else if (value.is_number()) {
      v = {"Number", value.dump(), ""};
    } else if (value.is_object() && value.contains("DataType") && value["DataType"].is_string()) {
      v.data_type = value["DataType"].get<std::string>();
      auto member = v.is_binary() ? "BinaryValue" : "StringValue";
      if (!value.contains(member) || !value[member].is_string())
        o.fail(name, "attribute '" + key + "' of type " + v.data_type + " needs a string " +
                         member);
      if (v.is_binary()) {
        auto bytes = http::base64_decode(value[member].get<std::string>());
        if (!bytes) o.fail(name, "attribute '" + key + "': BinaryValue is not base64");
        v.binary_value = *bytes;
      } else {
        v.string_value = value[member].get<std::string>();
      }
    } else {
      o.fail(name, "attribute '" + key +
                       "' must be a string, a number or {\"DataType\": ..., \"StringValue\": ...}");
    }
    out[key] = v;
  }
  return out;
}

Json sqs(const Context& c) {
  const Options& o = c.options;
  std::string name = o.name_like("queue", "-_.", 80);
  bool fifo = name.ends_with(".fifo");
  if (!fifo && name.find('.') != std::string::npos)
    o.fail("queue", "'" + name + "': only a FIFO queue's name has a '.' (the .fifo suffix)");
  auto count = o.integer("count", 1, 100);
  auto attributes = sqs_attributes(o, "message-attributes");
  std::string group = o.text("message-group-id");
  if (fifo && group.empty()) o.fail("message-group-id", "a FIFO queue's messages need one");
  if (!fifo && o.given("message-group-id"))
    o.fail("message-group-id", "only FIFO queues (a name ending in .fifo) have message groups");
  std::string body = o.text("body");

  std::int64_t sent = epoch_ms(c.time);
  std::vector<queue::ReceivedMessage> messages;
  for (std::int64_t i = 0; i < count; ++i) {
    queue::ReceivedMessage m;
    m.message_id = c.ids.uuid();
    m.receipt_handle = queue::encode_receipt_handle({name, m.message_id, c.ids.hex(32)});
    m.body = body;
    m.md5_of_body = queue::md5_of_message_body(body);
    // What Lambda's poller asks for (All), as the queue engine answers it.
    m.attributes = {{"ApproximateReceiveCount", "1"},
                    {"SentTimestamp", std::to_string(sent + i)},
                    {"SenderId", kCallerId},
                    {"ApproximateFirstReceiveTimestamp", std::to_string(sent + i + 5)}};
    if (fifo) {
      // The engine's sequence numbers: 20 digits growing with every send.
      m.attributes["SequenceNumber"] =
          std::to_string(10000000000000000000ULL + static_cast<std::uint64_t>(i + 1) * 65536ULL);
      m.attributes["MessageGroupId"] = group;
      // Content-based deduplication: the SHA-256 of the body.
      m.attributes["MessageDeduplicationId"] = queue::sha256_hex(body);
    }
    m.message_attributes = attributes;
    if (!attributes.empty())
      m.md5_of_message_attributes = queue::md5_of_message_attributes(attributes);
    messages.push_back(std::move(m));
  }
  std::string arn = "arn:aws:sqs:" + c.region + ":" + kAccount + ":" + name;
  return queue::sqs_event(messages, arn, c.region);
}

// ---- Kinesis ----------------------------------------------------------------------------------

Json kinesis(const Context& c) {
  const Options& o = c.options;
  std::string name = o.name_like("stream", "-_.", 128);
  std::string key = o.text("partition-key");
  if (key.empty() || key.size() > 256) o.fail("partition-key", "must be 1-256 characters");
  auto count = o.integer("count", 1, 100);
  std::string data = o.text("data");
  std::string arn = "arn:aws:kinesis:" + c.region + ":" + kAccount + ":stream/" + name;
  std::int64_t ms = epoch_ms(c.time);
  // A one-shard stream, as `serverless.yml` streams are unless they say otherwise.
  Json records = Json::array();
  for (std::int64_t i = 0; i < count; ++i) {
    stream::Record r{stream::make_sequence_number({0, i + 1, ms, ms}), c.time, data, key, ""};
    records.push_back(stream::kinesis_record(r, stream::shard_id_of(0), arn, c.region));
  }
  return {{"Records", records}};
}

// ---- DynamoDB streams -------------------------------------------------------------------------

bool is_wire_value(const Json& v) {
  return v.is_object() && v.size() == 1 && table::type_of(v).has_value();
}

Json marshal(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return {{"S", v}};
    case Json::value_t::boolean: return {{"BOOL", v}};
    case Json::value_t::null: return {{"NULL", true}};
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return {{"N", v.dump()}};
    case Json::value_t::array: {
      Json list = Json::array();
      for (const auto& e : v) list.push_back(marshal(e));
      return {{"L", list}};
    }
    case Json::value_t::object: {
      Json map = Json::object();
      for (const auto& [k, e] : v.items()) map[k] = marshal(e);
      return {{"M", map}};
    }
    default: return {{"NULL", true}};
  }
}

// An item from an option: DynamoDB JSON when every attribute is a typed value, plain JSON
// (marshalled: strings S, numbers N, booleans BOOL, null NULL, arrays L, objects M) otherwise.
Json item_option(const Options& o, const std::string& name) {
  Json given = o.object(name);
  bool wire = !given.empty() && std::all_of(given.begin(), given.end(), is_wire_value);
  Json item = Json::object();
  for (const auto& [k, v] : given.items()) item[k] = wire ? v : marshal(v);
  if (auto error = table::validate_item(item)) o.fail(name, *error);
  return item;
}

Json dynamodb_stream(const Context& c) {
  const Options& o = c.options;
  std::string table_name = o.name_like("table", "-_.", 255);
  if (table_name.size() < 3) o.fail("table", "'" + table_name + "' is shorter than 3 characters");
  std::string event_name = o.text("event-name");
  if (event_name != "INSERT" && event_name != "MODIFY" && event_name != "REMOVE")
    o.fail("event-name", "must be INSERT, MODIFY or REMOVE, got '" + event_name + "'");
  auto view = table::parse_stream_view_type(o.text("view-type"));
  if (!view)
    o.fail("view-type", "must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES, got '" +
                            o.text("view-type") + "'");
  Json keys = item_option(o, "keys");
  if (keys.empty() || keys.size() > 2)
    o.fail("keys", "must name the partition key and at most a sort key");
  for (const auto& [k, v] : keys.items()) {
    auto type = table::type_of(v);
    if (type != table::ValueType::S && type != table::ValueType::N &&
        type != table::ValueType::B)
      o.fail("keys", "key attribute '" + k + "' must be a string, number or binary");
  }
  // Images always hold the key attributes, as the table's items do.
  auto image = [&](const std::string& name) {
    Json item = item_option(o, name);
    for (const auto& [k, v] : keys.items()) item[k] = v;
    return item;
  };
  bool has_new = event_name != "REMOVE", has_old = event_name != "INSERT";
  bool keep_new = *view == table::StreamViewType::NewImage ||
                  *view == table::StreamViewType::NewAndOldImages;
  bool keep_old = *view == table::StreamViewType::OldImage ||
                  *view == table::StreamViewType::NewAndOldImages;

  table::StreamRecord r;
  r.position = 1;
  r.sequence_number = table::StreamLog::sequence_number(1, 1);
  r.event_id = c.ids.hex(32);
  r.event_name = event_name;
  r.created = c.time;
  r.keys = keys;
  if (has_new && keep_new) r.new_image = image("new-image");
  if (has_old && keep_old) r.old_image = image("old-image");
  // SizeBytes as the stream log counts it: the keys plus the images kept.
  r.size_bytes = static_cast<std::int64_t>(table::item_size(keys));
  if (r.new_image) r.size_bytes += static_cast<std::int64_t>(table::item_size(*r.new_image));
  if (r.old_image) r.size_bytes += static_cast<std::int64_t>(table::item_size(*r.old_image));
  r.view = *view;
  // The stream's label is its creation time; a sample's stream was created when it was.
  std::string arn = "arn:aws:dynamodb:" + c.region + ":" + kAccount + ":table/" + table_name +
                    "/stream/" + iso_time(c.time, true, "");
  return {{"Records", Json::array({table::lambda_stream_record(r, arn, c.region)})}};
}

// ---- EventBridge, SNS, S3: in notify_events.cpp.

Json rest_api(const Context& c) { return api_gateway(c, true); }
Json http_api(const Context& c) { return api_gateway(c, false); }

// One builder per entry of kSources.
constexpr std::pair<std::string_view, Json (*)(const Context&)> kBuilders[] = {
    {"apigateway-rest", rest_api}, {"apigateway-http", http_api},
    {"sqs", sqs},                  {"kinesis", kinesis},
    {"dynamodb-stream", dynamodb_stream},
    {"schedule", schedule},        {"eventbridge", eventbridge},
    {"sns", sns},                  {"s3", s3},
};

}  // namespace

const std::vector<SourceInfo>& sources() { return kSources; }

Json generate(std::string_view source, const std::map<std::string, std::string>& options,
              bool fixed_clock) {
  auto it = std::find_if(kSources.begin(), kSources.end(),
                         [&](const SourceInfo& s) { return s.name == source; });
  if (it == kSources.end()) {
    std::string list;
    for (const auto& s : kSources) list += (list.empty() ? "" : ", ") + s.name;
    throw SampleError("unknown event source '" + std::string(source) + "' (sources: " + list +
                      ")");
  }
  Options o(*it, options);
  // Each source has its own fixed seed, so fixtures of different sources share no ids.
  Ids ids(fixed_clock, fnv1a_32(it->name));
  TimePoint now = fixed_clock ? TimePoint(std::chrono::milliseconds(kFixedTimeMs))
                              : std::chrono::time_point_cast<TimePoint::duration>(
                                    std::chrono::system_clock::now());
  Context c{o, ids, now, o.region()};
  for (const auto& [name, build] : kBuilders)
    if (name == it->name) return build(c);
  throw std::logic_error("samples: no builder for " + it->name);  // kSources and kBuilders differ
}

}  // namespace serverlite::samples
