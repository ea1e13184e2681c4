// The DynamoDB table engine over SQLite, without HTTP or wire formats.
//
// Contract:
// - Threading: single-threaded, owned by the io thread, like the store::Database it is built on.
// - Durability: every acknowledged write is one committed SQLite transaction.
// - Expected outcomes come back as Result errors with DynamoDB's codes and messages; exceptions
//   mean a broken store.
// - Table status changes (CREATING -> ACTIVE ...) take EngineOptions' times by the clock (none by
//   default). A status whose time has passed is settled when the table is next looked up, and by
//   settle_states() (periodic); the status and its end are stored, so a restart keeps them.
//   A CREATING or DELETING table is not found by item operations. DeleteTable of a small table
//   removes it at once; a larger one is DELETING (DescribeTable and ListTables show it, nothing
//   else reaches it, its name is in use) while delete_slice() removes its rows a slice at a time.
// - Item counts and sizes (the table's and each index's) are kept in ddb_counts by triggers, in
//   the transaction of every write: DescribeTable reads them and never counts.
// - Tables are named here; the front resolves table ARNs (TagResource) to names.
//
// Tables live in engine.cpp, items in items.cpp. Expressions arrive parsed (expression.hpp);
// legacy parameters are translated into expressions by the front before that.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/store/database.hpp"
#include "services/table/expression.hpp"
#include "services/table/index_store.hpp"
#include "services/table/item_store.hpp"
#include "services/table/model.hpp"
#include "services/table/stream_log.hpp"

namespace serverlite::table {

struct EngineOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // DescribeLimits: the account's and each table's capacity maximums (DynamoDB's defaults).
  std::int64_t account_max_read = 80000, account_max_write = 80000;
  std::int64_t table_max_read = 40000, table_max_write = 40000;
  std::size_t max_tables = 2500;
  // How long a table is CREATING, UPDATING or DELETING (and a new GSI CREATING) by the clock;
  // zero: ACTIVE, or gone, at once.
  std::chrono::milliseconds create_time{0}, update_time{0}, delete_time{0};
};

using Clock = std::function<TimePoint()>;

enum class ReturnValues { None, AllOld, UpdatedOld, AllNew, UpdatedNew };

// What a single-item write was asked to check and to answer.
struct WriteOptions {
  const ConditionExpression* condition = nullptr;  // ConditionExpression (or translated Expected)
  ReturnValues return_values = ReturnValues::None;
  bool all_old_on_condition_failure = false;  // ReturnValuesOnConditionCheckFailure: ALL_OLD
  // Whether the caller reports the capacity consumed. When it does not, a PutItem that needs
  // nothing else of the old item does not look it up: the write replaces it either way.
  bool capacity = true;
};

struct WriteResult {
  std::optional<Json> attributes;  // per ReturnValues; nullopt when nothing is returned
  double capacity_units = 0;       // write capacity consumed, the indexes' included
  IndexUnits index_units;          // the indexes' shares (filled when options.capacity)
};

struct GetResult {
  std::optional<Json> item;
  std::optional<std::string> raw_item;  // instead of `item`, when asked for raw
  double capacity_units = 0;
};

// Query and Scan: the page of items read (before the filter), and where to resume.
struct ReadRequest {
  const KeyCondition* key = nullptr;  // Query only
  bool forward = true;                // ScanIndexForward
  std::optional<std::int64_t> limit;  // items evaluated, before the filter
  std::optional<Json> exclusive_start_key;
  const ConditionExpression* filter = nullptr;
  bool consistent = false;
  int segment = 0, total_segments = 1;  // Scan only
  std::string index;                    // IndexName; empty for the table
  // An LSI read that needs attributes the index does not project: each item is read from the
  // table instead, as DynamoDB fetches them.
  bool fetch_table_items = false;
  // Items as their stored JSON text in ReadResult::raw_items, never parsed: for reads of the
  // table itself without a filter, whose items go out as they are (index reads ignore it).
  bool raw = false;
};

struct ReadResult {
  std::vector<Json> items;     // those that passed the filter
  bool raw = false;            // the items are in raw_items instead (ReadRequest::raw)
  std::vector<std::string> raw_items;
  std::int64_t scanned = 0;    // evaluated, before the filter
  std::optional<Json> last_evaluated_key;
  double capacity_units = 0;  // the index's read, and the table's items fetched for it
  IndexUnits index_units;     // the index's share when reading an index
  double fetched_units = 0;   // the table's items fetched for an index read
};

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
  // With ItemCount and TableSizeBytes, as kept (no pass over the items).
  Result<TableInfo> describe_table(const std::string& name);
  // The table's key; nullopt when there is no such table. Cheap, for the front.
  std::optional<KeySchema> key_schema(const std::string& name) const;
  // The table's definition (indexes included), without counts; null when there is no such table.
  // Valid until the next table operation.
  const TableInfo* table_info(const std::string& name) const;
  Result<TableInfo> update_table(const UpdateTableRequest& request);
  Result<ListTablesResult> list_tables(const ListTablesRequest& request);
  Result<Empty> tag_resource(const std::string& name,
                             const std::vector<std::pair<std::string, std::string>>& tags);
  Result<Empty> untag_resource(const std::string& name, const std::vector<std::string>& keys);
  Result<ListTagsResult> list_tags(const std::string& name);

  // ---- items (items.cpp) ----
  // Validates the item (values, key attributes, 400 KB), checks the condition against the
  // current item, and replaces it; one transaction.
  Result<WriteResult> put_item(const std::string& table, Json item, const WriteOptions& options);
  // `raw`: the item as its stored JSON text in GetResult::raw_item, unparsed.
  Result<GetResult> get_item(const std::string& table, const Json& key, bool consistent,
                             bool raw = false);
  Result<WriteResult> delete_item(const std::string& table, const Json& key,
                                  const WriteOptions& options);
  // `update` may be null (only a condition, or an empty AttributeUpdates): the item is then
  // created with just its key when missing, as DynamoDB does.
  Result<WriteResult> update_item(const std::string& table, const Json& key,
                                  const UpdateExpression* update, const WriteOptions& options);
  Result<ReadResult> query(const std::string& table, const ReadRequest& request);
  Result<ReadResult> scan(const std::string& table, const ReadRequest& request);
  // Puts and deletes of one BatchWriteItem: all in one transaction; a request that names a
  // missing table or an invalid item fails as a whole before anything is written.
  struct BatchWrite {
    std::string table;
    std::optional<Json> put;  // an item
    std::optional<Json> key;  // a delete
  };
  // Returns each table's capacity (computed when `capacity`: the old items are then read).
  Result<std::map<std::string, TableCapacity>> batch_write(std::vector<BatchWrite> writes,
                                                           bool capacity = false);

  // ---- time to live (ttl.cpp) ----
  // UpdateTimeToLive: on with an attribute name, or off. Turning it on indexes the expiry of
  // the items already there.
  Result<Empty> update_ttl(const std::string& table, bool enabled, const std::string& attribute);
  // DescribeTimeToLive: the attribute name, empty when off.
  Result<std::string> describe_ttl(const std::string& table);
  // The background sweep: deletes up to `limit` items whose time to live has passed (a number
  // of epoch seconds at or before now, and not more than five years ago, which DynamoDB
  // ignores), each in the stream as a REMOVE by the service. Returns how many it deleted.
  std::size_t expire_items(std::size_t limit);

  // ---- continuous backups (backups.cpp) ----
  // Continuous backups are always on; point in time recovery as UpdateContinuousBackups left it.
  struct ContinuousBackups {
    std::optional<TimePoint> pitr_since;  // nullopt: point in time recovery is off
    int recovery_days = 35;
    TimePoint now;  // the service's clock, for the restorable window
  };
  // TableNotFoundException "Table not found: <name>" for a missing table.
  Result<ContinuousBackups> describe_continuous_backups(const std::string& table);
  // Turns point in time recovery on (keeping its start when already on) or off; `days` is the
  // recovery period (1..35, checked by the caller), kept when absent.
  Result<ContinuousBackups> update_continuous_backups(const std::string& table, bool enabled,
                                                      std::optional<int> days);

  // ---- transactions (transactions.cpp) ----
  struct TransactWrite {
    enum class Kind { Put, Update, Delete, ConditionCheck } kind = Kind::Put;
    std::string table;
    Json item;  // Put
    Json key;   // Update, Delete, ConditionCheck
    const ConditionExpression* condition = nullptr;
    const UpdateExpression* update = nullptr;  // Update; may be null (a condition only)
    bool all_old_on_condition_failure = false;
  };
  // TransactWriteItems: every condition is checked and every new item computed before anything
  // is written, then all are written in one SQLite transaction, or none (TransactionCanceled
  // with a reason per action). `token` (ClientRequestToken) makes a repeat of the same request
  // within 10 minutes succeed without writing again; `fingerprint` identifies the request
  // (a different request under a used token is IdempotentParameterMismatch).
  // Returns the write capacity each action consumed.
  Result<std::vector<double>> transact_write(const std::vector<TransactWrite>& writes,
                                const std::optional<std::string>& token,
                                const std::string& fingerprint);
  struct TransactGet {
    std::string table;
    Json key;
  };
  // TransactGetItems: the items (nullopt when absent), read at one point in time.
  Result<std::vector<std::optional<Json>>> transact_get(const std::vector<TransactGet>& gets);

  // The table streams (DynamoDB Streams API, triggers): records are appended in the
  // transaction of each write.
  StreamLog& stream_log() { return *streams_; }

  // ---- upkeep (upkeep.cpp) ----
  // Removes up to `rows` rows (items, index entries, expiry entries) of a DELETING table, in
  // one transaction; the table is gone once none is left. Returns whether deletions remain.
  bool delete_slice(std::size_t rows);
  bool deletions_pending() const { return !deleting_.empty(); }
  // lifecycle.cpp: ends the CREATING, UPDATING and DELETING states whose time has passed.
  void settle_states();
  bool states_pending() const { return states_pending_; }
  // A deletion of at most this many rows (items and index entries) is done by DeleteTable.
  static constexpr std::int64_t kInlineDeleteRows = 2000;

  std::string table_arn(std::string_view name) const;
  // The table an ARN of this region and account names; nullopt otherwise.
  std::optional<std::string> name_from_arn(std::string_view arn) const;
  bool table_exists(const std::string& name) const;
  const EngineOptions& options() const { return options_; }

  // A table's cached row.
  struct Table {
    TableInfo info;
    std::map<std::string, std::string> tags;
  };

 private:
  Result<Table*> find(const std::string& name);
  // lifecycle.cpp: ends `t`'s status when its time has passed. Returns false for a DELETING
  // table whose time has passed: it is gone, and the caller may remove_table() it.
  bool settle(Table& t);
  // The end of a status begun now that lasts `time`.
  TimePoint status_end(std::chrono::milliseconds time) const;
  // Removes a table (DeleteTable's work, at once or after its DELETING time).
  void remove_table(const std::string& name);
  Result<Table*> find_for_items(const std::string& name);
  // The stored key of `item` (which must carry the table's key attributes, typed as declared),
  // or DynamoDB's error. `for_item` chooses the messages of a PutItem item or of a Key.
  Result<StoredKey> key_of(const Table& table, const Json& item, bool for_item) const;
  Result<StoredItem> new_item(const Table& table, Json item) const;
  Result<StoredKey> request_key(const Table& table, const Json& key,
                                Json* canonical = nullptr) const;
  Json key_attributes(const Table& table, const Json& item) const;
  // An index key attribute of the wrong type or empty in `item`: DynamoDB refuses the write.
  std::optional<Error> check_index_keys(const Table& table, const Json& item) const;
  // `item`'s entry in `index`, projected; nullopt when it lacks the index key (sparse indexes).
  std::optional<IndexEntry> index_entry(const Table& table, const IndexInfo& index,
                                        const StoredKey& item_key, const Json& item) const;
  // The one place items change, inside the caller's transaction: the item itself and its index
  // entries. `now` absent deletes.
  void apply_change(const Table& table, const StoredKey& key, const std::optional<StoredItem>& old,
                    const std::optional<StoredItem>& now, bool by_ttl = false);
  // Whether a write must read the old item for indexes or the stream even when it has no
  // condition or return values.
  bool needs_old_item(const Table& table) const;
  // The stream fields of a TableInfo from the log.
  void add_stream_info(TableInfo& info) const;
  std::optional<Error> apply_stream_specification(const std::string& table,
                                                  const StreamSpecification& spec, bool creating);
  void backfill(const Table& table, const std::string& index);
  // The write capacity a change costs each index whose entry it puts or deletes: a unit per
  // started KB of the entry written, twice when the entry moves (its key changed).
  IndexUnits index_write_units(const Table& table, const StoredKey& key, const Json* old,
                               const Json* now) const;
  // Keeps ddb_expiry, the items by expiry time, in step for a table with a time to live.
  void track_expiry(const Table& table, const StoredKey& key, const std::optional<StoredItem>& old,
                    const std::optional<StoredItem>& now);
  Result<IndexPosition> index_start(const Table& table, const IndexInfo& index,
                                    const Json& start) const;
  Json last_key(const Table& table, const IndexInfo* index, const Json& item) const;
  void table_items(const std::string& table, std::vector<IndexEntry>& rows);
  void load();
  void save(const Table& table);
  // upkeep.cpp: the counts' table and triggers; the one-time count of a state from before them.
  void open_counts(int stored_version);
  // A zero counts row for the table and each index that has none.
  void ensure_counts(const Table& table);
  void read_counts(TableInfo& info);
  void forget_counts(const std::string& table, const std::string& index);
  // Items and index entries of a table, as kept.
  std::int64_t stored_rows(const std::string& table);
  // DELETING tables of the store (a deletion a crash interrupted) are finished, once, at open.
  void load_deletions();

  store::Database& db_;
  EngineOptions options_;
  Clock clock_;
  std::map<std::string, std::unique_ptr<Table>> tables_;
  std::map<std::string, std::unique_ptr<Table>> deleting_;  // DELETING: rows still being removed
  std::unique_ptr<ItemStore> items_;
  std::unique_ptr<IndexStore> indexes_;
  std::unique_ptr<StreamLog> streams_;
  bool states_pending_ = false;  // some table or index is not ACTIVE
};

}  // namespace serverlite::table
