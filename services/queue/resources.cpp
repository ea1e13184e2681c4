#include "services/queue/resources.hpp"

#include <nlohmann/json.hpp>

#include "emulator/app/yaml_json.hpp"

namespace serverlite::queue {

using Json = nlohmann::json;

namespace {

bool truthy(const Json& v) {
  return (v.is_boolean() && v.get<bool>()) || (v.is_string() && v.get<std::string>() == "true");
}

// CloudFormation property → SQS attribute, for those that are plain values.
constexpr const char* kPlainAttributes[] = {
    "DelaySeconds",          "MaximumMessageSize", "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "FifoQueue",
    "ContentBasedDeduplication",     "DeduplicationScope", "FifoThroughputLimit",
};

std::string attribute_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() || v.is_array()) return v.dump();  // RedrivePolicy given as an object
  return app::json_scalar_text(v);
}

}  // namespace

std::string resource_queue_name(const app::AppSpec& app, const app::ResourceSpec& resource,
                                const Json& properties) {
  if (auto it = properties.find("QueueName"); it != properties.end() && it->is_string())
    return it->get<std::string>();
  std::string name = app::default_physical_name(app, resource);
  if (auto it = properties.find("FifoQueue"); it != properties.end() && truthy(*it))
    name += ".fifo";
  return name;
}

void add_queue_resource_type(app::ResourceTypes& types, const app::AppSpec& app,
                             std::string endpoint_url) {
  types.add(std::string(kQueueResourceType),
            [&app, endpoint_url](const app::ResourceSpec& r, const Json& props,
                                 std::string_view attribute) -> std::optional<Json> {
              std::string name = resource_queue_name(app, r, props);
              std::string url = endpoint_url + "/" + std::string(app::kAccountId) + "/" + name;
              if (attribute.empty() || attribute == "QueueUrl") return url;
              if (attribute == "Arn")
                return "arn:aws:sqs:" + app.region + ":" + std::string(app::kAccountId) + ":" +
                       name;
              if (attribute == "QueueName") return name;
              return std::nullopt;
            });
}

void create_resource_queues(const app::AppSpec& app, const app::ResourceTypes& types,
                            QueueEngine& engine) {
  const std::string file = app.config_file.filename().string();
  struct Pending {
    std::string queue;
    std::string key_path;
    QueueAttributes redrive;
  };
  std::vector<Pending> redrives;

  for (const auto& r : app.resources) {
    if (r.type != kQueueResourceType) continue;
    Json props = app::evaluate_intrinsics(app::resource_properties(app, r),
                                          r.key_path + ".Properties", app, types);
    CreateQueueRequest req;
    req.queue_name = resource_queue_name(app, r, props);
    for (const char* name : kPlainAttributes)
      if (auto it = props.find(name); it != props.end() && !it->is_null())
        req.attributes[name] = attribute_text(*it);
    QueueAttributes redrive;
    for (const char* name : {"RedrivePolicy", "RedriveAllowPolicy"})
      if (auto it = props.find(name); it != props.end() && !it->is_null())
        redrive[name] = attribute_text(*it);
    if (auto it = props.find("Tags"); it != props.end() && it->is_array())
      for (const auto& tag : *it)
        if (tag.is_object() && tag.contains("Key"))
          req.tags[attribute_text(tag["Key"])] = attribute_text(tag.value("Value", Json("")));

    auto created = engine.create_queue(req);
    if (!created && created.error().code == ErrorCode::QueueAlreadyExists) {
      // Kept from an earlier run with other attributes: the file is the truth.
      auto updated = engine.set_queue_attributes({req.queue_name, req.attributes});
      if (!updated) throw app::ConfigError(file, r.key_path + ".Properties", updated.error().message);
      if (!req.tags.empty()) engine.tag_queue({req.queue_name, req.tags});
    } else if (!created) {
      throw app::ConfigError(file, r.key_path + ".Properties", created.error().message);
    }
    if (!redrive.empty()) redrives.push_back({req.queue_name, r.key_path, redrive});
  }
  for (const auto& p : redrives) {
    auto set = engine.set_queue_attributes({p.queue, p.redrive});
    if (!set) throw app::ConfigError(file, p.key_path + ".Properties.RedrivePolicy",
                                     set.error().message);
  }
}

}  // namespace serverlite::queue
