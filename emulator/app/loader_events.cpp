// The event readers of load_app()'s Builder: a function's http, httpApi, sqs, stream, schedule,
// eventBridge, sns and s3 events, with the Serverless Framework's defaults and Lambda's limits
// (see loader.cpp).
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/loader_internal.hpp"
#include "emulator/app/yaml_json.hpp"
#include "emulator/ascii.hpp"

namespace serverlite::app {
namespace {

// The keys of events read here (see loader.cpp for how other keys are treated).
// clang-format off
const KeySet kHttpEventRead = {"path", "method", "cors", "integration"};
const KeySet kHttpEventSilent = {"operationId", "summary", "description", "documentation"};
const KeySet kRestCorsRead = {"origin", "origins", "headers", "methods", "allowCredentials",
                              "maxAge", "exposedHeaders"};
const KeySet kHttpApiEventRead = {"method", "path"};
// clang-format on

const std::set<std::string> kHttpMethods = {"GET",     "POST", "PUT",    "PATCH",
                                            "OPTIONS", "HEAD", "DELETE", "ANY"};

}  // namespace

namespace loader_detail {

void Builder::read_event(FunctionSpec& fn, const Json& event, const std::string& path) {
  if (!event.is_object()) {
    error(path, "expected a mapping such as {http: ...}, got " + describe(event));
  }
  for (const auto& [type, spec] : event.items()) {
    std::string at = key_path_child(path, type);
    if (type == "http") {
      fn.routes.push_back(rest_route(spec, at));
    } else if (type == "httpApi") {
      fn.routes.push_back(http_api_route(spec, at));
    } else if (type == "sqs") {
      fn.queue_events.push_back(queue_event(spec, at));
    } else if (type == "stream") {
      fn.stream_events.push_back(stream_event(spec, at));
    } else if (auto notify = notify_event(type, spec, at)) {
      fn.notify_events.push_back(std::move(*notify));
      warn(at, "not triggered by serverlite yet (replay routes such events to this function)");
    } else {
      warn(at, "not supported yet, ignored");
    }
  }
}

// What a `schedule` (rate/cron text or {rate, name ...}), `eventBridge` ({pattern, name ...}),
// `sns` (topic name or ARN, or {topicName | arn ...}) or `s3` (bucket, or {bucket ...}) event
// listens to; nullopt for any other type. Values given as CloudFormation functions are left
// empty, which matches any event of the kind.
std::optional<NotifyEventSpec> Builder::notify_event(const std::string& type, const Json& spec,
                                                     const std::string& path) {
  using Kind = NotifyEventSpec::Kind;
  static const std::map<std::string, Kind> kinds = {
      {"schedule", Kind::Schedule}, {"eventBridge", Kind::EventBridge},
      {"sns", Kind::Sns}, {"s3", Kind::S3}};
  auto kind = kinds.find(type);
  if (kind == kinds.end()) return std::nullopt;
  NotifyEventSpec n;
  n.kind = kind->second;
  n.key_path = path;
  auto member = [&](const char* key) -> std::string {
    if (!spec.is_object()) return "";
    auto it = spec.find(key);
    return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
  };
  switch (n.kind) {
    case Kind::Schedule: {
      n.rule = member("name");
      const Json* rate = spec.is_object() && spec.contains("rate") ? &spec["rate"] : &spec;
      if (rate->is_array() && !rate->empty()) rate = &(*rate)[0];
      if (rate->is_string()) n.schedule = rate->get<std::string>();
      break;
    }
    case Kind::EventBridge:
      n.rule = member("name");
      if (spec.is_object() && spec.contains("pattern")) n.pattern = spec["pattern"].dump();
      break;
    case Kind::Sns: {
      std::string topic = spec.is_string() ? spec.get<std::string>() : member("topicName");
      if (topic.empty()) topic = member("arn");
      n.topic = topic.starts_with("arn:") ? topic.substr(topic.rfind(':') + 1) : topic;
      break;
    }
    case Kind::S3:
      n.bucket = spec.is_string() ? spec.get<std::string>() : member("bucket");
      n.s3_event = member("event");
      // rules: [{prefix: uploads/}, {suffix: .jpg}], as the Framework writes S3's key filter.
      if (spec.is_object() && spec.contains("rules") && spec["rules"].is_array())
        for (const auto& rule : spec["rules"]) {
          if (!rule.is_object()) continue;
          if (auto p = rule.find("prefix"); p != rule.end() && p->is_string()) n.prefix = *p;
          if (auto x = rule.find("suffix"); x != rule.end() && x->is_string()) n.suffix = *x;
        }
      break;
  }
  return n;
}

// `sqs: ARN` or `sqs: {arn, batchSize, maximumBatchingWindow, enabled, functionResponseType,
// filterPatterns}`, with Lambda's limits for an SQS event source mapping.
QueueEventSpec Builder::queue_event(const Json& spec, const std::string& path) {
  QueueEventSpec q;
  q.key_path = path;
  const Json* arn = &spec;
  if (spec.is_object() && !(spec.size() == 1 && is_intrinsic_name(spec.begin().key()))) {
    static const KeySet kRead = {"arn", "batchSize", "maximumBatchingWindow", "enabled",
                                 "functionResponseType", "filterPatterns"};
    static const KeySet kSilent = {};
    check_keys(spec, path, kRead, kSilent);
    arn = member(spec, "arn");
    if (!arn) error(path + ".arn", "the queue's ARN is required");
    const Json* v = nullptr;
    if ((v = member(spec, "batchSize")) && !v->is_null())
      q.batch_size = int_at(*v, path + ".batchSize", 1, 10000);
    if ((v = member(spec, "maximumBatchingWindow")) && !v->is_null())
      q.maximum_batching_window_seconds = int_at(*v, path + ".maximumBatchingWindow", 0, 300);
    if ((v = member(spec, "enabled")) && !v->is_null()) {
      if (!v->is_boolean()) error(path + ".enabled", "expected true or false, got " + describe(*v));
      q.enabled = v->get<bool>();
    }
    if ((v = member(spec, "functionResponseType")) && !v->is_null()) {
      if (string_at(*v, path + ".functionResponseType") != "ReportBatchItemFailures")
        error(path + ".functionResponseType", "the only value is ReportBatchItemFailures");
      q.report_batch_item_failures = true;
    }
    if ((v = member(spec, "filterPatterns")) && !v->is_null()) {
      if (!v->is_array()) error(path + ".filterPatterns", "expected a list of patterns");
      for (std::size_t i = 0; i < v->size(); ++i) {
        if (!(*v)[i].is_object())
          error(key_path_index(path + ".filterPatterns", i), "expected a pattern object");
        q.filter_patterns.push_back((*v)[i].dump());
      }
    }
    // Lambda: a batch over 10 from a standard queue needs a batching window.
    if (q.batch_size > 10 && q.maximum_batching_window_seconds == 0)
      error(path + ".batchSize",
            "a batchSize over 10 needs maximumBatchingWindow of at least 1 second");
  }
  if (arn->is_string()) {
    if (!arn->get<std::string>().starts_with("arn:aws:sqs:"))
      error(path + ".arn", "expected an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME) or "
                           "!GetAtt [Queue, Arn], got \"" + arn->get<std::string>() + "\"");
  } else if (!(arn->is_object() && arn->size() == 1 && is_intrinsic_name(arn->begin().key()))) {
    error(path + ".arn", "expected an SQS queue ARN or !GetAtt [Queue, Arn], got " +
                             describe(*arn));
  }
  q.arn_json = arn->dump();
  return q;
}

namespace {

// The resource part of `arn:aws<partition suffix>:<service>:<region>:<account>:<resource>` (region
// and account free of ':', the partition suffix of [a-z-]), or nullopt. Read by hand: std::regex
// recursed once per character, and an ARN of some 30,000 characters in serverless.yml crashed.
std::optional<std::string_view> arn_resource(std::string_view arn, std::string_view service) {
  if (!arn.starts_with("arn:aws")) return std::nullopt;
  arn.remove_prefix(7);
  while (!arn.empty() && ((arn[0] >= 'a' && arn[0] <= 'z') || arn[0] == '-')) arn.remove_prefix(1);
  if (!arn.starts_with(':') || !arn.substr(1).starts_with(service)) return std::nullopt;
  arn.remove_prefix(1 + service.size());
  for (int part = 0; part < 3; ++part) {  // ":region", ":account", then the last ':'
    if (!arn.starts_with(':')) return std::nullopt;
    arn.remove_prefix(1);
    if (part < 2) arn.remove_prefix(std::min(arn.find(':'), arn.size()));
  }
  return arn;
}

// What `.+` matched in the patterns this replaces: one character or more, none a line break.
bool is_rest(std::string_view s) { return !s.empty() && s.find_first_of("\r\n") == s.npos; }

}  // namespace

// What an ARN string names: "kinesis" (a data stream), "dynamodb" (a table stream), or "".
std::string Builder::stream_arn_type(const std::string& arn) {
  if (auto rest = arn_resource(arn, "kinesis"); rest && rest->starts_with("stream/") &&
                                                 is_rest(rest->substr(7)))
    return "kinesis";
  if (auto rest = arn_resource(arn, "dynamodb"); rest && rest->starts_with("table/")) {
    std::string_view table = rest->substr(6);
    std::size_t slash = table.find('/');
    if (slash != 0 && slash != table.npos && is_rest(table.substr(0, slash)) &&
        table.substr(slash).starts_with("/stream/") && is_rest(table.substr(slash + 8)))
      return "dynamodb";
  }
  return "";
}

// `stream: ARN` or `stream: {arn, type, batchSize, startingPosition, ...}`, the Serverless
// Framework's stream event (lib/plugins/aws/package/compile/events/stream.js), with Lambda's
// limits for Kinesis and DynamoDB Streams event source mappings. Where the event leaves a key
// out, the value is what the Framework deploys: BatchSize 10, StartingPosition TRIM_HORIZON.
StreamEventSpec Builder::stream_event(const Json& spec, const std::string& path) {
  StreamEventSpec s;
  s.key_path = path;
  s.batch_size = 10;
  s.starting_position = StreamEventSpec::Start::TrimHorizon;
  auto is_function = [](const Json& v) {
    return v.is_object() && v.size() == 1 && is_intrinsic_name(v.begin().key());
  };
  const std::string kinesis_arn = "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME";
  const std::string dynamodb_arn = "arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL";
  if (spec.is_string()) {
    std::string arn = spec.get<std::string>();
    std::string type = stream_arn_type(arn);
    if (type.empty()) {
      error(path, "expected a Kinesis stream ARN (" + kinesis_arn +
                      ") or a DynamoDB stream ARN (" + dynamodb_arn + "), got \"" + arn + "\"");
    }
    s.type = type == "kinesis" ? StreamEventSpec::Type::Kinesis : StreamEventSpec::Type::DynamoDb;
    s.arn_json = spec.dump();
    return s;
  }
  if (is_function(spec)) {
    error(path, "a CloudFormation function goes under arn, with the type: "
                "{type: kinesis|dynamodb, arn: !GetAtt [Resource, Arn]}");
  }
  if (!spec.is_object()) {
    error(path, "expected a stream ARN or a mapping with arn and type, got " + describe(spec));
  }
  static const KeySet kRead = {
      "arn", "type", "batchSize", "startingPosition", "startingPositionTimestamp", "enabled",
      "batchWindow", "maximumRetryAttempts", "maximumRecordAgeInSeconds",
      "bisectBatchOnFunctionError", "parallelizationFactor", "functionResponseType",
      "filterPatterns", "destinations"};
  for (const auto& [key, value] : spec.items()) {
    if (kRead.contains(key)) continue;
    if (key == "maximumBatchingWindow") {
      // The SQS event's name for it (and Lambda's). serverlite honours it, but the Framework's
      // stream event knows only batchWindow and would deploy no window: say so.
      warn(key_path_child(path, key),
           "the Serverless Framework calls this batchWindow for stream events and would not "
           "deploy it; serverlite uses it");
    } else {
      warn(key_path_child(path, key), "not supported yet, ignored");
    }
  }

  // The ARN and the type.
  const Json* arn = member(spec, "arn");
  if (!arn || arn->is_null()) error(path + ".arn", "missing: the stream's ARN");
  std::string type;
  if (const Json* t = member(spec, "type"); t && !t->is_null()) {
    type = string_at(*t, path + ".type");
    if (type != "kinesis" && type != "dynamodb")
      error(path + ".type", "expected kinesis or dynamodb, got \"" + type + "\"");
  }
  if (arn->is_string()) {
    std::string from_arn = stream_arn_type(arn->get<std::string>());
    if (from_arn.empty()) {
      error(path + ".arn", "expected a Kinesis stream ARN (" + kinesis_arn +
                               ") or a DynamoDB stream ARN (" + dynamodb_arn + "), got \"" +
                               arn->get<std::string>() + "\"");
    }
    if (!type.empty() && type != from_arn)
      error(path + ".type", "is " + type + " but the ARN names a " + from_arn + " stream");
    type = from_arn;
  } else if (is_function(*arn)) {
    if (type.empty()) {
      error(path + ".type",
            "missing: with a CloudFormation function as arn, say kinesis or dynamodb");
    }
  } else {
    error(path + ".arn", "expected a stream ARN or a CloudFormation function such as "
                         "!GetAtt [Stream, Arn], got " + describe(*arn));
  }
  s.type = type == "kinesis" ? StreamEventSpec::Type::Kinesis : StreamEventSpec::Type::DynamoDb;
  s.arn_json = arn->dump();
  const bool dynamodb = s.type == StreamEventSpec::Type::DynamoDb;

  const Json* v = nullptr;
  if ((v = member(spec, "batchSize")) && !v->is_null()) {
    // Lambda: up to 10000 records per batch from Kinesis, 1000 from DynamoDB Streams.
    s.batch_size = int_at(*v, path + ".batchSize", 1, dynamodb ? 1000 : 10000);
  }
  if ((v = member(spec, "startingPosition")) && !v->is_null()) {
    std::string p = string_at(*v, path + ".startingPosition");
    if (p == "TRIM_HORIZON") {
      s.starting_position = StreamEventSpec::Start::TrimHorizon;
    } else if (p == "LATEST") {
      s.starting_position = StreamEventSpec::Start::Latest;
    } else if (p == "AT_TIMESTAMP" && !dynamodb) {
      s.starting_position = StreamEventSpec::Start::AtTimestamp;
    } else if (p == "AT_TIMESTAMP") {
      error(path + ".startingPosition", "AT_TIMESTAMP is for Kinesis streams only; "
                                        "DynamoDB streams take LATEST or TRIM_HORIZON");
    } else {
      error(path + ".startingPosition",
            "expected LATEST, TRIM_HORIZON or AT_TIMESTAMP, got \"" + p + "\"");
    }
  }
  const Json* ts = member(spec, "startingPositionTimestamp");
  if (ts && ts->is_null()) ts = nullptr;
  if (s.starting_position == StreamEventSpec::Start::AtTimestamp) {
    if (!ts) {
      error(path + ".startingPositionTimestamp",
            "missing: AT_TIMESTAMP needs the time to start from, in seconds since the epoch");
    }
    double seconds = 0;
    if (ts->is_number()) {
      seconds = ts->get<double>();
    } else if (ts->is_string() && is_digits(ts->get<std::string>())) {
      seconds = std::stod(ts->get<std::string>());
    } else {
      error(path + ".startingPositionTimestamp",
            "expected a number of seconds since the epoch, got " + describe(*ts));
    }
    if (seconds < 0) error(path + ".startingPositionTimestamp", "must not be negative");
    s.starting_position_timestamp_ms = static_cast<std::int64_t>(seconds * 1000.0 + 0.5);
  } else if (ts) {
    warn(path + ".startingPositionTimestamp",
         "only used with startingPosition AT_TIMESTAMP, ignored");
  }
  if ((v = member(spec, "enabled")) && !v->is_null()) s.enabled = bool_at(*v, path + ".enabled");
  if ((v = member(spec, "maximumBatchingWindow")) && !v->is_null())
    s.maximum_batching_window_seconds = int_at(*v, path + ".maximumBatchingWindow", 0, 300);
  if ((v = member(spec, "batchWindow")) && !v->is_null())
    s.maximum_batching_window_seconds = int_at(*v, path + ".batchWindow", 0, 300);
  if ((v = member(spec, "maximumRetryAttempts")) && !v->is_null())
    s.maximum_retry_attempts = signed_int_at(*v, path + ".maximumRetryAttempts", -1, 10000);
  if ((v = member(spec, "maximumRecordAgeInSeconds")) && !v->is_null()) {
    int age = signed_int_at(*v, path + ".maximumRecordAgeInSeconds", -1, 604800);
    if (age != -1 && age < 60) {
      error(path + ".maximumRecordAgeInSeconds",
            std::to_string(age) + " is out of range (-1 for no limit, or 60..604800)");
    }
    s.maximum_record_age_seconds = age;
  }
  if ((v = member(spec, "bisectBatchOnFunctionError")) && !v->is_null())
    s.bisect_batch_on_function_error = bool_at(*v, path + ".bisectBatchOnFunctionError");
  if ((v = member(spec, "parallelizationFactor")) && !v->is_null())
    s.parallelization_factor = int_at(*v, path + ".parallelizationFactor", 1, 10);
  if ((v = member(spec, "functionResponseType")) && !v->is_null()) {
    if (string_at(*v, path + ".functionResponseType") != "ReportBatchItemFailures")
      error(path + ".functionResponseType", "the only value is ReportBatchItemFailures");
    s.report_batch_item_failures = true;
  }
  if ((v = member(spec, "filterPatterns")) && !v->is_null()) {
    if (!v->is_array()) error(path + ".filterPatterns", "expected a list of patterns");
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_object())
        error(key_path_index(path + ".filterPatterns", i), "expected a pattern object");
      s.filter_patterns.push_back((*v)[i].dump());
    }
  }
  if ((v = member(spec, "destinations")) && !v->is_null()) {
    s.on_failure_arn_json = on_failure_destination(*v, path + ".destinations");
  }
  return s;
}

// destinations: {onFailure: ARN} or {onFailure: {arn, type: sqs|sns}} (type required when arn
// is a CloudFormation function). Returns the SQS queue's ARN as JSON text; "" for SNS topics,
// which are not emulated.
std::string Builder::on_failure_destination(const Json& v, const std::string& path) {
  expect_mapping(v, path);
  check_keys(v, path, {"onFailure"}, {});
  const Json* on_failure = member(v, "onFailure");
  const std::string at = path + ".onFailure";
  if (!on_failure || on_failure->is_null()) error(at, "missing: the on-failure destination");
  const Json* arn = on_failure;
  std::string type;
  if (on_failure->is_object() &&
      !(on_failure->size() == 1 && is_intrinsic_name(on_failure->begin().key()))) {
    check_keys(*on_failure, at, {"arn", "type"}, {});
    arn = member(*on_failure, "arn");
    if (!arn || arn->is_null()) error(at + ".arn", "missing: the destination's ARN");
    if (const Json* t = member(*on_failure, "type"); t && !t->is_null()) {
      type = string_at(*t, at + ".type");
      if (type != "sqs" && type != "sns")
        error(at + ".type", "expected sqs or sns, got \"" + type + "\"");
    }
  } else if (!on_failure->is_string()) {
    error(at, "expected an SQS queue or SNS topic ARN, or {arn: ..., type: sqs}");
  }
  const std::string arn_at = arn == on_failure ? at : at + ".arn";
  if (arn->is_string()) {
    const std::string& text = arn->get_ref<const std::string&>();
    std::string from_arn = text.starts_with("arn:aws:sqs:")   ? "sqs"
                           : text.starts_with("arn:aws:sns:") ? "sns"
                                                              : "";
    if (from_arn.empty()) {
      error(arn_at, "expected an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME) or an SNS "
                    "topic ARN, got \"" + text + "\"");
    }
    if (type.empty()) type = from_arn;
  } else if (arn->is_object() && arn->size() == 1 && is_intrinsic_name(arn->begin().key())) {
    if (type.empty()) {
      error(at + ".type",
            "missing: with a CloudFormation function as arn, say sqs or sns");
    }
  } else {
    error(arn_at, "expected an ARN or a CloudFormation function, got " + describe(*arn));
  }
  if (type == "sns") {
    warn(at, "SNS on-failure destinations are not supported yet, ignored");
    return "";
  }
  return arn->dump();
}

// Like int_at, for ranges that start below zero (-1 meaning "no limit"), which int_at's digit
// strings cannot express.
int Builder::signed_int_at(const Json& v, const std::string& path, long long min,
                           long long max) const {
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    if (text.size() > 1 && text[0] == '-' && is_digits(text.substr(1))) {
      return int_at(Json(std::stoll(text)), path, min, max);
    }
  }
  return int_at(v, path, min, max);
}

std::string Builder::method_at(const Json& v, const std::string& path) const {
  std::string method = ascii_upper(string_at(v, path));
  if (method == "*") method = "ANY";
  if (!kHttpMethods.contains(method)) {
    error(path, "unknown HTTP method \"" + v.get<std::string>() +
                    "\" (expected GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY or *)");
  }
  return method;
}

HttpRoute Builder::rest_route(const Json& spec, const std::string& path) {
  HttpRoute route;
  route.kind = ApiKind::Rest;
  std::string raw_path;
  if (spec.is_string()) {  // 'GET users/{id}'
    std::string s = spec.get<std::string>();
    auto space = s.find(' ');
    std::string rest = space == std::string::npos ? "" : s.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    if (space == std::string::npos || rest.empty() || rest.find(' ') != std::string::npos) {
      error(path, "\"" + s + "\" must have the form \"METHOD path\", e.g. \"GET users/{id}\"");
    }
    route.method = method_at(Json(s.substr(0, space)), path);
    raw_path = rest;
  } else {
    expect_mapping(spec, path);
    check_keys(spec, path, kHttpEventRead, kHttpEventSilent);
    const Json* p = member(spec, "path");
    if (!p) error(path + ".path", "missing: the path of the endpoint, e.g. users/{id}");
    raw_path = string_at(*p, path + ".path");
    const Json* m = member(spec, "method");
    if (!m) error(path + ".method", "missing: the HTTP method, e.g. get");
    route.method = method_at(*m, path + ".method");
    if (const Json* c = member(spec, "cors")) route.cors = rest_cors(*c, path + ".cors", route);
    if (const Json* i = member(spec, "integration")) {
      // Only the default proxy integration is emulated; `lambda` (with mapping templates),
      // `http`, `mock` ... would need API Gateway's request/response transformations.
      std::string kind = i->is_string() ? ascii_upper(i->get<std::string>()) : "";
      std::replace(kind.begin(), kind.end(), '-', '_');
      if (kind != "AWS_PROXY" && kind != "LAMBDA_PROXY") {
        warn(path + ".integration", "only the lambda-proxy integration is supported, ignored");
      }
    }
  }
  // api-gateway/lib/validate.js trims one leading and one trailing slash; we add the leading
  // one back, so "users/" and "/users" are both "/users" and "" is "/".
  if (!raw_path.empty() && raw_path.front() == '/') raw_path.erase(0, 1);
  if (!raw_path.empty() && raw_path.back() == '/') raw_path.pop_back();
  route.path = "/" + raw_path;
  return route;
}

CorsSpec Builder::rest_cors(const Json& v, const std::string& path, const HttpRoute& route) {
  CorsSpec c;
  if (v.is_null()) return c;
  if (v.is_boolean()) {
    if (!v.get<bool>()) return c;
    c.enabled = true;
    c.allow_origins = {"*"};
    c.allow_headers = kDefaultCorsHeaders;
    return c;
  }
  expect_mapping(v, path);
  check_keys(v, path, kRestCorsRead, {});
  c.enabled = true;
  const Json* f = nullptr;
  if ((f = member(v, "origins"))) {
    c.allow_origins = strings_at(*f, path + ".origins");
  } else if ((f = member(v, "origin"))) {
    c.allow_origins = {string_at(*f, path + ".origin")};
  } else {
    c.allow_origins = {"*"};
  }
  c.allow_headers =
      (f = member(v, "headers")) ? strings_at(*f, path + ".headers") : kDefaultCorsHeaders;
  if ((f = member(v, "methods"))) {
    // validate.js getCors: the listed methods plus OPTIONS and the route's own method.
    c.allow_methods = strings_at(*f, path + ".methods");
    for (auto& m : c.allow_methods) m = ascii_upper(m);
    for (const std::string& m : {std::string("OPTIONS"), route.method}) {
      if (std::find(c.allow_methods.begin(), c.allow_methods.end(), m) == c.allow_methods.end()) {
        c.allow_methods.push_back(m);
      }
    }
  }
  if ((f = member(v, "exposedHeaders"))) {
    c.expose_headers = strings_at(*f, path + ".exposedHeaders");
  }
  if ((f = member(v, "allowCredentials"))) {
    c.allow_credentials = bool_at(*f, path + ".allowCredentials");
  }
  if ((f = member(v, "maxAge"))) c.max_age = int_at(*f, path + ".maxAge", 0, INT32_MAX);
  return c;
}

HttpRoute Builder::http_api_route(const Json& spec, const std::string& path) {
  HttpRoute route;
  route.kind = ApiKind::Http;
  route.cors = http_api_cors_;
  std::string method, raw_path;
  if (spec.is_string()) {  // '*' or 'GET /users/{id}'
    std::string s = spec.get<std::string>();
    if (s == "*") {
      route.method = "ANY";
      return route;  // the catch-all: path ""
    }
    auto space = s.find(' ');
    std::string rest = space == std::string::npos ? "" : s.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    if (space == std::string::npos || rest.empty() || rest.find(' ') != std::string::npos) {
      error(path, "\"" + s +
                      "\" must be \"*\" or have the form \"METHOD /path\", e.g. "
                      "\"GET /users/{id}\"");
    }
    route.method = method_at(Json(s.substr(0, space)), path);
    raw_path = rest;
  } else {
    expect_mapping(spec, path);
    check_keys(spec, path, kHttpApiEventRead, {});
    const Json* p = member(spec, "path");
    if (!p) error(path + ".path", "missing: the path of the route, e.g. /users/{id}");
    raw_path = string_at(*p, path + ".path");
    const Json* m = member(spec, "method");
    route.method = m ? method_at(*m, path + ".method") : "ANY";
    if (raw_path == "*") {
      if (route.method != "ANY") {
        error(path + ".path", "\"*\" (the catch-all route) only goes with method \"*\"");
      }
      return route;
    }
  }
  if (raw_path.empty() || raw_path.front() != '/') {
    error(spec.is_string() ? path : path + ".path",
          "the path \"" + raw_path + "\" must start with '/'");
  }
  route.path = raw_path;
  return route;
}

}  // namespace loader_detail
}  // namespace serverlite::app
