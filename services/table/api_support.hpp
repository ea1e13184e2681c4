// What the DynamoDB protocol front's source files share (api.cpp, partiql_api.cpp): DynamoDB's
// error shapes at the boundary and required-member checks. Internal to services/table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/table/api.hpp"
#include "services/table/model.hpp"

namespace serverlite::table::front {

using aws::ApiError;

constexpr std::string_view kValidationType = "com.amazon.coral.validate#ValidationException";

inline ApiError validation(std::string message) {
  return ApiError(400, std::string(kValidationType), std::move(message));
}

inline ApiError to_api_error(const Error& e) {
  // A value of the wrong JSON shape is the request decoder's error in DynamoDB.
  if (e.code == ErrorCode::Validation && is_serialization_error(e.message))
    return ApiError(400, std::string(aws::kSerializationException), e.message);
  return ApiError(error_http_status(e.code), std::string(error_type(e.code)), e.message);
}

// A ConditionalCheckFailedException that may carry the item (ReturnValuesOnConditionCheckFailure).
struct ConditionFailed {
  std::string message;
  std::optional<Json> item;
};

// A TransactionCanceledException, which carries its CancellationReasons.
struct Cancelled {
  Error error;
};

template <class T>
T& unwrap(Result<T>& r) {
  if (!r) {
    if (r.error().code == ErrorCode::ConditionalCheckFailed)
      throw ConditionFailed{r.error().message, r.error().item};
    if (r.error().code == ErrorCode::TransactionCanceled) throw Cancelled{r.error()};
    throw to_api_error(r.error());
  }
  return r.value();
}

// DynamoDB's wording for a required member left out.
inline std::string required(const Json& body, std::string_view name) {
  auto v = aws::optional_string(body, name);
  if (!v)
    throw validation("The parameter '" + std::string(name) +
                     "' is required but was not present in the request");
  return *v;
}

inline const Json& required_object(const Json& body, std::string_view name) {
  const Json* v = aws::optional_object(body, name);
  if (!v)
    throw validation("1 validation error detected: Value null at '" +
                     std::string(1, static_cast<char>(std::tolower(name[0]))) +
                     std::string(name.substr(1)) + "' failed to satisfy constraint: Member must "
                     "not be null");
  return *v;
}

// A required list member of 1 to `max` entries, with DynamoDB's messages
// ("1 validation error detected: Value null at 'transactItems' ...").
inline const Json& bounded_list(const Json& body, std::string_view name, std::size_t max) {
  std::string at = std::string(1, static_cast<char>(std::tolower(name[0]))) +
                   std::string(name.substr(1));
  const Json* list = aws::optional_array(body, name);
  if (!list)
    throw validation("1 validation error detected: Value null at '" + at +
                     "' failed to satisfy constraint: Member must not be null");
  if (list->empty() || list->size() > max)
    throw validation("1 validation error detected: Value '[...]' at '" + at +
                     "' failed to satisfy constraint: Member must have length " +
                     (list->empty() ? std::string("greater than or equal to 1")
                                    : "less than or equal to " + std::to_string(max)));
  return *list;
}

}  // namespace serverlite::table::front

namespace serverlite::table {

// One request being served: its decoded JSON body, and a member of the answer that is JSON
// text already (whole items as stored, spliced in without being parsed): name and text.
struct TableApi::Call {
  Json body;
  std::optional<std::pair<std::string, std::string>> raw_member;
};

}  // namespace serverlite::table
