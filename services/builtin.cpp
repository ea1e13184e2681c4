// The services serverlite serves: one line each. They open in this order: tables first, since a
// function's environment or another resource may name a table's stream (Fn::GetAtt StreamArn),
// which exists once the table does.
#include "emulator/platform/service.hpp"
#include "services/functions/service.hpp"
#include "services/gateway/service.hpp"
#include "services/queue/service.hpp"
#include "services/stream/service.hpp"
#include "services/table/service.hpp"

namespace serverlite {

platform::ServiceList builtin_services() {
  platform::ServiceList services;
  services.push_back(table::make_service());
  services.push_back(queue::make_service());
  services.push_back(stream::make_service());
  services.push_back(functions::make_service());
  services.push_back(gateway::make_service());
  return services;
}

}  // namespace serverlite
