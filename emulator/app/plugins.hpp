// The `plugins:` of serverless.yml, applied to the resolved document before it is read.
//
// Honoured: serverless-offline (custom.serverless-offline: httpPort, lambdaPort, prefix,
// noPrependStageInUrl → AppSpec), serverless-dotenv-plugin (load_app puts its variables into
// provider.environment), serverless-lift (the `queue` construct becomes an SQS queue, its dead-letter
// queue and a worker function with an SQS trigger, as Lift deploys them; `storage` names a bucket,
// which serverlite does not serve yet). Recognised, since serverlite builds TypeScript itself:
// serverless-esbuild, serverless-plugin-typescript, serverless-webpack. serverless-step-functions
// and serverless-apigateway-service-proxy get a warning that they come later; any other plugin one
// warning that it is ignored.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app {

// The plugin names as written (`plugins: [...]` or `plugins: {modules: [...]}`); non-strings are
// left out.
std::vector<std::string> plugin_names(const nlohmann::ordered_json& document);

bool has_plugin(const nlohmann::ordered_json& document, const std::string& name);

// Applies the plugins to `document` (adds Lift's resources and functions) and `app` (offline's
// settings, warnings). `dotenv` is what serverless-dotenv-plugin loaded, put into
// provider.environment. Throws ConfigError for constructs it cannot build.
void apply_plugins(nlohmann::ordered_json& document, AppSpec& app, const std::string& label,
                   const std::string& stage,
                   const std::vector<std::pair<std::string, std::string>>& dotenv);

}  // namespace serverlite::app
