// Kinesis as a serverlite service: the engine, the JSON/CBOR front, AWS::Kinesis::Stream
// resources, stream triggers of `stream` events of type kinesis, and delivery to
// arn:aws:kinesis:…:stream/NAME (a PutRecord).
#pragma once

#include <memory>

#include "emulator/platform/service.hpp"

namespace serverlite::stream {

std::unique_ptr<platform::Service> make_service();

}  // namespace serverlite::stream
