// DescribeContinuousBackups and UpdateContinuousBackups of the DynamoDB front (see api.hpp).
#include <chrono>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/table/api.hpp"
#include "services/table/api_support.hpp"

namespace serverlite::table {

using aws::ApiError;
using namespace front;

namespace {

double seconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// ContinuousBackupsDescription: continuous backups ENABLED, point in time recovery as set. The
// restorable window runs from when recovery was turned on (at most the recovery period back)
// to five minutes ago, as DynamoDB describes LatestRestorableDateTime.
Json description(const TableEngine::ContinuousBackups& b) {
  Json pitr = {{"PointInTimeRecoveryStatus", b.pitr_since ? "ENABLED" : "DISABLED"}};
  if (b.pitr_since) {
    auto earliest = std::max(*b.pitr_since, b.now - std::chrono::hours(24) * b.recovery_days);
    auto latest = std::max(earliest, b.now - std::chrono::minutes(5));
    pitr["EarliestRestorableDateTime"] = seconds(earliest);
    pitr["LatestRestorableDateTime"] = seconds(latest);
    pitr["RecoveryPeriodInDays"] = b.recovery_days;
  }
  return {{"ContinuousBackupsDescription",
           {{"ContinuousBackupsStatus", "ENABLED"}, {"PointInTimeRecoveryDescription", pitr}}}};
}

}  // namespace

// TableName may be the table's ARN.
static std::string table_name_of(TableEngine& engine, const Json& body) {
  std::string name = required(body, "TableName");
  if (name.starts_with("arn:"))
    if (auto n = engine.name_from_arn(name)) return *n;
  return name;
}

Json TableApi::describe_continuous_backups(Call& call) {
  auto r = engine_.describe_continuous_backups(table_name_of(engine_, call.body));
  return description(unwrap(r));
}

Json TableApi::update_continuous_backups(Call& call) {
  const Json* spec = aws::optional_object(call.body, "PointInTimeRecoverySpecification");
  if (!spec)
    throw validation("1 validation error detected: Value null at "
                     "'pointInTimeRecoverySpecification' failed to satisfy constraint: Member "
                     "must not be null");
  auto enabled = aws::optional_bool(*spec, "PointInTimeRecoveryEnabled");
  if (!enabled)
    throw validation("1 validation error detected: Value null at "
                     "'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to "
                     "satisfy constraint: Member must not be null");
  std::optional<int> days;
  if (auto d = aws::optional_int(*spec, "RecoveryPeriodInDays")) {
    if (*d < 1 || *d > 35)
      throw validation("1 validation error detected: Value '" + std::to_string(*d) +
                       "' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to "
                       "satisfy constraint: Member must have value " +
                       (*d < 1 ? "greater than or equal to 1" : "less than or equal to 35"));
    if (!*enabled)
      throw validation("RecoveryPeriodInDays can only be set when PointInTimeRecoveryEnabled "
                       "is true");
    days = static_cast<int>(*d);
  }
  auto r = engine_.update_continuous_backups(table_name_of(engine_, call.body), *enabled, days);
  return description(unwrap(r));
}

}  // namespace serverlite::table
