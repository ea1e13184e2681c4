#include "services/stream/shapes.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "services/stream/arn_pattern.hpp"

namespace serverlite::stream::shapes {

using Json = nlohmann::json;

namespace {

// ---- patterns ----------------------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool name_chars(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          c == '.' || c == '-'))
      return false;
  return true;
}

// 0|([1-9]\d{0,max_tail})
template <std::size_t max_tail>
bool decimal(std::string_view v) {
  if (v == "0") return true;
  if (v.empty() || v.size() > max_tail + 1 || v[0] < '1' || v[0] > '9') return false;
  for (char c : v)
    if (!is_digit(c)) return false;
  return true;
}

const Pattern kName{"[a-zA-Z0-9_.-]+", name_chars};
const Pattern kHashKey{"0|([1-9]\\d{0,38})", decimal<38>};
const Pattern kSequence{"0|([1-9]\\d{0,128})", decimal<128>};
const Pattern kArn{"arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+", matches_stream_arn_pattern};

// ---- member shapes -----------------------------------------------------------------------------

Shape string_shape(std::optional<std::int64_t> min, std::optional<std::int64_t> max,
                   const Pattern* pattern = nullptr) {
  Shape s;
  s.type = Type::String;
  s.min_length = min;
  s.max_length = max;
  s.pattern = pattern;
  return s;
}

Shape int_shape(std::optional<std::int64_t> min, std::optional<std::int64_t> max,
                Type type = Type::Integer) {
  Shape s;
  s.type = type;
  s.min_value = min;
  s.max_value = max;
  return s;
}

Shape enum_shape(std::vector<std::string_view> values) {
  Shape s;
  s.type = Type::String;
  s.enum_values = std::move(values);
  return s;
}

Shape simple(Type type) {
  Shape s;
  s.type = type;
  return s;
}

const Shape kStreamName = string_shape(1, 128, &kName);
const Shape kStreamArn = string_shape(1, 2048, &kArn);
const Shape kShardId = string_shape(1, 128, &kName);
const Shape kHashKeyShape = string_shape(std::nullopt, std::nullopt, &kHashKey);
const Shape kSequenceShape = string_shape(std::nullopt, std::nullopt, &kSequence);
const Shape kPartitionKey = string_shape(1, 256);
const Shape kTagKey = string_shape(1, 128);
const Shape kTagValue = string_shape(0, 256);
const Shape kPlainString = simple(Type::String);
const Shape kTimestamp = simple(Type::Timestamp);
const Shape kBoolean = simple(Type::Boolean);
const Shape kData = [] {
  Shape s = simple(Type::Blob);
  s.max_length = 1048576;
  return s;
}();
const Shape kLimit10000 = int_shape(1, 10000);

// StreamName is required unless the request names the stream by StreamARN (which every operation
// on a stream accepts): a request with neither gets the framework's "must not be null".
const Member kStreamNameMember{"StreamName", &kStreamName, true};
const Member kStreamArnMember{"StreamARN", &kStreamArn, false};

Shape structure(std::vector<Member> members) {
  Shape s;
  s.type = Type::Structure;
  s.members = std::move(members);
  return s;
}

const std::map<std::string, Shape, std::less<>>& operations() {
  static const std::map<std::string, Shape, std::less<>> table = [] {
    std::map<std::string, Shape, std::less<>> t;
    Shape tags;
    tags.type = Type::Map;
    tags.min_length = 1;
    tags.max_length = 200;
    tags.key = &kTagKey;
    tags.member = &kTagValue;
    static const Shape tags_shape = tags;
    Shape tag_keys;
    tag_keys.type = Type::List;
    tag_keys.min_length = 1;
    tag_keys.max_length = 50;
    tag_keys.member = &kTagKey;
    static const Shape tag_keys_shape = tag_keys;
    static const Shape mode_enum = enum_shape({"PROVISIONED", "ON_DEMAND"});
    static const Shape stream_mode = structure({{"StreamMode", &mode_enum, true}});
    static const Shape filter_type =
        enum_shape({"AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST",
                    "AT_TIMESTAMP", "FROM_TIMESTAMP"});
    static const Shape shard_filter = structure(
        {{"Type", &filter_type, true},
         {"ShardId", &kShardId, false},
         {"Timestamp", &kTimestamp, false}});
    static const Shape record_entry = [] {
      Shape s = structure({{"PartitionKey", &kPartitionKey, true},
                           {"ExplicitHashKey", &kHashKeyShape, false},
                           {"Data", &kData, true}});
      s.java_name = "com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry";
      return s;
    }();
    Shape records;
    records.type = Type::List;
    records.min_length = 1;
    records.max_length = 500;
    records.member = &record_entry;
    static const Shape records_shape = records;

    static const Shape shard_count = int_shape(1, 100000);
    static const Shape retention = simple(Type::Integer);
    static const Shape tag_limit = int_shape(1, 50);
    static const Shape next_token = string_shape(1, 1048576);
    static const Shape iterator = string_shape(1, 512);
    static const Shape iterator_type = enum_shape(
        {"AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"});
    static const Shape scaling_type = enum_shape({"UNIFORM_SCALING"});
    static const Shape target_count = int_shape(1, 100000);
    static const Shape list_limit = int_shape(1, 10000);
    static const Shape tag_key_start = string_shape(1, 128);

    const Member name = kStreamNameMember, arn = kStreamArnMember;
    t["CreateStream"] = structure({{"ShardCount", &shard_count, true},
                                   name,
                                   {"StreamModeDetails", &stream_mode, false},
                                   {"Tags", &tags_shape, false}});
    // A stream's mode makes ShardCount optional (ON_DEMAND has none): see `unless` below.
    t["DeleteStream"] = structure({name, arn, {"EnforceConsumerDeletion", &kBoolean, false}});
    t["DescribeStream"] = structure(
        {{"Limit", &kLimit10000, false}, {"ExclusiveStartShardId", &kShardId, false}, name, arn});
    t["DescribeStreamSummary"] = structure({name, arn});
    t["ListStreams"] = structure({{"Limit", &list_limit, false},
                                  {"ExclusiveStartStreamName", &kStreamName, false},
                                  {"NextToken", &next_token, false}});
    t["ListShards"] = structure({{"ExclusiveStartShardId", &kShardId, false},
                                 {"MaxResults", &list_limit, false},
                                 {"NextToken", &next_token, false},
                                 {"StreamCreationTimestamp", &kTimestamp, false},
                                 {"StreamName", &kStreamName, false},
                                 arn,
                                 {"ShardFilter", &shard_filter, false}});
    t["IncreaseStreamRetentionPeriod"] =
        structure({{"RetentionPeriodHours", &retention, true}, name, arn});
    t["DecreaseStreamRetentionPeriod"] = t["IncreaseStreamRetentionPeriod"];
    t["AddTagsToStream"] = structure({{"Tags", &tags_shape, true}, name, arn});
    t["RemoveTagsFromStream"] = structure({{"TagKeys", &tag_keys_shape, true}, name, arn});
    t["ListTagsForStream"] = structure({{"Limit", &tag_limit, false},
                                        {"ExclusiveStartTagKey", &tag_key_start, false},
                                        name,
                                        arn});
    t["SplitShard"] = structure({{"NewStartingHashKey", &kHashKeyShape, true},
                                 name,
                                 {"ShardToSplit", &kShardId, true},
                                 arn});
    t["MergeShards"] = structure({{"ShardToMerge", &kShardId, true},
                                  {"AdjacentShardToMerge", &kShardId, true},
                                  name,
                                  arn});
    t["UpdateShardCount"] = structure({{"TargetShardCount", &target_count, true},
                                       {"ScalingType", &scaling_type, true},
                                       name,
                                       arn});
    t["PutRecord"] = structure({{"SequenceNumberForOrdering", &kSequenceShape, false},
                                {"PartitionKey", &kPartitionKey, true},
                                {"ExplicitHashKey", &kHashKeyShape, false},
                                {"Data", &kData, true},
                                name,
                                arn});
    t["PutRecords"] = structure({{"Records", &records_shape, true}, name, arn});
    t["GetShardIterator"] = structure({{"ShardId", &kShardId, true},
                                       {"ShardIteratorType", &iterator_type, true},
                                       {"StartingSequenceNumber", &kSequenceShape, false},
                                       name,
                                       {"Timestamp", &kTimestamp, false},
                                       arn});
    t["GetRecords"] = structure({{"Limit", &kLimit10000, false},
                                 {"ShardIterator", &iterator, true},
                                 {"StreamARN", &kStreamArn, false}});
    t["DescribeLimits"] = structure({});
    return t;
  }();
  return table;
}

// A required member that another member makes optional.
bool excused(const Json& body, std::string_view member) {
  auto present = [&](std::string_view name) {
    auto it = body.find(name);
    return it != body.end() && !it->is_null();
  };
  if (member == "StreamName") return present("StreamARN");
  if (member == "ShardCount") return present("StreamModeDetails");
  return false;
}

// ---- step 1: types -----------------------------------------------------------------------------

std::string_view java_type(Type t) {
  switch (t) {
    case Type::Integer: return "Integer";
    case Type::Long: return "Long";
    case Type::Boolean: return "Boolean";
    default: return "String";
  }
}

constexpr std::string_view kNumberClass = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";
constexpr std::string_view kListStart = "Start of list found where not expected";
constexpr std::string_view kMapStart = "Start of structure or map found where not expected.";

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// The framework's complaint about base64 text, or nullopt when it is canonical base64.
std::optional<std::string> base64_problem(const std::string& text) {
  std::string head = "'" + text + "' can not be converted to a Blob: ";
  if (text.size() % 4 != 0)
    return head + "Base64 encoded length is expected a multiple of 4 bytes but found: " +
           std::to_string(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
              c == '/' || c == '=';
    if (!ok || (c == '=' && i + 1 < text.size() && text[i + 1] != '='))
      return head + "Invalid Base64 character: '" + std::string(1, c) + "'";
  }
  // The last character before the padding must not carry bits the padding drops.
  std::size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  auto sextet = [](char c) {
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
         : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : 63;
  };
  bool canonical = pad == 0 ||
                   (pad == 1 && (sextet(text[text.size() - 2]) & 0x3) == 0) ||
                   (pad == 2 && (sextet(text[text.size() - 3]) & 0xf) == 0);
  if (!canonical) return head + "Invalid last non-pad Base64 character dectected";
  return std::nullopt;
}

std::optional<std::string> check_value(Json& value, const Shape& shape, bool cbor);

std::optional<std::string> check_members(Json& obj, const Shape& shape, bool cbor) {
  for (auto it = obj.begin(); it != obj.end();) {
    if (it->is_null()) it = obj.erase(it);
    else ++it;
  }
  for (const auto& m : shape.members) {
    auto it = obj.find(m.name);
    if (it == obj.end()) continue;
    if (auto e = check_value(*it, *m.shape, cbor)) return e;
  }
  return std::nullopt;
}

std::optional<std::string> check_value(Json& value, const Shape& shape, bool cbor) {
  if (value.is_null()) return std::nullopt;
  auto structural = [&]() -> std::optional<std::string> {
    if (value.is_array()) return std::string(kListStart);
    if (value.is_object()) return std::string(kMapStart);
    return std::nullopt;
  };
  switch (shape.type) {
    case Type::String:
      if (value.is_string()) return std::nullopt;
      if (value.is_boolean()) return "class java.lang.Boolean can not be converted to an String";
      if (value.is_number()) return std::string(kNumberClass) + " can not be converted to an String";
      if (auto e = structural()) return e;
      return "class java.nio.HeapByteBuffer can not be converted to an String";
    case Type::Integer:
    case Type::Long: {
      std::string type(java_type(shape.type));
      if (value.is_string()) return "class java.lang.String can not be converted to an " + type;
      if (value.is_boolean()) return "class java.lang.Boolean can not be converted to an " + type;
      if (auto e = structural()) return e;
      if (!value.is_number()) return "class java.nio.HeapByteBuffer can not be converted to an " + type;
      if (value.is_number_float()) {
        double d = std::floor(value.get<double>());
        if (std::isnan(d)) d = 0;
        double lo = shape.type == Type::Integer ? -2147483648.0 : -9.2e18;
        double hi = shape.type == Type::Integer ? 2147483647.0 : 9.2e18;
        value = static_cast<std::int64_t>(std::clamp(d, lo, hi));
      } else if (value.is_number_unsigned()) {
        auto u = value.get<std::uint64_t>();
        std::uint64_t hi = shape.type == Type::Integer ? 2147483647u : INT64_MAX;
        value = static_cast<std::int64_t>(std::min(u, hi));
      } else if (shape.type == Type::Integer) {
        value = std::clamp<std::int64_t>(value.get<std::int64_t>(), -2147483648LL, 2147483647LL);
      }
      return std::nullopt;
    }
    case Type::Boolean:
      if (value.is_boolean()) return std::nullopt;
      if (value.is_number()) return std::string(kNumberClass) + " can not be converted to an Boolean";
      if (value.is_string()) {
        std::string up = upper(value.get<std::string>());
        if (up == "TRUE" || up == "FALSE") {
          value = up == "TRUE";
          return std::nullopt;
        }
        return "'" + up + "' can not be converted to an Boolean";
      }
      if (auto e = structural()) return e;
      return "class java.nio.HeapByteBuffer can not be converted to an Boolean";
    case Type::Blob:
      if (value.is_binary()) return std::nullopt;
      if (value.is_boolean()) return "class java.lang.Boolean can not be converted to a Blob";
      if (value.is_number()) return std::string(kNumberClass) + " can not be converted to a Blob";
      if (auto e = structural()) return e;
      return base64_problem(value.get<std::string>());
    case Type::Timestamp:
      if (value.is_number()) return std::nullopt;
      if (value.is_string())
        return "class java.lang.String can not be converted to milliseconds since epoch";
      if (value.is_boolean())
        return "class java.lang.Boolean can not be converted to milliseconds since epoch";
      if (auto e = structural()) return e;
      return "class java.nio.HeapByteBuffer can not be converted to milliseconds since epoch";
    case Type::List:
      if (value.is_object()) return std::string(kMapStart);
      if (!value.is_array()) return "Expected list or null";
      for (auto& element : value)
        if (auto e = check_value(element, *shape.member, cbor)) return e;
      return std::nullopt;
    case Type::Map:
      if (value.is_array()) return std::string(kListStart);
      if (!value.is_object()) return "Expected map or null";
      for (auto& [_, v] : value.items())
        if (auto e = check_value(v, *shape.member, cbor)) return e;
      return std::nullopt;
    case Type::Structure:
      if (value.is_array()) return std::string(kListStart);
      if (!value.is_object()) return "Expected null";
      return check_members(value, shape, cbor);
  }
  return std::nullopt;
}

// ---- step 2: constraints -----------------------------------------------------------------------

std::string lower_first(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

std::size_t utf16_length(const std::string& s) {
  // The framework counts Java chars: one per code point below U+10000, two above.
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) == 0x80) continue;
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

std::string show(const Json& value, const Shape& shape) {
  switch (shape.type) {
    case Type::String: return value.get<std::string>();
    case Type::Integer:
    case Type::Long: return std::to_string(value.get<std::int64_t>());
    case Type::Boolean: return value.get<bool>() ? "true" : "false";
    case Type::Blob: {
      auto n = std::to_string(blob_length(value));
      return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]";
    }
    case Type::Timestamp: return value.dump();
    case Type::List: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : value) {
        if (!first) out += ", ";
        first = false;
        if (e.is_null()) out += "null";
        else if (shape.member->type == Type::Structure)
          // A Java object's default text: its class and an identity hash (not reproducible, and
          // not meaningful to clients).
          out += std::string(shape.member->java_name) + "@c965e310";
        else out += show(e, *shape.member);
      }
      return out + "]";
    }
    case Type::Map: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : value.items()) {
        if (!first) out += ", ";
        first = false;
        out += k + "=" + (v.is_null() ? "null" : show(v, *shape.member));
      }
      return out + "}";
    }
    case Type::Structure: return value.dump();
  }
  return "";
}

struct Checker {
  bool cbor;
  std::vector<Violation> out;

  bool full() const { return out.size() >= 10; }

  void add(const std::string& value, const std::string& path, const std::string& constraint) {
    if (full()) return;
    out.push_back({"Value " + value + " at '" + path + "' failed to satisfy constraint: " +
                   constraint});
  }

  // The constraints of a scalar shape `value` violates, as "Member must ..." texts.
  std::vector<std::string> scalar_violations(const Json& value, const Shape& shape) {
    std::vector<std::string> v;
    if (shape.type == Type::String || shape.type == Type::Blob) {
      std::size_t len = shape.type == Type::Blob ? blob_length(value)
                                                 : utf16_length(value.get<std::string>());
      if (shape.pattern && !shape.pattern->matches(value.get<std::string>()))
        v.push_back("Member must satisfy regular expression pattern: " +
                    std::string(shape.pattern->text));
      if (shape.min_length && static_cast<std::int64_t>(len) < *shape.min_length)
        v.push_back("Member must have length greater than or equal to " +
                    std::to_string(*shape.min_length));
      if (shape.max_length && static_cast<std::int64_t>(len) > *shape.max_length)
        v.push_back("Member must have length less than or equal to " +
                    std::to_string(*shape.max_length));
      if (!shape.enum_values.empty()) {
        bool found = false;
        for (auto e : shape.enum_values) found = found || e == value.get<std::string>();
        if (!found) {
          std::string set;
          for (auto e : shape.enum_values) set += (set.empty() ? "" : ", ") + std::string(e);
          v.push_back("Member must satisfy enum value set: [" + set + "]");
        }
      }
    } else if (shape.type == Type::Integer || shape.type == Type::Long) {
      auto n = value.get<std::int64_t>();
      if (shape.min_value && n < *shape.min_value)
        v.push_back("Member must have value greater than or equal to " +
                    std::to_string(*shape.min_value));
      if (shape.max_value && n > *shape.max_value)
        v.push_back("Member must have value less than or equal to " +
                    std::to_string(*shape.max_value));
    }
    return v;
  }

  // "[Member must have length less than or equal to 128, Member must have length greater than or
  // equal to 1]": every length constraint of a list's or map's members, as the framework lists
  // them when one is violated.
  static std::string member_constraints(const Shape& shape) {
    std::vector<std::string> parts;
    if (shape.max_length)
      parts.push_back("Member must have length less than or equal to " +
                      std::to_string(*shape.max_length));
    if (shape.min_length)
      parts.push_back("Member must have length greater than or equal to " +
                      std::to_string(*shape.min_length));
    if (shape.pattern)
      parts.push_back("Member must satisfy regular expression pattern: " +
                      std::string(shape.pattern->text));
    std::string out = "[";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
    return out + "]";
  }

  void members(const Json& obj, const Shape& shape, const std::string& prefix) {
    for (const auto& m : shape.members) {
      if (full()) return;
      std::string path = prefix + lower_first(m.name);
      auto it = obj.find(m.name);
      if (it == obj.end() || it->is_null()) {
        if (m.required && !excused(obj, m.name))
          add("null", path, "Member must not be null");
        continue;
      }
      value(*it, *m.shape, path);
    }
  }

  void value(const Json& v, const Shape& shape, const std::string& path) {
    switch (shape.type) {
      case Type::List:
      case Type::Map: {
        auto n = static_cast<std::int64_t>(v.size());
        std::string shown = "'" + show(v, shape) + "'";
        if (shape.min_length && n < *shape.min_length)
          add(shown, path,
              "Member must have length greater than or equal to " + std::to_string(*shape.min_length));
        if (shape.max_length && n > *shape.max_length)
          add(shown, path,
              "Member must have length less than or equal to " + std::to_string(*shape.max_length));
        if (shape.member->type == Type::Structure) {
          std::size_t i = 0;
          for (const auto& e : v) {
            ++i;
            if (e.is_object())
              members(e, *shape.member, path + "." + std::to_string(i) + ".member.");
          }
          return;
        }
        if (shape.type == Type::Map) {
          bool bad_key = false, bad_value = false;
          for (const auto& [k, e] : v.items()) {
            bad_key = bad_key || !scalar_violations(Json(k), *shape.key).empty();
            bad_value = bad_value || (!e.is_null() && !scalar_violations(e, *shape.member).empty());
          }
          if (bad_key)
            add(shown, path, "Map keys must satisfy constraint: " + member_constraints(*shape.key));
          if (bad_value)
            add(shown, path,
                "Map value must satisfy constraint: " + member_constraints(*shape.member));
          return;
        }
        bool bad = false;
        for (const auto& e : v) bad = bad || (!e.is_null() && !scalar_violations(e, *shape.member).empty());
        if (bad) add(shown, path, "Member must satisfy constraint: " + member_constraints(*shape.member));
        return;
      }
      case Type::Structure:
        members(v, shape, path + ".");
        return;
      default:
        for (const auto& c : scalar_violations(v, shape)) add("'" + show(v, shape) + "'", path, c);
    }
  }
};

}  // namespace

const Shape* operation_shape(std::string_view action) {
  auto it = operations().find(action);
  return it == operations().end() ? nullptr : &it->second;
}

std::optional<std::string> check_types(Json& body, const Shape& shape, bool cbor) {
  return check_members(body, shape, cbor);
}

std::vector<Violation> check_constraints(const Json& body, const Shape& shape, bool cbor) {
  Checker c{cbor, {}};
  c.members(body, shape, "");
  return std::move(c.out);
}

std::string validation_message(const std::vector<Violation>& violations) {
  std::string out = std::to_string(violations.size()) + " validation error" +
                    (violations.size() == 1 ? "" : "s") + " detected: ";
  for (std::size_t i = 0; i < violations.size(); ++i) out += (i ? "; " : "") + violations[i].text;
  return out;
}

std::size_t blob_length(const Json& value) {
  if (value.is_binary()) return value.get_binary().size();
  if (!value.is_string()) return 0;
  const auto& s = value.get_ref<const std::string&>();
  std::size_t pad = 0;
  for (auto it = s.rbegin(); it != s.rend() && *it == '=' && pad < 2; ++it) ++pad;
  return s.size() / 4 * 3 - (s.size() % 4 == 0 ? pad : 0);
}

}  // namespace serverlite::stream::shapes
