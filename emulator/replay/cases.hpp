// Replay cases: what `serverlite replay FILE|DIR` sends to the app, read from JSON Lines.
//
// One JSON object per line; blank lines and lines starting with "//" are skipped. The members
// that decide a case's kind (exactly one of them):
//   {"function": "f", "event": {...}}         invoke a function directly (key under `functions:`
//                                             or deployed name); `event` defaults to {}
//   {"event": {...}}                          a raw AWS event, routed to the function whose event
//                                             source matches it (shapes.hpp)
//   {"http": {"method", "path", "headers"?, "query"?, "body"? | "bodyBase64"?}}
//                                             an HTTP request to the API Gateway emulation
//   {"queue": "q", "messages": [...]}         messages sent to a queue (its trigger runs)
//   {"stream": "s", "records": [...]}         records put on a Kinesis stream
//   {"table": "t", "put": {item}}             an item written to a table (its stream fires)
//   {"table": "t", "delete": {key}}           an item deleted from a table
//   {"seed": {"table": "t", "items": [...]}}  set-up data, written before the cases that follow;
//   {"seed": {"queue": "q", "messages": [...]}}          seeds take no `expect`
//   {"seed": {"stream": "s", "records": [...]}}
// A line with none of those members is itself a raw AWS event when recognize() knows its shape
// (it is used verbatim: no name, no expect; wrap it in {"event": ...} to add them).
// Common optional members: "name" (default: the source, "cases.jsonl:7"), "timestamp" (ISO 8601
// text or epoch milliseconds) and "expect" (expect.hpp). Unknown members are errors.
//
// Table items and keys are plain JSON, marshalled as the DocumentClient does (to_wire_item):
// strings -> S, numbers -> N, booleans -> BOOL, null -> NULL, objects -> M, arrays -> L. Add
// "wire": true to a table case or table seed to write DynamoDB's wire form ({"S": "x"}) instead,
// for sets and binaries.
//
// Queue messages: "text", or {"body": text | JSON, "attributes"?: {name: text | number |
// {"DataType", "StringValue" | "BinaryValue"}}, "groupId"?, "deduplicationId"?, "delaySeconds"?}.
// `attributes` are SQS message attributes. A JSON body is sent as its compact text.
// Stream records: {"data": text | JSON, "partitionKey"?: "k" (default "replay"),
// "explicitHashKey"?}. JSON data is put as its compact text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/replay/expect.hpp"

namespace serverlite::replay {

// A malformed case file. what() is "SOURCE: PROBLEM", SOURCE being "FILE:LINE" for JSON Lines
// ("cases.jsonl:7: unknown member \"expct\" (did you mean expect?)") and "FILE" for a .json file.
class CaseError : public std::runtime_error {
 public:
  CaseError(std::string source, std::string problem);
  const std::string& source() const { return source_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string source_, problem_;
};

enum class CaseKind { Invoke, Event, Http, Queue, Stream, Table };

struct HttpRequestSpec {
  std::string method = "GET";  // upper case
  std::string path;            // begins with '/', percent-encoded as sent; no query
  std::string query;           // encoded, without '?': from the path's "?..." then `query`
  std::vector<std::pair<std::string, std::string>> headers;  // in order; repeats allowed
  std::string body;            // bytes: text, compact JSON, or decoded `bodyBase64`
  // "/x?a=1", or "/x" without a query: the request target to send.
  std::string target() const;
};

struct QueueMessage {
  std::string body;
  // SQS MessageAttributes: {name: {"DataType": "String", "StringValue": "v"}} (or BinaryValue).
  nlohmann::json attributes = nlohmann::json::object();
  std::optional<std::string> group_id;          // MessageGroupId (FIFO queues)
  std::optional<std::string> deduplication_id;  // MessageDeduplicationId
  std::optional<int> delay_seconds;             // 0..900
};

struct StreamRecord {
  std::string data;
  std::string partition_key = "replay";
  std::optional<std::string> explicit_hash_key;
};

struct TableWrite {
  enum class Op { Put, Delete } op = Op::Put;
  nlohmann::json value;  // Put: the item; Delete: the key; both in DynamoDB's wire form
};

struct Case {
  std::string source;  // "cases.jsonl:7" (or "event.json")
  std::string name;    // `name`, or the source
  CaseKind kind = CaseKind::Invoke;
  bool seed = false;   // set-up data (Queue, Stream, Table only); never has an expect
  std::optional<std::int64_t> timestamp_ms;  // epoch milliseconds
  std::optional<Expect> expect;

  std::string function;  // Invoke
  nlohmann::json event;  // Invoke, Event
  HttpRequestSpec http;  // Http
  std::string target;    // Queue, Stream, Table: the queue, stream or table name
  std::vector<QueueMessage> messages;  // Queue
  std::vector<StreamRecord> records;   // Stream
  std::vector<TableWrite> writes;      // Table: one for a case, one Put per item for a seed
};

// Reads the cases of one JSON Lines stream; `source` names it in messages ("cases.jsonl").
// Throws CaseError at the first malformed line.
std::vector<Case> parse_cases(std::istream& in, const std::string& source);

// One case from one JSON value (a line, or a .json file); `where` names it in messages and is
// the case's source.
Case parse_case(const nlohmann::json& value, const std::string& where);

// The cases of a file, or of a directory: every *.jsonl and *.json file under it, recursively,
// sorted by path. A .json file holds one case or one raw event (over as many lines as it likes).
// Sources name files as `path` joined with their path under it. Throws CaseError (also for a
// missing path or a directory without case files).
std::vector<Case> load_cases(const std::filesystem::path& path);

// "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.250+02:00", "2024-05-01 12:00:00" (UTC when no
// offset), "2024-05-01" -> epoch milliseconds; nullopt when it is not such a text.
std::optional<std::int64_t> parse_timestamp(const std::string& text);

// Plain JSON -> DynamoDB's wire form, as the DocumentClient marshals: string S, number N (its
// JSON text), boolean BOOL, null NULL, object M, array L. Takes an item (an object) and returns
// an item; to_wire_value() does one value.
nlohmann::json to_wire_item(const nlohmann::json& plain);
nlohmann::json to_wire_value(const nlohmann::json& plain);
// The inverse, as the DocumentClient unmarshals: N becomes a JSON number when it is one exactly
// (else stays text), B and BS stay base64 text, SS/NS/BS become arrays.
nlohmann::json from_wire_item(const nlohmann::json& wire);
nlohmann::json from_wire_value(const nlohmann::json& wire);

// "expct" -> "expect" when `word` is within a small edit distance of one of `known`; "" if none.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);

}  // namespace serverlite::replay
