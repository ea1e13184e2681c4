// Continuous backups and point in time recovery of the table engine (see engine.hpp). Backups
// themselves are not kept: the setting is, as DynamoDB reports it.
#include "services/table/engine.hpp"
#include "services/table/engine_support.hpp"

namespace serverlite::table {

namespace {

Error table_not_found(const std::string& name) {
  return Error{ErrorCode::TableNotFound, "Table not found: " + name, {}};
}

}  // namespace

Result<TableEngine::ContinuousBackups> TableEngine::describe_continuous_backups(
    const std::string& table) {
  auto it = tables_.find(table);
  if (it == tables_.end()) return table_not_found(table);
  const TableInfo& i = it->second->info;
  return ContinuousBackups{i.pitr_since, i.pitr_recovery_days, clock_()};
}

Result<TableEngine::ContinuousBackups> TableEngine::update_continuous_backups(
    const std::string& table, bool enabled, std::optional<int> days) {
  auto it = tables_.find(table);
  if (it == tables_.end()) return table_not_found(table);
  Table& t = *it->second;
  TableInfo& i = t.info;
  if (enabled && !i.pitr_since) i.pitr_since = clock_();
  if (!enabled) i.pitr_since.reset();
  if (days) i.pitr_recovery_days = *days;
  db_.transaction([&] { save(t); });
  return ContinuousBackups{i.pitr_since, i.pitr_recovery_days, clock_()};
}

}  // namespace serverlite::table
