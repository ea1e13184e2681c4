// What a replay case expects, and the comparison of it with what the runner observed.
// Pure: no I/O. The runner collects an Observed for each case; check() lists every mismatch as a
// readable line, and an empty list means the case passed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace serverlite::replay {

// How expected JSON (`body`, `result`) is compared with the actual JSON.
//   Exact:  same value; numbers by value (3 == 3.0), object members in any order.
//   Subset: every member of an expected object must be in the actual object (recursively), extra
//           actual members are allowed; arrays must have the same length and match element-wise
//           (each element as a subset); scalars must be equal. For text bodies that do not parse
//           as JSON, subset means "the actual body contains the expected text".
enum class MatchMode { Exact, Subset };

// One expected side effect, checked after the case ran.
struct ExpectedSideEffect {
  enum class Kind { Queue, Table } kind = Kind::Queue;
  // Queue: a message on `queue` whose body matches `message`: a JSON string is compared as
  // exact text; any other JSON value as a subset of the body parsed as JSON. Without `message`,
  // any message will do.
  std::string queue;
  std::optional<nlohmann::json> message;
  // Table: the item of `table` at `key` (plain JSON, as the DocumentClient writes it). With
  // `absent`, there must be none; else there must be one, and it must contain `item` (a subset)
  // when given.
  std::string table;
  nlohmann::json key;
  std::optional<nlohmann::json> item;
  bool absent = false;
};

struct Expect {
  std::optional<int> status;            // HTTP status of the response
  std::optional<nlohmann::json> body;   // a string: text (JSON when it parses); else JSON
  std::optional<nlohmann::json> result; // the function's result (direct and raw-event cases)
  MatchMode match = MatchMode::Exact;   // for body and result
  std::optional<std::string> error;     // the function error's errorType ("Error", ...)
  std::optional<std::string> error_message;  // a substring of its errorMessage
  std::optional<std::int64_t> max_duration_ms;
  std::vector<ExpectedSideEffect> side_effects;
};

// What the runner saw for one expected side effect.
struct SideEffectObservation {
  std::vector<std::string> messages;   // Queue: the bodies of the messages sent during the case
  std::optional<nlohmann::json> item;  // Table: the item at the key, plain JSON; nullopt if none
};

struct Observed {
  std::optional<int> status;            // HTTP cases: the response status
  std::optional<std::string> body;      // HTTP cases: the response body
  std::optional<nlohmann::json> result; // the function's result (a string when it is not JSON)
  std::optional<std::string> error_type;  // set when the function failed
  std::string error_message;
  double duration_ms = 0;
  std::vector<SideEffectObservation> side_effects;  // one per Expect::side_effects, same order
};

// The differences between two JSON values, one line each, with JSON paths from "$":
//   "$.items[2].price: expected 3, got 4", "$.name: missing", "$.extra: not expected" (exact
//   mode only), "$.id: expected a string, got a number (4)". Object members whose names are not
//   identifiers are written "$[\"a b\"]". Values in messages are shortened to about 60 chars.
// Empty when they match under the given mode (see MatchMode).
std::vector<std::string> json_diff(const nlohmann::json& expected, const nlohmann::json& actual,
                                   bool subset);

// Compares two texts; empty when equal (or, with `contains`, when actual contains expected).
// Otherwise one line naming the first difference: "first difference at line 2, column 5:
// expected "b = 2", got "b = 3"" (the lines shown are shortened).
std::vector<std::string> text_diff(const std::string& expected, const std::string& actual,
                                   bool contains);

// Every mismatch between `expect` and `observed`, one line each, prefixed by what it is about
// ("status: ...", "body: $.a: expected 1, got 2", "sideEffects[0]: ..."). Empty: the case passed.
// A function error the expectation does not name (`error` or `errorMessage`) fails the case,
// unless `status` is expected: an HTTP client sees a function error as a 502, which `status`
// already checks. With `error`, the errorType must be equal; `errorMessage` must be contained.
std::vector<std::string> check(const Expect& expect, const Observed& observed);

}  // namespace serverlite::replay
