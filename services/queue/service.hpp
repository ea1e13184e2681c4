// SQS as a serverlite service: the engine, both protocol fronts, AWS::SQS::Queue resources,
// queue triggers (`sqs` function events), and delivery to arn:aws:sqs:… (a SendMessage).
#pragma once

#include <memory>

#include "emulator/platform/service.hpp"

namespace serverlite::queue {

std::unique_ptr<platform::Service> make_service();

}  // namespace serverlite::queue
