// A stream's statuses (CREATING, UPDATING, DELETING) and the changes they wait for: the shards of
// a new stream, a split, a merge, a new shard count, the end of a deleted stream (see engine.hpp).
//
// A change is kept in the stream's row as text, "create|N", "split|SHARD|KEY", "merge|A|B",
// "count|N" or "delete", with the time its status ends. settle() applies every change whose time
// has passed, as of that time, before any call looks at the streams.
#include <charconv>

#include "services/stream/engine.hpp"
#include "services/stream/engine_internal.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {

namespace {

// The first shards of a stream carry a creation time (in their sequence numbers) about two
// seconds before the CreateStream call, as Kinesis's do.
constexpr std::int64_t kInitialShardLeadMs = 2000;

// The fields of a pending change; empty when it is malformed (a hand-edited row).
std::vector<std::string> fields_of(std::string_view text) {
  std::vector<std::string> out;
  while (out.size() < 4) {
    auto bar = text.find('|');
    out.emplace_back(text.substr(0, bar));
    if (bar == std::string_view::npos) return out;
    text.remove_prefix(bar + 1);
  }
  return {};
}

std::optional<std::int64_t> number_of(const std::string& text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

void StreamEngine::settle() {
  if (next_change_ms_ == INT64_MAX) return;
  std::int64_t now = now_ms();
  if (now < next_change_ms_) return;
  next_change_ms_ = INT64_MAX;
  db_.transaction([&] {
    for (auto it = streams_.begin(); it != streams_.end();) {
      Stream& s = *it->second;
      if (s.status != StreamStatus::Active && s.status_until_ms <= now) {
        if (s.status == StreamStatus::Deleting) {
          erase_stream_rows(s.name, true);
          it = streams_.erase(it);
          continue;
        }
        finish_change(s);
      }
      if (s.status != StreamStatus::Active)
        next_change_ms_ = std::min(next_change_ms_, s.status_until_ms);
      ++it;
    }
  });
}

// Applies the change `s` waits for, as of the end of its status, and makes it ACTIVE. Runs in
// a transaction.
void StreamEngine::finish_change(Stream& s) {
  auto f = fields_of(s.pending);
  std::int64_t at = s.status_until_ms;
  auto num = [&](std::size_t i) { return i < f.size() ? number_of(f[i]) : std::nullopt; };
  if (!f.empty() && f[0] == "create" && num(1)) {
    create_shards(s, *num(1));
  } else if (!f.empty() && f[0] == "split" && num(1) && f.size() == 3) {
    if (auto key = parse_hash_key(f[2])) apply_split(s, *num(1), *key, at);
  } else if (!f.empty() && f[0] == "merge" && num(1) && num(2)) {
    apply_merge(s, *num(1), *num(2), at);
  } else if (!f.empty() && f[0] == "count" && num(1)) {
    apply_shard_count(s, *num(1), at);
  }
  s.status = StreamStatus::Active;
  s.status_until_ms = 0;
  s.pending.clear();
  save_stream(s);
  save_shards(s);
}

void StreamEngine::begin_change(Stream& s, StreamStatus status, std::int64_t ms,
                                std::string pending) {
  s.status = status;
  s.status_until_ms = now_ms() + ms;
  s.pending = std::move(pending);
  if (ms <= 0) {
    if (status == StreamStatus::Deleting) {
      db_.transaction([&] { erase_stream_rows(s.name, true); });
      streams_.erase(s.name);
      return;
    }
    db_.transaction([&] { finish_change(s); });
    return;
  }
  next_change_ms_ = std::min(next_change_ms_, s.status_until_ms);
  db_.transaction([&] { save_stream(s); });
}

void StreamEngine::erase_stream_rows(const std::string& name, bool stream_row) {
  for (const char* table : {"kinesis_records", "kinesis_shards", "kinesis_tags"}) {
    auto st = db_.prepare(std::string("DELETE FROM ") + table + " WHERE stream = ?");
    st->bind(1, name);
    st->step();
  }
  if (!stream_row) return;
  auto st = db_.prepare("DELETE FROM kinesis_streams WHERE name = ?");
  st->bind(1, name);
  st->step();
}

int StreamEngine::account_shards() const {
  int used = 0;
  for (const auto& [_, s] : streams_) {
    used += s->open_shards();
    auto f = fields_of(s->pending);
    if (s->status == StreamStatus::Creating && f.size() == 2 && f[0] == "create")
      used += static_cast<int>(number_of(f[1]).value_or(0));
  }
  return used;
}

std::optional<Error> StreamEngine::check_active(const Stream& s) const {
  if (s.status == StreamStatus::Active) return std::nullopt;
  return error(ErrorCode::ResourceInUse, "Stream " + s.name + " under account " +
                                             options_.account_id + " not ACTIVE, instead in state " +
                                             std::string(stream_status_name(s.status)));
}

void StreamEngine::create_shards(Stream& s, std::int64_t count) {
  auto ranges = even_ranges(static_cast<int>(count));
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    ShardRow row;
    row.index = static_cast<std::int64_t>(i);
    row.start = ranges[i].first;
    row.end = ranges[i].second;
    row.start_position = s.counter;
    row.created_ms = s.created_ms - kInitialShardLeadMs;
    s.shards.push_back(row);
  }
}

void StreamEngine::apply_split(Stream& s, std::int64_t index, HashKey key, std::int64_t now) {
  ShardRow* parent = s.shard(index);
  if (!parent || !parent->open() || key <= parent->start || key > parent->end) return;
  HashKey start = parent->start, end = parent->end;
  parent->end_position = s.counter;
  parent->closed_ms = now;
  for (auto [from, to] : {std::pair{start, key - 1}, std::pair{key, end}}) {
    ShardRow child;
    child.index = static_cast<std::int64_t>(s.shards.size());
    child.parent = index;
    child.start = from;
    child.end = to;
    child.start_position = s.counter;
    child.created_ms = now;
    s.shards.push_back(child);
  }
}

void StreamEngine::apply_merge(Stream& s, std::int64_t a_index, std::int64_t b_index,
                               std::int64_t now) {
  ShardRow* a = s.shard(a_index);
  ShardRow* b = s.shard(b_index);
  if (!a || !b || !a->open() || !b->open()) return;
  ShardRow child;
  child.index = static_cast<std::int64_t>(s.shards.size());
  child.parent = a->index;
  child.adjacent_parent = b->index;
  child.start = std::min(a->start, b->start);
  child.end = std::max(a->end, b->end);
  child.start_position = s.counter;
  child.created_ms = now;
  for (ShardRow* r : {a, b}) {
    r->end_position = s.counter;
    r->closed_ms = now;
  }
  s.shards.push_back(child);
}

void StreamEngine::apply_shard_count(Stream& s, std::int64_t target, std::int64_t now) {
  if (target < 1 || target == s.open_shards()) return;
  std::vector<ShardRow> old;
  for (auto& row : s.shards)
    if (row.open()) {
      old.push_back(row);
      row.end_position = s.counter;
      row.closed_ms = now;
    }
  for (auto [from, to] : even_ranges(static_cast<int>(target))) {
    ShardRow child;
    child.index = static_cast<std::int64_t>(s.shards.size());
    for (const auto& o : old) {
      bool overlaps = o.start <= to && from <= o.end;
      if (!overlaps) continue;
      if (!child.parent) child.parent = o.index;
      else if (!child.adjacent_parent) child.adjacent_parent = o.index;
    }
    child.start = from;
    child.end = to;
    child.start_position = s.counter;
    child.created_ms = now;
    s.shards.push_back(child);
  }
}

}  // namespace serverlite::stream
