// Records: PutRecord, PutRecords, GetShardIterator and GetRecords, the reads of triggers and the
// retention sweep (see engine.hpp).
#include "emulator/fnv.hpp"
#include "emulator/http/base64.hpp"
#include "emulator/time_format.hpp"
#include "services/stream/engine.hpp"
#include "services/stream/engine_internal.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {

namespace {

constexpr std::int64_t kIteratorLifetimeMs = 300'000;  // five minutes, as Kinesis
constexpr std::size_t kMaxRecordBytes = 1024 * 1024;      // data + partition key
constexpr std::size_t kMaxPutRecordsBytes = 5 * 1024 * 1024;
constexpr std::size_t kMaxGetRecordsBytes = 10 * 1024 * 1024;

// Writes reach a stream while it is ACTIVE or UPDATING; Kinesis answers one being created or
// deleted as it answers a missing one.
std::optional<Error> check_writable(const StreamEngine::Stream& s, const std::string& account) {
  if (s.status == StreamStatus::Active || s.status == StreamStatus::Updating) return std::nullopt;
  return Error{ErrorCode::ResourceNotFound,
               "Stream " + s.name + " under account " + account + " not found."};
}

struct Iterator {
  std::int64_t created_ms = 0;
  std::int64_t stream_created_ms = 0;
  std::int64_t shard_index = 0;
  std::int64_t after = 0;  // the next read returns records with a position above this
  std::string stream;
};

// Opaque to clients, and shaped like Kinesis's: eight bytes 0,0,0,0,0,0,0,1, then the fields and a
// checksum, padded with NULs to a multiple of 16 bytes and to at least 144, all in base64. A
// mangled iterator is rejected.
constexpr std::string_view kIteratorHeader{"\0\0\0\0\0\0\0\1", 8};

std::string encode_iterator(const Iterator& it) {
  std::string body = "1|" + std::to_string(it.created_ms) + "|" +
                     std::to_string(it.stream_created_ms) + "|" + std::to_string(it.shard_index) +
                     "|" + std::to_string(it.after) + "|" + it.stream;
  std::string payload = body + "|" + fnv1a_32_hex(body);
  std::size_t size = std::max<std::size_t>(144, (payload.size() + 15) / 16 * 16);
  payload.resize(size, '\0');
  return http::base64_encode(std::string(kIteratorHeader) + payload);
}

std::optional<Iterator> decode_iterator(std::string_view text) {
  auto decoded = http::base64_decode(text);
  if (!decoded || !decoded->starts_with(kIteratorHeader)) return std::nullopt;
  auto raw = std::make_optional(decoded->substr(kIteratorHeader.size()));
  while (!raw->empty() && raw->back() == '\0') raw->pop_back();
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

}  // namespace

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
  return PutRecordResult{shard_id_of(row.index), make_sequence_number({row.index, position, now, row.created_ms})};
}

Result<PutRecordResult> StreamEngine::put_record(const PutRecordRequest& request) {
  if (auto e = validate_record(request.record, true)) return *e;
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  if (auto e = check_writable(s, options_.account_id)) return *e;
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
  if (auto e = check_writable(s, options_.account_id)) return *e;
  std::int64_t now = now_ms();
  PutRecordsResult out;
  out.records.resize(request.records.size());
  // Kinesis writes a batch shard by shard: the records of one shard take consecutive positions,
  // in the order of the request.
  std::vector<std::pair<std::size_t, std::size_t>> by_shard;  // (shard, record)
  for (std::size_t i = 0; i < request.records.size(); ++i) {
    auto placed = place(s, request.records[i]);
    if (!placed) {
      out.records[i].error_code = "InternalFailure";
      out.records[i].error_message = "Internal service failure.";
      ++out.failed_record_count;
      continue;
    }
    by_shard.emplace_back(placed->first, i);
  }
  std::stable_sort(by_shard.begin(), by_shard.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  db_.transaction([&] {
    for (auto [shard, i] : by_shard) {
      const auto& r = request.records[i];
      if (auto e = take_put_capacity(s, shard, r.data.size() + r.partition_key.size(), now)) {
        out.records[i].error_code = std::string(error_code_name(e->code));
        out.records[i].error_message = e->message;
        ++out.failed_record_count;
        continue;
      }
      out.records[i].ok = insert(s, shard, r, now);
    }
  });
  if (out.failed_record_count < static_cast<int>(request.records.size())) notify(s.name);
  return out;
}

Result<GetShardIteratorResult> StreamEngine::get_shard_iterator(
    const GetShardIteratorRequest& request) {
  auto index = shard_index_of(request.shard_id);
  if (!index)
    return error(ErrorCode::ResourceNotFound, "Could not find shard " + request.shard_id +
                                                  " in stream " + request.name + " under account " +
                                                  options_.account_id + ".");
  auto missing = [&] {
    return error(ErrorCode::ResourceNotFound, "Shard " + shard_id_of(*index) + " in stream " +
                                                  request.name + " under account " +
                                                  options_.account_id + " does not exist");
  };
  auto found = find(request.name);
  if (!found) return missing();
  Stream& s = **found;
  ShardRow* row = s.shard(*index);
  std::int64_t now = now_ms();
  if (!row || !listed(s, *row, now)) return missing();
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
    if (parts->version != 2 || parts->shard_created_ms / 1000 != row->created_ms / 1000) {
      // Kinesis fails on the oldest layout rather than refusing it.
      if (parts->version == 0) return error(ErrorCode::InternalFailure, "");
      return error(ErrorCode::InvalidArgument,
                   "StartingSequenceNumber " + *request.starting_sequence_number +
                       " used in GetShardIterator on shard " + shard_id + " in stream " + s.name +
                       " under account " + options_.account_id +
                       " is invalid because it did not come from this stream.");
    }
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
    out.records.push_back(Record{make_sequence_number({row->index, position, arrival, row->created_ms}),
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
    out.push_back({position, Record{make_sequence_number({row->index, position, arrival, row->created_ms}),
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
  settle();
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
