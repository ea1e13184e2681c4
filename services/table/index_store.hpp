// Where the entries of secondary indexes live: one SQLite table next to the items (item_store.hpp),
// keyed by table, index, the order-preserving encodings of the index's hash and range values, and
// then the item's own table key, since many items may share one index key. A Query on an index is
// a range scan of that key, in DynamoDB's order (index range key, then the table's key).
//
// Each entry holds the item as the index projects it (KEYS_ONLY, INCLUDE or ALL), so a read of
// the index never touches the table. Scan order is by the token of the index hash, like items.
//
// The engine keeps entries in step with items, in the transaction of each write. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/store/database.hpp"
#include "services/table/item_store.hpp"

namespace serverlite::table {

// An index entry's position: the index key, then the item's table key.
struct IndexPosition {
  StoredKey index;  // encoded index hash / range ("" when the index has no range key)
  StoredKey item;   // encoded table hash / range
  // The order of entries with one index key: key_order_token of the item's table key.
  std::uint32_t item_order = 0;
};

struct IndexEntry {
  IndexPosition position;
  Json item;  // projected
  std::int64_t size = 0;
  // The item's size in the table when a read fetched it from there (LSI reads of attributes the
  // index does not project); -1 when it was not fetched.
  std::int64_t table_size = -1;
};

class IndexStore {
 public:
  // `stored_version` is the "table" component's schema version (0 for none): before version 4
  // entries had no item order (retoken() fills it in).
  IndexStore(store::Database& db, int stored_version);
  ~IndexStore();

  void put(const std::string& table, const std::string& index, const IndexEntry& entry);
  void erase(const std::string& table, const std::string& index, const IndexPosition& position);
  // Every entry of one index, or (index "") of every index of the table.
  void drop(const std::string& table, const std::string& index = "");

  // As ItemStore::query, over one index hash; `start_after` is a full position.
  // `item_hash_type` is the type of the table's hash key (for the items' tokens).
  std::vector<IndexEntry> query(const std::string& table, const std::string& index,
                                ValueType item_hash_type,
                                const std::string& hash, const std::optional<RangeBound>& lower,
                                const std::optional<RangeBound>& upper, bool forward,
                                const std::optional<IndexPosition>& start_after,
                                std::size_t limit);
  // As ItemStore::scan, in (token, index hash, index range, item key) order.
  std::vector<IndexEntry> scan(const std::string& table, const std::string& index,
                               ValueType item_hash_type, int segment, int total, const std::optional<IndexPosition>& start_after,
                               std::size_t limit);

  // Recomputes the tokens and item orders of one index's entries (index hash keys of type
  // `hash_type`, table keys of `table_key`), as ItemStore::retoken.
  void retoken(const std::string& table, const std::string& index, ValueType hash_type,
               ValueType item_hash_type, std::optional<ValueType> item_range_type);

  std::int64_t count(const std::string& table, const std::string& index);
  std::int64_t total_size(const std::string& table, const std::string& index);

 private:
  struct Statements;
  store::Database& db_;
  std::unique_ptr<Statements> st_;
};

}  // namespace serverlite::table
