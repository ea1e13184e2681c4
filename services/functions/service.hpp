// The Lambda API as a serverlite service: the app's functions (names, ARNs, configuration, their
// triggers and warm workers), and delivery to arn:aws:lambda:…:function:NAME (an asynchronous
// invoke).
#pragma once

#include <memory>

#include "emulator/platform/service.hpp"

namespace serverlite::functions {

std::unique_ptr<platform::Service> make_service();

}  // namespace serverlite::functions
