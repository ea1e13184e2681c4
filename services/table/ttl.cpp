// Time to live: UpdateTimeToLive / DescribeTimeToLive, the expiry index and the sweep.
//
// A table with a time to live keeps every item whose TTL attribute is a number in ddb_expiry,
// keyed by that number (epoch seconds, the integer part), in the transaction of the write. The
// sweep reads ddb_expiry in order, so its cost is the number of expired items, not the table's
// size. Like DynamoDB, an expired item stays readable until the sweep deletes it, and a value
// more than five years in the past is not an expiry time (it is ignored).
#include <chrono>
#include <limits>

#include "services/table/engine.hpp"
#include "services/table/engine_support.hpp"
#include "services/table/number.hpp"

namespace serverlite::table {

namespace {

using engine_detail::validation;

// DynamoDB does not delete items whose TTL lies more than five years in the past.
constexpr std::int64_t kIgnoredAfterSeconds = 5LL * 365 * 24 * 3600;

// The integer seconds of a TTL attribute value: nullopt unless it is a non-negative number.
std::optional<std::int64_t> expiry_of(const Json& item, const std::string& attribute) {
  auto it = item.find(attribute);
  if (it == item.end() || !it->is_object()) return std::nullopt;
  auto n = it->find("N");
  if (n == it->end() || !n->is_string()) return std::nullopt;
  auto number = Number::parse(n->get_ref<const std::string&>());
  if (!number || number->negative()) return std::nullopt;
  if (number->is_zero() || number->exponent() <= 0) return 0;
  if (number->exponent() > 18) return std::numeric_limits<std::int64_t>::max();  // never
  std::int64_t seconds = 0;
  const std::string& digits = number->digits();
  for (int i = 0; i < number->exponent(); ++i)
    seconds = seconds * 10 + (i < static_cast<int>(digits.size()) ? digits[i] - '0' : 0);
  return seconds;
}

}  // namespace

void TableEngine::track_expiry(const Table& t, const StoredKey& key,
                               const std::optional<StoredItem>& old,
                               const std::optional<StoredItem>& now) {
  const std::string& attribute = t.info.ttl_attribute;
  auto before = old ? expiry_of(old->item, attribute) : std::nullopt;
  auto after = now ? expiry_of(now->item, attribute) : std::nullopt;
  if (before == after) return;
  if (before) {
    auto st = db_.prepare(
        "DELETE FROM ddb_expiry WHERE tbl = ? AND expires = ? AND hash = ? AND range = ?");
    st->bind(1, t.info.name).bind(2, *before).bind(3, key.hash).bind(4, key.range);
    st->step();
  }
  if (after) {
    auto st = db_.prepare(
        "INSERT OR REPLACE INTO ddb_expiry(tbl, expires, hash, range) VALUES (?, ?, ?, ?)");
    st->bind(1, t.info.name).bind(2, *after).bind(3, key.hash).bind(4, key.range);
    st->step();
  }
}

Result<Empty> TableEngine::update_ttl(const std::string& table, bool enabled,
                                      const std::string& attribute) {
  auto found = find(table);
  if (!found) return found.error();
  Table& t = **found;
  const std::string& current = t.info.ttl_attribute;
  if (attribute.empty())
    return validation("1 validation error detected: Value '' at "
                      "'timeToLiveSpecification.attributeName' failed to satisfy constraint: "
                      "Member must have length greater than or equal to 1");
  if (enabled && !current.empty()) {
    if (current != attribute)
      return validation("TimeToLive is active on a different AttributeName: current "
                        "AttributeName is " + current);
    return validation("TimeToLive is already enabled");
  }
  if (!enabled && current.empty()) return validation("TimeToLive is already disabled");
  if (!enabled && current != attribute)
    return validation("TimeToLive is active on a different AttributeName: current AttributeName "
                      "is " + current);
  db_.transaction([&] {
    auto clear = db_.prepare("DELETE FROM ddb_expiry WHERE tbl = ?");
    clear->bind(1, table);
    clear->step();
    t.info.ttl_attribute = enabled ? attribute : "";
    save(t);
    if (!enabled) return;
    std::optional<StoredKey> after;
    for (;;) {
      auto rows = items_->scan(table, 0, 1, after, 1000);
      for (const auto& row : rows) track_expiry(t, row.key, std::nullopt, row);
      if (rows.size() < 1000) break;
      after = rows.back().key;
    }
  });
  return Empty{};
}

Result<std::string> TableEngine::describe_ttl(const std::string& table) {
  auto found = find(table);
  if (!found) return found.error();
  return (*found)->info.ttl_attribute;
}

std::size_t TableEngine::expire_items(std::size_t limit) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
  struct Due {
    std::string table;
    std::int64_t expires;
    StoredKey key;
  };
  std::vector<Due> due;
  {
    // Table by table, each a range of ddb_expiry's key: a query over all tables at once, by
    // expiry time alone, would read the whole index on every sweep.
    auto st = db_.prepare(
        "SELECT tbl, expires, hash, range FROM ddb_expiry WHERE tbl = ? AND expires <= ? "
        "ORDER BY expires LIMIT ?");
    for (const auto& [name, t] : tables_) {
      if (t->info.ttl_attribute.empty() || due.size() >= limit) continue;
      st->reset();
      st->bind(1, name).bind(2, static_cast<std::int64_t>(now))
          .bind(3, static_cast<std::int64_t>(limit - due.size()));
      while (st->step())
        due.push_back({st->column_text(0), st->column_int(1),
                       {st->column_text(2), st->column_text(3),
                        ItemStore::token_of(t->info.key.hash.type, st->column_text(2))}});
    }
  }
  if (due.empty()) return 0;
  std::size_t deleted = 0;
  db_.transaction([&] {
    auto forget = db_.prepare(
        "DELETE FROM ddb_expiry WHERE tbl = ? AND expires = ? AND hash = ? AND range = ?");
    for (const auto& d : due) {
      forget->reset();
      forget->bind(1, d.table).bind(2, d.expires).bind(3, d.key.hash).bind(4, d.key.range);
      forget->step();
      auto it = tables_.find(d.table);
      if (it == tables_.end() || now - d.expires > kIgnoredAfterSeconds) continue;
      auto old = items_->get(d.table, d.key);
      if (!old) continue;
      apply_change(*it->second, d.key, old, std::nullopt, /*by_ttl=*/true);
      ++deleted;
    }
  });
  return deleted;
}

}  // namespace serverlite::table
