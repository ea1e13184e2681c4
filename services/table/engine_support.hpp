// What the table engine's source files (engine.cpp, items.cpp, transactions.cpp, ttl.cpp) share:
// DynamoDB's validation errors and capacity units. Internal to the engine.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "services/table/expression.hpp"
#include "services/table/model.hpp"

namespace serverlite::table::engine_detail {

inline Error validation(std::string message) {
  return Error{ErrorCode::Validation, std::move(message), {}};
}

// "One or more parameter values were invalid: <what>".
inline Error invalid(const std::string& what) {
  return validation("One or more parameter values were invalid: " + what);
}

// A standard write: one unit per started KB of the larger of the old and new item.
inline double write_units(std::int64_t bytes) {
  return std::max<double>(1, std::ceil(static_cast<double>(bytes) / 1024.0));
}

// A read: one unit per started 4 KB, half of it when eventually consistent.
inline double read_units(std::int64_t bytes, bool consistent) {
  double units = std::max<double>(1, std::ceil(static_cast<double>(bytes) / 4096.0));
  return consistent ? units : units / 2;
}

// An update made only of REMOVE and DELETE actions: applied to a missing item, DynamoDB leaves
// the item missing (nothing written, no stream record).
inline bool only_removes(const UpdateExpression* update) {
  return update && !update->actions.empty() &&
         std::all_of(update->actions.begin(), update->actions.end(), [](const UpdateAction& a) {
           return a.kind == UpdateAction::Kind::Remove || a.kind == UpdateAction::Kind::Delete;
         });
}

inline std::int64_t epoch_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace serverlite::table::engine_detail
