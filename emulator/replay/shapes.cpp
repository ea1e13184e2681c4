#include "emulator/replay/shapes.hpp"

#include <algorithm>

#include "emulator/events/filter_pattern.hpp"
#include "emulator/http/message.hpp"
#include "emulator/http/route_matcher.hpp"

namespace serverlite::replay {

using nlohmann::json;

namespace {

std::optional<std::string> text(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

const json* first_record(const json& event) {
  auto it = event.find("Records");
  if (it == event.end() || !it->is_array() || it->empty() || !(*it)[0].is_object())
    return nullptr;
  return &(*it)[0];
}

// "/a/" -> "/a"; "" -> "/".
std::string normal_path(std::string p) {
  if (p.empty()) return "/";
  if (p.front() != '/') p.insert(p.begin(), '/');
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// The last part of a queue ARN ("arn:aws:sqs:r:a:jobs") or URL (".../000000000000/jobs").
std::string queue_name(const std::string& arn_or_url) {
  auto p = arn_or_url.find_last_of(":/");
  return p == std::string::npos ? arn_or_url : arn_or_url.substr(p + 1);
}

// The name after `marker` up to the next '/': "stream/" of "arn:...:stream/s/consumer/c:1" is
// "s"; "table/" of "arn:...:table/T/stream/2024-..." is "T". Empty when absent.
std::string arn_part(const std::string& arn, const std::string& marker) {
  auto p = arn.find(":" + marker);
  if (p == std::string::npos) return {};
  p += marker.size() + 1;
  return arn.substr(p, arn.find('/', p) - p);
}

struct Collector {
  RouteResult& result;
  void add(const app::FunctionSpec& fn, std::string reason) {
    for (const auto& c : result.candidates)
      if (c.function == &fn) return;
    result.candidates.push_back({&fn, std::move(reason)});
  }
};

// The ARN an event source names: a plain string is used as is, a CloudFormation function goes to
// `resolve`. nullopt (with a note) when it cannot be evaluated.
std::optional<std::string> source_arn(const std::string& arn_json, const std::string& key_path,
                                      const ArnResolver& resolve, RouteResult& result) {
  try {
    auto parsed = json::parse(arn_json);
    if (parsed.is_string()) return parsed.get<std::string>();
  } catch (const json::parse_error&) {
    // Not JSON text: leave it to the resolver, which knows the loader's conventions.
  }
  if (!resolve) {
    result.notes.push_back(key_path + ": its ARN is a CloudFormation function replay cannot "
                           "evaluate here");
    return std::nullopt;
  }
  try {
    return resolve(arn_json, key_path);
  } catch (const std::exception& e) {
    result.notes.push_back(key_path + ": " + e.what());
    return std::nullopt;
  }
}

void route_rest(const json& event, const app::AppSpec& app, RouteResult& result) {
  Collector out{result};
  std::string method = text(event, "httpMethod").value_or("");
  auto resource = text(event, "resource");
  auto path = text(event, "path");
  result.source = method + " " + (path ? *path : resource.value_or(""));
  // API Gateway fills `resource` with the matched route's template: when it names one of ours,
  // the event came from that route.
  if (resource && !resource->empty()) {
    std::vector<std::pair<const app::FunctionSpec*, const app::HttpRoute*>> exact, any;
    for (const auto& fn : app.functions)
      for (const auto& r : fn.routes) {
        if (r.kind != app::ApiKind::Rest || normal_path(r.path) != normal_path(*resource))
          continue;
        if (r.method == method) exact.emplace_back(&fn, &r);
        else if (r.method == http::RouteMatcher::kAnyMethod) any.emplace_back(&fn, &r);
      }
    for (const auto& [fn, r] : exact.empty() ? any : exact)
      out.add(*fn, "http " + r->method + " " + normal_path(r->path));
    if (!result.candidates.empty()) return;
  }
  if (!path) return;
  http::RouteMatcher matcher;
  std::vector<std::pair<const app::FunctionSpec*, const app::HttpRoute*>> refs;
  for (const auto& fn : app.functions)
    for (const auto& r : fn.routes) {
      if (r.kind != app::ApiKind::Rest) continue;
      try {
        matcher.add(r.method, normal_path(r.path), refs.size());
        refs.emplace_back(&fn, &r);
      } catch (const std::invalid_argument&) {
        // The loader reports malformed paths; such a route cannot match anything.
      }
    }
  auto m = matcher.match(method, *path);
  auto greedy = [](const http::RouteMatch& match) {
    return match.path_template.ends_with("+}");
  };
  // Events recorded from the emulator, or through a custom domain, keep the stage in `path`
  // ("/dev/users/1"); AWS's own leave it out. A stage-prefixed path that only a greedy
  // "{proxy+}" route takes as is most likely meant the route under the stage.
  if (m.status != http::MatchStatus::Found || greedy(m)) {
    auto ctx = event.find("requestContext");
    std::string stage = text(*ctx, "stage").value_or(app.stage);
    std::string prefix = "/" + stage;
    if (path->starts_with(prefix) &&
        (path->size() == prefix.size() || (*path)[prefix.size()] == '/')) {
      auto staged = matcher.match(method, normal_path(path->substr(prefix.size())));
      if (staged.status == http::MatchStatus::Found &&
          (m.status != http::MatchStatus::Found || !greedy(staged)))
        m = std::move(staged);
    }
  }
  if (m.status == http::MatchStatus::Found) {
    const auto& [fn, r] = refs[m.value];
    out.add(*fn, "http " + r->method + " " + normal_path(r->path));
  }
}

void route_http_api(const json& event, const app::AppSpec& app, RouteResult& result) {
  Collector out{result};
  std::string key = text(event, "routeKey").value_or("");
  result.source = "routeKey " + key;
  auto reason = [](const app::HttpRoute& r) {
    return r.path.empty() ? std::string("httpApi *") : "httpApi " + r.method + " " + r.path;
  };
  for (const auto& fn : app.functions)
    for (const auto& r : fn.routes) {
      if (r.kind != app::ApiKind::Http) continue;
      std::string own = r.path.empty() ? "$default" : r.method + " " + r.path;
      if (own == key) out.add(fn, reason(r));
    }
  if (!result.candidates.empty()) return;

  std::string method;
  if (auto ctx = event.find("requestContext"); ctx != event.end() && ctx->is_object())
    if (auto h = ctx->find("http"); h != ctx->end()) method = text(*h, "method").value_or("");
  std::string raw_path = text(event, "rawPath").value_or("/");
  if (!method.empty()) result.source += " (" + method + " " + raw_path + ")";
  http::RouteMatcher matcher;
  std::vector<std::pair<const app::FunctionSpec*, const app::HttpRoute*>> refs;
  for (const auto& fn : app.functions)
    for (const auto& r : fn.routes) {
      if (r.kind != app::ApiKind::Http || r.path.empty()) continue;
      try {
        matcher.add(r.method, r.path, refs.size());
        refs.emplace_back(&fn, &r);
      } catch (const std::invalid_argument&) {
      }
    }
  auto m = matcher.match(method, raw_path);
  if (m.status == http::MatchStatus::Found) {
    out.add(*refs[m.value].first, reason(*refs[m.value].second));
    return;
  }
  for (const auto& fn : app.functions)
    for (const auto& r : fn.routes)
      if (r.kind == app::ApiKind::Http && r.path.empty()) out.add(fn, reason(r));
}

void route_queue(const json& event, const app::AppSpec& app, const ArnResolver& resolve,
                 RouteResult& result) {
  Collector out{result};
  std::string arn = text(*first_record(event), "eventSourceARN").value_or("");
  result.source = "eventSourceARN " + arn;
  for (const auto& fn : app.functions)
    for (const auto& q : fn.queue_events) {
      auto own = source_arn(q.arn_json, q.key_path, resolve, result);
      if (own && (*own == arn || queue_name(*own) == queue_name(arn))) out.add(fn, "sqs " + *own);
    }
}

void route_stream(const json& event, const app::AppSpec& app, const ArnResolver& resolve,
                  RouteResult& result, app::StreamEventSpec::Type type) {
  Collector out{result};
  std::string arn = text(*first_record(event), "eventSourceARN").value_or("");
  result.source = "eventSourceARN " + arn;
  bool kinesis = type == app::StreamEventSpec::Type::Kinesis;
  // DynamoDB: a table has one current stream whose label changes when it is re-enabled, so the
  // table is what identifies it. Kinesis: a consumer ARN extends its stream's ARN.
  std::string marker = kinesis ? "stream/" : "table/";
  std::string wanted = arn_part(arn, marker);
  for (const auto& fn : app.functions)
    for (const auto& s : fn.stream_events) {
      if (s.type != type) continue;
      auto own = source_arn(s.arn_json, s.key_path, resolve, result);
      if (!own) continue;
      if (*own == arn || (!wanted.empty() && arn_part(*own, marker) == wanted))
        out.add(fn, "stream " + *own);
    }
}

// Whether a function's `event: s3:ObjectCreated:*` (or `s3:ObjectRemoved:Delete`) takes a
// record's eventName ("ObjectCreated:Put"); an empty one takes any, as does a record without one.
bool s3_event_matches(const std::string& wanted, const std::string& name) {
  if (wanted.empty() || name.empty()) return true;
  std::string_view w = wanted;
  if (w.starts_with("s3:")) w.remove_prefix(3);
  if (w.ends_with("*")) return std::string_view(name).starts_with(w.substr(0, w.size() - 1));
  return name == w;
}

// Schedule, EventBridge, SNS and S3 events go to the functions with a matching event of that
// kind: a schedule by its rule name (an unnamed rule takes any), EventBridge by its pattern, SNS
// by topic name, S3 by bucket, event type and the rules' key prefix and suffix.
void route_notification(const json& event, const app::AppSpec& app, RouteResult& result) {
  using Kind = app::NotifyEventSpec::Kind;
  Collector out{result};
  const json* record = first_record(event);
  std::string rule, topic, bucket, key, event_name;
  Kind kind = Kind::Schedule;
  switch (result.shape) {
    case EventShape::Schedule:
    case EventShape::EventBridge:
      kind = result.shape == EventShape::Schedule ? Kind::Schedule : Kind::EventBridge;
      if (auto r = event.find("resources"); r != event.end() && r->is_array())
        for (const auto& arn : *r)
          if (arn.is_string() && arn.get<std::string>().find(":rule/") != std::string::npos)
            rule = arn_part(arn.get<std::string>(), "rule/");
      break;
    case EventShape::Sns:
      kind = Kind::Sns;
      if (record && record->contains("Sns") && (*record)["Sns"].is_object()) {
        std::string arn = text((*record)["Sns"], "TopicArn").value_or("");
        topic = arn.substr(arn.rfind(':') + 1);
      }
      break;
    default:
      kind = Kind::S3;
      if (record && record->contains("s3") && (*record)["s3"].is_object()) {
        const json& s3 = (*record)["s3"];
        if (auto b = s3.find("bucket"); b != s3.end() && b->is_object())
          bucket = text(*b, "name").value_or("");
        // S3 sends the key URL-encoded (a space as '+'); the rules compare the key itself.
        if (auto o = s3.find("object"); o != s3.end() && o->is_object())
          key = http::percent_decode(text(*o, "key").value_or(""), true);
      }
      if (record) event_name = text(*record, "eventName").value_or("");
      break;
  }
  for (const auto& fn : app.functions)
    for (const auto& n : fn.notify_events) {
      if (n.kind != kind) continue;
      switch (kind) {
        case Kind::Schedule:
          if (n.rule.empty() || rule.empty() || n.rule == rule)
            out.add(fn, "schedule " + (!n.rule.empty()       ? n.rule
                                       : !n.schedule.empty() ? n.schedule
                                                             : n.key_path));
          break;
        case Kind::EventBridge: {
          bool matched = n.pattern.empty();
          if (!matched) {
            try {
              matched = events::matches_filter(json::parse(n.pattern), event);
            } catch (const std::exception& e) {
              result.notes.push_back(n.key_path + ": " + e.what());
            }
          }
          if (matched) out.add(fn, "eventBridge pattern");
          break;
        }
        case Kind::Sns:
          if (n.topic.empty() || n.topic == topic) out.add(fn, "sns " + n.topic);
          break;
        case Kind::S3:
          if ((n.bucket.empty() || n.bucket == bucket) && s3_event_matches(n.s3_event, event_name) &&
              key.starts_with(n.prefix) && key.ends_with(n.suffix))
            out.add(fn, "s3 " + n.bucket);
          break;
      }
    }
}

}  // namespace

EventShape recognize(const json& event) {
  if (!event.is_object()) return EventShape::Unknown;
  if (text(event, "version") == "2.0" && event.contains("routeKey") && event.contains("rawPath"))
    return EventShape::ApiGatewayV2;
  auto ctx = event.find("requestContext");
  if (text(event, "httpMethod") && ctx != event.end() && ctx->is_object() &&
      (event.contains("resource") || event.contains("path")))
    return ctx->contains("elb") ? EventShape::Unknown : EventShape::ApiGatewayV1;
  if (const json* record = first_record(event)) {
    auto source = text(*record, "eventSource");
    if (source == "aws:sqs") return EventShape::Sqs;
    if (source == "aws:kinesis") return EventShape::Kinesis;
    if (source == "aws:dynamodb") return EventShape::DynamoDb;
    if (source == "aws:s3") return EventShape::S3;
    if (text(*record, "EventSource") == "aws:sns") return EventShape::Sns;
    return EventShape::Unknown;
  }
  auto source = text(event, "source");
  auto detail_type = text(event, "detail-type");
  if (source && detail_type) {
    if (*source == "aws.events" && *detail_type == "Scheduled Event") return EventShape::Schedule;
    if (event.contains("detail")) return EventShape::EventBridge;
  }
  return EventShape::Unknown;
}

std::string shape_name(EventShape shape) {
  switch (shape) {
    case EventShape::ApiGatewayV1: return "API Gateway REST API";
    case EventShape::ApiGatewayV2: return "API Gateway HTTP API";
    case EventShape::Sqs: return "SQS";
    case EventShape::Kinesis: return "Kinesis";
    case EventShape::DynamoDb: return "DynamoDB Streams";
    case EventShape::Sns: return "SNS";
    case EventShape::S3: return "S3";
    case EventShape::Schedule: return "schedule";
    case EventShape::EventBridge: return "EventBridge";
    case EventShape::Unknown: return "unknown";
  }
  return "unknown";
}

RouteResult route(const json& event, const app::AppSpec& app, const ArnResolver& resolve) {
  RouteResult result;
  result.shape = recognize(event);
  switch (result.shape) {
    case EventShape::ApiGatewayV1: route_rest(event, app, result); break;
    case EventShape::ApiGatewayV2: route_http_api(event, app, result); break;
    case EventShape::Sqs: route_queue(event, app, resolve, result); break;
    case EventShape::Kinesis:
      route_stream(event, app, resolve, result, app::StreamEventSpec::Type::Kinesis);
      break;
    case EventShape::DynamoDb:
      route_stream(event, app, resolve, result, app::StreamEventSpec::Type::DynamoDb);
      break;
    case EventShape::Schedule:
    case EventShape::EventBridge:
      if (auto source = text(event, "source")) result.source = "source " + *source;
      route_notification(event, app, result);
      break;
    case EventShape::Sns:
      if (auto arn = text(*first_record(event), "EventSubscriptionArn"))
        result.source = "EventSubscriptionArn " + *arn;
      route_notification(event, app, result);
      break;
    case EventShape::S3:
      if (const json* r = first_record(event); r->contains("s3") && (*r)["s3"].is_object())
        if (auto b = (*r)["s3"].find("bucket"); b != (*r)["s3"].end())
          if (auto name = text(*b, "name")) result.source = "bucket " + *name;
      route_notification(event, app, result);
      break;
    case EventShape::Unknown: break;
  }
  return result;
}

std::optional<std::string> route_problem(const RouteResult& result, const app::AppSpec& app) {
  if (result.candidates.size() == 1) return std::nullopt;
  std::string file =
      app.config_file.empty() ? "serverless.yml" : app.config_file.filename().string();
  const std::string direct =
      "send it to a function with {\"function\": NAME, \"event\": ...}";
  std::string shape = shape_name(result.shape);
  std::string about = result.source.empty() ? "" : " (" + result.source + ")";
  if (result.candidates.empty()) {
    std::string events;  // the serverless.yml events replay cannot route to
    switch (result.shape) {
      case EventShape::Unknown:
        return "cannot route this event: replay does not recognize its shape (API Gateway, SQS, "
               "Kinesis, DynamoDB Streams); " + direct;
      case EventShape::Schedule: events = "schedule"; break;
      case EventShape::EventBridge: events = "eventBridge"; break;
      case EventShape::Sns: events = "sns"; break;
      case EventShape::S3: events = "s3"; break;
      case EventShape::ApiGatewayV1:
      case EventShape::ApiGatewayV2:
      case EventShape::Sqs:
      case EventShape::Kinesis:
      case EventShape::DynamoDb: break;
    }
    std::string msg = "no function of " + file + " handles this " + shape + " event" + about;
    if (!events.empty()) msg += ": no `" + events + "` event of a function matches it; " + direct;
    for (const auto& note : result.notes) msg += "; " + note;
    return msg;
  }
  std::string msg = "this " + shape + " event" + about + " matches " +
                    std::to_string(result.candidates.size()) + " functions of " + file + ": ";
  for (std::size_t i = 0; i < result.candidates.size(); ++i) {
    if (i) msg += ", ";
    msg += result.candidates[i].function->key + " (" + result.candidates[i].reason + ")";
  }
  return msg + "; send it to one of them with {\"function\": NAME, \"event\": ...}";
}

}  // namespace serverlite::replay
