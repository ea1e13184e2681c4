// serverless-offline's settings (custom.serverless-offline, when the plugin is listed), as
// serverlite uses them: httpPort → the gateway's port and lambdaPort → the AWS endpoint's port
// (Lambda's Invoke API is served there), each unless the command line gives one; `prefix` comes
// before every route's path, and `noPrependStageInUrl` serves REST routes without /{stage}.
// Other keys of serverless-offline (host, timeouts, worker and Docker settings ...) are ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app {

struct OfflineSettings {
  std::optional<std::uint16_t> http_port;
  std::optional<std::uint16_t> lambda_port;
  std::string url_prefix;  // "" or "/prefix"
  bool stage_in_url = true;
  // Where REST (`http`) routes are served: url_prefix + "/{stage}", or url_prefix alone.
  std::string rest_base_path(const std::string& stage) const {
    return url_prefix + (stage_in_url ? "/" + stage : "");
  }
};

// The settings of the loaded app (its document); defaults when the plugin is not listed. The
// loader has checked them (a bad port is a ConfigError there).
OfflineSettings offline_settings(const AppSpec& app);

}  // namespace serverlite::app
