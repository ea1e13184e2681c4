#include "emulator/replay/cases.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "emulator/http/base64.hpp"
#include "emulator/replay/shapes.hpp"
#include "emulator/time_format.hpp"
#include "emulator/ascii.hpp"

namespace serverlite::replay {

using nlohmann::json;

CaseError::CaseError(std::string source, std::string problem)
    : std::runtime_error(source + ": " + problem),
      source_(std::move(source)),
      problem_(std::move(problem)) {}

std::string HttpRequestSpec::target() const { return query.empty() ? path : path + "?" + query; }

namespace {


// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("stauts").
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string describe_type(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: return "nothing";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
  }
  return "a value";
}

// Parsing context: where the case is (for CaseError) and where in it we are ("expect.").
struct Ctx {
  const std::string& where;
  std::string prefix;  // "" at the top; "expect: ", "http: ", "sideEffects[1]: " ...

  [[noreturn]] void fail(const std::string& problem) const {
    throw CaseError(where, prefix + problem);
  }
  Ctx sub(const std::string& what) const { return {where, prefix + what + ": "}; }

  const json& object(const json& v, const std::string& name) const {
    if (!v.is_object()) fail("\"" + name + "\" must be an object, not " + describe_type(v));
    return v;
  }
  std::string string(const json& v, const std::string& name, bool allow_empty = false) const {
    if (!v.is_string()) fail("\"" + name + "\" must be a string, not " + describe_type(v));
    auto s = v.get<std::string>();
    if (s.empty() && !allow_empty) fail("\"" + name + "\" must not be empty");
    return s;
  }
  std::int64_t integer(const json& v, const std::string& name, std::int64_t lo,
                       std::int64_t hi) const {
    bool whole = v.is_number_integer() ||
                 (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() &&
                  std::abs(v.get<double>()) < 9e15);
    if (!whole) fail("\"" + name + "\" must be a whole number, not " + describe_type(v));
    auto n = v.is_number_float() ? static_cast<std::int64_t>(v.get<double>())
             : v.is_number_unsigned()
                 ? static_cast<std::int64_t>(std::min<std::uint64_t>(
                       v.get<std::uint64_t>(), std::numeric_limits<std::int64_t>::max()))
                 : v.get<std::int64_t>();
    if (n < lo || n > hi)
      fail("\"" + name + "\" must be between " + std::to_string(lo) + " and " +
           std::to_string(hi) + ", not " + std::to_string(n));
    return n;
  }
  // Rejects members outside `allowed`; a member of `elsewhere` (valid in other kinds of case)
  // is said not to apply, anything else gets a spelling suggestion from both lists.
  void members(const json& obj, const std::vector<std::string>& allowed,
               const std::vector<std::string>& elsewhere = {},
               const std::string& kind_name = "") const {
    for (const auto& [key, _] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      if (std::find(elsewhere.begin(), elsewhere.end(), key) != elsewhere.end())
        fail("member \"" + key + "\" does not belong in " + kind_name);
      std::vector<std::string> all = allowed;
      all.insert(all.end(), elsewhere.begin(), elsewhere.end());
      auto guess = did_you_mean(key, all);
      fail("unknown member \"" + key + "\"" + (guess.empty() ? "" : " (did you mean " + guess +
                                                                        "?)"));
    }
  }
};

// Text of a scalar used where text is wanted (header values, attribute values).
std::string scalar_text(const Ctx& ctx, const json& v, const std::string& name) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  ctx.fail("\"" + name + "\" must be text, a number or a boolean, not " + describe_type(v));
}

// Text as is, any other JSON as its compact text.
std::string text_or_json(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string query_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

const std::vector<std::string> kKindMembers = {"function", "event", "http",  "queue",
                                               "stream",   "table", "seed"};
const std::vector<std::string> kCommonMembers = {"name", "timestamp", "expect"};

// When an object lacks the member that says what it is, a member that looks like a misspelling of
// one is the likely reason: name it.
void suggest_kind(const Ctx& ctx, const json& obj, const std::vector<std::string>& kinds) {
  for (const auto& [key, _] : obj.items()) {
    if (std::find(kinds.begin(), kinds.end(), key) != kinds.end()) continue;
    auto guess = did_you_mean(key, kinds);
    if (!guess.empty()) ctx.fail("unknown member \"" + key + "\" (did you mean " + guess + "?)");
  }
}

std::vector<std::string> with_common(std::vector<std::string> v) {
  v.insert(v.end(), kCommonMembers.begin(), kCommonMembers.end());
  return v;
}

std::vector<std::string> every_member() {
  return {"function", "event", "http", "queue", "messages", "stream", "records", "table",
          "put",      "delete", "wire", "seed", "name",     "timestamp", "expect"};
}

std::vector<std::string> minus(const std::vector<std::string>& all,
                               const std::vector<std::string>& some) {
  std::vector<std::string> out;
  for (const auto& s : all)
    if (std::find(some.begin(), some.end(), s) == some.end()) out.push_back(s);
  return out;
}

ExpectedSideEffect parse_side_effect(const Ctx& ctx, const json& v) {
  ctx.object(v, "sideEffects[]");
  ExpectedSideEffect e;
  if (v.contains("queue")) {
    ctx.members(v, {"queue", "message"}, {"table", "key", "item", "absent"},
                "a queue side effect");
    e.kind = ExpectedSideEffect::Kind::Queue;
    e.queue = ctx.string(v["queue"], "queue");
    if (v.contains("message")) e.message = v["message"];
    return e;
  }
  if (v.contains("table")) {
    ctx.members(v, {"table", "key", "item", "absent"}, {"queue", "message"},
                "a table side effect");
    e.kind = ExpectedSideEffect::Kind::Table;
    e.table = ctx.string(v["table"], "table");
    if (!v.contains("key")) ctx.fail("a table side effect needs \"key\"");
    e.key = ctx.object(v["key"], "key");
    if (e.key.empty()) ctx.fail("\"key\" must name the key attributes");
    if (v.contains("absent")) {
      if (!v["absent"].is_boolean()) ctx.fail("\"absent\" must be true or false");
      e.absent = v["absent"].get<bool>();
    }
    if (v.contains("item")) {
      if (e.absent) ctx.fail("\"item\" and \"absent\": true contradict each other");
      e.item = v["item"];
    }
    return e;
  }
  suggest_kind(ctx, v, {"queue", "table"});
  ctx.fail("a side effect names a \"queue\" or a \"table\"");
}

Expect parse_expect(const Ctx& top, const json& v) {
  Ctx ctx = top.sub("expect");
  top.object(v, "expect");
  ctx.members(v, {"status", "body", "result", "match", "error", "errorMessage", "maxDurationMs",
                  "sideEffects"});
  Expect e;
  if (v.contains("status"))
    e.status = static_cast<int>(ctx.integer(v["status"], "status", 100, 599));
  if (v.contains("body")) e.body = v["body"];
  if (v.contains("result")) e.result = v["result"];
  if (v.contains("match")) {
    auto m = ctx.string(v["match"], "match");
    if (m == "exact") e.match = MatchMode::Exact;
    else if (m == "subset") e.match = MatchMode::Subset;
    else ctx.fail("\"match\" must be \"exact\" or \"subset\", not \"" + m + "\"");
  }
  if (v.contains("error")) e.error = ctx.string(v["error"], "error");
  if (v.contains("errorMessage"))
    e.error_message = ctx.string(v["errorMessage"], "errorMessage", true);
  if (v.contains("maxDurationMs"))
    e.max_duration_ms = ctx.integer(v["maxDurationMs"], "maxDurationMs", 0, 86'400'000);
  if (v.contains("sideEffects")) {
    const auto& list = v["sideEffects"];
    if (!list.is_array()) ctx.fail("\"sideEffects\" must be an array");
    for (std::size_t i = 0; i < list.size(); ++i)
      e.side_effects.push_back(
          parse_side_effect(ctx.sub("sideEffects[" + std::to_string(i) + "]"), list[i]));
  }
  return e;
}

HttpRequestSpec parse_http(const Ctx& top, const json& v) {
  top.object(v, "http");
  Ctx ctx = top.sub("http");
  ctx.members(v, {"method", "path", "headers", "query", "body", "bodyBase64"});
  HttpRequestSpec r;
  if (v.contains("method")) {
    r.method = ctx.string(v["method"], "method");
    for (auto& c : r.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (!v.contains("path")) ctx.fail("\"path\" is required");
  r.path = ctx.string(v["path"], "path");
  if (r.path.front() != '/') ctx.fail("\"path\" must begin with '/': \"" + r.path + "\"");
  if (auto q = r.path.find('?'); q != std::string::npos) {
    r.query = r.path.substr(q + 1);
    r.path.resize(q);
  }
  if (v.contains("query")) {
    for (const auto& [name, value] : ctx.object(v["query"], "query").items()) {
      auto add = [&](const json& one) {
        if (!r.query.empty()) r.query += '&';
        r.query += query_encode(name) + "=" + query_encode(scalar_text(ctx, one, "query." + name));
      };
      if (value.is_array()) {
        for (const auto& one : value) add(one);
      } else {
        add(value);
      }
    }
  }
  if (v.contains("headers")) {
    for (const auto& [name, value] : ctx.object(v["headers"], "headers").items()) {
      if (value.is_array()) {
        for (const auto& one : value)
          r.headers.emplace_back(name, scalar_text(ctx, one, "headers." + name));
      } else {
        r.headers.emplace_back(name, scalar_text(ctx, value, "headers." + name));
      }
    }
  }
  if (v.contains("body") && v.contains("bodyBase64"))
    ctx.fail("give \"body\" or \"bodyBase64\", not both");
  if (v.contains("body")) {
    const auto& b = v["body"];
    r.body = text_or_json(b);
    // A JSON body is what a client posting JSON sends: say so unless the case chose a type.
    bool typed = std::any_of(r.headers.begin(), r.headers.end(),
                             [](const auto& h) { return ascii_lower(h.first) == "content-type"; });
    if (!b.is_string() && !typed) r.headers.emplace_back("content-type", "application/json");
  }
  if (v.contains("bodyBase64")) {
    auto decoded = http::base64_decode(ctx.string(v["bodyBase64"], "bodyBase64", true));
    if (!decoded) ctx.fail("\"bodyBase64\" is not valid base64");
    r.body = std::move(*decoded);
  }
  return r;
}

QueueMessage parse_message(const Ctx& ctx, const json& v) {
  QueueMessage m;
  if (v.is_string()) {
    m.body = v.get<std::string>();
    return m;
  }
  if (!v.is_object()) ctx.fail("a message is text or an object, not " + describe_type(v));
  ctx.members(v, {"body", "attributes", "groupId", "deduplicationId", "delaySeconds"});
  if (!v.contains("body")) ctx.fail("\"body\" is required");
  m.body = text_or_json(v["body"]);
  if (m.body.empty()) ctx.fail("\"body\" must not be empty (SQS requires at least 1 character)");
  if (v.contains("attributes")) {
    for (const auto& [name, value] : ctx.object(v["attributes"], "attributes").items()) {
      if (value.is_string()) {
        m.attributes[name] = {{"DataType", "String"}, {"StringValue", value}};
      } else if (value.is_number()) {
        m.attributes[name] = {{"DataType", "Number"}, {"StringValue", value.dump()}};
      } else if (value.is_object()) {
        Ctx a = ctx.sub("attributes." + name);
        a.members(value, {"DataType", "StringValue", "BinaryValue"});
        if (!value.contains("DataType")) a.fail("\"DataType\" is required");
        auto type = a.string(value["DataType"], "DataType");
        bool binary = type.starts_with("Binary");
        if (!binary && !type.starts_with("String") && !type.starts_with("Number"))
          a.fail("\"DataType\" must be String, Number or Binary (with an optional \".label\")");
        const char* member = binary ? "BinaryValue" : "StringValue";
        if (!value.contains(member)) a.fail(std::string("\"") + member + "\" is required");
        m.attributes[name] = {{"DataType", type},
                              {member, a.string(value[member], member, true)}};
      } else {
        ctx.fail("attribute \"" + name + "\" must be text, a number or an object, not " +
                 describe_type(value));
      }
    }
  }
  if (v.contains("groupId")) m.group_id = ctx.string(v["groupId"], "groupId");
  if (v.contains("deduplicationId"))
    m.deduplication_id = ctx.string(v["deduplicationId"], "deduplicationId");
  if (v.contains("delaySeconds"))
    m.delay_seconds = static_cast<int>(ctx.integer(v["delaySeconds"], "delaySeconds", 0, 900));
  return m;
}

std::vector<QueueMessage> parse_messages(const Ctx& ctx, const json& v) {
  if (!v.is_array() || v.empty()) ctx.fail("\"messages\" must be a non-empty array");
  std::vector<QueueMessage> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out.push_back(parse_message(ctx.sub("messages[" + std::to_string(i) + "]"), v[i]));
  return out;
}

std::vector<StreamRecord> parse_records(const Ctx& top, const json& v) {
  if (!v.is_array() || v.empty()) top.fail("\"records\" must be a non-empty array");
  std::vector<StreamRecord> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    Ctx ctx = top.sub("records[" + std::to_string(i) + "]");
    const auto& r = v[i];
    StreamRecord rec;
    if (r.is_string()) {
      rec.data = r.get<std::string>();
    } else {
      ctx.object(r, "record");
      ctx.members(r, {"data", "partitionKey", "explicitHashKey"});
      if (!r.contains("data")) ctx.fail("\"data\" is required");
      rec.data = text_or_json(r["data"]);
      if (r.contains("partitionKey")) rec.partition_key = ctx.string(r["partitionKey"],
                                                                     "partitionKey");
      if (r.contains("explicitHashKey"))
        rec.explicit_hash_key = ctx.string(r["explicitHashKey"], "explicitHashKey");
    }
    out.push_back(std::move(rec));
  }
  return out;
}

json table_value(const Ctx& ctx, const json& v, const std::string& name, bool wire) {
  ctx.object(v, name);
  if (v.empty()) ctx.fail("\"" + name + "\" must not be empty");
  if (!wire) return to_wire_item(v);
  for (const auto& [attr, value] : v.items())
    if (!value.is_object() || value.size() != 1)
      ctx.fail("\"" + name + "." + attr +
               "\" is not a DynamoDB attribute value ({\"S\": \"text\"} ...); without "
               "\"wire\": true, items are plain JSON");
  return v;
}

bool wire_flag(const Ctx& ctx, const json& v) {
  if (!v.contains("wire")) return false;
  if (!v["wire"].is_boolean()) ctx.fail("\"wire\" must be true or false");
  return v["wire"].get<bool>();
}

void parse_seed(const Ctx& top, const json& v, Case& c) {
  top.object(v, "seed");
  Ctx ctx = top.sub("seed");
  c.seed = true;
  if (v.contains("table")) {
    ctx.members(v, {"table", "items", "wire"}, {"queue", "messages", "stream", "records"},
                "a table seed");
    c.kind = CaseKind::Table;
    c.target = ctx.string(v["table"], "table");
    if (!v.contains("items") || !v["items"].is_array() || v["items"].empty())
      ctx.fail("\"items\" must be a non-empty array");
    bool wire = wire_flag(ctx, v);
    for (std::size_t i = 0; i < v["items"].size(); ++i)
      c.writes.push_back({TableWrite::Op::Put,
                          table_value(ctx, v["items"][i], "items[" + std::to_string(i) + "]",
                                      wire)});
  } else if (v.contains("queue")) {
    ctx.members(v, {"queue", "messages"}, {"table", "items", "wire", "stream", "records"},
                "a queue seed");
    c.kind = CaseKind::Queue;
    c.target = ctx.string(v["queue"], "queue");
    if (!v.contains("messages")) ctx.fail("\"messages\" is required");
    c.messages = parse_messages(ctx, v["messages"]);
  } else if (v.contains("stream")) {
    ctx.members(v, {"stream", "records"}, {"table", "items", "wire", "queue", "messages"},
                "a stream seed");
    c.kind = CaseKind::Stream;
    c.target = ctx.string(v["stream"], "stream");
    if (!v.contains("records")) ctx.fail("\"records\" is required");
    c.records = parse_records(ctx, v["records"]);
  } else {
    suggest_kind(ctx, v, {"table", "queue", "stream"});
    ctx.fail("a seed names a \"table\", a \"queue\" or a \"stream\"");
  }
}

std::string strip_json_error(const std::string& what) {
  // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." -> "line 1, ..."
  std::string s = what;
  if (auto p = s.find("] "); p != std::string::npos && s.starts_with("[json.exception"))
    s = s.substr(p + 2);
  if (s.starts_with("parse error at ")) s = s.substr(15);
  return s;
}

}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  auto w = ascii_lower(word);
  for (const auto& k : known) {
    auto d = edit_distance(w, ascii_lower(k));
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  // Close enough to be a slip of the keyboard: one edit for short words, a third for long ones.
  std::size_t limit = std::max<std::size_t>(1, std::min(word.size(), best.size()) / 3);
  return best_d <= limit ? best : "";
}

Case parse_case(const json& value, const std::string& where) {
  Ctx ctx{where, ""};
  Case c;
  c.source = where;
  c.name = where;
  if (!value.is_object()) ctx.fail("a case is a JSON object, not " + describe_type(value));

  std::vector<std::string> kinds;
  for (const auto& k : kKindMembers)
    if (value.contains(k)) kinds.push_back(k);
  // "function" with "event" is one kind: the event is the function's input.
  if (kinds.size() == 2 && kinds[0] == "function" && kinds[1] == "event") kinds.pop_back();
  if (kinds.size() > 1)
    ctx.fail("a case is one kind: found both \"" + kinds[0] + "\" and \"" + kinds[1] + "\"");
  if (kinds.empty()) {
    if (recognize(value) != EventShape::Unknown) {
      c.kind = CaseKind::Event;
      c.event = value;
      return c;
    }
    suggest_kind(ctx, value, every_member());
    ctx.fail(
        "not a case: expected one of the members function, event, http, queue, stream, table or "
        "seed, or a raw AWS event (API Gateway, SQS, Kinesis, DynamoDB Streams, SNS, S3, "
        "EventBridge)");
  }
  const auto& kind = kinds[0];
  auto check = [&](std::vector<std::string> own, const std::string& kind_name) {
    auto allowed = kind == "seed" ? std::vector<std::string>{"seed", "name", "timestamp"}
                                  : with_common(std::move(own));
    ctx.members(value, allowed, minus(every_member(), allowed), kind_name);
  };

  if (kind == "function") {
    check({"function", "event"}, "a function case");
    c.kind = CaseKind::Invoke;
    c.function = ctx.string(value["function"], "function");
    c.event = value.contains("event") ? value["event"] : json::object();
  } else if (kind == "event") {
    check({"event"}, "an event case");
    c.kind = CaseKind::Event;
    c.event = value["event"];
  } else if (kind == "http") {
    check({"http"}, "an http case");
    c.kind = CaseKind::Http;
    c.http = parse_http(ctx, value["http"]);
  } else if (kind == "queue") {
    check({"queue", "messages"}, "a queue case");
    c.kind = CaseKind::Queue;
    c.target = ctx.string(value["queue"], "queue");
    if (!value.contains("messages")) ctx.fail("\"messages\" is required");
    c.messages = parse_messages(ctx, value["messages"]);
  } else if (kind == "stream") {
    check({"stream", "records"}, "a stream case");
    c.kind = CaseKind::Stream;
    c.target = ctx.string(value["stream"], "stream");
    if (!value.contains("records")) ctx.fail("\"records\" is required");
    c.records = parse_records(ctx, value["records"]);
  } else if (kind == "table") {
    check({"table", "put", "delete", "wire"}, "a table case");
    c.kind = CaseKind::Table;
    c.target = ctx.string(value["table"], "table");
    bool put = value.contains("put"), del = value.contains("delete");
    if (put == del) ctx.fail("a table case has \"put\" or \"delete\" (one of them)");
    bool wire = wire_flag(ctx, value);
    if (put) c.writes.push_back({TableWrite::Op::Put, table_value(ctx, value["put"], "put", wire)});
    else c.writes.push_back({TableWrite::Op::Delete,
                             table_value(ctx, value["delete"], "delete", wire)});
  } else {
    check({}, "a seed");
    parse_seed(ctx, value["seed"], c);
  }

  if (value.contains("name")) c.name = ctx.string(value["name"], "name");
  if (value.contains("timestamp")) {
    const auto& t = value["timestamp"];
    if (t.is_number()) {
      c.timestamp_ms = ctx.integer(t, "timestamp", 0, std::numeric_limits<std::int64_t>::max());
    } else if (t.is_string()) {
      c.timestamp_ms = parse_timestamp(t.get<std::string>());
      if (!c.timestamp_ms)
        ctx.fail("\"timestamp\" is neither ISO 8601 (2024-05-01T12:00:00Z) nor epoch "
                 "milliseconds: \"" + t.get<std::string>() + "\"");
    } else {
      ctx.fail("\"timestamp\" must be ISO 8601 text or epoch milliseconds");
    }
  }
  if (value.contains("expect")) c.expect = parse_expect(ctx, value["expect"]);
  return c;
}

std::vector<Case> parse_cases(std::istream& in, const std::string& source) {
  std::vector<Case> out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line.compare(first, 2, "//") == 0) continue;
    std::string where = source + ":" + std::to_string(number);
    json value;
    try {
      value = json::parse(line);
    } catch (const json::parse_error& e) {
      std::string detail = strip_json_error(e.what());
      // Within one line, nlohmann's "line 1, column N" is just the column.
      if (detail.starts_with("line 1, ")) detail = detail.substr(8);
      throw CaseError(where, "invalid JSON: " + detail);
    }
    out.push_back(parse_case(value, where));
  }
  return out;
}

std::vector<Case> load_cases(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto read_file = [](const fs::path& file, const std::string& source) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw CaseError(source, "cannot read the file");
    if (file.extension() != ".json") return parse_cases(in, source);
    std::stringstream text;
    text << in.rdbuf();
    json value;
    try {
      value = json::parse(text.str());
    } catch (const json::parse_error& e) {
      throw CaseError(source, "invalid JSON: " + strip_json_error(e.what()));
    }
    return std::vector<Case>{parse_case(value, source)};
  };
  if (fs::is_regular_file(path, ec)) return read_file(path, path.generic_string());
  if (!fs::is_directory(path, ec))
    throw CaseError(path.generic_string(), "no such file or directory");
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    auto ext = it->path().extension();
    if (it->is_regular_file() && (ext == ".jsonl" || ext == ".json"))
      files.push_back(fs::relative(it->path(), path));
  }
  if (ec) throw CaseError(path.generic_string(), "cannot list the directory: " + ec.message());
  if (files.empty())
    throw CaseError(path.generic_string(), "no case files (*.jsonl, *.json) in the directory");
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.generic_string() <
                                                              b.generic_string(); });
  std::vector<Case> out;
  for (const auto& rel : files) {
    auto cases = read_file(path / rel, (path / rel).generic_string());
    std::move(cases.begin(), cases.end(), std::back_inserter(out));
  }
  return out;
}

std::optional<std::int64_t> parse_timestamp(const std::string& text) { return parse_iso8601(text); }

json to_wire_value(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return {{"S", v}};
    case json::value_t::boolean: return {{"BOOL", v}};
    case json::value_t::null: return {{"NULL", true}};
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return {{"N", v.dump()}};
    case json::value_t::object: return {{"M", to_wire_item(v)}};
    case json::value_t::array: {
      json list = json::array();
      for (const auto& e : v) list.push_back(to_wire_value(e));
      return {{"L", std::move(list)}};
    }
    case json::value_t::binary:
    case json::value_t::discarded: break;
  }
  return {{"NULL", true}};
}

json to_wire_item(const json& plain) {
  json out = json::object();
  for (const auto& [k, v] : plain.items()) out[k] = to_wire_value(v);
  return out;
}

namespace {

json number_from_text(const std::string& text) {
  try {
    json n = json::parse(text);
    if (!n.is_number()) return text;
    // An integer beyond 64 bits parses as a double and would lose digits: keep the text.
    bool integral_text = text.find_first_of(".eE") == std::string::npos;
    if (integral_text && n.is_number_float()) return text;
    return n;
  } catch (const json::parse_error&) {
    return text;
  }
}

}  // namespace

json from_wire_value(const json& v) {
  if (!v.is_object() || v.size() != 1) return v;
  auto only = v.begin();
  const std::string& type = only.key();
  const json& inner = only.value();
  if (type == "S" || type == "B" || type == "BOOL") return inner;
  if (type == "NULL") return nullptr;
  if (type == "N") return inner.is_string() ? number_from_text(inner.get<std::string>()) : inner;
  if (type == "M") return from_wire_item(inner);
  if (type == "L" || type == "SS" || type == "NS" || type == "BS") {
    json out = json::array();
    if (!inner.is_array()) return out;
    for (const auto& e : inner) {
      if (type == "L") out.push_back(from_wire_value(e));
      else if (type == "NS" && e.is_string()) out.push_back(number_from_text(e.get<std::string>()));
      else out.push_back(e);
    }
    return out;
  }
  return v;
}

json from_wire_item(const json& wire) {
  json out = json::object();
  if (!wire.is_object()) return out;
  for (const auto& [k, v] : wire.items()) out[k] = from_wire_value(v);
  return out;
}

}  // namespace serverlite::replay
