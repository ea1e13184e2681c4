// DynamoDB as a serverlite service: the table engine, the JSON front and the Streams API,
// AWS::DynamoDB::Table resources, stream triggers of table streams, the TTL sweep and the
// stream log's trim.
#pragma once

#include <memory>

#include "emulator/platform/service.hpp"

namespace serverlite::table {

std::unique_ptr<platform::Service> make_service();

}  // namespace serverlite::table
