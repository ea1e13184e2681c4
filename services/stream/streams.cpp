// Stream and shard management: CreateStream, DeleteStream, DescribeStream(Summary), ListStreams,
// ListShards, retention periods, tags and resharding (see engine.hpp).
#include <cctype>
#include <functional>
#include <regex>

#include "emulator/fnv.hpp"
#include "emulator/http/base64.hpp"
#include "services/stream/engine.hpp"
#include "services/stream/engine_internal.hpp"
#include "services/stream/keys.hpp"

namespace serverlite::stream {

namespace {

constexpr int kMinRetentionHours = 24;
constexpr int kMaxRetentionHours = 8760;  // 365 days
constexpr int kOnDemandShards = 4;  // what an ON_DEMAND stream starts with
constexpr std::size_t kMaxTagsPerStream = 50;
// The end of Kinesis's messages about the account's shard limit.
const std::string kLimitsAdvice =
    " Refer to the AWS Service Limits page "
    "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits "
    "and how to request higher limits.";

std::optional<Error> check_stream_name(std::string_view name, std::string_view member) {
  static const std::regex pattern("[a-zA-Z0-9_.-]+");
  if (name.size() > 128)
    return validation(name, member, "have length less than or equal to 128");
  if (name.empty()) return validation(name, member, "have length greater than or equal to 1");
  if (!std::regex_match(name.begin(), name.end(), pattern))
    return validation(name, member, "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  return std::nullopt;
}

// Tag keys and values hold letters, digits, spaces and _ . / = + - % @ (any character outside
// ASCII is taken as a letter); '%' passes this check but not the next (tag_illegal).
bool tag_chars_valid(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80 || std::isalnum(c)) continue;
    if (std::string_view(" _./=+-%@").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  }
  return true;
}

std::optional<Error> check_tag_text(const std::vector<std::string>& texts, std::string_view verb,
                                    const std::string& stream, const std::string& account) {
  for (const auto& t : texts)
    if (!tag_chars_valid(t))
      return error(ErrorCode::InvalidArgument,
                   "Some tags contain invalid characters. Valid characters: Unicode letters, "
                   "digits, white space, _ . / = + - % @.");
  for (const auto& t : texts)
    if (t.find('%') != std::string::npos)
      return error(ErrorCode::InvalidArgument,
                   "Failed to " + std::string(verb) + " stream " + stream + " under account " +
                       account +
                       " because some tags contained illegal characters. The allowed characters "
                       "are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.");
  return std::nullopt;
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

}  // namespace

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
  int used = account_shards();
  if (used + count > options_.shard_limit)
    return error(ErrorCode::LimitExceeded,
                 "This request would exceed the shard limit for the account " +
                     options_.account_id + " in " + options_.region +
                     ". Current shard count for the account: " + std::to_string(used) +
                     ". Limit: " + std::to_string(options_.shard_limit) +
                     ". Number of additional shards that would have resulted from this request: " +
                     std::to_string(count) + "." + kLimitsAdvice);
  auto s = std::make_unique<Stream>();
  s->name = request.name;
  s->created_ms = now_ms();
  s->mode = mode;
  s->tags = request.tags;
  db_.transaction([&] {
    save_stream(*s);
    auto tag = db_.prepare("INSERT INTO kinesis_tags(stream, key, value) VALUES (?, ?, ?)");
    for (auto& [k, v] : s->tags) {
      tag->reset();
      tag->bind(1, s->name).bind(2, k).bind(3, v);
      tag->step();
    }
  });
  Stream& created = *s;
  streams_[request.name] = std::move(s);
  // The stream has its shards once it is ACTIVE.
  begin_change(created, StreamStatus::Creating, options_.create_stream_ms,
               "create|" + std::to_string(count));
  return Empty{};
}

Result<Empty> StreamEngine::delete_stream(const DeleteStreamRequest& request) {
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  if (s.status == StreamStatus::Deleting) return Empty{};
  // Its records, shards and tags go at once; the stream stays DELETING, without shards, for the
  // deletion's time.
  if (options_.delete_stream_ms > 0) {
    db_.transaction([&] { erase_stream_rows(s.name, false); });
    s.shards.clear();
    s.tags.clear();
  }
  begin_change(s, StreamStatus::Deleting, options_.delete_stream_ms, "delete");
  return Empty{};
}

static StreamDescription summary(const StreamEngine::Stream& s, const std::string& arn) {
  StreamDescription d;
  d.name = s.name;
  d.arn = arn;
  d.status = s.status;
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
  settle();
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
  std::vector<std::string> texts;
  for (auto& [k, v] : request.tags) {
    texts.push_back(k);
    texts.push_back(v);
  }
  if (auto e = check_tag_text(texts, "add tags to", s.name, options_.account_id)) return *e;
  auto merged = s.tags;
  for (auto& [k, v] : request.tags) merged[k] = v;
  // A stream holds 50 tags; Kinesis's message still names the old limit of 10.
  if (merged.size() > kMaxTagsPerStream)
    return error(ErrorCode::InvalidArgument,
                 "Failed to add tags to stream " + s.name + " under account " +
                     options_.account_id +
                     " because a given stream cannot have more than 10 tags associated with it.");
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
  if (auto e = check_tag_text(request.keys, "remove tags from", s.name, options_.account_id))
    return *e;
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
  // A shard id that names no shard at all is refused before the stream is looked up.
  auto index = shard_index_of(request.shard_to_split);
  if (!index) return shard_not_found(request.shard_to_split, request.name, options_.account_id);
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  if (auto e = check_active(s)) return *e;
  ShardRow* parent = s.shard(*index);
  if (!parent || !listed(s, *parent, now_ms()))
    return shard_not_found(shard_id_of(*index), s.name, options_.account_id);
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
  int used = account_shards();
  if (used + 1 > options_.shard_limit)
    return error(ErrorCode::LimitExceeded,
                 "This request would exceed the shard limit for the account " +
                     options_.account_id + " in " + options_.region +
                     ". Current shard count for the account: " + std::to_string(used) +
                     ". Limit: " + std::to_string(options_.shard_limit) +
                     ". Number of additional shards that would have resulted from this request: 1." +
                     kLimitsAdvice);
  // The stream is UPDATING until the split is done.
  begin_change(s, StreamStatus::Updating, options_.update_stream_ms,
               "split|" + std::to_string(parent->index) + "|" + hash_key_text(*key));
  return Empty{};
}

Result<Empty> StreamEngine::merge_shards(const MergeShardsRequest& request) {
  auto a_index = shard_index_of(request.shard_to_merge);
  if (!a_index) return shard_not_found(request.shard_to_merge, request.name, options_.account_id);
  auto b_index = shard_index_of(request.adjacent_shard_to_merge);
  if (!b_index)
    return shard_not_found(request.adjacent_shard_to_merge, request.name, options_.account_id);
  auto found = find(request.name);
  if (!found) return found.error();
  Stream& s = **found;
  if (auto e = check_active(s)) return *e;
  std::int64_t now = now_ms();
  ShardRow* a = s.shard(*a_index);
  ShardRow* b = s.shard(*b_index);
  if (!a || !listed(s, *a, now))
    return shard_not_found(shard_id_of(*a_index), s.name, options_.account_id);
  if (!b || !listed(s, *b, now))
    return shard_not_found(shard_id_of(*b_index), s.name, options_.account_id);
  for (ShardRow* r : {a, b})
    if (!r->open())
      return error(ErrorCode::ResourceInUse, "Shard " + shard_id_of(r->index) + " in stream " +
                                                 s.name + " under account " + options_.account_id +
                                                 " has already been merged or split, and thus is "
                                                 "not eligible for merging or splitting.");
  // The adjacent shard is the one whose range follows ShardToMerge's (not the one before it).
  bool adjacent = a->end != kMaxHashKey && a->end + 1 == b->start;
  if (!adjacent)
    return error(ErrorCode::InvalidArgument,
                 "Shards " + shard_id_of(a->index) + " and " + shard_id_of(b->index) +
                     " in stream " + s.name + " under account " + options_.account_id +
                     " are not an adjacent pair of shards eligible for merging");
  begin_change(s, StreamStatus::Updating, options_.update_stream_ms,
               "merge|" + std::to_string(a->index) + "|" + std::to_string(b->index));
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
  if (auto e = check_active(s)) return *e;
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
  int used = account_shards();
  if (used - current + target > options_.shard_limit)
    return error(ErrorCode::LimitExceeded,
                 "This request would exceed the shard limit for the account " +
                     options_.account_id + " in " + options_.region +
                     ". Current shard count for the account: " + std::to_string(used) +
                     ". Limit: " + std::to_string(options_.shard_limit) +
                     ". Number of additional shards that would have resulted from this request: " +
                     std::to_string(target - current) + "." + kLimitsAdvice);
  UpdateShardCountResult out{s.name, stream_arn(s.name), current, static_cast<int>(target)};
  if (target == current) return out;
  begin_change(s, StreamStatus::Updating, options_.update_stream_ms,
               "count|" + std::to_string(target));
  return out;
}

}  // namespace serverlite::stream
