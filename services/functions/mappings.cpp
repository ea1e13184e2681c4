#include "services/functions/mappings.hpp"

#include <charconv>

#include "emulator/aws/api_error.hpp"
#include "emulator/md5.hpp"

namespace serverlite::functions {

using aws::ApiError;
using Json = nlohmann::json;

namespace {

const char* starting_position(app::StreamEventSpec::Start start) {
  switch (start) {
    case app::StreamEventSpec::Start::TrimHorizon: return "TRIM_HORIZON";
    case app::StreamEventSpec::Start::Latest: return "LATEST";
    case app::StreamEventSpec::Start::AtTimestamp: return "AT_TIMESTAMP";
  }
  return "TRIM_HORIZON";
}

Json filter_criteria(const std::vector<std::string>& patterns) {
  Json filters = Json::array();
  for (const auto& p : patterns) filters.push_back({{"Pattern", p}});
  return {{"Filters", filters}};
}

Json response_types(bool report_batch_item_failures) {
  Json types = Json::array();
  if (report_batch_item_failures) types.push_back("ReportBatchItemFailures");
  return types;
}

}  // namespace

EventSourceMappings::EventSourceMappings(
    const Catalog& catalog, std::function<std::vector<MappingSource>()> sources,
    std::function<std::string(const app::FunctionSpec&)> function_arn, std::string region,
    double last_modified)
    : catalog_(catalog), sources_(std::move(sources)), function_arn_(std::move(function_arn)),
      region_(std::move(region)), last_modified_(last_modified) {}

std::string EventSourceMappings::uuid_for(std::string_view seed) {
  Md5 digest = md5(seed);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x40);  // version 4
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

std::string EventSourceMappings::uuid_of(const MappingSource& source) const {
  const std::string& key_path = source.queue ? source.queue->key_path : source.stream->key_path;
  return uuid_for(catalog_.app().service + "/" + region_ + "/" + key_path);
}

Json EventSourceMappings::configuration(const MappingSource& source) const {
  std::string uuid = uuid_of(source);
  Json c = {{"UUID", uuid}};
  if (const auto* q = source.queue) {
    c["BatchSize"] = q->batch_size;
    c["MaximumBatchingWindowInSeconds"] = q->maximum_batching_window_seconds;
    c["EventSourceArn"] = source.event_source_arn;
    if (!q->filter_patterns.empty()) c["FilterCriteria"] = filter_criteria(q->filter_patterns);
    c["FunctionArn"] = function_arn_(*source.function);
    c["LastModified"] = last_modified_;
    c["State"] = q->enabled ? "Enabled" : "Disabled";
    c["StateTransitionReason"] = "USER_INITIATED";
    c["FunctionResponseTypes"] = response_types(q->report_batch_item_failures);
  } else {
    const auto& s = *source.stream;
    c["StartingPosition"] = starting_position(s.starting_position);
    if (s.starting_position == app::StreamEventSpec::Start::AtTimestamp)
      c["StartingPositionTimestamp"] = static_cast<double>(s.starting_position_timestamp_ms) / 1000;
    c["BatchSize"] = s.batch_size;
    c["MaximumBatchingWindowInSeconds"] = s.maximum_batching_window_seconds;
    c["ParallelizationFactor"] = s.parallelization_factor;
    c["EventSourceArn"] = source.event_source_arn;
    if (!s.filter_patterns.empty()) c["FilterCriteria"] = filter_criteria(s.filter_patterns);
    c["FunctionArn"] = function_arn_(*source.function);
    c["LastModified"] = last_modified_;
    c["LastProcessingResult"] = "No records processed";
    c["State"] = s.enabled ? "Enabled" : "Disabled";
    c["StateTransitionReason"] = "User action";
    Json on_failure = Json::object();
    if (!source.on_failure_arn.empty()) on_failure["Destination"] = source.on_failure_arn;
    c["DestinationConfig"] = {{"OnFailure", on_failure}};
    c["MaximumRecordAgeInSeconds"] = s.maximum_record_age_seconds;
    c["BisectBatchOnFunctionError"] = s.bisect_batch_on_function_error;
    c["MaximumRetryAttempts"] = s.maximum_retry_attempts;
    c["TumblingWindowInSeconds"] = 0;
    c["FunctionResponseTypes"] = response_types(s.report_batch_item_failures);
  }
  c["EventSourceMappingArn"] = "arn:aws:lambda:" + region_ + ":" + std::string(app::kAccountId) +
                               ":event-source-mapping:" + uuid;
  return c;
}

void EventSourceMappings::handle(http::Request request, http::Responder respond) const {
  try {
    std::string_view rest = request.path().substr(kPathPrefix.size());
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (request.method != "GET") {
      const char* operation = request.method == "POST"     ? "CreateEventSourceMapping"
                              : request.method == "PUT"    ? "UpdateEventSourceMapping"
                              : request.method == "DELETE" ? "DeleteEventSourceMapping"
                                                           : nullptr;
      if (!operation)
        throw ApiError(404, "UnknownOperationException",
                       "serverlite does not implement " + request.method + " " +
                           std::string(request.path()));
      throw ApiError(400, "InvalidParameterValueException",
                     std::string(operation) +
                         ": serverlite's event source mappings are the sqs and stream events of "
                         "serverless.yml; change them there");
    }
    auto sources = sources_();
    if (!rest.empty()) {  // GetEventSourceMapping
      for (const auto& source : sources)
        if (uuid_of(source) == rest)
          return respond(http::Response::json(200, configuration(source).dump()));
      throw ApiError(404, "ResourceNotFoundException", "The resource you requested does not exist.");
    }
    // ListEventSourceMappings: FunctionName and EventSourceArn narrow it; Marker and MaxItems page.
    const app::FunctionSpec* only_function = nullptr;
    bool no_function = false;
    if (auto name = query_param(request, "FunctionName"); !name.empty()) {
      auto resolution = catalog_.resolve(name);
      if (auto* fn = std::get_if<const app::FunctionSpec*>(&resolution)) only_function = *fn;
      else if (auto* invalid = std::get_if<InvalidName>(&resolution))
        throw ApiError(400, "ValidationException", invalid->message);
      else no_function = true;
    }
    std::string only_arn = query_param(request, "EventSourceArn");
    auto [start, max_items] = list_page(request, 100);
    std::vector<const MappingSource*> matching;
    for (const auto& source : sources) {
      if (no_function || (only_function && source.function != only_function)) continue;
      if (!only_arn.empty() && source.event_source_arn != only_arn) continue;
      matching.push_back(&source);
    }
    if (start > matching.size())
      throw ApiError(400, "InvalidParameterValueException",
                     "Invalid marker: " + std::to_string(start));
    Json list = Json::array();
    std::size_t end = std::min(matching.size(), start + max_items);
    for (std::size_t i = start; i < end; ++i) list.push_back(configuration(*matching[i]));
    Json body = {{"EventSourceMappings", list}};
    if (end < matching.size()) body["NextMarker"] = std::to_string(end);
    respond(http::Response::json(200, body.dump()));
  } catch (const ApiError& e) {
    respond(aws::render_rest_json_error(e));
  }
}

std::string query_param(const http::Request& req, std::string_view name) {
  for (auto& [k, v] : http::parse_query(req.query()))
    if (k == name) return v;
  return {};
}

ListPage list_page(const http::Request& req, std::size_t default_max,
                   std::optional<std::size_t> count) {
  ListPage page{0, default_max};
  if (auto marker = query_param(req, "Marker"); !marker.empty()) {
    auto [p, ec] = std::from_chars(marker.data(), marker.data() + marker.size(), page.start);
    if (ec != std::errc{} || p != marker.data() + marker.size() || (count && page.start > *count))
      throw ApiError(400, "InvalidParameterValueException", "Invalid marker: " + marker);
  }
  if (auto max = query_param(req, "MaxItems"); !max.empty()) {
    auto [p, ec] = std::from_chars(max.data(), max.data() + max.size(), page.max_items);
    if (ec != std::errc{} || p != max.data() + max.size() || page.max_items < 1 ||
        page.max_items > 10000)
      throw ApiError(400, "ValidationException",
                     "1 validation error detected: Value '" + max +
                         "' at 'maxItems' failed to satisfy constraint: Member must have value "
                         "less than or equal to 10000");
  }
  return page;
}

}  // namespace serverlite::functions
