// Where the items of every table live: one SQLite rowid table with one unique index, on the
// table's name, a 32-bit token of the hash key (the first bytes of its MD5), and the
// order-preserving encodings of the item's hash and range key values (values.hpp,
// encode_key_value). The token is a function of the hash, so one index serves all: a key lookup,
// a Query (a range scan under one token and hash, in DynamoDB's order) and a Scan (token, then
// hash, then range: stable, spread like DynamoDB's partitions, and what parallel Scan segments
// divide). Items are stored as their JSON text in DynamoDB's wire form, with their size.
//
// Schema version 1 (before) kept a primary key on (table, hash, range) and a second index for
// Scan order: three b-trees written per item instead of two. ItemStore converts it on open.
//
// No semantics here (conditions, expressions, validation): the engine's. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/store/database.hpp"
#include "services/table/values.hpp"

namespace serverlite::table {

// A stored item's primary key: the encoded hash and range values ("" for a hash-only table).
struct StoredKey {
  std::string hash;
  std::string range;
  std::uint32_t token = 0;  // token_of(hash type, hash)
};

struct StoredItem {
  StoredKey key;
  Json item;            // null when read unparsed
  std::int64_t size = 0;
  std::string text;     // the stored JSON text, when read unparsed (query/scan with !parse)
};

// A bound on the range key for Query: the encoded value, and whether it is included.
struct RangeBound {
  std::string value;
  bool inclusive = true;
};

class ItemStore {
 public:
  // Creates the schema, or converts the one of `stored_version` (the "table" component's
  // version in schema_versions, 0 for none); call it inside a transaction.
  ItemStore(store::Database& db, int stored_version);
  ~ItemStore();

  // The scan-order token of an encoded hash key of type `type` (hash_order.hpp).
  static std::uint32_t token_of(ValueType type, const std::string& encoded_hash);

  // Without `parse`, the item comes as its `text`.
  std::optional<StoredItem> get(const std::string& table, const StoredKey& key, bool parse = true);
  // Inserts or replaces (in place: the row and its index entry stay where they are).
  void put(const std::string& table, const StoredItem& item);
  void erase(const std::string& table, const StoredKey& key);
  void drop(const std::string& table);

  // Items of one hash key with the range between the bounds, in range order (reversed when
  // !forward), strictly after (or before, reversed) `start_after` when given, at most `limit`.
  std::vector<StoredItem> query(const std::string& table, ValueType hash_type,
                                const std::string& hash,
                                const std::optional<RangeBound>& lower,
                                const std::optional<RangeBound>& upper, bool forward,
                                const std::optional<std::string>& start_after, std::size_t limit,
                                bool parse = true);
  // Items in scan order, of segment `segment` of `total` (token ranges), strictly after
  // `start_after` when given, at most `limit`. Without `parse`, items come as their `text`.
  std::vector<StoredItem> scan(const std::string& table, int segment, int total,
                               const std::optional<StoredKey>& start_after, std::size_t limit,
                               bool parse = true);

  // Recomputes the token of every item of `table` (hash keys of type `hash_type`): for a state
  // whose tokens were computed otherwise. Call it inside a transaction.
  void retoken(const std::string& table, ValueType hash_type);

  std::int64_t count(const std::string& table);
  std::int64_t total_size(const std::string& table);

 private:
  struct Statements;
  store::Statement& cached(const std::string& sql);

  store::Database& db_;
  std::unique_ptr<Statements> st_;
  // Query and Scan statements by their SQL: a few shapes (which bounds, which direction).
  std::unordered_map<std::string, std::unique_ptr<store::Statement>> reads_;
};

}  // namespace serverlite::table
