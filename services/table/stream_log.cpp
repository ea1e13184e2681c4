#include "services/table/stream_log.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

#include "emulator/fnv.hpp"
#include "emulator/http/base64.hpp"
#include "emulator/time_format.hpp"
#include "emulator/fast_json.hpp"

namespace serverlite::table {

using Json = nlohmann::json;
using std::chrono::system_clock;

namespace {

constexpr std::int64_t kRetentionMs =
    std::chrono::duration_cast<std::chrono::milliseconds>(StreamLog::kRetention).count();
constexpr std::int64_t kIteratorLifetimeMs =
    std::chrono::duration_cast<std::chrono::milliseconds>(StreamLog::kIteratorLifetime).count();
constexpr std::int64_t kMaxGetRecords = 1000;
constexpr std::size_t kMaxGetRecordsBytes = 1024 * 1024;  // "a maximum of 1 MB of data"
constexpr int kPositionDigits = 20;

std::int64_t to_ms(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

system_clock::time_point from_ms(std::int64_t ms) {
  return system_clock::time_point(std::chrono::milliseconds(ms));
}

StreamError not_found_stream(const std::string& arn) {
  return {StreamErrorCode::ResourceNotFound,
          "Requested resource not found: Stream: " + arn + " not found"};
}

StreamError validation(std::string message) {
  return {StreamErrorCode::Validation, std::move(message)};
}

std::optional<StreamError> check_limit(std::optional<std::int64_t> limit, std::int64_t max) {
  if (!limit) return std::nullopt;
  if (*limit < 1)
    return validation("1 validation error detected: Value '" + std::to_string(*limit) +
                      "' at 'limit' failed to satisfy constraint: Member must have value "
                      "greater than or equal to 1");
  if (max > 0 && *limit > max)
    return validation("1 validation error detected: Value '" + std::to_string(*limit) +
                      "' at 'limit' failed to satisfy constraint: Member must have value less "
                      "than or equal to " + std::to_string(max));
  return std::nullopt;
}

// Two items equal as DynamoDB compares values (numbers by value, sets in any order ...).
bool items_equal(const Json& a, const Json& b) {
  return values_equal(Json{{"M", a}}, Json{{"M", b}});
}

struct Iterator {
  std::string arn;
  std::int64_t created_ms = 0;
  std::int64_t stream_id = 0;
  std::int64_t after = 0;  // the next read returns records above this position
  std::string shard_id;
};

// AWS's iterators read "<stream arn>|1|<opaque>"; ours carry the fields in the opaque part,
// with a checksum so a mangled iterator is rejected rather than misread.
std::string encode_iterator(const Iterator& it) {
  std::string body = std::to_string(it.created_ms) + "|" + std::to_string(it.stream_id) + "|" +
                     std::to_string(it.after) + "|" + it.shard_id + "|" + it.arn;
  return it.arn + "|1|" + http::base64_encode(body + "|" + fnv1a_32_hex(body));
}

std::optional<Iterator> decode_iterator(std::string_view text) {
  auto marker = text.find("|1|");
  if (marker == std::string_view::npos) return std::nullopt;
  auto raw = http::base64_decode(text.substr(marker + 3));
  if (!raw) return std::nullopt;
  auto bar = raw->rfind('|');
  if (bar == std::string::npos ||
      fnv1a_32_hex(std::string_view(*raw).substr(0, bar)) != raw->substr(bar + 1))
    return std::nullopt;
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    auto next = raw->find('|', start);
    if (next == std::string::npos || next >= bar) return std::nullopt;
    parts.push_back(raw->substr(start, next - start));
    start = next + 1;
  }
  Iterator it;
  it.arn = raw->substr(start, bar - start);
  if (it.arn != text.substr(0, marker)) return std::nullopt;
  try {
    it.created_ms = std::stoll(parts[0]);
    it.stream_id = std::stoll(parts[1]);
    it.after = std::stoll(parts[2]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  it.shard_id = parts[3];
  return it;
}

// (stream id, position) of a sequence number; nullopt when it is not one of ours.
std::optional<std::pair<std::int64_t, std::int64_t>> parse_sequence_number(std::string_view s) {
  if (s.size() <= static_cast<std::size_t>(kPositionDigits) || s.size() > 38) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  try {
    auto split = s.size() - kPositionDigits;
    return std::pair{std::stoll(std::string(s.substr(0, split))),
                     std::stoll(std::string(s.substr(split)))};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr const char* kStreamColumns =
    "id, arn, table_name, table_arn, label, view, enabled, created_ms, shard_id";

StreamDescription stream_of_row(const store::Statement& st) {
  StreamDescription d;
  d.id = st.column_int(0);
  d.arn = st.column_text(1);
  d.table = st.column_text(2);
  d.table_arn = st.column_text(3);
  d.label = st.column_text(4);
  d.view = parse_stream_view_type(st.column_text(5)).value_or(StreamViewType::KeysOnly);
  d.enabled = st.column_int(6) != 0;
  d.created = from_ms(st.column_int(7));
  d.shard_id = st.column_text(8);
  return d;
}

}  // namespace

std::string_view stream_view_type_name(StreamViewType view) {
  switch (view) {
    case StreamViewType::KeysOnly: return "KEYS_ONLY";
    case StreamViewType::NewImage: return "NEW_IMAGE";
    case StreamViewType::OldImage: return "OLD_IMAGE";
    case StreamViewType::NewAndOldImages: return "NEW_AND_OLD_IMAGES";
  }
  return "KEYS_ONLY";
}

std::optional<StreamViewType> parse_stream_view_type(std::string_view name) {
  for (auto v : {StreamViewType::KeysOnly, StreamViewType::NewImage, StreamViewType::OldImage,
                 StreamViewType::NewAndOldImages})
    if (stream_view_type_name(v) == name) return v;
  return std::nullopt;
}

Json stream_record_json(const StreamRecord& r, const std::string& region) {
  // "rounded down to the closest second": whole epoch seconds, a JSON integer as in Lambda's
  // events (a timestamp on the JSON protocol may be written either way).
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(r.created.time_since_epoch());
  Json dynamodb = {{"ApproximateCreationDateTime", static_cast<std::int64_t>(seconds.count())},
                   {"Keys", r.keys}};
  if (r.new_image) dynamodb["NewImage"] = *r.new_image;
  if (r.old_image) dynamodb["OldImage"] = *r.old_image;
  dynamodb["SequenceNumber"] = r.sequence_number;
  dynamodb["SizeBytes"] = r.size_bytes;
  dynamodb["StreamViewType"] = stream_view_type_name(r.view);
  Json out = {{"eventID", r.event_id},           {"eventName", r.event_name},
              {"eventVersion", "1.1"},           {"eventSource", "aws:dynamodb"},
              {"awsRegion", region},             {"dynamodb", std::move(dynamodb)}};
  if (r.by_ttl)
    out["userIdentity"] = {{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}};
  return out;
}

StreamLog::StreamLog(store::Database& db, std::string region, std::string account_id,
                     Clock clock)
    : db_(db), region_(std::move(region)), account_id_(std::move(account_id)),
      clock_(std::move(clock)) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS table_streams ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE,"
      " table_name TEXT NOT NULL, table_arn TEXT NOT NULL, label TEXT NOT NULL,"
      " view TEXT NOT NULL, enabled INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
      " disabled_ms INTEGER, shard_id TEXT NOT NULL,"
      " trimmed_position INTEGER NOT NULL DEFAULT 0);"
      "CREATE INDEX IF NOT EXISTS table_streams_by_table ON table_streams(table_name, id);"
      "CREATE TABLE IF NOT EXISTS table_stream_records ("
      " stream_id INTEGER NOT NULL, position INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
      " event_id TEXT NOT NULL, event_name TEXT NOT NULL, by_ttl INTEGER NOT NULL,"
      " keys TEXT NOT NULL, new_image TEXT, old_image TEXT, size INTEGER NOT NULL,"
      " PRIMARY KEY (stream_id, position)) WITHOUT ROWID;"
      "CREATE INDEX IF NOT EXISTS table_stream_records_by_time"
      " ON table_stream_records(stream_id, created_ms);");
  if (db_.schema_version("table_stream") < 1) db_.set_schema_version("table_stream", 1);
  insert_record_ = db_.prepare(
      "INSERT INTO table_stream_records(stream_id, position, created_ms, event_id, event_name,"
      " by_ttl, keys, new_image, old_image, size) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  std::random_device rd;
  event_seed_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  reload();
}

StreamLog::~StreamLog() = default;

system_clock::time_point StreamLog::now() const {
  return clock_ ? clock_() : system_clock::now();
}

std::int64_t StreamLog::now_ms() const { return to_ms(now()); }

std::int64_t StreamLog::horizon_ms() const { return now_ms() - kRetentionMs; }

std::string StreamLog::sequence_number(std::int64_t stream_id, std::int64_t position) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(position));
  return std::to_string(stream_id) + digits;
}

void StreamLog::set_on_records(std::function<void(const std::string&)> hook) {
  on_records_ = std::move(hook);
}

void StreamLog::reload() {
  std::map<std::string, Cached, std::less<>> fresh;
  auto st = db_.prepare(std::string("SELECT ") + kStreamColumns +
                        " FROM table_streams WHERE enabled = 1");
  while (st->step()) {
    Cached c{stream_of_row(*st), 1};
    fresh[c.stream.table] = std::move(c);
  }
  st.reset();
  for (auto& [table, c] : fresh) {
    c.next_position = last_position(c.stream.id) + 1;
    // Positions are never reused, even those of records a rollback took back.
    auto old = enabled_.find(table);
    if (old != enabled_.end() && old->second.stream.id == c.stream.id)
      c.next_position = std::max(c.next_position, old->second.next_position);
  }
  enabled_ = std::move(fresh);
}

std::int64_t StreamLog::last_position(std::int64_t stream_id) const {
  auto st = db_.prepare(
      "SELECT MAX(COALESCE((SELECT MAX(position) FROM table_stream_records WHERE stream_id = ?1),"
      " 0), trimmed_position) FROM table_streams WHERE id = ?1");
  st->bind(1, stream_id);
  return st->step() ? st->column_int(0) : 0;
}

std::optional<StreamDescription> StreamLog::load_stream(std::string_view where,
                                                        const store::Value& key) const {
  auto st = db_.prepare(std::string("SELECT ") + kStreamColumns + " FROM table_streams WHERE " +
                        std::string(where) + " AND (enabled = 1 OR disabled_ms >= ?)"
                        " ORDER BY id DESC LIMIT 1");
  st->bind(1, key).bind(2, horizon_ms());
  if (!st->step()) return std::nullopt;
  return stream_of_row(*st);
}

std::optional<StreamDescription> StreamLog::find(const std::string& arn) const {
  return load_stream("arn = ?", arn);
}

std::optional<StreamDescription> StreamLog::current(const std::string& table) const {
  auto it = enabled_.find(table);
  if (it == enabled_.end()) return std::nullopt;
  return it->second.stream;
}

std::optional<StreamDescription> StreamLog::latest(const std::string& table) const {
  return load_stream("table_name = ?", table);
}

StreamDescription StreamLog::enable(const std::string& table, const std::string& table_arn,
                                    StreamViewType view) {
  close(table);
  std::int64_t created = now_ms();
  // Labels are unique per table: two streams created in the same millisecond get the next one.
  auto taken = db_.prepare("SELECT 1 FROM table_streams WHERE table_name = ? AND label = ?");
  for (;; ++created) {
    taken->reset();
    taken->bind(1, table).bind(2, iso8601_millis(created, false));
    if (!taken->step()) break;
  }
  taken.reset();
  StreamDescription d;
  d.label = iso8601_millis(created, false);
  d.arn = "arn:aws:dynamodb:" + region_ + ":" + account_id_ + ":table/" + table + "/stream/" +
          d.label;
  d.view = view;
  d.enabled = true;
  d.table = table;
  d.table_arn = table_arn;
  d.created = from_ms(created);
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%020lld", static_cast<long long>(created));
  d.shard_id = std::string("shardId-") + stamp + "-" + fnv1a_32_hex(d.arn);
  auto insert = db_.prepare(
      "INSERT INTO table_streams(arn, table_name, table_arn, label, view, enabled, created_ms,"
      " shard_id) VALUES(?, ?, ?, ?, ?, 1, ?, ?)");
  insert->bind(1, d.arn).bind(2, table).bind(3, table_arn).bind(4, d.label)
      .bind(5, std::string(stream_view_type_name(view))).bind(6, created).bind(7, d.shard_id);
  insert->step();
  auto id = db_.prepare("SELECT id FROM table_streams WHERE arn = ?");
  id->bind(1, d.arn);
  id->step();
  d.id = id->column_int(0);
  enabled_[table] = Cached{d, 1};
  return d;
}

void StreamLog::close(const std::string& table) {
  auto st = db_.prepare(
      "UPDATE table_streams SET enabled = 0, disabled_ms = ? WHERE table_name = ? AND enabled = 1");
  st->bind(1, now_ms()).bind(2, table);
  st->step();
  enabled_.erase(table);
}

void StreamLog::disable(const std::string& table) { close(table); }

void StreamLog::table_deleted(const std::string& table) { close(table); }

std::string StreamLog::new_event_id() {
  ++event_counter_;
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx",
                static_cast<unsigned long long>(splitmix(event_seed_ + 2 * event_counter_)),
                static_cast<unsigned long long>(splitmix(event_seed_ + 2 * event_counter_ + 1)));
  return out;
}

bool StreamLog::append(const ItemChange& change) {
  auto it = enabled_.find(change.table);
  if (it == enabled_.end()) return false;
  Cached& c = it->second;
  std::string_view name;
  if (!change.old_image && change.new_image) name = "INSERT";
  else if (change.old_image && !change.new_image) name = "REMOVE";
  else if (change.old_image && change.new_image) {
    // DynamoDB writes no stream record for a write that changes nothing.
    if (items_equal(*change.old_image, *change.new_image)) return false;
    name = "MODIFY";
  } else {
    return false;
  }
  StreamViewType view = c.stream.view;
  bool keep_new = view == StreamViewType::NewImage || view == StreamViewType::NewAndOldImages;
  bool keep_old = view == StreamViewType::OldImage || view == StreamViewType::NewAndOldImages;
  const Json* new_image = keep_new && change.new_image ? &*change.new_image : nullptr;
  const Json* old_image = keep_old && change.old_image ? &*change.old_image : nullptr;
  std::int64_t size = static_cast<std::int64_t>(item_size(change.keys));
  if (new_image) size += static_cast<std::int64_t>(item_size(*new_image));
  if (old_image) size += static_cast<std::int64_t>(item_size(*old_image));

  std::int64_t position = c.next_position;
  auto& st = *insert_record_;
  st.reset();
  st.bind(1, c.stream.id).bind(2, position).bind(3, now_ms()).bind(4, new_event_id())
      .bind(5, std::string(name)).bind(6, std::int64_t{change.by_ttl ? 1 : 0})
      .bind(7, change.keys.dump())
      .bind(8, new_image ? store::Value(new_image->dump()) : store::Value(nullptr))
      .bind(9, old_image ? store::Value(old_image->dump()) : store::Value(nullptr))
      .bind(10, size);
  st.step();
  st.reset();
  c.next_position = position + 1;
  if (on_records_) on_records_(c.stream.arn);
  return true;
}

void StreamLog::trim() {
  std::int64_t horizon = horizon_ms();
  db_.transaction([&] {
    auto mark = db_.prepare(
        "UPDATE table_streams SET trimmed_position = MAX(trimmed_position, COALESCE((SELECT"
        " MAX(position) FROM table_stream_records r WHERE r.stream_id = table_streams.id AND"
        " r.created_ms < ?1), 0))");
    mark->bind(1, horizon);
    mark->step();
    auto drop = db_.prepare("DELETE FROM table_stream_records WHERE created_ms < ?");
    drop->bind(1, horizon);
    drop->step();
    auto drop_records = db_.prepare(
        "DELETE FROM table_stream_records WHERE stream_id IN (SELECT id FROM table_streams"
        " WHERE enabled = 0 AND disabled_ms < ?)");
    drop_records->bind(1, horizon);
    drop_records->step();
    auto drop_streams =
        db_.prepare("DELETE FROM table_streams WHERE enabled = 0 AND disabled_ms < ?");
    drop_streams->bind(1, horizon);
    drop_streams->step();
  });
}

// ---- reads -------------------------------------------------------------------------------------

std::optional<StreamShard> StreamLog::shard(const StreamDescription& stream) const {
  StreamShard s;
  s.shard_id = stream.shard_id;
  s.last_position = last_position(stream.id);
  s.starting_sequence_number = sequence_number(stream.id, 1);
  // A disabled stream's shard is closed: it ends at its last record.
  if (!stream.enabled)
    s.ending_sequence_number =
        sequence_number(stream.id, std::max<std::int64_t>(s.last_position, 1));
  return s;
}

std::vector<StreamRecord> StreamLog::read_after(const StreamDescription& stream,
                                                std::int64_t after, std::int64_t limit) const {
  std::vector<StreamRecord> out;
  if (limit <= 0) return out;
  auto st = db_.prepare(
      "SELECT position, created_ms, event_id, event_name, by_ttl, keys, new_image, old_image,"
      " size FROM table_stream_records WHERE stream_id = ? AND position > ? AND created_ms >= ?"
      " ORDER BY position LIMIT ?");
  st->bind(1, stream.id).bind(2, after).bind(3, horizon_ms()).bind(4, limit);
  while (st->step()) {
    StreamRecord r;
    r.position = st->column_int(0);
    r.sequence_number = sequence_number(stream.id, r.position);
    r.created = from_ms(st->column_int(1));
    r.event_id = st->column_text(2);
    r.event_name = st->column_text(3);
    r.by_ttl = st->column_int(4) != 0;
    r.keys = parse_json(st->column_text(5));
    if (!st->column_is_null(6)) r.new_image = parse_json(st->column_text(6));
    if (!st->column_is_null(7)) r.old_image = parse_json(st->column_text(7));
    r.size_bytes = st->column_int(8);
    r.view = stream.view;
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t StreamLog::trim_horizon_position(const StreamDescription& stream) const {
  auto st = db_.prepare(
      "SELECT MIN(position) FROM table_stream_records WHERE stream_id = ? AND created_ms >= ?");
  st->bind(1, stream.id).bind(2, horizon_ms());
  if (st->step() && !st->column_is_null(0)) return st->column_int(0) - 1;
  return last_position(stream.id);
}

std::int64_t StreamLog::position_before(const StreamDescription& stream,
                                        system_clock::time_point at) const {
  auto st = db_.prepare(
      "SELECT MIN(position) FROM table_stream_records WHERE stream_id = ? AND created_ms >= ?");
  st->bind(1, stream.id).bind(2, std::max(to_ms(at), horizon_ms()));
  if (st->step() && !st->column_is_null(0)) return st->column_int(0) - 1;
  return last_position(stream.id);
}

// The highest position no longer readable: deleted by trim() or past the retention.
std::int64_t StreamLog::trimmed_upto(const StreamDescription& stream) const {
  auto st = db_.prepare(
      "SELECT MAX(COALESCE((SELECT MAX(position) FROM table_stream_records WHERE stream_id = ?1"
      " AND created_ms < ?2), 0), trimmed_position) FROM table_streams WHERE id = ?1");
  st->bind(1, stream.id).bind(2, horizon_ms());
  return st->step() ? st->column_int(0) : 0;
}

// ---- DynamoDB Streams operations -------------------------------------------------------------

StreamResult<ListStreamsResult> StreamLog::list_streams(const ListStreamsRequest& request) const {
  if (auto e = check_limit(request.limit, 0)) return *e;
  std::int64_t limit = std::min<std::int64_t>(request.limit.value_or(100), 100);
  std::int64_t start_id = 0;
  if (request.exclusive_start_stream_arn) {
    auto st = db_.prepare("SELECT id FROM table_streams WHERE arn = ?");
    st->bind(1, *request.exclusive_start_stream_arn);
    if (!st->step()) return not_found_stream(*request.exclusive_start_stream_arn);
    start_id = st->column_int(0);
  }
  std::string sql = std::string("SELECT ") + kStreamColumns +
                    " FROM table_streams WHERE id > ? AND (enabled = 1 OR disabled_ms >= ?)";
  if (request.table) sql += " AND table_name = ?";
  sql += " ORDER BY id LIMIT ?";
  auto st = db_.prepare(sql);
  st->bind(1, start_id).bind(2, horizon_ms());
  int next = 3;
  if (request.table) st->bind(next++, *request.table);
  st->bind(next, limit + 1);
  ListStreamsResult out;
  while (st->step()) {
    if (static_cast<std::int64_t>(out.streams.size()) == limit) {
      out.last_evaluated_stream_arn = out.streams.back().arn;
      break;
    }
    out.streams.push_back(stream_of_row(*st));
  }
  return out;
}

StreamResult<DescribeStreamResult> StreamLog::describe_stream(
    const std::string& arn, std::optional<std::int64_t> limit,
    const std::optional<std::string>& exclusive_start_shard_id) const {
  if (auto e = check_limit(limit, 0)) return *e;
  auto stream = find(arn);
  if (!stream) return not_found_stream(arn);
  DescribeStreamResult out{*stream, {}, std::nullopt};
  // One shard: a page that starts after it is empty.
  if (!exclusive_start_shard_id || *exclusive_start_shard_id < stream->shard_id)
    out.shards.push_back(*shard(*stream));
  return out;
}

StreamResult<std::string> StreamLog::get_shard_iterator(
    const std::string& arn, const std::string& shard_id, ShardIteratorType type,
    const std::optional<std::string>& sequence_number) {
  auto stream = find(arn);
  if (!stream) return not_found_stream(arn);
  if (shard_id != stream->shard_id)
    return StreamError{StreamErrorCode::ResourceNotFound,
                       "Requested resource not found: Shard does not exist"};
  Iterator it{arn, now_ms(), stream->id, 0, shard_id};
  switch (type) {
    case ShardIteratorType::TrimHorizon:
      it.after = trim_horizon_position(*stream);
      break;
    case ShardIteratorType::Latest:
      it.after = last_position(stream->id);
      break;
    case ShardIteratorType::AtSequenceNumber:
    case ShardIteratorType::AfterSequenceNumber: {
      bool at = type == ShardIteratorType::AtSequenceNumber;
      std::string type_name = at ? "AT_SEQUENCE_NUMBER" : "AFTER_SEQUENCE_NUMBER";
      if (!sequence_number)
        return validation("Must specify a SequenceNumber for ShardIteratorType " + type_name);
      auto parsed = parse_sequence_number(*sequence_number);
      std::int64_t last = last_position(stream->id);
      if (!parsed || parsed->first != stream->id || parsed->second < 1 || parsed->second > last)
        return validation("Invalid SequenceNumber: " + *sequence_number + " is not a sequence "
                          "number of shard " + shard_id + " in stream " + arn);
      std::int64_t position = parsed->second;
      // The record asked for (AT) or the one after it (AFTER) is already past the retention.
      if ((at ? position : position + 1) <= trimmed_upto(*stream))
        return StreamError{StreamErrorCode::TrimmedDataAccess,
                           "The data you are trying to access has been trimmed"};
      it.after = at ? position - 1 : position;
      break;
    }
  }
  return encode_iterator(it);
}

StreamResult<GetRecordsResult> StreamLog::get_records(const std::string& iterator,
                                                      std::optional<std::int64_t> limit) {
  if (auto e = check_limit(limit, kMaxGetRecords)) return *e;
  auto it = decode_iterator(iterator);
  std::int64_t now = now_ms();
  if (!it || it->created_ms > now + 1000) return validation("Invalid ShardIterator");
  if (now - it->created_ms > kIteratorLifetimeMs)
    return StreamError{StreamErrorCode::ExpiredIterator,
                       "Iterator expired. The iterator was created at time " +
                           java_utc(it->created_ms) + " while right now it is " + java_utc(now) +
                           " which is further in the future than the tolerated delay of " +
                           std::to_string(kIteratorLifetimeMs) + " milliseconds."};
  auto stream = find(it->arn);
  if (!stream) return not_found_stream(it->arn);
  if (stream->id != it->stream_id || stream->shard_id != it->shard_id)
    return StreamError{StreamErrorCode::ResourceNotFound, "Invalid ShardId in ShardIterator"};
  if (trimmed_upto(*stream) > it->after)
    return StreamError{StreamErrorCode::TrimmedDataAccess,
                       "The data you are trying to access has been trimmed"};

  GetRecordsResult out;
  std::int64_t after = it->after;
  std::size_t bytes = 0;
  for (auto& r : read_after(*stream, after, limit.value_or(kMaxGetRecords))) {
    std::size_t size = static_cast<std::size_t>(r.size_bytes);
    if (!out.records.empty() && bytes + size > kMaxGetRecordsBytes) break;
    bytes += size;
    after = r.position;
    out.records.push_back(std::move(r));
  }
  bool closed = !stream->enabled;
  if (!(closed && after >= last_position(stream->id))) {
    Iterator next{it->arn, now, stream->id, after, stream->shard_id};
    out.next_shard_iterator = encode_iterator(next);
  }
  return out;
}

}  // namespace serverlite::table
