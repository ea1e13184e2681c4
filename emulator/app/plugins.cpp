#include "emulator/app/plugins.hpp"

#include <set>

#include "emulator/app/lift.hpp"
#include "emulator/app/offline.hpp"
#include "emulator/app/yaml_json.hpp"

namespace serverlite::app {
namespace {

using Json = nlohmann::ordered_json;

const Json* member(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string service_name(const Json& doc) {
  const Json* s = member(doc, "service");
  if (s && s->is_string()) return s->get<std::string>();
  if (s && s->is_object() && member(*s, "name")) return json_scalar_text((*s)["name"]);
  return "service";
}

// A port from serverless.yml: 1..65535, as a number or digits.
template <class J>
std::optional<std::uint16_t> port_at(const J& v, const std::string& label,
                                     const std::string& path) {
  long long n = -1;
  if (v.is_number_integer()) {
    n = v.template get<long long>();
  } else if (v.is_string()) {
    const auto& s = v.template get_ref<const std::string&>();
    if (!s.empty() && s.size() < 6 && s.find_first_not_of("0123456789") == std::string::npos) {
      n = std::stoll(s);
    }
  }
  if (n < 1 || n > 65535) throw ConfigError(label, path, "expected a port number (1..65535)");
  return static_cast<std::uint16_t>(n);
}

template <class J>
const J* find(const J& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

template <class J>
bool lists_plugin(const J& doc, const std::string& name) {
  const J* plugins = find(doc, "plugins");
  if (plugins && plugins->is_object()) plugins = find(*plugins, "modules");
  if (!plugins || !plugins->is_array()) return false;
  for (const auto& p : *plugins) {
    if (p.is_string() && p.template get<std::string>() == name) return true;
  }
  return false;
}

template <class J>
OfflineSettings read_offline(const J& doc, const std::string& label) {
  OfflineSettings out;
  if (!lists_plugin(doc, "serverless-offline")) return out;
  const J* custom = find(doc, "custom");
  const J* offline = custom ? find(*custom, "serverless-offline") : nullptr;
  if (!offline || !offline->is_object()) return out;
  const std::string base = "custom.serverless-offline";
  if (const J* v = find(*offline, "httpPort")) out.http_port = port_at(*v, label, base + ".httpPort");
  if (const J* v = find(*offline, "lambdaPort")) {
    out.lambda_port = port_at(*v, label, base + ".lambdaPort");
  }
  if (const J* v = find(*offline, "prefix"); v && (v->is_string() || v->is_number())) {
    std::string prefix = v->is_string() ? v->template get<std::string>() : v->dump();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
    out.url_prefix = prefix.empty() ? "" : "/" + prefix;
  }
  if (const J* v = find(*offline, "noPrependStageInUrl"); v && v->is_boolean()) {
    out.stage_in_url = !v->template get<bool>();
  }
  return out;
}

Json& ensure_object(Json& parent, const std::string& key) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    parent[key] = Json::object();
    return parent[key];
  }
  return *it;
}

// Lift's queue construct: the queue, its dead-letter queue (14 days' retention) after maxRetries
// receives (default 3), the worker function `{id}Worker` with an SQS trigger (batchSize 1 by
// default, ReportBatchItemFailures), and a visibility timeout of 6 × the worker's timeout plus the
// batching window.
void build_queue(Json& doc, const std::string& id, const Json& def, const std::string& label,
                 const std::string& stage) {
  const std::string at = key_path_child("constructs", id);
  auto int_of = [&](const char* key, long long fallback) -> long long {
    const Json* v = member(def, key);
    if (!v) return fallback;
    if (!v->is_number_integer()) throw ConfigError(label, at + "." + key, "expected an integer");
    return v->get<long long>();
  };
  long long max_retries = int_of("maxRetries", 3);
  long long batch_size = int_of("batchSize", 1);
  long long window = int_of("maxBatchingWindow", 0);
  bool fifo = member(def, "fifo") && def["fifo"].is_boolean() && def["fifo"].get<bool>();

  Json& functions = ensure_object(doc, "functions");
  if (!functions.is_object()) return;  // the loader reports it
  const Json* worker = member(def, "worker");
  std::string worker_key;
  if (worker && worker->is_object()) {
    worker_key = id + "Worker";
    if (functions.contains(worker_key)) {
      throw ConfigError(label, at, "its worker function " + worker_key + " is also declared under functions");
    }
    functions[worker_key] = *worker;
  } else if (worker && worker->is_string() && functions.contains(worker->get<std::string>())) {
    worker_key = worker->get<std::string>();
  } else {
    throw ConfigError(label, at + ".worker", "a queue construct needs a worker function");
  }
  Json& fn = functions[worker_key];
  if (!fn.is_object()) throw ConfigError(label, at + ".worker", "expected a mapping");
  long long timeout = 6;
  if (const Json* t = member(fn, "timeout"); t && t->is_number_integer()) {
    timeout = t->get<long long>();
  } else if (const Json* p = member(doc, "provider")) {
    if (const Json* pt = member(*p, "timeout"); pt && pt->is_number_integer()) {
      timeout = pt->get<long long>();
    }
  }

  Json& resources = ensure_object(ensure_object(doc, "resources"), "Resources");
  if (!resources.is_object()) return;
  const std::string base = service_name(doc) + "-" + stage + "-" + id;
  const std::string queue = lift::queue_id(id), dlq = lift::dlq_id(id);
  if (resources.contains(queue) || resources.contains(dlq)) {
    throw ConfigError(label, at, "resources.Resources already has " + queue + " or " + dlq);
  }
  Json dlq_props = {{"QueueName", fifo ? base + "-dlq.fifo" : base + "-dlq"},
                    {"MessageRetentionPeriod", 14 * 24 * 3600}};
  Json queue_props = {
      {"QueueName", fifo ? base + ".fifo" : base},
      {"VisibilityTimeout", timeout * 6 + window},
      {"RedrivePolicy",
       {{"deadLetterTargetArn", {{"Fn::GetAtt", Json::array({dlq, "Arn"})}}},
        {"maxReceiveCount", max_retries}}}};
  if (fifo) {
    dlq_props["FifoQueue"] = true;
    queue_props["FifoQueue"] = true;
    queue_props["ContentBasedDeduplication"] = true;
  }
  if (const Json* delay = member(def, "delay")) queue_props["DelaySeconds"] = *delay;
  resources[dlq] = {{"Type", "AWS::SQS::Queue"}, {"Properties", dlq_props}};
  resources[queue] = {{"Type", "AWS::SQS::Queue"}, {"Properties", queue_props}};

  Json& events = ensure_object(fn, "events");
  if (events.is_object() && events.empty()) events = Json::array();
  if (!events.is_array()) throw ConfigError(label, key_path_child("functions", worker_key) + ".events", "expected a list");
  events.push_back({{"sqs",
                     {{"arn", {{"Fn::GetAtt", Json::array({queue, "Arn"})}}},
                      {"batchSize", batch_size},
                      {"maximumBatchingWindow", window},
                      {"functionResponseType", "ReportBatchItemFailures"}}}});
}

void apply_lift(Json& doc, AppSpec& app, const std::string& label, const std::string& stage) {
  const Json* constructs = member(doc, "constructs");
  if (!constructs) return;
  if (!constructs->is_object()) throw ConfigError(label, "constructs", "expected a mapping");
  Json defs = *constructs;  // build_queue changes the document
  for (const auto& [id, def] : defs.items()) {
    const std::string at = key_path_child("constructs", id);
    const Json* type = member(def, "type");
    std::string t = type && type->is_string() ? type->get<std::string>() : "";
    if (t == "queue") {
      build_queue(doc, id, def, label, stage);
    } else if (t == "storage") {
      app.warnings.push_back(label + ": " + at + ": serverlite does not serve S3 yet: the bucket " +
                             lift::bucket_name(service_name(doc), stage, id) +
                             " is named but not created");
    } else if (t.empty()) {
      throw ConfigError(label, at + ".type", "every construct needs a type (queue, storage ...)");
    } else {
      app.warnings.push_back(label + ": " + at + ": the " + t +
                             " construct is not emulated by serverlite, ignored");
    }
  }
}

}  // namespace

OfflineSettings offline_settings(const AppSpec& app) {
  if (!app.document) return {};
  try {
    return read_offline(*app.document, app.config_file.filename().string());
  } catch (const ConfigError&) {
    return {};  // load_app reported it
  }
}

std::vector<std::string> plugin_names(const Json& doc) {
  std::vector<std::string> out;
  const Json* plugins = member(doc, "plugins");
  if (plugins && plugins->is_object()) plugins = member(*plugins, "modules");
  if (!plugins || !plugins->is_array()) return out;
  for (const auto& p : *plugins) {
    if (p.is_string()) out.push_back(p.get<std::string>());
  }
  return out;
}

bool has_plugin(const Json& doc, const std::string& name) {
  for (const auto& p : plugin_names(doc)) {
    if (p == name) return true;
  }
  return false;
}

void apply_plugins(Json& doc, AppSpec& app, const std::string& label, const std::string& stage,
                   const std::vector<std::pair<std::string, std::string>>& dotenv) {
  static const std::set<std::string> kBuilds = {"serverless-esbuild", "serverless-plugin-typescript",
                                                "serverless-webpack"};
  static const std::set<std::string> kLater = {"serverless-step-functions",
                                               "serverless-apigateway-service-proxy"};
  std::set<std::string> seen;
  for (const auto& name : plugin_names(doc)) {
    if (!seen.insert(name).second) continue;
    if (name == "serverless-offline") {
      (void)read_offline(doc, label);  // its problems are found now, not at start-up
    } else if (name == "serverless-dotenv-plugin" || name == "serverless-lift" ||
               kBuilds.contains(name)) {
      // Applied below or by the loader.
    } else if (kLater.contains(name)) {
      app.warnings.push_back(label + ": plugins: " + name +
                             " is not emulated yet (a later version of serverlite will); what it "
                             "declares is ignored");
    } else {
      app.warnings.push_back(label + ": plugins: " + name +
                             " is not emulated by serverlite; ignored");
    }
  }
  if (!dotenv.empty() && doc.is_object()) {
    Json& provider = ensure_object(doc, "provider");
    if (provider.is_object()) {
      Json& env = ensure_object(provider, "environment");
      if (env.is_object()) {
        for (const auto& [name, value] : dotenv) env[name] = value;
      }
    }
  }
  apply_lift(doc, app, label, stage);
}

}  // namespace serverlite::app
