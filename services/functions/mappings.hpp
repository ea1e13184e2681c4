// Lambda's event source mappings as the Lambda API shows them (ListEventSourceMappings,
// GetEventSourceMapping), made from the app's `sqs` and `stream` events: one mapping per event,
// with a UUID that stays the same from run to run (it is derived from the service, the function
// and the event's place in serverless.yml). The mappings are serverless.yml's: creating, updating
// or deleting one through the API is refused with a message saying so.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/http/message.hpp"
#include "services/functions/catalog.hpp"

namespace serverlite::functions {

// One event of the app as a mapping: its function, the place it was written and its source's
// ARN evaluated as the running app sees it.
struct MappingSource {
  const app::FunctionSpec* function = nullptr;
  const app::QueueEventSpec* queue = nullptr;    // one of queue and stream is set
  const app::StreamEventSpec* stream = nullptr;
  std::string event_source_arn;
  std::string on_failure_arn;  // a stream event's destinations.onFailure, evaluated; "" if none
};

class EventSourceMappings {
 public:
  // `sources` lists the app's mappings when asked (their ARNs may change with a reset);
  // `function_arn` gives a function's ARN; `last_modified` is epoch seconds.
  EventSourceMappings(const Catalog& catalog, std::function<std::vector<MappingSource>()> sources,
                      std::function<std::string(const app::FunctionSpec&)> function_arn,
                      std::string region, double last_modified);

  // Answers any request under kPathPrefix; errors in Lambda's REST-JSON shape.
  void handle(http::Request request, http::Responder respond) const;

  static constexpr std::string_view kPathPrefix = "/2015-03-31/event-source-mappings";

  // The stable UUID of a mapping: a v4-shaped UUID from the MD5 of `seed`.
  static std::string uuid_for(std::string_view seed);
  // EventSourceMappingConfiguration of one mapping.
  nlohmann::json configuration(const MappingSource& source) const;

 private:
  std::string uuid_of(const MappingSource& source) const;

  const Catalog& catalog_;
  std::function<std::vector<MappingSource>()> sources_;
  std::function<std::string(const app::FunctionSpec&)> function_arn_;
  std::string region_;
  double last_modified_;
};

// A query parameter of a Lambda API request, or empty.
std::string query_param(const http::Request& req, std::string_view name);

// Marker and MaxItems of a Lambda API list (MaxItems 1 to 10,000, else `default_max`), checked
// with Lambda's errors; a Marker past `count`, when given, is invalid.
struct ListPage {
  std::size_t start = 0, max_items = 0;
};
ListPage list_page(const http::Request& req, std::size_t default_max,
                   std::optional<std::size_t> count = std::nullopt);

}  // namespace serverlite::functions
