#include "emulator/replay/expect.hpp"

#include <gtest/gtest.h>

namespace serverlite::replay {
namespace {

using nlohmann::json;
using Lines = std::vector<std::string>;

TEST(ReplayExpect, JsonDiffExact) {
  EXPECT_TRUE(json_diff(json::parse(R"({"a": 1, "b": [1, 2]})"),
                        json::parse(R"({"b": [1, 2], "a": 1.0})"), false)
                  .empty());
  EXPECT_EQ(json_diff(json::parse(R"({"items": [{"price": 1}, {"price": 2}, {"price": 3}],
                                      "name": "x"})"),
                      json::parse(R"({"items": [{"price": 1}, {"price": 2}, {"price": 4}],
                                      "extra": true})"),
                      false),
            (Lines{"$.items[2].price: expected 3, got 4", "$.name: missing",
                   "$.extra: not expected"}));
  EXPECT_EQ(json_diff(json(3), json("3"), false), (Lines{"$: expected 3, got \"3\""}));
  EXPECT_EQ(json_diff(json::parse(R"({"a b": {"c-d": 1}})"), json::parse(R"({"a b": {}})"),
                      false),
            (Lines{"$[\"a b\"][\"c-d\"]: missing"}));
  EXPECT_EQ(json_diff(json::parse("[1, 2]"), json::parse("[1]"), false), (Lines{"$[1]: missing"}));
  EXPECT_EQ(json_diff(json::parse("[1]"), json::parse("[1, 2]"), false),
            (Lines{"$[1]: not expected"}));
  EXPECT_EQ(json_diff(json::parse(R"({"a": {"b": 1}})"), json::parse(R"({"a": [1]})"), false),
            (Lines{"$.a: expected {\"b\":1}, got [1]"}));
}

TEST(ReplayExpect, JsonDiffSubset) {
  json actual = json::parse(R"({"id": 1, "user": {"name": "a", "age": 3},
                                "tags": [{"k": "x", "v": 1}, {"k": "y", "v": 2}]})");
  EXPECT_TRUE(json_diff(json::parse(R"({"user": {"name": "a"}, "tags": [{"k": "x"}, {}]})"),
                        actual, true)
                  .empty());
  // Arrays keep their length in subset mode: elements are compared pairwise.
  EXPECT_EQ(json_diff(json::parse(R"({"tags": [{"k": "x"}]})"), actual, true),
            (Lines{"$.tags[1]: not expected"}));
  EXPECT_EQ(json_diff(json::parse(R"({"user": {"name": "b", "email": "e"}})"), actual, true),
            (Lines{"$.user.email: missing", "$.user.name: expected \"b\", got \"a\""}));
}

TEST(ReplayExpect, LongValuesAreShortened) {
  std::string long_text(200, 'x');
  auto lines = json_diff(json("short"), json(long_text), false);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_LT(lines[0].size(), 100u);
  EXPECT_NE(lines[0].find("..."), std::string::npos);
}

TEST(ReplayExpect, TextDiff) {
  EXPECT_TRUE(text_diff("a\nb", "a\nb", false).empty());
  EXPECT_EQ(text_diff("a = 1\nb = 2\n", "a = 1\nb = 3\n", false),
            (Lines{"first difference at line 2, column 5: expected \"b = 2\", got \"b = 3\""}));
  EXPECT_EQ(text_diff("hello", "hello world", false),
            (Lines{"the text goes on after the expected end (line 1, column 6): \" world\""}));
  EXPECT_EQ(text_diff("hello world", "hello", false),
            (Lines{"the text ends early (line 1, column 6); expected more: \" world\""}));
  EXPECT_TRUE(text_diff("lo w", "hello world", true).empty());
  EXPECT_EQ(text_diff("bye", "hello", true),
            (Lines{"expected the text to contain \"bye\", got \"hello\""}));
}

TEST(ReplayExpect, StatusAndBody) {
  Expect e;
  e.status = 200;
  e.body = json::parse(R"({"ok": true})");
  Observed o;
  o.status = 200;
  o.body = R"({ "ok" : true })";
  EXPECT_TRUE(check(e, o).empty());

  o.status = 404;
  o.body = R"({"ok": false})";
  EXPECT_EQ(check(e, o), (Lines{"status: expected 200, got 404",
                                "body: $.ok: expected true, got false"}));
  o.body = "not json";
  EXPECT_EQ(check(e, o)[1], "body: expected JSON, got text: \"not json\"");
  o.status.reset();
  o.body.reset();
  EXPECT_EQ(check(e, o), (Lines{"status: expected 200, got no HTTP response",
                                "body: expected a response body, got no HTTP response"}));

  // A string body that parses is compared as JSON; one that does not, as text.
  Expect text;
  text.body = "[1, 2]";
  Observed t;
  t.body = "[1,2]";
  EXPECT_TRUE(check(text, t).empty());
  text.body = "Hello";
  t.body = "Hello!";
  EXPECT_EQ(check(text, t),
            (Lines{"body: the text goes on after the expected end (line 1, column 6): \"!\""}));
  text.match = MatchMode::Subset;
  EXPECT_TRUE(check(text, t).empty());
}

TEST(ReplayExpect, ResultAndErrors) {
  Expect e;
  e.result = json::parse(R"({"count": 2})");
  e.match = MatchMode::Subset;
  Observed o;
  o.result = json::parse(R"({"count": 2, "items": []})");
  EXPECT_TRUE(check(e, o).empty());
  o.result = json::parse(R"({"count": 3})");
  EXPECT_EQ(check(e, o), (Lines{"result: $.count: expected 2, got 3"}));

  o.result.reset();
  o.error_type = "Error";
  o.error_message = "boom";
  EXPECT_EQ(check(e, o), (Lines{"result: the function failed: Error: boom"}));

  // No expectation at all: a failure still fails the case ...
  EXPECT_EQ(check(Expect{}, o), (Lines{"error: the function failed: Error: boom"}));
  // ... unless the status is what is checked (an HTTP client sees a 502).
  Expect status;
  status.status = 502;
  Observed http_failed = o;
  http_failed.status = 502;
  EXPECT_TRUE(check(status, http_failed).empty());

  Expect fails;
  fails.error = "Runtime.ExitError";
  EXPECT_EQ(check(fails, o), (Lines{"error: expected Runtime.ExitError, got Error: boom"}));
  fails.error = "Error";
  fails.error_message = "bo";
  EXPECT_TRUE(check(fails, o).empty());
  fails.error_message = "bang";
  EXPECT_EQ(check(fails, o),
            (Lines{"errorMessage: expected it to contain \"bang\", got \"boom\""}));
  EXPECT_EQ(check(fails, Observed{}),
            (Lines{"error: expected the function to fail with Error, but it succeeded",
                   "errorMessage: expected the function to fail, but it succeeded"}));
}

TEST(ReplayExpect, Duration) {
  Expect e;
  e.max_duration_ms = 100;
  Observed o;
  o.duration_ms = 99.6;
  EXPECT_TRUE(check(e, o).empty());
  o.duration_ms = 250.4;
  EXPECT_EQ(check(e, o), (Lines{"duration: 250 ms, more than maxDurationMs 100"}));
}

TEST(ReplayExpect, QueueSideEffects) {
  Expect e;
  ExpectedSideEffect json_message;
  json_message.queue = "out";
  json_message.message = json::parse(R"({"id": 1})");
  ExpectedSideEffect text_message;
  text_message.queue = "log";
  text_message.message = "done";
  ExpectedSideEffect any;
  any.queue = "any";
  e.side_effects = {json_message, text_message, any};

  Observed o;
  o.side_effects = {{{"not json", R"({"id": 1, "at": 5})"}, {}},
                    {{"done"}, {}},
                    {{"whatever"}, {}}};
  EXPECT_TRUE(check(e, o).empty());

  o.side_effects = {{{R"({"id": 2})", "plain"}, {}}, {{"done."}, {}}, {{}, {}}};
  EXPECT_EQ(check(e, o),
            (Lines{"sideEffects[0]: no message on queue \"out\" matches {\"id\":1} (2 sent)",
                   "sideEffects[0]: message 1: $.id: expected 1, got 2",
                   "sideEffects[0]: message 2: expected JSON, got text: \"plain\"",
                   "sideEffects[1]: no message on queue \"log\" matches \"done\" (1 sent)",
                   "sideEffects[1]: message 1: the text goes on after the expected end (line 1, "
                   "column 5): \".\"",
                   "sideEffects[2]: no message was sent to queue \"any\""}));

  o.side_effects.resize(1);
  o.side_effects[0].messages = {R"({"id": 1})"};
  EXPECT_EQ(check(e, o), (Lines{"sideEffects[1]: not observed", "sideEffects[2]: not observed"}));
}

TEST(ReplayExpect, TableSideEffects) {
  ExpectedSideEffect present;
  present.kind = ExpectedSideEffect::Kind::Table;
  present.table = "orders";
  present.key = {{"id", "o1"}};
  present.item = json::parse(R"({"status": "paid"})");
  ExpectedSideEffect gone = present;
  gone.key = {{"id", "o2"}};
  gone.item.reset();
  gone.absent = true;
  Expect e;
  e.side_effects = {present, gone};

  Observed o;
  o.side_effects.resize(2);
  o.side_effects[0].item = json::parse(R"({"id": "o1", "status": "paid", "total": 3})");
  EXPECT_TRUE(check(e, o).empty());

  o.side_effects[0].item = json::parse(R"({"id": "o1", "status": "new"})");
  o.side_effects[1].item = json::parse(R"({"id": "o2"})");
  EXPECT_EQ(check(e, o),
            (Lines{"sideEffects[0]: table \"orders\" key {\"id\":\"o1\"}: $.status: expected "
                   "\"paid\", got \"new\"",
                   "sideEffects[1]: table \"orders\" key {\"id\":\"o2\"}: expected no item, "
                   "found {\"id\":\"o2\"}"}));
  o.side_effects[0].item.reset();
  o.side_effects[1].item.reset();
  EXPECT_EQ(check(e, o), (Lines{"sideEffects[0]: table \"orders\" key {\"id\":\"o1\"}: no item"}));
}

TEST(ReplayExpect, LongDiffsAreCapped) {
  json expected = json::object(), actual = json::object();
  for (int i = 0; i < 30; ++i) expected["k" + std::to_string(i)] = i;
  Expect e;
  e.result = expected;
  Observed o;
  o.result = actual;
  auto lines = check(e, o);
  ASSERT_EQ(lines.size(), 21u);
  EXPECT_EQ(lines.back(), "result: ... and 10 more differences");
}

}  // namespace
}  // namespace serverlite::replay
