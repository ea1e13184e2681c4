// Typed requests and results of the DynamoDB table engine, and its error codes.
//
// The protocol front (AWS JSON 1.0, `DynamoDB_20120810.*`) decodes requests into these structs;
// items and attribute values stay nlohmann::json in DynamoDB's wire form (values.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/result.hpp"
#include "services/table/values.hpp"

namespace serverlite::table {

using TimePoint = std::chrono::system_clock::time_point;

enum class ErrorCode {
  ResourceNotFound,
  ResourceInUse,
  Validation,
  LimitExceeded,
  ConditionalCheckFailed,
  TransactionCanceled,
  IdempotentParameterMismatch,
  DuplicateItem,
  TableNotFound,  // the continuous backups operations' "no such table"
};

// The `__type` of the JSON error: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
// or "com.amazon.coral.validate#ValidationException" for validation errors, as DynamoDB names
// them.
std::string_view error_type(ErrorCode code);
// DynamoDB answers each of them with HTTP 400.
constexpr int error_http_status(ErrorCode) { return 400; }

// Why one action of a cancelled transaction failed; code "None" for the actions that did not.
struct CancellationReason {
  std::string code;  // None | ConditionalCheckFailed | ValidationError | ...
  std::string message;
  std::optional<Json> item;  // ReturnValuesOnConditionCheckFailure ALL_OLD
};

struct Error {
  ErrorCode code;
  std::string message;
  // ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure ALL_OLD: the item.
  std::optional<Json> item;
  // TransactionCanceledException: one reason per action, in request order.
  std::vector<CancellationReason> reasons = {};
};

template <class T>
using Result = serverlite::Result<T, Error>;

struct Empty {};

// ReturnConsumedCapacity INDEXES: the capacity each secondary index consumed, by index name.
// The table's share is the operation's total less these.
struct IndexUnits {
  std::map<std::string, double> global, local;
  double sum() const {
    double s = 0;
    for (const auto& [name, units] : global) s += units;
    for (const auto& [name, units] : local) s += units;
    return s;
  }
};

// One table's part of a batch: its total (indexes included) and the indexes' shares.
struct TableCapacity {
  double units = 0;
  IndexUnits indexes;
};

enum class KeyType { Hash, Range };

struct KeyElement {
  std::string name;
  ValueType type = ValueType::S;  // S, N or B, from AttributeDefinitions
};

struct KeySchema {
  KeyElement hash;
  std::optional<KeyElement> range;
};

enum class BillingMode { Provisioned, PayPerRequest };
std::string_view billing_mode_name(BillingMode mode);  // "PROVISIONED" | "PAY_PER_REQUEST"

struct Throughput {
  std::int64_t read = 0;
  std::int64_t write = 0;
};

// Which attributes a secondary index holds besides the table's and its own key attributes.
enum class ProjectionType { KeysOnly, Include, All };
std::string_view projection_type_name(ProjectionType type);  // "KEYS_ONLY" | "INCLUDE" | "ALL"

struct IndexProjection {
  ProjectionType type = ProjectionType::All;
  std::vector<std::string> non_key_attributes;  // INCLUDE only
};

// TableStatus and IndexStatus: a table or index is CREATING, UPDATING or DELETING for the time
// the engine is told (EngineOptions), then ACTIVE (or gone).
enum class Status { Active, Creating, Updating, Deleting };
std::string_view status_name(Status status);  // "ACTIVE" | "CREATING" | "UPDATING" | "DELETING"

struct IndexInfo {
  std::string name;
  Status status = Status::Active;  // a GSI's IndexStatus
  // UpdateTable's new throughput for a GSI, in force once the table is ACTIVE again.
  std::optional<Throughput> pending_throughput;
  bool global = true;  // a GSI; false for an LSI (same hash key as the table)
  KeySchema key;
  IndexProjection projection;
  Throughput throughput;  // a GSI's on a PROVISIONED table; zeros otherwise
  std::int64_t item_count = 0;  // filled by describe_table
  std::int64_t size_bytes = 0;

  // Whether an attribute is in the index's items (key attributes of the table are always).
  bool projects(const std::string& attribute, const KeySchema& table_key) const;
};

// StreamSpecification as given: the view type by name ("NEW_AND_OLD_IMAGES" ...).
struct StreamSpecification {
  bool enabled = false;
  std::string view_type;
};

struct TableInfo {
  std::string name;
  std::string arn;
  std::string table_id;  // a UUID, fixed at creation
  KeySchema key;
  // Every AttributeDefinitions entry, in request order (index keys included).
  std::vector<std::pair<std::string, ValueType>> attribute_definitions;
  BillingMode billing = BillingMode::Provisioned;
  Throughput throughput;  // zeros for PAY_PER_REQUEST
  TimePoint created;
  TimePoint last_throughput_change;  // epoch when never changed
  std::int64_t item_count = 0;
  std::int64_t size_bytes = 0;
  // DescribeTable of a table whose rows are still being removed after DeleteTable.
  bool deleting = false;
  // TableStatus, and when a status other than ACTIVE ends (the service's clock).
  Status status = Status::Active;
  TimePoint status_until;
  // UpdateTable's new throughput, in force once the table is ACTIVE again.
  std::optional<Throughput> pending_throughput;
  TimePoint last_throughput_decrease;  // epoch when never decreased
  std::int64_t decreases_today = 0;
  bool deletion_protection = false;
  std::vector<IndexInfo> indexes;  // GSIs and LSIs, in the order they were declared
  // The enabled stream (filled by the engine from its stream log), and the newest stream's ARN
  // and label while it is readable (DescribeTable's LatestStreamArn / LatestStreamLabel).
  std::optional<StreamSpecification> stream;
  std::string latest_stream_arn, latest_stream_label;
  // Time to live: the attribute holding each item's expiry (epoch seconds); empty when off.
  std::string ttl_attribute;
  // Point in time recovery (UpdateContinuousBackups): since when it is on, and the recovery
  // period in days (1..35); nullopt when off.
  std::optional<TimePoint> pitr_since;
  int pitr_recovery_days = 35;
  // Parts of the definition kept as given for the features of the next issue (indexes, streams,
  // table class, SSE): echoed in DescribeTable where DynamoDB echoes them.
  Json extra = Json::object();
};

struct CreateTableRequest {
  std::string name;
  KeySchema key;
  std::vector<std::pair<std::string, ValueType>> attribute_definitions;
  BillingMode billing = BillingMode::Provisioned;
  std::optional<Throughput> throughput;
  std::vector<std::pair<std::string, std::string>> tags;
  bool deletion_protection = false;
  std::vector<IndexInfo> indexes;
  std::optional<StreamSpecification> stream;
  Json extra = Json::object();
  // ACTIVE at once whatever EngineOptions::create_time says: a table of the app's resources,
  // which a deployment waits for.
  bool immediate = false;
};

// One entry of UpdateTable's GlobalSecondaryIndexUpdates.
struct IndexUpdate {
  enum class Action { Create, Update, Delete } action = Action::Create;
  IndexInfo index;  // Create: all of it; Update: name and throughput; Delete: name
};

struct UpdateTableRequest {
  std::string name;
  std::optional<BillingMode> billing;
  std::optional<Throughput> throughput;
  std::optional<bool> deletion_protection;
  std::vector<IndexUpdate> index_updates;
  std::optional<StreamSpecification> stream;
  // AttributeDefinitions given with the request (for the keys of indexes it creates).
  std::vector<std::pair<std::string, ValueType>> attribute_definitions;
  // Done at once, even on a table not ACTIVE: the app's resources kept in --state following the
  // file.
  bool immediate = false;
};

struct ListTablesRequest {
  std::optional<std::string> exclusive_start_table_name;
  std::optional<std::int64_t> limit;  // 1..100, default 100
};
struct ListTablesResult {
  std::vector<std::string> names;
  std::optional<std::string> last_evaluated_table_name;
};

struct ListTagsResult {
  std::vector<std::pair<std::string, std::string>> tags;
};

}  // namespace serverlite::table
