// CloudFormation's intrinsic functions, evaluated locally: Ref, Fn::GetAtt, Fn::Sub, Fn::Join and
// Fn::Select, over the app's `resources.Resources` and CloudFormation's pseudo parameters.
//
// What a resource answers to Ref and Fn::GetAtt depends on its type and on the running emulator
// (a queue's URL names serverlite's port), so each service registers a resolver for the types it
// emulates; evaluation happens at start-up, after the listeners are bound.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app {

// A resource's answer to `Ref` (attribute "") or `Fn::GetAtt [Id, attribute]`; nullopt when the
// type has no such attribute. `properties` is the resource's Properties ({} when none).
using AttributeResolver = std::function<std::optional<nlohmann::json>(
    const ResourceSpec& resource, const nlohmann::json& properties, std::string_view attribute)>;

class ResourceTypes {
 public:
  void add(std::string type, AttributeResolver resolve);
  const AttributeResolver* find(std::string_view type) const;

 private:
  std::map<std::string, AttributeResolver, std::less<>> types_;
};

// Thrown when a value refers to a resource whose type serverlite does not emulate (yet); callers
// may warn and go on without the value. Other problems are plain ConfigErrors.
class UnsupportedResource : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

// Evaluates every intrinsic function inside `value`. `key_path` names where `value` sits in the
// file, for messages. Throws ConfigError (unknown resource or attribute, malformed function) or
// UnsupportedResource.
nlohmann::json evaluate_intrinsics(const nlohmann::json& value, const std::string& key_path,
                                   const AppSpec& app, const ResourceTypes& types);

// Evaluates every function's environment_intrinsics into its environment (clearing them).
// A value that needs an unemulated resource is left out; the returned warnings say which.
std::vector<std::string> resolve_environment(AppSpec& app, const ResourceTypes& types);

// One warning per resource whose type no service emulates.
std::vector<std::string> unsupported_resources(const AppSpec& app, const ResourceTypes& types);

// The Properties of a resource ({} when it has none).
nlohmann::json resource_properties(const AppSpec& app, const ResourceSpec& resource);

// The name CloudFormation gives a resource whose properties name none: "{service}-{stage}-{Id}".
// (CloudFormation adds a random suffix; locally the name stays stable across runs.)
std::string default_physical_name(const AppSpec& app, const ResourceSpec& resource);

}  // namespace serverlite::app
