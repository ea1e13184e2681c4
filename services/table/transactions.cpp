// TransactWriteItems and TransactGetItems over the item store: all-or-nothing in one SQLite
// transaction, with DynamoDB's cancellation reasons and ClientRequestToken idempotency.
#include <chrono>
#include <set>

#include "services/table/engine.hpp"
#include "services/table/engine_support.hpp"

namespace serverlite::table {

namespace {

using engine_detail::epoch_ms;
using engine_detail::only_removes;
using engine_detail::validation;

// A ClientRequestToken is remembered this long, as DynamoDB documents.
constexpr std::chrono::minutes kTokenLifetime{10};

// The aggregate size of the items of one transaction.
constexpr std::size_t kMaxTransactionBytes = 4 * 1024 * 1024;

// A transactional write costs twice a standard one.
double write_units(std::int64_t bytes) { return 2 * engine_detail::write_units(bytes); }

}  // namespace

Result<std::vector<double>> TableEngine::transact_write(const std::vector<TransactWrite>& writes,
                                           const std::optional<std::string>& token,
                                           const std::string& fingerprint) {
  // Phase 0, outside any transaction: tables, keys and items well-formed, no item twice.
  struct Prepared {
    const TransactWrite* write;
    Table* table;
    StoredKey key;
    Json key_json;  // canonical key (Update creates the item from it)
    std::optional<Json> item;  // Put: the validated item
  };
  std::vector<Prepared> prepared;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::size_t total_bytes = 0;  // the items put: DynamoDB's 4 MB per transaction
  for (const auto& w : writes) {
    auto found = find_for_items(w.table);
    if (!found) return found.error();
    Prepared p{&w, *found, {}, Json::object(), std::nullopt};
    if (w.kind == TransactWrite::Kind::Put) {
      Json item = w.item;
      if (auto e = validate_item(item)) return validation(*e);
      auto key = key_of(*p.table, item, true);
      if (!key) return key.error();
      if (auto e = check_index_keys(*p.table, item)) return *e;
      p.key = *key;
      total_bytes += item_size(item);
      if (total_bytes > kMaxTransactionBytes)
        return validation("Transaction size has exceeded the maximum allowed size of 4 MB");
      p.item = std::move(item);
    } else {
      auto key = request_key(*p.table, w.key, &p.key_json);
      if (!key) return key.error();
      p.key = *key;
    }
    if (w.kind == TransactWrite::Kind::Update && w.update)
      for (const auto& action : w.update->actions) {
        const std::string& top = action.path.front().name;
        const KeySchema& k = p.table->info.key;
        if (top == k.hash.name || (k.range && top == k.range->name))
          return validation("One or more parameter values were invalid: Cannot update attribute " +
                            top + ". This attribute is part of the key");
      }
    if (!seen.insert({w.table, p.key.hash, p.key.range}).second)
      return validation("Transaction request cannot include multiple operations on one item");
    prepared.push_back(std::move(p));
  }

  std::optional<Error> failed;
  std::vector<double> units(prepared.size(), 0);
  db_.transaction([&] {
    auto now = epoch_ms(clock_());
    if (token) {
      auto forget = db_.prepare("DELETE FROM ddb_transaction_tokens WHERE expires_ms <= ?");
      forget->bind(1, now);
      forget->step();
      auto st = db_.prepare("SELECT fingerprint FROM ddb_transaction_tokens WHERE token = ?");
      st->bind(1, *token);
      if (st->step()) {
        // The same request again: it already happened, so it succeeds without writing.
        if (st->column_text(0) != fingerprint)
          failed = Error{ErrorCode::IdempotentParameterMismatch,
                         "Specified idempotent parameters do not match with the previous "
                         "request under this ClientRequestToken",
                         {}};
        return;
      }
    }
    // Phase 1: every condition checked and every new item computed, nothing written.
    struct Outcome {
      std::optional<StoredItem> old;
      std::optional<StoredItem> now;
      bool write = false;
    };
    std::vector<Outcome> outcomes(prepared.size());
    std::vector<CancellationReason> reasons(prepared.size(), CancellationReason{"None", "", {}});
    bool cancelled = false;
    for (std::size_t i = 0; i < prepared.size(); ++i) {
      const Prepared& p = prepared[i];
      const TransactWrite& w = *p.write;
      Outcome& o = outcomes[i];
      o.old = items_->get(p.table->info.name, p.key);
      if (w.condition && !w.condition->evaluate(o.old ? o.old->item : Json::object())) {
        reasons[i] = {"ConditionalCheckFailed", "The conditional request failed", std::nullopt};
        if (w.all_old_on_condition_failure && o.old) reasons[i].item = o.old->item;
        cancelled = true;
        continue;
      }
      switch (w.kind) {
        case TransactWrite::Kind::ConditionCheck:
          break;
        case TransactWrite::Kind::Delete:
          o.write = o.old.has_value();
          break;
        case TransactWrite::Kind::Put: {
          auto size = static_cast<std::int64_t>(item_size(*p.item));
          if (size > static_cast<std::int64_t>(kMaxItemBytes)) {
            reasons[i] = {"ValidationError", "Item size has exceeded the maximum allowed size", {}};
            cancelled = true;
            continue;
          }
          o.now = StoredItem{p.key, *p.item, size};
          o.write = true;
          break;
        }
        case TransactWrite::Kind::Update: {
          Json item = o.old ? o.old->item : p.key_json;
          if (w.update) {
            try {
              item = w.update->apply(item).item;
            } catch (const ExpressionError& e) {
              reasons[i] = {"ValidationError", e.message, {}};
              cancelled = true;
              continue;
            }
          }
          if (!o.old && only_removes(w.update)) break;  // nothing to remove: stays missing
          auto size = static_cast<std::int64_t>(item_size(item));
          if (size > static_cast<std::int64_t>(kMaxItemBytes)) {
            reasons[i] = {"ValidationError",
                          "Item size to update has exceeded the maximum allowed size", {}};
            cancelled = true;
            continue;
          }
          if (auto e = check_index_keys(*p.table, item)) {
            reasons[i] = {"ValidationError", e->message, {}};
            cancelled = true;
            continue;
          }
          o.now = StoredItem{p.key, std::move(item), size};
          o.write = true;
          break;
        }
      }
    }
    if (cancelled) {
      std::string codes;
      for (const auto& r : reasons) codes += (codes.empty() ? "" : ", ") + r.code;
      failed = Error{ErrorCode::TransactionCanceled,
                     "Transaction cancelled, please refer cancellation reasons for specific "
                     "reasons [" + codes + "]",
                     {},
                     std::move(reasons)};
      return;
    }
    // Phase 2: all writes, in this one transaction.
    for (std::size_t i = 0; i < prepared.size(); ++i) {
      const Outcome& o = outcomes[i];
      std::int64_t bytes = std::max(o.now ? o.now->size : 0, o.old ? o.old->size : 0);
      units[i] = write_units(bytes);
      if (o.write) apply_change(*prepared[i].table, prepared[i].key, o.old, o.now);
    }
    if (token) {
      auto st = db_.prepare(
          "INSERT INTO ddb_transaction_tokens(token, fingerprint, expires_ms) VALUES (?, ?, ?)");
      st->bind(1, *token).bind(2, fingerprint)
          .bind(3, now + std::chrono::duration_cast<std::chrono::milliseconds>(kTokenLifetime)
                             .count());
      st->step();
    }
  });
  if (failed) return *failed;
  return units;
}

Result<std::vector<std::optional<Json>>> TableEngine::transact_get(
    const std::vector<TransactGet>& gets) {
  std::vector<std::pair<std::string, StoredKey>> keys;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const auto& g : gets) {
    auto found = find_for_items(g.table);
    if (!found) return found.error();
    auto key = request_key(**found, g.key);
    if (!key) return key.error();
    if (!seen.insert({g.table, key->hash, key->range}).second)
      return validation("Transaction request cannot include multiple operations on one item");
    keys.emplace_back(g.table, *key);
  }
  std::vector<std::optional<Json>> out;
  // One read transaction: every item as of the same moment.
  db_.transaction([&] {
    for (const auto& [table, key] : keys) {
      auto got = items_->get(table, key);
      out.push_back(got ? std::optional<Json>(std::move(got->item)) : std::nullopt);
    }
  });
  return out;
}

}  // namespace serverlite::table
