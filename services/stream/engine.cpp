// The stream engine's construction, schema and persistence of the stream tables, its lookups,
// and Kinesis's names (see engine.hpp).
#include "services/stream/engine.hpp"

#include "services/stream/engine_internal.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {

namespace {

// 2: records in a rowid table (see the constructor). 3: streams keep their status, when it ends
// and the change it waits for.
constexpr int kSchemaVersion = 3;

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
    case ErrorCode::InternalFailure: return "InternalFailure";
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
  int version = db_.schema_version("stream");
  bool migrate = version == 1;
  if (migrate) db_.exec("ALTER TABLE kinesis_records RENAME TO kinesis_records_v1");
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS kinesis_streams(
      name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, mode TEXT NOT NULL,
      retention_hours INTEGER NOT NULL, counter INTEGER NOT NULL,
      status TEXT NOT NULL DEFAULT 'ACTIVE', status_until_ms INTEGER NOT NULL DEFAULT 0,
      pending TEXT NOT NULL DEFAULT '');
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
  // Versions 1 and 2 kept no status: their streams are ACTIVE.
  if (version >= 1 && version < 3) {
    auto columns = db_.prepare("SELECT name FROM pragma_table_info('kinesis_streams')");
    bool has_status = false;
    while (columns->step()) has_status = has_status || columns->column_text(0) == "status";
    if (!has_status)
      db_.exec(
          "ALTER TABLE kinesis_streams ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE'; "
          "ALTER TABLE kinesis_streams ADD COLUMN status_until_ms INTEGER NOT NULL DEFAULT 0; "
          "ALTER TABLE kinesis_streams ADD COLUMN pending TEXT NOT NULL DEFAULT '';");
  }
  if (db_.schema_version("stream") < kSchemaVersion) db_.set_schema_version("stream", kSchemaVersion);
}

StreamEngine::~StreamEngine() = default;

std::int64_t StreamEngine::now_ms() const { return to_ms(clock_()); }

void StreamEngine::load() {
  // Status changes are settled once everything is loaded (lookup() would settle a half-read stream).
  auto raw = [this](const std::string& name) -> Stream* {
    auto it = streams_.find(name);
    return it == streams_.end() ? nullptr : it->second.get();
  };
  auto streams = db_.prepare(
      "SELECT name, created_ms, mode, retention_hours, counter, status, status_until_ms, pending "
      "FROM kinesis_streams");
  while (streams->step()) {
    auto s = std::make_unique<Stream>();
    s->name = streams->column_text(0);
    s->created_ms = streams->column_int(1);
    s->mode = streams->column_text(2) == "ON_DEMAND" ? StreamMode::OnDemand : StreamMode::Provisioned;
    s->retention_hours = static_cast<int>(streams->column_int(3));
    s->counter = streams->column_int(4);
    std::string status = streams->column_text(5);
    for (auto st : {StreamStatus::Creating, StreamStatus::Updating, StreamStatus::Deleting})
      if (status == stream_status_name(st)) s->status = st;
    s->status_until_ms = streams->column_int(6);
    s->pending = streams->column_text(7);
    if (s->status != StreamStatus::Active)
      next_change_ms_ = std::min(next_change_ms_, s->status_until_ms);
    streams_[s->name] = std::move(s);
  }
  auto shards = db_.prepare(
      "SELECT stream, shard_index, parent, adjacent_parent, hash_start, hash_end, start_position, "
      "created_ms, end_position, closed_ms FROM kinesis_shards ORDER BY stream, shard_index");
  while (shards->step()) {
    auto* s = raw(shards->column_text(0));
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
    if (auto* s = raw(last->column_text(0))) {
      if (auto* shard = s->shard(last->column_int(1))) shard->last_position = last->column_int(2);
      // Writes do not store the counter (a page less to write per commit): every position
      // handed out is either a stored record's or was stored by trim_expired() as it deleted
      // the record, so the larger of the two is the last position handed out.
      s->counter = std::max(s->counter, last->column_int(2));
    }
  auto tags = db_.prepare("SELECT stream, key, value FROM kinesis_tags");
  while (tags->step())
    if (auto* s = raw(tags->column_text(0))) s->tags[tags->column_text(1)] = tags->column_text(2);
}

void StreamEngine::save_stream(const Stream& s) {
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO kinesis_streams(name, created_ms, mode, retention_hours, counter, "
      "status, status_until_ms, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  st->bind(1, s.name).bind(2, s.created_ms).bind(3, std::string(stream_mode_name(s.mode)))
      .bind(4, std::int64_t{s.retention_hours}).bind(5, s.counter)
      .bind(6, std::string(stream_status_name(s.status))).bind(7, s.status_until_ms)
      .bind(8, s.pending);
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
  settle();
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

bool StreamEngine::stream_exists(const std::string& name) { return lookup(name) != nullptr; }

void StreamEngine::set_on_records(std::function<void(const std::string&)> hook) {
  on_records_ = std::move(hook);
}

void StreamEngine::notify(const std::string& name) {
  if (on_records_) on_records_(name);
}

}  // namespace serverlite::stream
