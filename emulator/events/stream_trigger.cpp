#include "emulator/events/stream_trigger.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/events/filter_pattern.hpp"
#include "emulator/time_format.hpp"

namespace serverlite::events {

namespace asio = boost::asio;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Lambda's limit on a synchronous invocation's payload: a batch stops growing before the event
// would exceed it.
constexpr std::size_t kMaxPayloadBytes = 6'291'456;
constexpr std::size_t kEventOverhead = sizeof(R"({"Records":[]})") - 1;
// Lambda polls each shard about once a second when it has nothing to read.
constexpr auto kIdlePoll = 1s;
constexpr auto kThrottleRetry = 1s;
// Lambda backs off between retries of a failing batch; short here so that tests stay fast.
constexpr Clock::duration kFirstBackoff = 100ms;
constexpr Clock::duration kMaxBackoff = 2s;
constexpr int kSchemaVersion = 1;

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// FNV-1a: a stable hash, so a key always lands in the same lane.
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// What keeps records in order under a parallelization factor: Lambda keeps the order per
// partition key (Kinesis) or per item key (DynamoDB).
std::string ordering_key(const Json& record) {
  if (auto k = record.find("kinesis"); k != record.end() && k->is_object()) {
    if (auto pk = k->find("partitionKey"); pk != k->end() && pk->is_string())
      return pk->get<std::string>();
  }
  if (auto d = record.find("dynamodb"); d != record.end() && d->is_object()) {
    if (auto keys = d->find("Keys"); keys != d->end()) return keys->dump();
  }
  return "";
}

std::size_t payload_size(const SourceRecord& r) {
  return r.size_bytes ? r.size_bytes : r.lambda_record.dump().size();
}

}  // namespace

struct StreamTrigger::Impl : std::enable_shared_from_this<Impl> {
  // A batch being worked on: in flight, or failed and waiting for its retry.
  struct Batch {
    std::vector<SourceRecord> records;
    int invocations = 0;  // approximateInvokeCount of the failure record
    int retries = 0;      // failures that count against maximumRetryAttempts
    std::string last_request_id;
    std::optional<int> last_status;  // 200 after a function error, 429 after a throttle
    bool function_error = false;
  };

  // One of the parallelization factor's ordered streams within a shard.
  struct Lane {
    std::deque<SourceRecord> pending;  // read, not yet in a batch
    std::optional<Batch> batch;
    std::deque<Batch> halves;  // the rest of a bisected batch, retried in order
    bool in_flight = false;
    Clock::time_point window_ends{};
    Clock::time_point retry_at{};
    Clock::duration backoff = kFirstBackoff;

    bool idle() const { return pending.empty() && !batch && halves.empty() && !in_flight; }
  };

  struct ShardState {
    SourceShard shard;
    std::int64_t checkpoint = 0;  // as stored
    std::int64_t read_to = 0;     // position of the last record read
    bool end_seen = false;        // the source said nothing follows read_to
    bool finished = false;
    std::set<std::int64_t> outstanding;  // read, passed the filters, not done yet
    std::vector<Lane> lanes;
  };

  Impl(asio::io_context& io, store::Database& db, std::unique_ptr<ShardSource> source,
       invoker::Invoker& invoker, StreamTriggerSpec spec, FailureSink on_failure)
      : io(io),
        db(db),
        source(std::move(source)),
        invoker(invoker),
        spec(std::move(spec)),
        sink(std::move(on_failure)),
        timer(io) {
    arn = this->source->arn();
    mapping = this->spec.function_key + "|" + arn;
    lanes_per_shard = std::clamp(this->spec.event.parallelization_factor, 1, 10);
    batch_size = std::max(1, this->spec.event.batch_size);
    kind = this->source->batch_info_key() == "KinesisBatchInfo" ? "kinesis" : "dynamodb stream";
    for (const auto& text : this->spec.event.filter_patterns) {
      auto pattern = Json::parse(text, nullptr, false);
      if (pattern.is_discarded() || !pattern.is_object()) {
        log("filter pattern ignored: not a JSON object: " + text);
        continue;
      }
      patterns.push_back(std::move(pattern));
    }
    has_patterns = !this->spec.event.filter_patterns.empty();
    create_schema();
  }

  // ---- storage ---------------------------------------------------------------------------

  void create_schema() {
    if (db.schema_version("stream_trigger") < kSchemaVersion) {
      db.exec(
          "CREATE TABLE IF NOT EXISTS stream_checkpoints ("
          " mapping TEXT NOT NULL, shard_id TEXT NOT NULL, position INTEGER NOT NULL,"
          " finished INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (mapping, shard_id))");
      db.set_schema_version("stream_trigger", kSchemaVersion);
    }
    select = db.prepare(
        "SELECT position, finished FROM stream_checkpoints WHERE mapping = ? AND shard_id = ?");
    upsert = db.prepare(
        "INSERT INTO stream_checkpoints (mapping, shard_id, position, finished) VALUES (?,?,?,?)"
        " ON CONFLICT (mapping, shard_id) DO UPDATE SET position = excluded.position,"
        " finished = excluded.finished");
  }

  std::optional<std::pair<std::int64_t, bool>> load(const std::string& shard_id) {
    select->reset();
    select->bind(1, mapping).bind(2, shard_id);
    std::optional<std::pair<std::int64_t, bool>> row;
    if (select->step()) row = {select->column_int(0), select->column_int(1) != 0};
    select->reset();
    return row;
  }

  void save(const ShardState& s) {
    try {
      upsert->reset();
      upsert->bind(1, mapping)
          .bind(2, s.shard.shard_id)
          .bind(3, s.checkpoint)
          .bind(4, std::int64_t{s.finished ? 1 : 0});
      upsert->step();
      upsert->reset();
    } catch (const std::exception& e) {
      log("cannot save the checkpoint of " + s.shard.shard_id + ": " + e.what());
    }
  }

  // ---- scheduling ------------------------------------------------------------------------

  void schedule_pump() {
    if (stopped || pump_posted) return;
    pump_posted = true;
    asio::post(io, [self = shared_from_this()] {
      self->pump_posted = false;
      self->pump();
    });
  }

  void stop() {
    stopped = true;
    timer.cancel();
  }

  void pump() {
    if (stopped) return;
    auto now = Clock::now();
    if (need_refresh && now >= next_refresh) refresh(now);
    for (std::size_t i = 0; i < order.size() && !stopped; ++i) {
      ShardState& s = shards.at(order[i]);
      if (!s.finished && parents_done(s)) service(s, now);
    }
    if (!stopped) arm_timer(now);
  }

  // Wakes at the earliest moment something is due: a retry, the end of a batching window, the
  // idle poll of a shard, or a retry of the shard listing.
  void arm_timer(Clock::time_point now) {
    std::optional<Clock::time_point> due;
    auto consider = [&](Clock::time_point t) { due = due ? std::min(*due, t) : t; };
    if (need_refresh) consider(next_refresh);
    for (const auto& id : order) {
      const ShardState& s = shards.at(id);
      if (s.finished || !parents_done(s)) continue;
      if (!s.end_seen) consider(now + kIdlePoll);
      for (const auto& lane : s.lanes) {
        if (lane.in_flight) continue;
        if (lane.batch) consider(lane.retry_at);
        else if (!lane.halves.empty()) consider(now);
        else if (!lane.pending.empty()) consider(lane.window_ends);
      }
    }
    if (!due) return;  // every shard finished or waiting on an invocation
    timer.expires_at(std::max(*due, now));
    // Re-arming cancels the previous wait; its handler sees operation_aborted and does nothing.
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      self->pump();
    });
  }

  // ---- shards ----------------------------------------------------------------------------

  void refresh(Clock::time_point now) {
    auto listed = source->shards();
    if (!listed) {
      if (!reported_missing) log(kind + " trigger: " + arn + " does not exist (yet); retrying");
      reported_missing = true;
      next_refresh = now + 1s;
      return;
    }
    reported_missing = false;
    need_refresh = false;

    // Decide where new shards start before recording any of them, so that shards seen together
    // for the first time all get the mapping's starting position. A child of a shard this mapping
    // has read starts at its beginning (TRIM_HORIZON), as Lambda reads across a reshard.
    struct Start {
      const SourceShard* shard;
      std::optional<std::pair<std::int64_t, bool>> row;
      bool child_of_read_parent = false;
    };
    std::vector<Start> starts;
    std::set<std::string> listed_ids;
    for (const auto& sh : *listed) {
      listed_ids.insert(sh.shard_id);
      if (auto it = shards.find(sh.shard_id); it != shards.end()) {
        it->second.shard = sh;
        continue;
      }
      Start st{&sh, load(sh.shard_id)};
      for (const auto& p : {sh.parent, sh.adjacent_parent}) {
        if (p && (shards.contains(*p) || load(*p))) st.child_of_read_parent = true;
      }
      starts.push_back(std::move(st));
    }
    for (auto& st : starts) {
      ShardState s;
      s.shard = *st.shard;
      s.lanes.resize(static_cast<std::size_t>(lanes_per_shard));
      if (st.row) {
        s.checkpoint = st.row->first;
        s.finished = st.row->second;
      } else {
        s.checkpoint = st.child_of_read_parent ? 0 : source->starting_checkpoint(
                                                         s.shard.shard_id, starting_position(),
                                                         spec.event.starting_position_timestamp_ms);
        // Recorded now, so a restart resumes from where the mapping was created (LATEST then
        // does not skip what arrived while it was down).
        save(s);
      }
      s.read_to = s.checkpoint;
      std::string id = s.shard.shard_id;
      shards.emplace(id, std::move(s));
      order.push_back(id);
    }
    // A shard no longer listed has been trimmed by retention: nothing is left to read in it, so
    // it no longer holds back its children.
    for (auto& [id, s] : shards) {
      if (s.finished || listed_ids.contains(id)) continue;
      s.finished = true;
      save(s);
    }
  }

  StartingPosition starting_position() const {
    switch (spec.event.starting_position) {
      case app::StreamEventSpec::Start::TrimHorizon:
        return StartingPosition::TrimHorizon;
      case app::StreamEventSpec::Start::Latest:
        return StartingPosition::Latest;
      case app::StreamEventSpec::Start::AtTimestamp:
        return StartingPosition::AtTimestamp;
    }
    return StartingPosition::TrimHorizon;
  }

  // Lambda reads a child shard only after its parents are read to their end.
  bool parents_done(const ShardState& s) const {
    for (const auto& p : {s.shard.parent, s.shard.adjacent_parent}) {
      if (!p) continue;
      auto it = shards.find(*p);
      if (it != shards.end() && !it->second.finished) return false;
    }
    return true;
  }

  void service(ShardState& s, Clock::time_point now) {
    read_more(s, now);
    for (std::size_t i = 0; i < s.lanes.size() && !stopped; ++i) dispatch(s, i, now);
    check_finished(s, now);
  }

  void read_more(ShardState& s, Clock::time_point now) {
    if (s.end_seen) return;
    std::size_t buffered = 0;
    for (const auto& lane : s.lanes) buffered += lane.pending.size();
    const std::size_t room = static_cast<std::size_t>(batch_size) * s.lanes.size();
    if (buffered >= room) return;
    ShardRead got = source->read(s.shard.shard_id, s.read_to, static_cast<int>(room - buffered));
    for (auto& r : got.records) {
      s.read_to = std::max(s.read_to, r.position);
      // Records no pattern matches are dropped unseen and count as done, as Lambda does.
      if (!passes_filters(r)) continue;
      s.outstanding.insert(r.position);
      Lane& lane = s.lanes[lane_of(r, s.lanes.size())];
      if (lane.pending.empty())
        lane.window_ends = now + std::chrono::seconds(spec.event.maximum_batching_window_seconds);
      lane.pending.push_back(std::move(r));
    }
    s.end_seen = got.end_of_shard;
    advance_checkpoint(s);
  }

  std::size_t lane_of(const SourceRecord& r, std::size_t lanes) const {
    if (lanes <= 1) return 0;
    return static_cast<std::size_t>(fnv1a(ordering_key(r.lambda_record)) % lanes);
  }

  bool passes_filters(const SourceRecord& r) {
    if (!has_patterns) return true;
    for (const auto& pattern : patterns) {
      try {
        if (matches_filter(pattern, r.filter_document)) return true;
      } catch (const std::exception& e) {
        if (bad_patterns.insert(pattern.dump()).second)
          log("filter pattern ignored: " + std::string(e.what()));
      }
    }
    return false;
  }

  // The checkpoint is the highest position all lower positions of which are done.
  void advance_checkpoint(ShardState& s) {
    std::int64_t cp = s.outstanding.empty() ? s.read_to : *s.outstanding.begin() - 1;
    if (cp <= s.checkpoint) return;
    s.checkpoint = cp;
    save(s);
  }

  void check_finished(ShardState& s, Clock::time_point now) {
    if (!s.end_seen || !s.outstanding.empty()) return;
    for (const auto& lane : s.lanes)
      if (!lane.idle()) return;
    s.finished = true;
    save(s);
    // The shard was closed by a reshard: list again to find its children.
    need_refresh = true;
    next_refresh = now;
    schedule_pump();
  }

  // ---- batches ---------------------------------------------------------------------------

  void dispatch(ShardState& s, std::size_t index, Clock::time_point now) {
    Lane& lane = s.lanes[index];
    if (lane.in_flight) return;
    if (lane.batch) {
      if (now < lane.retry_at) return;
      return invoke(s, index);
    }
    if (!lane.halves.empty()) {
      lane.batch = std::move(lane.halves.front());
      lane.halves.pop_front();
      return invoke(s, index);
    }
    if (lane.pending.empty()) return;
    // As many records as batchSize and the payload limit allow; always at least one.
    std::size_t n = 0, bytes = kEventOverhead;
    while (n < lane.pending.size() && n < static_cast<std::size_t>(batch_size)) {
      std::size_t size = payload_size(lane.pending[n]) + (n ? 1 : 0);
      if (n > 0 && bytes + size > kMaxPayloadBytes) break;
      bytes += size;
      ++n;
    }
    bool full = n == static_cast<std::size_t>(batch_size) || n < lane.pending.size();
    // Within the batching window Lambda waits for a full batch; at a shard's end nothing more
    // can come.
    if (!full && now < lane.window_ends && !s.end_seen) return;
    Batch b;
    b.records.assign(std::make_move_iterator(lane.pending.begin()),
                     std::make_move_iterator(lane.pending.begin() + static_cast<long>(n)));
    lane.pending.erase(lane.pending.begin(), lane.pending.begin() + static_cast<long>(n));
    lane.batch = std::move(b);
    lane.backoff = kFirstBackoff;
    invoke(s, index);
  }

  std::int64_t now_ms() const {
    return epoch_ms(spec.clock ? spec.clock() : std::chrono::system_clock::now());
  }

  bool too_old(const Batch& b) const {
    if (spec.event.maximum_record_age_seconds < 0) return false;
    std::int64_t oldest = b.records.front().arrival_ms;
    for (const auto& r : b.records) oldest = std::min(oldest, r.arrival_ms);
    return now_ms() - oldest > std::int64_t{spec.event.maximum_record_age_seconds} * 1000;
  }

  void invoke(ShardState& s, std::size_t index) {
    Lane& lane = s.lanes[index];
    Batch& b = *lane.batch;
    // Lambda does not send records older than maximumRecordAgeInSeconds.
    if (too_old(b)) return give_up(s, index, "RecordAgeExceeded");
    Json records = Json::array();
    for (const auto& r : b.records) records.push_back(r.lambda_record);
    invoker::InvokeRequest req;
    req.function = spec.function_key;
    req.payload = Json{{"Records", std::move(records)}}.dump();
    ++b.invocations;
    lane.in_flight = true;
    invoker.invoke(std::move(req), [self = shared_from_this(), id = s.shard.shard_id,
                                    index](invoker::InvokeResult result) {
      if (self->stopped) return;
      self->on_result(id, index, std::move(result));
    });
  }

  void on_result(const std::string& shard_id, std::size_t index, invoker::InvokeResult result) {
    ShardState& s = shards.at(shard_id);
    Lane& lane = s.lanes[index];
    lane.in_flight = false;
    Batch& b = *lane.batch;
    b.last_request_id = result.request_id;
    using invoker::InvokeStatus;
    switch (result.status) {
      case InvokeStatus::Ok:
        b.last_status = 200;
        b.function_error = false;
        if (!spec.event.report_batch_item_failures) {
          succeed(s, index);
        } else {
          handle_batch_response(s, index, result.payload);
        }
        break;
      case InvokeStatus::FunctionError:
        b.last_status = 200;
        b.function_error = true;
        fail(s, index, 0, "failed (" + (result.error_type.empty() ? "error" : result.error_type) +
                              ")");
        break;
      case InvokeStatus::Throttled:
        // Lambda retries throttled batches without counting them, until the records expire.
        b.last_status = 429;
        b.function_error = false;
        lane.retry_at = Clock::now() + kThrottleRetry;
        break;
      case InvokeStatus::ShuttingDown:
        stop();
        return;
    }
    schedule_pump();
  }

  // ReportBatchItemFailures: {"batchItemFailures": [{"itemIdentifier": sequenceNumber}]}.
  // Success: null, {}, no or a null or empty list. Failure of the whole batch: anything Lambda
  // cannot read as that (an empty, null or unknown identifier, a wrong shape).
  void handle_batch_response(ShardState& s, std::size_t index, const std::string& payload) {
    const Batch& b = *s.lanes[index].batch;
    auto answer = payload.empty() ? Json() : Json::parse(payload, nullptr, false);
    if (answer.is_null()) return succeed(s, index);
    if (!answer.is_object()) return fail(s, index, 0, "returned an unreadable batch response");
    auto list = answer.find("batchItemFailures");
    if (list == answer.end() || list->is_null() || (list->is_array() && list->empty()))
      return succeed(s, index);
    if (!list->is_array()) return fail(s, index, 0, "returned an unreadable batch response");
    std::optional<std::size_t> lowest;
    for (const auto& f : *list) {
      auto id = f.is_object() ? f.value("itemIdentifier", Json()) : Json();
      std::optional<std::size_t> at;
      if (id.is_string() && !id.get_ref<const std::string&>().empty()) {
        for (std::size_t i = 0; i < b.records.size(); ++i)
          if (b.records[i].sequence_number == id.get_ref<const std::string&>()) at = i;
      }
      if (!at) return fail(s, index, 0, "returned an unreadable batch response");
      lowest = lowest ? std::min(*lowest, *at) : *at;
    }
    // Lambda checkpoints just before the lowest reported record and retries from there.
    fail(s, index, *lowest, "reported " + std::to_string(list->size()) + " failed record(s)");
  }

  void succeed(ShardState& s, std::size_t index) {
    Lane& lane = s.lanes[index];
    mark_done(s, lane.batch->records);
    lane.batch.reset();
    lane.backoff = kFirstBackoff;
  }

  // The batch failed from record `first_failed` on (0: all of it).
  void fail(ShardState& s, std::size_t index, std::size_t first_failed, const std::string& what) {
    Lane& lane = s.lanes[index];
    Batch& b = *lane.batch;
    auto now = Clock::now();
    if (first_failed > 0) {
      std::vector<SourceRecord> done(std::make_move_iterator(b.records.begin()),
                                     std::make_move_iterator(b.records.begin() +
                                                             static_cast<long>(first_failed)));
      b.records.erase(b.records.begin(), b.records.begin() + static_cast<long>(first_failed));
      mark_done(s, done);
    }
    std::string where = std::to_string(b.records.size()) + " record(s) from " +
                        s.shard.shard_id + " of " + arn;
    // bisectBatchOnFunctionError: the halves are retried in order; splitting does not use up
    // the retry quota (Lambda docs, "Splitting batches doesn't consume the retry quota").
    if (spec.event.bisect_batch_on_function_error && first_failed == 0 && b.records.size() > 1) {
      std::size_t half = b.records.size() / 2;
      Batch first, second;
      first.records.assign(std::make_move_iterator(b.records.begin()),
                           std::make_move_iterator(b.records.begin() + static_cast<long>(half)));
      second.records.assign(std::make_move_iterator(b.records.begin() + static_cast<long>(half)),
                            std::make_move_iterator(b.records.end()));
      log(kind + " batch of " + where + " " + what + "; splitting it in two");
      lane.halves.push_front(std::move(second));
      lane.batch = std::move(first);
      lane.retry_at = now;
      return;
    }
    ++b.retries;
    int max = spec.event.maximum_retry_attempts;
    if (max >= 0 && b.retries > max) return give_up(s, index, "RetryAttemptsExhausted", what);
    log(kind + " batch of " + where + " " + what + "; retrying (retry " +
        std::to_string(b.retries) + ")");
    lane.retry_at = now + lane.backoff;
    lane.backoff = std::min(lane.backoff * 2, kMaxBackoff);
  }

  // Discards the lane's current batch: a record of it goes to the on-failure destination and
  // the shard moves on past it.
  void give_up(ShardState& s, std::size_t index, const std::string& condition,
               const std::string& what = "") {
    Lane& lane = s.lanes[index];
    Batch b = std::move(*lane.batch);
    lane.batch.reset();
    lane.backoff = kFirstBackoff;
    std::string line = kind + " batch of " + std::to_string(b.records.size()) +
                       " record(s) from " + s.shard.shard_id + " of " + arn +
                       (what.empty() ? "" : " " + what) + "; given up (" + condition + ")";
    if (!spec.on_failure_arn.empty() && sink) {
      std::string error;
      if (sink(spec.on_failure_arn, failure_record(s, b, condition).dump(), error))
        line += ", its record sent to " + spec.on_failure_arn;
      else
        line += ", its record could not be sent to " + spec.on_failure_arn + ": " + error;
    } else {
      line += "; no on-failure destination, records dropped";
    }
    log(line);
    mark_done(s, b.records);
  }

  // The invocation record Lambda sends to an on-failure destination of a stream mapping. It
  // describes the batch; it does not carry the records.
  Json failure_record(const ShardState& s, const Batch& b, const std::string& condition) const {
    Json response = {{"executedVersion", "$LATEST"}};
    if (b.last_status) response["statusCode"] = *b.last_status;
    if (b.function_error) response["functionError"] = "Unhandled";
    const auto& first = b.records.front();
    const auto& last = b.records.back();
    return {
        {"requestContext",
         {{"requestId", b.last_request_id.empty() ? aws::new_request_id() : b.last_request_id},
          {"functionArn", spec.function_arn},
          {"condition", condition},
          {"approximateInvokeCount", b.invocations}}},
        {"responseContext", response},
        {"version", "1.0"},
        {"timestamp", iso8601_millis(now_ms())},
        {source->batch_info_key(),
         {{"shardId", s.shard.shard_id},
          {"startSequenceNumber", first.sequence_number},
          {"endSequenceNumber", last.sequence_number},
          {"approximateArrivalOfFirstRecord", iso8601_millis(first.arrival_ms)},
          {"approximateArrivalOfLastRecord", iso8601_millis(last.arrival_ms)},
          {"batchSize", b.records.size()},
          {"streamArn", arn}}},
    };
  }

  void mark_done(ShardState& s, const std::vector<SourceRecord>& records) {
    for (const auto& r : records) s.outstanding.erase(r.position);
    advance_checkpoint(s);
  }

  void log(const std::string& line) const {
    std::string out = "[" + spec.function_key + "] " + line + "\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
  }

  asio::io_context& io;
  store::Database& db;
  std::unique_ptr<ShardSource> source;
  invoker::Invoker& invoker;
  StreamTriggerSpec spec;
  FailureSink sink;
  asio::steady_timer timer;

  std::string arn, mapping, kind;
  int lanes_per_shard = 1;
  int batch_size = 1;
  std::vector<Json> patterns;
  bool has_patterns = false;
  std::set<std::string> bad_patterns;
  std::unique_ptr<store::Statement> select, upsert;

  std::map<std::string, ShardState> shards;
  std::vector<std::string> order;  // shard ids as first listed: parents before children
  bool stopped = false;
  bool pump_posted = false;
  bool need_refresh = true;
  bool reported_missing = false;
  Clock::time_point next_refresh{};
};

StreamTrigger::StreamTrigger(asio::io_context& io, store::Database& db,
                             std::unique_ptr<ShardSource> source, invoker::Invoker& invoker,
                             StreamTriggerSpec spec, FailureSink on_failure)
    : impl_(std::make_shared<Impl>(io, db, std::move(source), invoker, std::move(spec),
                                   std::move(on_failure))) {}

// Handlers still queued hold the Impl; stopping makes them no-ops.
StreamTrigger::~StreamTrigger() { impl_->stop(); }

void StreamTrigger::start() { impl_->schedule_pump(); }

void StreamTrigger::stop() { impl_->stop(); }

void StreamTrigger::wake() { impl_->schedule_pump(); }

std::string StreamTrigger::source_arn() const { return impl_->arn; }

}  // namespace serverlite::events
