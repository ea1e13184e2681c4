#include "emulator/function_triggers.hpp"
#include "emulator/app/offline.hpp"

#include <algorithm>
#include <charconv>

namespace serverlite {

namespace {

using Json = nlohmann::json;

// A schedule event's expressions: `rate(1 minute)`, or {rate: EXPR | [EXPR ...], name ...}.
std::string schedule_expression(const Json* value) {
  if (!value) return "";
  if (value->is_string()) return value->get<std::string>();
  if (!value->is_object()) return "";
  auto rate = value->find("rate");
  if (rate == value->end()) return "";
  if (rate->is_string()) return rate->get<std::string>();
  std::string out;
  if (rate->is_array())
    for (const auto& r : *rate)
      if (r.is_string()) out += (out.empty() ? "" : ", ") + r.get<std::string>();
  return out;
}

// The queue's ARN, or as written when it cannot be evaluated.
std::string queue_arn_text(const app::QueueEventSpec& q, const ArnEvaluator& evaluate) {
  try {
    return evaluate(q.arn_json, q.key_path + ".arn");
  } catch (const std::exception&) {
    Json arn = Json::parse(q.arn_json, nullptr, false);
    return arn.is_string() ? arn.get<std::string>() : arn.dump();
  }
}

}  // namespace

const Json* value_at(const Json& document, const std::string& key_path) {
  const Json* at = &document;
  std::size_t pos = 0;
  int steps = 0;
  while (pos < key_path.size() && ++steps < 64) {
    if (key_path[pos] == '[') {
      auto close = key_path.find(']', pos);
      if (close == std::string::npos || !at->is_array()) return nullptr;
      std::size_t index = 0;
      auto [p, ec] = std::from_chars(key_path.data() + pos + 1, key_path.data() + close, index);
      if (ec != std::errc{} || index >= at->size()) return nullptr;
      at = &(*at)[index];
      pos = close + 1;
      if (pos < key_path.size() && key_path[pos] == '.') ++pos;
      continue;
    }
    auto end = key_path.find_first_of(".[", pos);
    if (end == std::string::npos) end = key_path.size();
    if (!at->is_object()) return nullptr;
    auto it = at->find(key_path.substr(pos, end - pos));
    if (it == at->end()) return nullptr;
    at = &*it;
    pos = end;
    if (pos < key_path.size() && key_path[pos] == '.') ++pos;
  }
  return pos >= key_path.size() ? at : nullptr;
}

std::vector<FunctionTrigger> function_triggers(const app::AppSpec& app,
                                               const app::FunctionSpec& fn,
                                               const std::vector<platform::TriggerInfo>& started,
                                               const ArnEvaluator& evaluate) {
  std::vector<FunctionTrigger> out;
  for (const auto& t : started)
    if (t.function_key == fn.key) out.push_back({t.type, t.source_arn, t.detail, true});
  for (const auto& q : fn.queue_events)
    if (!q.enabled)
      out.push_back({"sqs", queue_arn_text(q, evaluate),
                     "batchSize " + std::to_string(q.batch_size) + ", disabled", true});
  using Kind = app::NotifyEventSpec::Kind;
  for (const auto& n : fn.notify_events) {
    FunctionTrigger t;
    t.runs = false;
    switch (n.kind) {
      case Kind::Schedule:
        t.type = "schedule";
        t.source = app.document ? schedule_expression(value_at(*app.document, n.key_path)) : "";
        if (!n.rule.empty()) t.detail = "rule " + n.rule;
        break;
      case Kind::EventBridge:
        t.type = "eventBridge";
        t.source = n.pattern.empty() ? "any event" : "pattern " + n.pattern;
        if (!n.rule.empty()) t.detail = "rule " + n.rule;
        break;
      case Kind::Sns:
        t.type = "sns";
        t.source = n.topic.empty() ? "any topic" : "topic " + n.topic;
        break;
      case Kind::S3:
        t.type = "s3";
        t.source = n.bucket.empty() ? "any bucket" : "bucket " + n.bucket;
        break;
    }
    out.push_back(std::move(t));
  }
  return out;
}

Json to_json(const FunctionTrigger& trigger) {
  return Json{{"type", trigger.type},
              {"source", trigger.source},
              {"detail", trigger.detail},
              {"runs", trigger.runs}};
}

std::string function_listing(const app::AppSpec& app, const std::string& gateway_url,
                             const std::vector<platform::TriggerInfo>& started,
                             const ArnEvaluator& evaluate) {
  auto offline = app::offline_settings(app);
  auto padded = [](std::string text, std::size_t width) {  // at least one blank after
    text.resize(std::max(text.size() + 1, width), ' ');
    return text;
  };
  std::string out;
  for (const auto& fn : app.functions) {
    out += "  " + fn.key + " (" + fn.runtime + ", " + fn.handler + ")\n";
    for (const auto& r : fn.routes) {
      // serverless-offline's prefix and noPrependStageInUrl move the paths (app/offline.hpp).
      std::string path = r.kind == app::ApiKind::Rest
                             ? offline.rest_base_path(app.stage) + r.path
                             : offline.url_prefix + (r.path.empty() ? "/*" : r.path);
      out += "    " + padded(r.method, 9) + gateway_url + path +
             (r.kind == app::ApiKind::Rest ? "  (REST API)" : "  (HTTP API)") + "\n";
    }
    auto triggers = function_triggers(app, fn, started, evaluate);
    for (const auto& t : triggers) {
      out += "    " + padded(t.type, 9) + t.source;
      std::string detail = t.detail;
      if (!t.runs)
        detail += std::string(detail.empty() ? "" : "; ") +
                  "not run by serverlite: serverlite invoke " + fn.key + " -e EVENT";
      if (!detail.empty()) out += "  (" + detail + ")";
      out += "\n";
    }
    if (fn.routes.empty() && triggers.empty())
      out += "    (no events: serverlite invoke " + fn.key + ", or the Lambda API's Invoke)\n";
  }
  return out;
}

}  // namespace serverlite
