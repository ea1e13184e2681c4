// API Gateway as a serverlite service: it serves the gateway listener (REST and HTTP APIs of
// the app's `http` and `httpApi` events) and runs functions through the invoker.
#pragma once

#include <memory>

#include "emulator/platform/service.hpp"

namespace serverlite::gateway {

std::unique_ptr<platform::Service> make_service();

}  // namespace serverlite::gateway
