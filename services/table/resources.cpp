#include "services/table/resources.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "emulator/app/yaml_json.hpp"
#include "emulator/aws/api_error.hpp"
#include "services/table/api.hpp"

namespace serverlite::table {

using Json = nlohmann::json;

namespace {

std::int64_t integer(const Json& v, const std::string& file, const std::string& key) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) {
    try {
      std::size_t used = 0;
      auto n = std::stoll(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size()) return n;
    } catch (const std::exception&) {
    }
  }
  throw app::ConfigError(file, key, "expected an integer, got " + v.dump());
}

ValueType key_type(const std::string& text, const std::string& file, const std::string& key) {
  if (text == "S") return ValueType::S;
  if (text == "N") return ValueType::N;
  if (text == "B") return ValueType::B;
  throw app::ConfigError(file, key, "AttributeType must be S, N or B, got " + text);
}

// A table kept in --state follows the file's stream and global secondary indexes: a stream
// turned on, off or to another view type (a new stream, as on AWS), GSIs added (backfilled) or
// removed. Local secondary indexes cannot change after creation, on AWS as here.
void sync_kept_table(TableEngine& engine, const CreateTableRequest& want, const TableInfo& have,
                     const std::string& file, const std::string& key) {
  auto update = [&](UpdateTableRequest u) {
    u.name = want.name;
    u.immediate = true;
    auto r = engine.update_table(u);
    if (!r) throw app::ConfigError(file, key, r.error().message);
  };
  bool want_stream = want.stream && want.stream->enabled;
  std::string have_view = have.stream ? have.stream->view_type : "";
  if (have.stream && (!want_stream || want.stream->view_type != have_view)) {
    UpdateTableRequest u;
    u.stream = StreamSpecification{false, ""};
    update(u);
  }
  if (want_stream && (!have.stream || want.stream->view_type != have_view)) {
    UpdateTableRequest u;
    u.stream = want.stream;
    update(u);
  }
  auto named = [](const std::vector<IndexInfo>& v, const std::string& name) {
    return std::find_if(v.begin(), v.end(), [&](const IndexInfo& x) { return x.name == name; }) !=
           v.end();
  };
  for (const auto& x : have.indexes)
    if (x.global && !named(want.indexes, x.name)) {
      UpdateTableRequest u;
      u.index_updates.push_back({IndexUpdate::Action::Delete, x});
      update(u);
    }
  for (const auto& x : want.indexes)
    if (x.global && !named(have.indexes, x.name)) {
      UpdateTableRequest u;
      u.index_updates.push_back({IndexUpdate::Action::Create, x});
      u.attribute_definitions = want.attribute_definitions;
      update(u);
    }
}

// TimeToLiveSpecification {AttributeName, Enabled}: the table follows it, kept or new.
void apply_ttl(TableEngine& engine, const std::string& table, const Json& props,
               const std::string& file, const std::string& key) {
  std::string want;
  if (auto it = props.find("TimeToLiveSpecification"); it != props.end() && it->is_object()) {
    const Json& spec = *it;
    bool enabled = spec.contains("Enabled") &&
                   (spec["Enabled"].is_boolean() ? spec["Enabled"].get<bool>()
                                                 : spec["Enabled"] == "true");
    if (enabled) {
      want = app::json_scalar_text(spec.value("AttributeName", Json("")));
      if (want.empty())
        throw app::ConfigError(file, key + ".TimeToLiveSpecification.AttributeName",
                               "required when Enabled is true");
    }
  }
  auto have = engine.describe_ttl(table);
  if (!have || *have == want) return;
  if (!have->empty()) {
    auto off = engine.update_ttl(table, false, *have);
    if (!off) throw app::ConfigError(file, key, off.error().message);
  }
  if (!want.empty()) {
    auto on = engine.update_ttl(table, true, want);
    if (!on) throw app::ConfigError(file, key, on.error().message);
  }
}

}  // namespace

std::string resource_table_name(const app::AppSpec& app, const app::ResourceSpec& resource,
                                const Json& properties) {
  if (auto it = properties.find("TableName"); it != properties.end() && it->is_string())
    return it->get<std::string>();
  return app::default_physical_name(app, resource);
}

void add_table_resource_type(app::ResourceTypes& types, const app::AppSpec& app,
                             StreamArnLookup stream_arn) {
  types.add(std::string(kTableResourceType),
            [&app, stream_arn](const app::ResourceSpec& r, const Json& props,
                               std::string_view attribute) -> std::optional<Json> {
              std::string name = resource_table_name(app, r, props);
              if (attribute.empty()) return name;
              std::string arn =
                  "arn:aws:dynamodb:" + app.region + ":" + std::string(app::kAccountId) +
                  ":table/" + name;
              if (attribute == "Arn") return arn;
              if (attribute == "StreamArn") {
                if (stream_arn)
                  if (auto current = stream_arn(name)) return *current;
                return arn + "/stream/*";
              }
              return std::nullopt;
            });
}

std::vector<std::string> create_resource_tables(const app::AppSpec& app,
                                                const app::ResourceTypes& types,
                                                TableEngine& engine) {
  // The properties read below; any other is reported once and ignored.
  static const std::set<std::string, std::less<>> kApplied = {
      "TableName", "KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput",
      "Tags", "DeletionProtectionEnabled", "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
      "StreamSpecification", "TimeToLiveSpecification"};
  const std::string file = app.config_file.filename().string();
  std::vector<std::string> warnings;
  for (const auto& r : app.resources) {
    if (r.type != kTableResourceType) continue;
    const std::string key = r.key_path + ".Properties";
    Json props = app::evaluate_intrinsics(app::resource_properties(app, r), key, app, types);
    for (const auto& [name, _] : props.items())
      if (!kApplied.contains(name))
        warnings.push_back(file + ": " + key + "." + name + ": not supported yet, ignored");
    CreateTableRequest req;
    req.name = resource_table_name(app, r, props);

    std::map<std::string, ValueType> defined;
    const Json defs = props.value("AttributeDefinitions", Json::array());
    for (std::size_t i = 0; i < defs.size(); ++i) {
      std::string at = key + ".AttributeDefinitions[" + std::to_string(i) + "]";
      if (!defs[i].is_object() || !defs[i].contains("AttributeName"))
        throw app::ConfigError(file, at, "expected {AttributeName, AttributeType}");
      std::string name = app::json_scalar_text(defs[i]["AttributeName"]);
      ValueType type = key_type(app::json_scalar_text(defs[i].value("AttributeType", Json(""))),
                                file, at + ".AttributeType");
      req.attribute_definitions.emplace_back(name, type);
      defined[name] = type;
    }
    const Json keys = props.value("KeySchema", Json::array());
    if (!keys.is_array() || keys.empty() || keys.size() > 2)
      throw app::ConfigError(file, key + ".KeySchema", "expected one HASH and at most one RANGE key");
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::string at = key + ".KeySchema[" + std::to_string(i) + "]";
      std::string name = app::json_scalar_text(keys[i].value("AttributeName", Json("")));
      std::string type = app::json_scalar_text(keys[i].value("KeyType", Json("")));
      if (!defined.contains(name))
        throw app::ConfigError(file, at, "key attribute " + name + " is not in AttributeDefinitions");
      if (type != (i == 0 ? "HASH" : "RANGE"))
        throw app::ConfigError(file, at + ".KeyType",
                               std::string("expected ") + (i == 0 ? "HASH" : "RANGE"));
      if (i == 0) req.key.hash = {name, defined[name]};
      else req.key.range = KeyElement{name, defined[name]};
    }
    std::string billing = app::json_scalar_text(props.value("BillingMode", Json("PROVISIONED")));
    if (billing == "PAY_PER_REQUEST") {
      req.billing = BillingMode::PayPerRequest;
    } else if (billing == "PROVISIONED") {
      Json t = props.value("ProvisionedThroughput", Json::object());
      if (!t.contains("ReadCapacityUnits") || !t.contains("WriteCapacityUnits"))
        throw app::ConfigError(file, key + ".ProvisionedThroughput",
                               "ReadCapacityUnits and WriteCapacityUnits are required when "
                               "BillingMode is PROVISIONED");
      req.throughput = Throughput{
          integer(t["ReadCapacityUnits"], file, key + ".ProvisionedThroughput.ReadCapacityUnits"),
          integer(t["WriteCapacityUnits"], file,
                  key + ".ProvisionedThroughput.WriteCapacityUnits")};
    } else {
      throw app::ConfigError(file, key + ".BillingMode",
                             "expected PROVISIONED or PAY_PER_REQUEST, got " + billing);
    }
    if (auto it = props.find("Tags"); it != props.end() && it->is_array())
      for (const auto& tag : *it)
        if (tag.is_object() && tag.contains("Key"))
          req.tags.emplace_back(app::json_scalar_text(tag["Key"]),
                                app::json_scalar_text(tag.value("Value", Json(""))));
    if (auto it = props.find("DeletionProtectionEnabled"); it != props.end())
      req.deletion_protection = it->is_boolean() ? it->get<bool>() : *it == "true";
    try {
      // CloudFormation's StreamSpecification has only StreamViewType: present means enabled.
      Json stream_props = Json::object();
      if (auto it = props.find("StreamSpecification"); it != props.end() && it->is_object()) {
        stream_props["StreamSpecification"] = *it;
        if (!it->contains("StreamEnabled"))
          stream_props["StreamSpecification"]["StreamEnabled"] = true;
      }
      req.stream = decode_stream_specification(stream_props);
      req.indexes = decode_indexes(props, req.attribute_definitions, req.key);
    } catch (const aws::ApiError& e) {
      throw app::ConfigError(file, key, e.message());
    }

    if (engine.table_exists(req.name)) {
      UpdateTableRequest update{req.name, req.billing, req.throughput, req.deletion_protection};
      auto current = engine.describe_table(req.name);
      bool same = current && current->billing == req.billing &&
                  (!req.throughput || (current->throughput.read == req.throughput->read &&
                                       current->throughput.write == req.throughput->write)) &&
                  current->deletion_protection == req.deletion_protection;
      update.immediate = true;
      if (!same) {
        auto updated = engine.update_table(update);
        if (!updated) throw app::ConfigError(file, key, updated.error().message);
      }
      sync_kept_table(engine, req, *current, file, key);
      apply_ttl(engine, req.name, props, file, key);
      continue;
    }
    req.immediate = true;
    auto created = engine.create_table(req);
    if (!created) throw app::ConfigError(file, key, created.error().message);
    apply_ttl(engine, req.name, props, file, key);
  }
  return warnings;
}

}  // namespace serverlite::table
