// Table and index statuses over time: CREATING, UPDATING and DELETING last the times the engine
// was given (EngineOptions), by the service's clock, then end here. Nothing waits on a timer: a
// status whose end has passed is settled when its table is next looked up, and by
// settle_states(), which the service runs periodically. The statuses and their ends are stored
// with each table, so a table that was CREATING when the service stopped is ACTIVE after a
// restart once its time has passed.
#include "services/table/engine.hpp"

#include <vector>

namespace serverlite::table {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::Active: return "ACTIVE";
    case Status::Creating: return "CREATING";
    case Status::Updating: return "UPDATING";
    case Status::Deleting: return "DELETING";
  }
  return "ACTIVE";
}

TimePoint TableEngine::status_end(std::chrono::milliseconds time) const {
  return clock_() + time;
}

bool TableEngine::settle(Table& t) {
  TableInfo& i = t.info;
  if (i.status == Status::Active || clock_() < i.status_until) return true;
  // A deletion whose time has passed: the table is gone for every request from now, and is
  // removed by settle_states() (or CreateTable of its name), never under a request that may
  // hold its definition.
  if (i.status == Status::Deleting) return false;
  // The update took effect when the status ended.
  if (i.pending_throughput) {
    const Throughput& to = *i.pending_throughput;
    bool increase = to.read > i.throughput.read || to.write > i.throughput.write;
    bool decrease = to.read < i.throughput.read || to.write < i.throughput.write;
    if (increase) i.last_throughput_change = i.status_until;
    if (decrease) {
      i.last_throughput_decrease = i.status_until;
      ++i.decreases_today;
    }
    i.throughput = to;
    i.pending_throughput.reset();
  }
  for (auto& x : i.indexes) {
    if (x.pending_throughput) x.throughput = *x.pending_throughput;
    x.pending_throughput.reset();
    x.status = Status::Active;
  }
  i.status = Status::Active;
  db_.transaction([&] { save(t); });
  return true;
}

void TableEngine::remove_table(const std::string& name) {
  // A small table goes at once; a larger one is DELETING until delete_slice() has removed its
  // rows, so that no request waits for them.
  bool inline_delete = stored_rows(name) <= kInlineDeleteRows;
  db_.transaction([&] {
    auto st = db_.prepare("DELETE FROM ddb_tables WHERE name = ?");
    st->bind(1, name);
    st->step();
    forget_counts(name, "");
    if (inline_delete) {
      items_->drop(name);
      indexes_->drop(name);
      auto expiry = db_.prepare("DELETE FROM ddb_expiry WHERE tbl = ?");
      expiry->bind(1, name);
      expiry->step();
    } else {
      auto pending = db_.prepare("INSERT OR REPLACE INTO ddb_deleting(tbl) VALUES (?)");
      pending->bind(1, name);
      pending->step();
    }
    streams_->table_deleted(name);
  });
  auto node = tables_.extract(name);
  if (!inline_delete && node) {
    node.mapped()->info.deleting = true;
    node.mapped()->info.status = Status::Deleting;
    deleting_.insert(std::move(node));
  }
}

void TableEngine::settle_states() {
  if (!states_pending_) return;
  std::vector<std::string> names;
  for (const auto& [name, t] : tables_)
    if (t->info.status != Status::Active) names.push_back(name);
  bool pending = false;
  for (const auto& name : names) {
    auto it = tables_.find(name);
    if (it == tables_.end()) continue;
    if (!settle(*it->second))
      remove_table(name);
    else if (it->second->info.status != Status::Active)
      pending = true;
  }
  states_pending_ = pending;
}

}  // namespace serverlite::table
