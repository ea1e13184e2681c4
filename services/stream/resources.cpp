#include "services/stream/resources.hpp"

#include <nlohmann/json.hpp>

#include "emulator/app/yaml_json.hpp"

namespace serverlite::stream {

using Json = nlohmann::json;

namespace {

// CloudFormation gives numbers as numbers or as strings ("2").
std::optional<std::int64_t> integer_property(const Json& props, const char* name,
                                             const std::string& file, const std::string& key) {
  auto it = props.find(name);
  if (it == props.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    try {
      std::size_t used = 0;
      auto v = std::stoll(it->get<std::string>(), &used);
      if (used == it->get<std::string>().size()) return v;
    } catch (const std::exception&) {
    }
  }
  throw app::ConfigError(file, key + "." + name, "expected an integer, got " + it->dump());
}

}  // namespace

std::string resource_stream_name(const app::AppSpec& app, const app::ResourceSpec& resource,
                                 const Json& properties) {
  if (auto it = properties.find("Name"); it != properties.end() && it->is_string())
    return it->get<std::string>();
  return app::default_physical_name(app, resource);
}

void add_stream_resource_type(app::ResourceTypes& types, const app::AppSpec& app) {
  types.add(std::string(kStreamResourceType),
            [&app](const app::ResourceSpec& r, const Json& props,
                   std::string_view attribute) -> std::optional<Json> {
              std::string name = resource_stream_name(app, r, props);
              if (attribute.empty()) return name;
              if (attribute == "Arn")
                return "arn:aws:kinesis:" + app.region + ":" + std::string(app::kAccountId) +
                       ":stream/" + name;
              return std::nullopt;
            });
}

void create_resource_streams(const app::AppSpec& app, const app::ResourceTypes& types,
                             StreamEngine& engine) {
  const std::string file = app.config_file.filename().string();
  for (const auto& r : app.resources) {
    if (r.type != kStreamResourceType) continue;
    const std::string key = r.key_path + ".Properties";
    Json props = app::evaluate_intrinsics(app::resource_properties(app, r), key, app, types);
    CreateStreamRequest req;
    req.name = resource_stream_name(app, r, props);
    auto retention = integer_property(props, "RetentionPeriodHours", file, key);
    if (auto it = props.find("StreamModeDetails"); it != props.end() && it->is_object()) {
      std::string mode = it->value("StreamMode", "PROVISIONED");
      if (mode == "ON_DEMAND") req.mode = StreamMode::OnDemand;
      else if (mode == "PROVISIONED") req.mode = StreamMode::Provisioned;
      else
        throw app::ConfigError(file, key + ".StreamModeDetails.StreamMode",
                               "expected PROVISIONED or ON_DEMAND, got " + mode);
    }
    if (req.mode != StreamMode::OnDemand)
      req.shard_count = integer_property(props, "ShardCount", file, key).value_or(1);
    if (auto it = props.find("Tags"); it != props.end() && it->is_array())
      for (const auto& tag : *it)
        if (tag.is_object() && tag.contains("Key"))
          req.tags[app::json_scalar_text(tag["Key"])] =
              app::json_scalar_text(tag.value("Value", Json("")));

    if (!engine.stream_exists(req.name)) {
      auto created = engine.create_stream(req);
      if (!created) throw app::ConfigError(file, key, created.error().message);
    }
    if (retention) {
      auto current = engine.describe_stream_summary({req.name});
      if (current && current->retention_period_hours != *retention) {
        RetentionRequest change{req.name, *retention};
        auto changed = *retention > current->retention_period_hours
                           ? engine.increase_retention_period(change)
                           : engine.decrease_retention_period(change);
        if (!changed)
          throw app::ConfigError(file, key + ".RetentionPeriodHours", changed.error().message);
      }
    }
  }
}

}  // namespace serverlite::stream
