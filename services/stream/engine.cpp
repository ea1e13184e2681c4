#include "services/stream/engine.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <regex>

#include "emulator/fnv.hpp"
#include "emulator/http/base64.hpp"
#include "emulator/time_format.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {

namespace {

// 2: records in a rowid table (see the constructor).
constexpr int kSchemaVersion = 2;
constexpr std::int64_t kIteratorLifetimeMs = 300'000;  // five minutes, as Kinesis
constexpr std::int64_t kHourMs = 3'600'000;
constexpr int kMinRetentionHours = 24;
constexpr int kMaxRetentionHours = 8760;  // 365 days
constexpr std::size_t kMaxRecordBytes = 1024 * 1024;      // data + partition key
constexpr std::size_t kMaxPutRecordsBytes = 5 * 1024 * 1024;
constexpr std::size_t kMaxGetRecordsBytes = 10 * 1024 * 1024;
constexpr int kOnDemandShards = 4;  // what an ON_DEMAND stream starts with
constexpr std::size_t kMaxTagsPerStream = 50;

Error error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// "1 validation error detected: Value 'x' at 'streamName' failed to satisfy constraint: ...", the
// framework's message for a member outside its model's constraints.
Error validation(std::string_view value, std::string_view member, std::string_view constraint) {
  return error(ErrorCode::Validation, "1 validation error detected: Value '" + std::string(value) +
                                          "' at '" + std::string(member) +
                                          "' failed to satisfy constraint: Member must " +
                                          std::string(constraint));
}

std::optional<Error> check_range(std::optional<std::int64_t> value, std::string_view member,
                                 std::int64_t min, std::int64_t max) {
  if (!value) return std::nullopt;
  if (*value < min)
    return validation(std::to_string(*value), member,
                      "have value greater than or equal to " + std::to_string(min));
  if (*value > max)
    return validation(std::to_string(*value), member,
                      "have value less than or equal to " + std::to_string(max));
  return std::nullopt;
}

std::optional<Error> check_stream_name(std::string_view name, std::string_view member) {
  static const std::regex pattern("[a-zA-Z0-9_.-]+");
  if (name.size() > 128)
    return validation(name, member, "have length less than or equal to 128");
  if (name.empty()) return validation(name, member, "have length greater than or equal to 1");
  if (!std::regex_match(name.begin(), name.end(), pattern))
    return validation(name, member, "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  return std::nullopt;
}

struct Iterator {
  std::int64_t created_ms = 0;
  std::int64_t stream_created_ms = 0;
  std::int64_t shard_index = 0;
  std::int64_t after = 0;  // the next read returns records with a position above this
  std::string stream;
};

// Opaque to clients: base64 of the fields and a checksum, so a mangled iterator is rejected.
std::string encode_iterator(const Iterator& it) {
  std::string body = "1|" + std::to_string(it.created_ms) + "|" +
                     std::to_string(it.stream_created_ms) + "|" + std::to_string(it.shard_index) +
                     "|" + std::to_string(it.after) + "|" + it.stream;
  return http::base64_encode(body + "|" + fnv1a_32_hex(body));
}

std::optional<Iterator> decode_iterator(std::string_view text) {
  auto raw = http::base64_decode(text);
  if (!raw) return std::nullopt;
  auto bar = raw->rfind('|');
  if (bar == std::string::npos || fnv1a_32_hex(std::string_view(*raw).substr(0, bar)) != raw->substr(bar + 1))
    return std::nullopt;
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    auto next = raw->find('|', start);
    if (next == std::string::npos || next > bar) return std::nullopt;
    parts.push_back(raw->substr(start, next - start));
    start = next + 1;
  }
  if (parts[0] != "1") return std::nullopt;
  try {
    return Iterator{std::stoll(parts[1]), std::stoll(parts[2]), std::stoll(parts[3]),
                    std::stoll(parts[4]), raw->substr(start, bar - start)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// ListStreams / ListShards tokens: opaque, base64 of the fields and a checksum.
std::string encode_token(const std::string& body) {
  return http::base64_encode(body + "|" + fnv1a_32_hex(body));
}

std::optional<std::string> decode_token(std::string_view token) {
  auto raw = http::base64_decode(token);
  if (!raw) return std::nullopt;
  auto bar = raw->rfind('|');
  if (bar == std::string::npos || fnv1a_32_hex(std::string_view(*raw).substr(0, bar)) != raw->substr(bar + 1))
    return std::nullopt;
  return raw->substr(0, bar);
}

std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::ResourceNotFound: return "ResourceNotFoundException";
    case ErrorCode::ResourceInUse: return "ResourceInUseException";
    case ErrorCode::InvalidArgument: return "InvalidArgumentException";
    case ErrorCode::Validation: return "ValidationException";
    case ErrorCode::LimitExceeded: return "LimitExceededException";
    case ErrorCode::ExpiredIterator: return "ExpiredIteratorException";
    case ErrorCode::ProvisionedThroughputExceeded: return "ProvisionedThroughputExceededException";
  }
  return "InternalFailure";
}

std::string_view stream_mode_name(StreamMode mode) {
  switch (mode) {
    case StreamMode::Provisioned: return "PROVISIONED";
    case StreamMode::OnDemand: return "ON_DEMAND";
  }
  return "PROVISIONED";
}

std::string_view stream_status_name(StreamStatus status) {
  switch (status) {
    case StreamStatus::Creating: return "CREATING";
    case StreamStatus::Deleting: return "DELETING";
    case StreamStatus::Active: return "ACTIVE";
    case StreamStatus::Updating: return "UPDATING";
  }
  return "ACTIVE";
}

// ---- in-memory mirror of the stream tables ---------------------------------------------------

struct ShardRow {
  std::int64_t index = 0;
  std::optional<std::int64_t> parent;
  std::optional<std::int64_t> adjacent_parent;
  HashKey start = 0;
  HashKey end = 0;
  std::int64_t start_position = 0;  // the stream's counter when the shard was created
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> end_position;  // the stream's counter when the shard was closed
  std::optional<std::int64_t> closed_ms;
  std::int64_t last_position = 0;  // newest record's position; 0 when none was ever written
  // Throughput windows (whole seconds of the clock): in, and out.
  std::int64_t in_second = -1, out_second = -1;
  std::size_t in_bytes = 0, in_records = 0, out_bytes = 0;

  bool open() const { return !end_position.has_value(); }
};

struct StreamEngine::Stream {
  std::string name;
  std::int64_t created_ms = 0;
  StreamMode mode = StreamMode::Provisioned;
  int retention_hours = 24;
  std::int64_t counter = 0;  // the last position handed out
  std::vector<ShardRow> shards;  // by index
  std::map<std::string, std::string> tags;

  ShardRow* shard(std::int64_t index) {
    return index >= 0 && index < static_cast<std::int64_t>(shards.size()) ? &shards[index] : nullptr;
  }
  int open_shards() const {
    return static_cast<int>(std::count_if(shards.begin(), shards.end(), [](auto& s) { return s.open(); }));
  }
};

struct StreamEngine::Statements {
  explicit Statements(store::Database& db)
      : insert_record(db.prepare(
            "INSERT INTO kinesis_records(stream, shard_index, position, arrival_ms, partition_key, "
            "data) VALUES (?, ?, ?, ?, ?, ?)")),
        update_counter(db.prepare("UPDATE kinesis_streams SET counter = ? WHERE name = ?")),
        read_after(db.prepare(
            "SELECT position, arrival_ms, partition_key, data FROM kinesis_records WHERE stream = ? "
            "AND shard_index = ? AND position > ? AND arrival_ms >= ? ORDER BY position LIMIT ?")),
        first_at(db.prepare(
            "SELECT position FROM kinesis_records WHERE stream = ? AND shard_index = ? AND "
            "arrival_ms >= ? ORDER BY position LIMIT 1")),
        arrival_of(db.prepare("SELECT arrival_ms FROM kinesis_records WHERE stream = ? AND "
                              "shard_index = ? AND position = ?")) {}

  std::unique_ptr<store::Statement> insert_record, update_counter, read_after, first_at,
      arrival_of;
};

StreamEngine::StreamEngine(store::Database& db, EngineOptions options, Clock clock)
    : db_(db), options_(std::move(options)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  // Version 1 kept records WITHOUT ROWID: the whole record sat in the key's b-tree, whose
  // cells hold about 1,000 bytes on a 4 KiB page, so every 1 KiB record spilled into an
  // overflow page of its own (four times the pages written). Now records are rows of a rowid
  // table (three 1 KiB records to a page) found through a unique index on their key.
  db_.transaction([&] { create_schema(); });
  st_ = std::make_unique<Statements>(db_);
  load();
}

void StreamEngine::create_schema() {
  bool migrate = db_.schema_version("stream") == 1;
  if (migrate) db_.exec("ALTER TABLE kinesis_records RENAME TO kinesis_records_v1");
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS kinesis_streams(
      name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, mode TEXT NOT NULL,
      retention_hours INTEGER NOT NULL, counter INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS kinesis_shards(
      stream TEXT NOT NULL, shard_index INTEGER NOT NULL, parent INTEGER, adjacent_parent INTEGER,
      hash_start TEXT NOT NULL, hash_end TEXT NOT NULL, start_position INTEGER NOT NULL,
      created_ms INTEGER NOT NULL, end_position INTEGER, closed_ms INTEGER,
      PRIMARY KEY(stream, shard_index));
    CREATE TABLE IF NOT EXISTS kinesis_records(
      stream TEXT NOT NULL, shard_index INTEGER NOT NULL, position INTEGER NOT NULL,
      arrival_ms INTEGER NOT NULL, partition_key TEXT NOT NULL, data BLOB NOT NULL);
    CREATE UNIQUE INDEX IF NOT EXISTS kinesis_records_key
      ON kinesis_records(stream, shard_index, position);
    CREATE TABLE IF NOT EXISTS kinesis_tags(
      stream TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(stream, key));
  )");
  if (migrate)
    db_.exec(
        "INSERT INTO kinesis_records(stream, shard_index, position, arrival_ms, partition_key, "
        "data) SELECT stream, shard_index, position, arrival_ms, partition_key, data FROM "
        "kinesis_records_v1 ORDER BY stream, shard_index, position; "
        "DROP TABLE kinesis_records_v1;");
  if (db_.schema_version("stream") < kSchemaVersion) db_.set_schema_version("stream", kSchemaVersion);
}

StreamEngine::~StreamEngine() = default;

std::int64_t StreamEngine::now_ms() const { return to_ms(clock_()); }

void StreamEngine::load() {
  auto streams = db_.prepare("SELECT name, created_ms, mode, retention_hours, counter FROM kinesis_streams");
  while (streams->step()) {
    auto s = std::make_unique<Stream>();
    s->name = streams->column_text(0);
    s->created_ms = streams->column_int(1);
    s->mode = streams->column_text(2) == "ON_DEMAND" ? StreamMode::OnDemand : StreamMode::Provisioned;
    s->retention_hours = static_cast<int>(streams->column_int(3));
    s->counter = streams->column_int(4);
    streams_[s->name] = std::move(s);
  }
  auto shards = db_.prepare(
      "SELECT stream, shard_index, parent, adjacent_parent, hash_start, hash_end, start_position, "
      "created_ms, end_position, closed_ms FROM kinesis_shards ORDER BY stream, shard_index");
  while (shards->step()) {
    auto* s = lookup(shards->column_text(0));
    if (!s) continue;
    ShardRow row;
    row.index = shards->column_int(1);
    if (!shards->column_is_null(2)) row.parent = shards->column_int(2);
    if (!shards->column_is_null(3)) row.adjacent_parent = shards->column_int(3);
    row.start = parse_hash_key(shards->column_text(4)).value_or(0);
    row.end = parse_hash_key(shards->column_text(5)).value_or(0);
    row.start_position = shards->column_int(6);
    row.created_ms = shards->column_int(7);
    if (!shards->column_is_null(8)) row.end_position = shards->column_int(8);
    if (!shards->column_is_null(9)) row.closed_ms = shards->column_int(9);
    s->shards.push_back(row);
  }
  auto last = db_.prepare(
      "SELECT stream, shard_index, MAX(position) FROM kinesis_records GROUP BY stream, shard_index");
  while (last->step())
    if (auto* s = lookup(last->column_text(0))) {
      if (auto* shard = s->shard(last->column_int(1))) shard->last_position = last->column_int(2);
      // Writes do not store the counter (a page less to write per commit): every position
      // handed out is either a stored record's or was stored by trim_expired() as it deleted
      // the record, so the larger of the two is the last position handed out.
      s->counter = std::max(s->counter, last->column_int(2));
    }
  auto tags = db_.prepare("SELECT stream, key, value FROM kinesis_tags");
  while (tags->step())
    if (auto* s = lookup(tags->column_text(0))) s->tags[tags->column_text(1)] = tags->column_text(2);
}

void StreamEngine::save_stream(const Stream& s) {
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO kinesis_streams(name, created_ms, mode, retention_hours, counter) "
      "VALUES (?, ?, ?, ?, ?)");
  st->bind(1, s.name).bind(2, s.created_ms).bind(3, std::string(stream_mode_name(s.mode)))
      .bind(4, std::int64_t{s.retention_hours}).bind(5, s.counter);
  st->step();
}

void StreamEngine::save_shards(const Stream& s) {
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO kinesis_shards(stream, shard_index, parent, adjacent_parent, "
      "hash_start, hash_end, start_position, created_ms, end_position, closed_ms) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto opt = [](const std::optional<std::int64_t>& v) -> store::Value {
    return v ? store::Value(*v) : store::Value(nullptr);
  };
  for (const auto& row : s.shards) {
    st->reset();
    st->bind(1, s.name).bind(2, row.index).bind(3, opt(row.parent)).bind(4, opt(row.adjacent_parent))
        .bind(5, hash_key_text(row.start)).bind(6, hash_key_text(row.end))
        .bind(7, row.start_position).bind(8, row.created_ms).bind(9, opt(row.end_position))
        .bind(10, opt(row.closed_ms));
    st->step();
  }
}

StreamEngine::Stream* StreamEngine::lookup(const std::string& name) {
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second.get();
}

Result<StreamEngine::Stream*> StreamEngine::find(const std::string& name) {
  if (auto* s = lookup(name)) return s;
  return error(ErrorCode::ResourceNotFound,
               "Stream " + name + " under account " + options_.account_id + " not found.");
}

std::string StreamEngine::stream_arn(std::string_view name) const {
  return "arn:aws:kinesis:" + options_.region + ":" + options_.account_id + ":stream/" +
         std::string(name);
}

std::optional<std::string> StreamEngine::name_from_arn(std::string_view arn) const {
  std::string prefix = "arn:aws:kinesis:" + options_.region + ":" + options_.account_id + ":stream/";
  if (!arn.starts_with(prefix) || arn.size() == prefix.size()) return std::nullopt;
  return std::string(arn.substr(prefix.size()));
}

bool StreamEngine::stream_exists(const std::string& name) const { return streams_.contains(name); }

void StreamEngine::set_on_records(std::function<void(const std::string&)> hook) {
  on_records_ = std::move(hook);
}

void StreamEngine::notify(const std::string& name) {
  if (on_records_) on_records_(name);
}

// ---- streams ---------------------------------------------------------------------------------

Result<Empty> StreamEngine::create_stream(const CreateStreamRequest& request) {
  if (auto e = check_stream_name(request.name, "streamName")) return *e;
  StreamMode mode = request.mode.value_or(StreamMode::Provisioned);
  std::int64_t count;
  if (mode == StreamMode::OnDemand) {
    if (request.shard_count)
      return error(ErrorCode::InvalidArgument,
                   "ShardCount is not supported for ON_DEMAND stream mode.");
    count = kOnDemandShards;
  } else {
    if (!request.shard_count)
      return error(ErrorCode::InvalidArgument,
                   "ShardCount is missing in the request for a PROVISIONED stream.");
    if (auto e = check_range(request.shard_count, "shardCount", 1, 100000)) return *e;
    count = *request.shard_count;
  }
  if (lookup(request.name))
    return error(ErrorCode::ResourceInUse, "Stream " + request.name + " under account " +
                                               options_.account_id + " already exists.");
  int used = 0;
  for (auto& [_, s] : streams_) used += s->open_shards();
  if (used + count > options_.shard_limit)
    return error(ErrorCode::LimitExceeded,
                 "This request would exceed the shard limit for the account " +
                     options_.account_id + " in " + options_.region +
                     ". Current shard count for the account: " + std::to_string(used) +
                     ". Limit: " + std::to_string(options_.shard_limit) +
                     ". Number of additional shards that would have resulted from this request: " +
                     std::to_string(count) + ".");
  auto s = std::make_unique<Stream>();
  s->name = request.name;
  s->created_ms = now_ms();
  s->mode = mode;
  s->tags = request.tags;
  auto ranges = even_ranges(static_cast<int>(count));
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    ShardRow row;
    row.index = static_cast<std::int64_t>(i);
    row.start = ranges[i].first;
    row.end = ranges[i].second;
    row.created_ms = s->created_ms;
    s->shards.push_back(row);
  }
  db_.transaction([&] {
    save_stream(*s);
    save_shards(*s);
    auto tag = db_.prepare("INSERT INTO kinesis_tags(stream, key, value) VALUES (?, ?, ?)");
    for (auto& [k, v] : s->tags) {
      tag->reset();
      tag->bind(1, s->name).bind(2, k).bind(3, v);
      tag->step();
    }
  });
  streams_[request.name] = std::move(s);
  return Empty{};
}

Result<Empty> StreamEngine::delete_stream(const DeleteStreamRequest& request) {
  auto s = find(request.name);
  if (!s) return s.error();
  db_.transaction([&] {
    for (const char* table : {"kinesis_records", "kinesis_shards", "kinesis_tags"}) {
      auto st = db_.prepare(std::string("DELETE FROM ") + table + " WHERE stream = ?");
      st->bind(1, request.name);
      st->step();
    }
    auto st = db_.prepare("DELETE FROM kinesis_streams WHERE name = ?");
    st->bind(1, request.name);
    st->step();
  });
  streams_.erase(request.name);
  return Empty{};
}

static Shard shard_view(const StreamEngine::Stream& s, const ShardRow& row) {
  Shard out;
  out.shard_id = shard_id_of(row.index);
  if (row.parent) out.parent_shard_id = shard_id_of(*row.parent);
  if (row.adjacent_parent) out.adjacent_parent_shard_id = shard_id_of(*row.adjacent_parent);
  out.hash_key_range = {hash_key_text(row.start), hash_key_text(row.end)};
  out.sequence_number_range.starting =
      make_sequence_number({row.index, row.start_position, row.created_ms});
  if (row.end_position)
    out.sequence_number_range.ending =
        make_sequence_number({row.index, *row.end_position, row.closed_ms.value_or(0)});
  (void)s;
  return out;
}

// A closed shard stays listed while its records may still be read: until the retention period
// has passed since it was closed.
static bool listed(const StreamEngine::Stream& s, const ShardRow& row, std::int64_t now) {
  return row.open() || *row.closed_ms + s.retention_hours * kHourMs > now;
}

static StreamDescription summary(const StreamEngine::Stream& s, const std::string& arn) {
  StreamDescription d;
  d.name = s.name;
  d.arn = arn;
  d.status = StreamStatus::Active;
  d.mode = s.mode;
  d.retention_period_hours = s.retention_hours;
  d.created = from_ms(s.created_ms);
  d.open_shard_count = s.open_shards();
  return d;
}

Result<DescribeStreamResult> StreamEngine::describe_stream(const DescribeStreamRequest& request) {
  if (auto e = check_range(request.limit, "limit", 1, 10000)) return *e;
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  DescribeStreamResult out;
  out.stream = summary(s, stream_arn(s.name));
  std::int64_t after = -1;
  if (request.exclusive_start_shard_id)
    after = shard_index_of(*request.exclusive_start_shard_id).value_or(-1);
  std::size_t limit = static_cast<std::size_t>(request.limit.value_or(100));
  std::int64_t now = now_ms();
  for (const auto& row : s.shards) {
    if (row.index <= after || !listed(s, row, now)) continue;
    if (out.shards.size() == limit) {
      out.has_more_shards = true;
      break;
    }
    out.shards.push_back(shard_view(s, row));
  }
  return out;
}

Result<StreamDescription> StreamEngine::describe_stream_summary(const StreamRef& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  return summary(**found, stream_arn(request.name));
}

Result<ListStreamsResult> StreamEngine::list_streams(const ListStreamsRequest& request) {
  if (auto e = check_range(request.limit, "limit", 1, 10000)) return *e;
  std::optional<std::string> after = request.exclusive_start_stream_name;
  if (request.next_token) {
    auto body = decode_token(*request.next_token);
    if (!body || !body->starts_with("streams|"))
      return error(ErrorCode::InvalidArgument, "Invalid NextToken.");
    after = body->substr(8);
  }
  std::size_t limit = static_cast<std::size_t>(request.limit.value_or(100));
  ListStreamsResult out;
  for (auto it = after ? streams_.upper_bound(*after) : streams_.begin(); it != streams_.end(); ++it) {
    if (out.streams.size() == limit) {
      out.has_more = true;
      out.next_token = encode_token("streams|" + out.streams.back().name);
      break;
    }
    out.streams.push_back(summary(*it->second, stream_arn(it->first)));
  }
  return out;
}

Result<ListShardsResult> StreamEngine::list_shards(const ListShardsRequest& request) {
  if (auto e = check_range(request.max_results, "maxResults", 1, 10000)) return *e;
  std::string name;
  std::int64_t after = -1;
  if (request.next_token) {
    if (request.name)
      return error(ErrorCode::InvalidArgument, "NextToken and StreamName cannot be provided together.");
    if (request.exclusive_start_shard_id || request.filter)
      return error(ErrorCode::InvalidArgument,
                   "NextToken cannot be combined with ExclusiveStartShardId or ShardFilter.");
    auto body = decode_token(*request.next_token);
    auto bar = body ? body->find('|', 7) : std::string::npos;
    if (!body || !body->starts_with("shards|") || bar == std::string::npos)
      return error(ErrorCode::InvalidArgument, "Invalid ShardIterator.");
    after = std::stoll(body->substr(7, bar - 7));
    name = body->substr(bar + 1);
  } else {
    if (!request.name)
      return error(ErrorCode::InvalidArgument, "Either NextToken or StreamName should be provided.");
    name = *request.name;
    if (request.exclusive_start_shard_id)
      after = shard_index_of(*request.exclusive_start_shard_id).value_or(-1);
  }
  auto found = find(name);
  if (!found) return found.error();
  Stream& s = **found;
  std::int64_t now = now_ms();
  std::function<bool(const ShardRow&)> keep = [](const ShardRow&) { return true; };
  if (request.filter) {
    const ShardFilter& f = *request.filter;
    switch (f.type) {
      case ShardFilterType::AfterShardId: {
        if (!f.shard_id)
          return error(ErrorCode::InvalidArgument,
                       "Must specify ShardId in ShardFilter when the ShardFilterType is AFTER_SHARD_ID.");
        std::int64_t limit = shard_index_of(*f.shard_id).value_or(-1);
        keep = [limit](const ShardRow& r) { return r.index > limit; };
        break;
      }
      case ShardFilterType::AtTrimHorizon: {
        // The shards open at the trim horizon: those not closed before the oldest record kept.
        std::int64_t horizon = now - s.retention_hours * kHourMs;
        keep = [horizon](const ShardRow& r) {
          return r.created_ms <= horizon ? (r.open() || *r.closed_ms > horizon) : !r.parent;
        };
        break;
      }
      case ShardFilterType::FromTrimHorizon:
        break;
      case ShardFilterType::AtLatest:
        keep = [](const ShardRow& r) { return r.open(); };
        break;
      case ShardFilterType::AtTimestamp:
      case ShardFilterType::FromTimestamp: {
        if (!f.timestamp)
          return error(ErrorCode::InvalidArgument,
                       "Must specify timestamp in ShardFilter when the ShardFilterType is "
                       "AT_TIMESTAMP or FROM_TIMESTAMP.");
        std::int64_t t = to_ms(*f.timestamp);
        bool at = f.type == ShardFilterType::AtTimestamp;
        keep = [t, at](const ShardRow& r) {
          bool open_after = r.open() || *r.closed_ms > t;
          return at ? open_after && (r.created_ms <= t || !r.parent) : open_after;
        };
        break;
      }
    }
  }
  std::size_t limit = static_cast<std::size_t>(request.max_results.value_or(1000));
  ListShardsResult out;
  for (const auto& row : s.shards) {
    if (row.index <= after || !listed(s, row, now) || !keep(row)) continue;
    if (out.shards.size() == limit) {
      out.next_token = encode_token("shards|" + std::to_string(row.index - 1) + "|" + s.name);
      break;
    }
    out.shards.push_back(shard_view(s, row));
  }
  return out;
}

Result<Empty> StreamEngine::increase_retention_period(const RetentionRequest& request) {
  return change_retention(request, true);
}

Result<Empty> StreamEngine::decrease_retention_period(const RetentionRequest& request) {
  return change_retention(request, false);
}

// Increase and Decrease each move the period one way only, within [24 hours, 365 days].
Result<Empty> StreamEngine::change_retention(const RetentionRequest& request, bool increase) {
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  std::string requested = "Requested retention period (" + std::to_string(request.hours) + " hours)";
  if (request.hours > kMaxRetentionHours)
    return error(ErrorCode::InvalidArgument, "Maximum allowed retention period is " +
                                                 std::to_string(kMaxRetentionHours) + " hours. " +
                                                 requested + " is too long.");
  if (request.hours < kMinRetentionHours)
    return error(ErrorCode::InvalidArgument, "Minimum allowed retention period is " +
                                                 std::to_string(kMinRetentionHours) + " hours. " +
                                                 requested + " is too short.");
  if (increase ? request.hours < s.retention_hours : request.hours > s.retention_hours)
    return error(ErrorCode::InvalidArgument,
                 requested + " for stream " + s.name + " can not be " +
                     (increase ? "shorter" : "longer") + " than existing retention period (" +
                     std::to_string(s.retention_hours) + " hours). Use " +
                     (increase ? "DecreaseRetentionPeriod" : "IncreaseRetentionPeriod") + " API.");
  s.retention_hours = static_cast<int>(request.hours);
  db_.transaction([&] { save_stream(s); });
  return Empty{};
}

Result<Empty> StreamEngine::add_tags(const TagsRequest& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  if (request.tags.empty())
    return validation("{}", "tags", "have length greater than or equal to 1");
  if (request.tags.size() > 10)
    return validation("...", "tags", "have length less than or equal to 10");
  auto merged = s.tags;
  for (auto& [k, v] : request.tags) merged[k] = v;
  if (merged.size() > kMaxTagsPerStream)
    return error(ErrorCode::InvalidArgument,
                 "Failed to add tags to stream " + s.name + " under account " +
                     options_.account_id + " because a given stream cannot have more than " +
                     std::to_string(kMaxTagsPerStream) + " tags.");
  db_.transaction([&] {
    auto st = db_.prepare("INSERT OR REPLACE INTO kinesis_tags(stream, key, value) VALUES (?, ?, ?)");
    for (auto& [k, v] : request.tags) {
      st->reset();
      st->bind(1, s.name).bind(2, k).bind(3, v);
      st->step();
    }
  });
  s.tags = std::move(merged);
  return Empty{};
}

Result<Empty> StreamEngine::remove_tags(const TagsRequest& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  if (request.keys.empty())
    return validation("[]", "tagKeys", "have length greater than or equal to 1");
  if (request.keys.size() > 50)
    return validation("...", "tagKeys", "have length less than or equal to 50");
  db_.transaction([&] {
    auto st = db_.prepare("DELETE FROM kinesis_tags WHERE stream = ? AND key = ?");
    for (auto& k : request.keys) {
      st->reset();
      st->bind(1, s.name).bind(2, k);
      st->step();
    }
  });
  for (auto& k : request.keys) s.tags.erase(k);
  return Empty{};
}

Result<ListTagsResult> StreamEngine::list_tags(const ListTagsRequest& request) {
  if (auto e = check_range(request.limit, "limit", 1, 50)) return *e;
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  std::size_t limit = static_cast<std::size_t>(request.limit.value_or(50));
  ListTagsResult out;
  auto it = request.exclusive_start_tag_key ? s.tags.upper_bound(*request.exclusive_start_tag_key)
                                            : s.tags.begin();
  for (; it != s.tags.end(); ++it) {
    if (out.tags.size() == limit) {
      out.has_more = true;
      break;
    }
    out.tags.emplace_back(it->first, it->second);
  }
  return out;
}

// ---- resharding ------------------------------------------------------------------------------

static Error shard_not_found(const std::string& shard, const std::string& stream,
                             const std::string& account) {
  return Error{ErrorCode::ResourceNotFound, "Could not find shard " + shard + " in stream " +
                                                stream + " under account " + account + "."};
}

Result<Empty> StreamEngine::split_shard(const SplitShardRequest& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  auto index = shard_index_of(request.shard_to_split);
  ShardRow* parent = index ? s.shard(*index) : nullptr;
  if (!parent || !listed(s, *parent, now_ms()))
    return shard_not_found(request.shard_to_split, s.name, options_.account_id);
  auto key = parse_hash_key(request.new_starting_hash_key);
  std::string parent_id = shard_id_of(parent->index);
  if (!key || *key <= parent->start + 1 || *key >= parent->end)
    return error(ErrorCode::InvalidArgument,
                 "NewStartingHashKey " + request.new_starting_hash_key +
                     " used in SplitShard() on shard " + parent_id + " in stream " + s.name +
                     " under account " + options_.account_id +
                     " is not both greater than one plus the shard's StartingHashKey " +
                     hash_key_text(parent->start) + " and less than the shard's EndingHashKey " +
                     hash_key_text(parent->end) + ".");
  if (!parent->open())
    return error(ErrorCode::ResourceInUse, "Shard " + parent_id + " in stream " + s.name +
                                               " under account " + options_.account_id +
                                               " has already been merged or split, and thus is "
                                               "not eligible for merging or splitting.");
  int used = 0;
  for (auto& [_, other] : streams_) used += other->open_shards();
  if (used + 1 > options_.shard_limit)
    return error(ErrorCode::LimitExceeded,
                 "This request would exceed the shard limit for the account " +
                     options_.account_id + " in " + options_.region +
                     ". Current shard count for the account: " + std::to_string(used) +
                     ". Limit: " + std::to_string(options_.shard_limit) +
                     ". Number of additional shards that would have resulted from this request: 1.");
  std::int64_t now = now_ms();
  HashKey start = parent->start, end = parent->end;
  std::int64_t parent_index = parent->index;
  parent->end_position = s.counter;
  parent->closed_ms = now;
  for (auto [from, to] : {std::pair{start, *key - 1}, std::pair{*key, end}}) {
    ShardRow child;
    child.index = static_cast<std::int64_t>(s.shards.size());
    child.parent = parent_index;
    child.start = from;
    child.end = to;
    child.start_position = s.counter;
    child.created_ms = now;
    s.shards.push_back(child);
  }
  db_.transaction([&] { save_shards(s); });
  return Empty{};
}

Result<Empty> StreamEngine::merge_shards(const MergeShardsRequest& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  std::int64_t now = now_ms();
  auto a_index = shard_index_of(request.shard_to_merge);
  auto b_index = shard_index_of(request.adjacent_shard_to_merge);
  ShardRow* a = a_index ? s.shard(*a_index) : nullptr;
  ShardRow* b = b_index ? s.shard(*b_index) : nullptr;
  if (!a || !listed(s, *a, now))
    return shard_not_found(request.shard_to_merge, s.name, options_.account_id);
  if (!b || !listed(s, *b, now))
    return shard_not_found(request.adjacent_shard_to_merge, s.name, options_.account_id);
  for (ShardRow* r : {a, b})
    if (!r->open())
      return error(ErrorCode::ResourceInUse, "Shard " + shard_id_of(r->index) + " in stream " +
                                                 s.name + " under account " + options_.account_id +
                                                 " has already been merged or split, and thus is "
                                                 "not eligible for merging or splitting.");
  bool adjacent = (a->end != kMaxHashKey && a->end + 1 == b->start) ||
                  (b->end != kMaxHashKey && b->end + 1 == a->start);
  if (!adjacent)
    return error(ErrorCode::InvalidArgument,
                 "Shards " + shard_id_of(a->index) + " and " + shard_id_of(b->index) +
                     " in stream " + s.name + " under account " + options_.account_id +
                     " are not an adjacent pair of shards eligible for merging");
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
  db_.transaction([&] { save_shards(s); });
  return Empty{};
}

Result<UpdateShardCountResult> StreamEngine::update_shard_count(
    const UpdateShardCountRequest& request) {
  if (auto e = check_range(request.target_shard_count, "targetShardCount", 1, 100000)) return *e;
  if (request.scaling_type != "UNIFORM_SCALING")
    return validation(request.scaling_type, "scalingType",
                      "satisfy enum value set: [UNIFORM_SCALING]");
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  int current = s.open_shards();
  std::int64_t target = request.target_shard_count;
  if (target > 2 * static_cast<std::int64_t>(current))
    return error(ErrorCode::LimitExceeded,
                 "UpdateShardCount cannot scale up over double your current open shard count. "
                 "Current open shard count: " + std::to_string(current) +
                     " Target shard count: " + std::to_string(target));
  if (target * 2 < current)
    return error(ErrorCode::LimitExceeded,
                 "UpdateShardCount cannot scale down below half your current open shard count. "
                 "Current open shard count: " + std::to_string(current) +
                     " Target shard count: " + std::to_string(target));
  int used = 0;
  for (auto& [_, other] : streams_) used += other->open_shards();
  if (used - current + target > options_.shard_limit)
    return error(ErrorCode::LimitExceeded,
                 "This request would exceed the shard limit for the account " +
                     options_.account_id + " in " + options_.region +
                     ". Current shard count for the account: " + std::to_string(used) +
                     ". Limit: " + std::to_string(options_.shard_limit) +
                     ". Number of additional shards that would have resulted from this request: " +
                     std::to_string(target - current) + ".");
  UpdateShardCountResult out{s.name, stream_arn(s.name), current, static_cast<int>(target)};
  if (target == current) return out;
  std::int64_t now = now_ms();
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
  db_.transaction([&] { save_shards(s); });
  return out;
}

// ---- records ---------------------------------------------------------------------------------

std::optional<Error> StreamEngine::validate_record(const RecordInput& r, bool single) const {
  std::string prefix = single ? "" : "records.member.";
  if (r.partition_key.empty())
    return validation("", "partitionKey", "have length greater than or equal to 1");
  if (r.partition_key.size() > 256)
    return validation(r.partition_key, "partitionKey", "have length less than or equal to 256");
  if (r.data.size() > kMaxRecordBytes)
    return validation("java.nio.HeapByteBuffer[pos=0 lim=" + std::to_string(r.data.size()) +
                          " cap=" + std::to_string(r.data.size()) + "]",
                      "data", "have length less than or equal to 1048576");
  if (r.explicit_hash_key && !parse_hash_key(*r.explicit_hash_key))
    return error(ErrorCode::InvalidArgument,
                 "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                 "Specified value was " + *r.explicit_hash_key);
  return std::nullopt;
}

Result<std::pair<std::size_t, std::string>> StreamEngine::place(const Stream& s,
                                                                const RecordInput& r) {
  HashKey key = r.explicit_hash_key ? *parse_hash_key(*r.explicit_hash_key)
                                    : partition_key_hash(r.partition_key);
  for (std::size_t i = 0; i < s.shards.size(); ++i) {
    const auto& row = s.shards[i];
    if (row.open() && row.start <= key && key <= row.end)
      return std::pair{i, shard_id_of(row.index)};
  }
  // Unreachable while open shards cover the key space, as every operation keeps them.
  return error(ErrorCode::InvalidArgument, "No open shard holds hash key " + hash_key_text(key));
}

// `now` is the call's arrival: every record of a PutRecords counts against the same second.
std::optional<Error> StreamEngine::take_put_capacity(Stream& s, std::size_t shard,
                                                     std::size_t bytes, std::int64_t now) {
  if (!options_.throughput_limits) return std::nullopt;
  ShardRow& row = s.shards[shard];
  std::int64_t second = now / 1000;
  if (row.in_second != second) {
    row.in_second = second;
    row.in_bytes = 0;
    row.in_records = 0;
  }
  if (row.in_records + 1 > 1000 || row.in_bytes + bytes > 1024 * 1024)
    return error(ErrorCode::ProvisionedThroughputExceeded,
                 "Rate exceeded for shard " + shard_id_of(row.index) + " in stream " + s.name +
                     " under account " + options_.account_id + ".");
  row.in_records += 1;
  row.in_bytes += bytes;
  return std::nullopt;
}

PutRecordResult StreamEngine::insert(Stream& s, std::size_t shard, const RecordInput& r,
                                     std::int64_t now) {
  ShardRow& row = s.shards[shard];
  std::int64_t position = ++s.counter;
  auto& st = *st_->insert_record;
  st.reset();
  st.bind_text(1, s.name).bind(2, row.index).bind(3, position).bind(4, now)
      .bind_text(5, r.partition_key).bind_text(6, r.data);
  st.step();
  row.last_position = position;
  return PutRecordResult{shard_id_of(row.index), make_sequence_number({row.index, position, now})};
}

Result<PutRecordResult> StreamEngine::put_record(const PutRecordRequest& request) {
  if (auto e = validate_record(request.record, true)) return *e;
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  if (const auto& ordering = request.record.sequence_number_for_ordering) {
    auto parts = parse_sequence_number(*ordering);
    if (!parts || parts->time_ms > now_ms())
      return error(ErrorCode::InvalidArgument,
                   "ExclusiveMinimumSequenceNumber " + *ordering + " used in PutRecord on stream " +
                       s.name + " under account " + options_.account_id + " is invalid.");
    // Every new position is above every position handed out, so the new sequence number is
    // greater than `ordering` as the API promises.
  }
  auto placed = place(s, request.record);
  if (!placed) return placed.error();
  std::size_t bytes = request.record.data.size() + request.record.partition_key.size();
  std::int64_t now = now_ms();
  if (auto e = take_put_capacity(s, placed->first, bytes, now)) return *e;
  PutRecordResult out;
  db_.transaction([&] { out = insert(s, placed->first, request.record, now); });
  notify(s.name);
  return out;
}

Result<PutRecordsResult> StreamEngine::put_records(const PutRecordsRequest& request) {
  if (request.records.empty())
    return validation("[]", "records", "have length greater than or equal to 1");
  if (request.records.size() > 500)
    return validation("[...]", "records", "have length less than or equal to 500");
  std::size_t total = 0;
  for (std::size_t i = 0; i < request.records.size(); ++i) {
    const auto& r = request.records[i];
    if (auto e = validate_record(r, false)) {
      // The framework names the member: 'records.N.member.partitionKey' (1-based).
      auto msg = e->message;
      auto at = msg.find("at '");
      if (e->code == ErrorCode::Validation && at != std::string::npos)
        msg.insert(at + 4, "records." + std::to_string(i + 1) + ".member.");
      return Error{e->code, msg};
    }
    total += r.data.size() + r.partition_key.size();
  }
  if (total > kMaxPutRecordsBytes)
    return error(ErrorCode::InvalidArgument,
                 "Records size exceeds 5 MB limit");
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  std::int64_t now = now_ms();
  PutRecordsResult out;
  out.records.resize(request.records.size());
  db_.transaction([&] {
    for (std::size_t i = 0; i < request.records.size(); ++i) {
      const auto& r = request.records[i];
      auto placed = place(s, r);
      if (!placed) {
        out.records[i].error_code = "InternalFailure";
        out.records[i].error_message = "Internal service failure.";
        ++out.failed_record_count;
        continue;
      }
      if (auto e = take_put_capacity(s, placed->first, r.data.size() + r.partition_key.size(),
                                     now)) {
        out.records[i].error_code = std::string(error_code_name(e->code));
        out.records[i].error_message = e->message;
        ++out.failed_record_count;
        continue;
      }
      out.records[i].ok = insert(s, placed->first, r, now);
    }
  });
  if (out.failed_record_count < static_cast<int>(request.records.size())) notify(s.name);
  return out;
}

Result<GetShardIteratorResult> StreamEngine::get_shard_iterator(
    const GetShardIteratorRequest& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  auto index = shard_index_of(request.shard_id);
  ShardRow* row = index ? s.shard(*index) : nullptr;
  std::int64_t now = now_ms();
  if (!row || !listed(s, *row, now))
    return error(ErrorCode::ResourceNotFound,
                 "Shard " + (index ? shard_id_of(*index) : request.shard_id) + " in stream " +
                     s.name + " under account " + options_.account_id + " does not exist");
  std::string shard_id = shard_id_of(row->index);
  bool by_sequence = request.type == IteratorType::AtSequenceNumber ||
                     request.type == IteratorType::AfterSequenceNumber;
  Iterator it{now, s.created_ms, row->index, 0, s.name};
  if (by_sequence) {
    if (!request.starting_sequence_number)
      return error(ErrorCode::InvalidArgument,
                   "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
                   "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
                   "StartingSequenceNumber. Request specified " +
                       std::string(request.type == IteratorType::AtSequenceNumber
                                       ? "AT_SEQUENCE_NUMBER"
                                       : "AFTER_SEQUENCE_NUMBER") +
                       " and no StartingSequenceNumber.");
    auto parts = parse_sequence_number(*request.starting_sequence_number);
    if (!parts)
      return error(ErrorCode::InvalidArgument,
                   "StartingSequenceNumber " + *request.starting_sequence_number +
                       " used in GetShardIterator on shard " + shard_id + " in stream " + s.name +
                       " under account " + options_.account_id + " is invalid.");
    if (parts->shard_index != row->index)
      return error(ErrorCode::InvalidArgument,
                   "Invalid StartingSequenceNumber. It encodes " + shard_id_of(parts->shard_index) +
                       ", while it was used in a call to a shard with " + shard_id);
    if (parts->position > s.counter || parts->time_ms < s.created_ms)
      return error(ErrorCode::InvalidArgument,
                   "StartingSequenceNumber " + *request.starting_sequence_number +
                       " used in GetShardIterator on shard " + shard_id + " in stream " + s.name +
                       " under account " + options_.account_id +
                       " is invalid because it did not come from this stream.");
    it.after = request.type == IteratorType::AtSequenceNumber ? parts->position - 1 : parts->position;
  } else {
    if (request.starting_sequence_number)
      return error(ErrorCode::InvalidArgument,
                   "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
                   "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
                   "StartingSequenceNumber. Request specified " +
                       std::string(request.type == IteratorType::Latest ? "LATEST"
                                   : request.type == IteratorType::TrimHorizon ? "TRIM_HORIZON"
                                                                                : "AT_TIMESTAMP") +
                       " and also a StartingSequenceNumber.");
    switch (request.type) {
      case IteratorType::TrimHorizon:
        it.after = row->start_position;
        break;
      case IteratorType::Latest:
        it.after = row->open() ? s.counter : *row->end_position;
        break;
      case IteratorType::AtTimestamp: {
        if (!request.timestamp)
          return error(ErrorCode::InvalidArgument,
                       "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
                       "Current request has no timestamp parameter.");
        if (to_ms(*request.timestamp) > now)
          return error(ErrorCode::InvalidArgument,
                       "The timestampInMillis parameter cannot be greater than the "
                       "currentTimestampInMillis. timestampInMillis: " +
                           std::to_string(to_ms(*request.timestamp)) +
                           ", currentTimestampInMillis: " + std::to_string(now));
        it.after = position_before(s.name, shard_id, *request.timestamp);
        break;
      }
      default:
        break;
    }
  }
  return GetShardIteratorResult{encode_iterator(it)};
}

Result<GetRecordsResult> StreamEngine::get_records(const GetRecordsRequest& request) {
  if (auto e = check_range(request.limit, "limit", 1, 10000)) return *e;
  auto it = decode_iterator(request.shard_iterator);
  std::int64_t now = now_ms();
  if (!it || it->created_ms > now + 1000)
    return error(ErrorCode::InvalidArgument, "Invalid ShardIterator.");
  if (request.stream_arn && name_from_arn(*request.stream_arn) != it->stream)
    return error(ErrorCode::InvalidArgument,
                 "Invalid ShardIterator: it does not belong to stream " + *request.stream_arn + ".");
  if (now - it->created_ms > kIteratorLifetimeMs)
    return error(ErrorCode::ExpiredIterator,
                 "Iterator expired. The iterator was created at time " + java_utc(it->created_ms) +
                     " while right now it is " + java_utc(now) +
                     " which is further in the future than the tolerated delay of 300000 "
                     "milliseconds.");
  Stream* s = lookup(it->stream);
  ShardRow* row = s && s->created_ms == it->stream_created_ms ? s->shard(it->shard_index) : nullptr;
  if (!row)
    return error(ErrorCode::ResourceNotFound,
                 "Shard " + shard_id_of(it->shard_index) + " in stream " + it->stream +
                     " under account " + options_.account_id + " does not exist");
  std::int64_t limit = request.limit.value_or(10000);
  std::int64_t horizon = now - s->retention_hours * kHourMs;

  if (options_.throughput_limits) {
    std::int64_t second = now / 1000;
    if (row->out_second != second) {
      row->out_second = second;
      row->out_bytes = 0;
    }
    if (row->out_bytes >= 2 * 1024 * 1024)
      return error(ErrorCode::ProvisionedThroughputExceeded,
                   "Rate exceeded for Shard - " + options_.account_id + ":" + it->stream + ":" +
                       shard_id_of(row->index) + " (limit: 2 MiB per second).");
  }

  GetRecordsResult out;
  std::int64_t after = it->after;
  std::size_t bytes = 0;
  auto& st = *st_->read_after;
  st.reset();
  st.bind(1, s->name).bind(2, row->index).bind(3, after).bind(4, horizon).bind(5, limit + 1);
  bool more = false;
  std::int64_t next_arrival = 0;
  while (st.step()) {
    if (static_cast<std::int64_t>(out.records.size()) == limit) {
      more = true;
      next_arrival = st.column_int(1);
      break;
    }
    std::string data = st.column_text(3);
    std::string key = st.column_text(2);
    if (!out.records.empty() && bytes + data.size() + key.size() > kMaxGetRecordsBytes) {
      more = true;
      next_arrival = st.column_int(1);
      break;
    }
    bytes += data.size() + key.size();
    std::int64_t position = st.column_int(0);
    std::int64_t arrival = st.column_int(1);
    out.records.push_back(Record{make_sequence_number({row->index, position, arrival}),
                                 from_ms(arrival), std::move(data), std::move(key), ""});
    after = position;
  }
  st.reset();
  if (options_.throughput_limits) row->out_bytes += bytes;
  out.millis_behind_latest = more ? std::max<std::int64_t>(0, now - next_arrival) : 0;
  bool at_end = !more && !row->open() && after >= row->last_position;
  if (at_end) {
    for (const auto& child : s->shards)
      if (child.parent == row->index || child.adjacent_parent == row->index) {
        ChildShard c{shard_id_of(child.index), {}, {hash_key_text(child.start), hash_key_text(child.end)}};
        if (child.parent) c.parent_shards.push_back(shard_id_of(*child.parent));
        if (child.adjacent_parent) c.parent_shards.push_back(shard_id_of(*child.adjacent_parent));
        out.child_shards.push_back(std::move(c));
      }
  } else {
    // A reader caught up stays at the tip: later records of this shard come next.
    Iterator next{now, s->created_ms, row->index, after, s->name};
    out.next_shard_iterator = encode_iterator(next);
  }
  return out;
}

// ---- for triggers ----------------------------------------------------------------------------

std::optional<std::vector<ShardState>> StreamEngine::shard_states(const std::string& name) {
  Stream* s = lookup(name);
  if (!s) return std::nullopt;
  std::vector<ShardState> out;
  std::int64_t now = now_ms();
  for (const auto& row : s->shards)
    if (listed(*s, row, now)) out.push_back({shard_view(*s, row), !row.open(), row.last_position});
  return out;
}

std::vector<StoredRecord> StreamEngine::read_after(const std::string& name,
                                                   const std::string& shard_id, std::int64_t after,
                                                   int limit) {
  std::vector<StoredRecord> out;
  Stream* s = lookup(name);
  auto index = shard_index_of(shard_id);
  ShardRow* row = s && index ? s->shard(*index) : nullptr;
  if (!row) return out;
  std::int64_t horizon = now_ms() - s->retention_hours * kHourMs;
  auto& st = *st_->read_after;
  st.reset();
  st.bind(1, s->name).bind(2, row->index).bind(3, after).bind(4, horizon).bind(5, std::int64_t{limit});
  while (st.step()) {
    std::int64_t position = st.column_int(0);
    std::int64_t arrival = st.column_int(1);
    out.push_back({position, Record{make_sequence_number({row->index, position, arrival}),
                                    from_ms(arrival), st.column_text(3), st.column_text(2), ""}});
  }
  st.reset();
  return out;
}

std::int64_t StreamEngine::position_before(const std::string& name, const std::string& shard_id,
                                           TimePoint at) {
  Stream* s = lookup(name);
  auto index = shard_index_of(shard_id);
  ShardRow* row = s && index ? s->shard(*index) : nullptr;
  if (!row) return 0;
  std::int64_t horizon = now_ms() - s->retention_hours * kHourMs;
  auto& st = *st_->first_at;
  st.reset();
  st.bind(1, s->name).bind(2, row->index).bind(3, std::max(to_ms(at), horizon));
  std::int64_t result = row->open() ? s->counter : *row->end_position;
  if (st.step()) result = st.column_int(0) - 1;
  st.reset();
  return result;
}

std::int64_t StreamEngine::trim_horizon_position(const std::string& name,
                                                 const std::string& shard_id) {
  Stream* s = lookup(name);
  auto index = shard_index_of(shard_id);
  ShardRow* row = s && index ? s->shard(*index) : nullptr;
  return row ? row->start_position : 0;
}

void StreamEngine::trim_expired() {
  std::int64_t now = now_ms();
  db_.transaction([&] {
    auto st = db_.prepare("DELETE FROM kinesis_records WHERE stream = ? AND arrival_ms < ?");
    for (auto& [name, s] : streams_) {
      st->reset();
      st->bind(1, name).bind(2, now - s->retention_hours * kHourMs);
      st->step();
      // The deleted records' positions may be the highest handed out: keep the counter past them.
      if (db_.changes() > 0) {
        st_->update_counter->reset();
        st_->update_counter->bind(1, s->counter).bind(2, name);
        st_->update_counter->step();
      }
    }
  });
}

}  // namespace serverlite::stream
