// The DynamoDB table engine over SQLite, without HTTP or wire formats.
//
// Contract:
// - Threading: single-threaded, owned by the io thread, like the store::Database it is built on.
// - Durability: every acknowledged write is one committed SQLite transaction.
// - Expected outcomes come back as Result errors with DynamoDB's codes and messages; exceptions
//   mean a broken store.
// - Table status changes (CREATING -> ACTIVE, DELETING -> gone) are immediate.
// - Tables are named here; the front resolves table ARNs (TagResource) to names.
//
// This part of the engine holds the tables themselves; items follow in the same class.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/store/database.hpp"
#include "services/table/model.hpp"

namespace serverlite::table {

struct EngineOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // DescribeLimits: the account's and each table's capacity maximums (DynamoDB's defaults).
  std::int64_t account_max_read = 80000, account_max_write = 80000;
  std::int64_t table_max_read = 40000, table_max_write = 40000;
  std::size_t max_tables = 2500;
};

using Clock = std::function<TimePoint()>;

class TableEngine {
 public:
  // Creates the engine's tables in `db` when missing and records schema version "table".
  TableEngine(store::Database& db, EngineOptions options = {}, Clock clock = {});
  ~TableEngine();
  TableEngine(const TableEngine&) = delete;
  TableEngine& operator=(const TableEngine&) = delete;

  Result<TableInfo> create_table(const CreateTableRequest& request);
  // Returns the table as it was (status DELETING in DynamoDB's answer; the front says so).
  Result<TableInfo> delete_table(const std::string& name);
  Result<TableInfo> describe_table(const std::string& name);
  Result<TableInfo> update_table(const UpdateTableRequest& request);
  Result<ListTablesResult> list_tables(const ListTablesRequest& request);
  Result<Empty> tag_resource(const std::string& name,
                             const std::vector<std::pair<std::string, std::string>>& tags);
  Result<Empty> untag_resource(const std::string& name, const std::vector<std::string>& keys);
  Result<ListTagsResult> list_tags(const std::string& name);

  std::string table_arn(std::string_view name) const;
  // The table an ARN of this region and account names; nullopt otherwise.
  std::optional<std::string> name_from_arn(std::string_view arn) const;
  bool table_exists(const std::string& name) const;
  const EngineOptions& options() const { return options_; }

  struct Table;  // a table's cached row; defined in engine.cpp

 private:
  Result<Table*> find(const std::string& name);
  void load();
  void save(const Table& table);

  store::Database& db_;
  EngineOptions options_;
  Clock clock_;
  std::map<std::string, std::unique_ptr<Table>> tables_;
};

}  // namespace serverlite::table
