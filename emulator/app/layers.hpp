// Lambda layers of serverless.yml: the app's own (`layers:` with a `path:`) and the functions
// that use them (`layers:` of a function or of the provider). Private to emulator/app.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app::layers {

// The CloudFormation logical id the Serverless Framework gives the layer with this key:
// "-" becomes "Dash", "_" becomes "Underscore", the first letter is capitalised, and
// "LambdaLayer" follows ("my-deps" → "MyDashdepsLambdaLayer").
std::string logical_id(std::string_view key);

// Reads top-level `layers:` into app.layers. Throws ConfigError (file `label`).
void read_layers(AppSpec& app, const nlohmann::ordered_json& doc, const std::string& label);

// The layer directories of `fn`: from `fn_layers` (the function's `layers:`, may be null), else
// from `provider_layers` (provider.layers, may be null). A layer ARN from outside the app gets a
// warning naming it (once) and is left out. Throws ConfigError for a reference to no layer.
void read_function_layers(AppSpec& app, FunctionSpec& fn, const nlohmann::ordered_json* fn_layers,
                          const nlohmann::ordered_json* provider_layers, const std::string& path,
                          const std::string& label);

}  // namespace serverlite::app::layers
