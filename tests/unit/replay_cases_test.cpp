#include "emulator/replay/cases.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>

namespace serverlite::replay {
namespace {

using nlohmann::json;

std::vector<Case> parse(const std::string& text, const std::string& source = "cases.jsonl") {
  std::istringstream in(text);
  return parse_cases(in, source);
}

// One case written over several lines in the test, read as the one line it stands for.
Case one(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  auto cases = parse(text);
  EXPECT_EQ(cases.size(), 1u);
  return cases.at(0);
}

// The message of the CaseError that parsing `text` throws ("" if none).
std::string error_of(std::string text, bool one_line = true) {
  if (one_line) std::replace(text.begin(), text.end(), '\n', ' ');
  try {
    parse(text);
  } catch (const CaseError& e) {
    return e.what();
  }
  return "";
}

TEST(ReplayCases, SkipsBlankAndCommentLinesAndNamesBySourceLine) {
  auto cases = parse(
      "// orders\n"
      "\n"
      "   \n"
      "{\"function\": \"create\", \"event\": {\"id\": 1}}\r\n"
      "  // another comment\n"
      "{\"function\": \"list\", \"name\": \"lists orders\"}\n");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].kind, CaseKind::Invoke);
  EXPECT_EQ(cases[0].function, "create");
  EXPECT_EQ(cases[0].event, json({{"id", 1}}));
  EXPECT_EQ(cases[0].source, "cases.jsonl:4");
  EXPECT_EQ(cases[0].name, "cases.jsonl:4");
  EXPECT_FALSE(cases[0].expect.has_value());
  EXPECT_EQ(cases[1].event, json::object());  // no event: {}
  EXPECT_EQ(cases[1].name, "lists orders");
  EXPECT_EQ(cases[1].source, "cases.jsonl:6");
}

TEST(ReplayCases, UnknownMemberSuggestsTheNearestName) {
  EXPECT_EQ(error_of("\n{\"function\": \"f\", \"expct\": {}}", false),
            "cases.jsonl:2: unknown member \"expct\" (did you mean expect?)");
  EXPECT_EQ(error_of("{\"function\": \"f\", \"expect\": {\"stauts\": 200}}"),
            "cases.jsonl:1: expect: unknown member \"stauts\" (did you mean status?)");
  EXPECT_EQ(error_of("{\"function\": \"f\", \"zzzzzz\": 1}"),
            "cases.jsonl:1: unknown member \"zzzzzz\"");
  EXPECT_EQ(error_of("{\"fucntion\": \"f\"}"),
            "cases.jsonl:1: unknown member \"fucntion\" (did you mean function?)");
  EXPECT_EQ(error_of("{\"function\": \"f\", \"messages\": []}"),
            "cases.jsonl:1: member \"messages\" does not belong in a function case");
  EXPECT_EQ(error_of("{\"http\": {\"path\": \"/x\", \"hedaers\": {}}}"),
            "cases.jsonl:1: http: unknown member \"hedaers\" (did you mean headers?)");
}

TEST(ReplayCases, ReportsInvalidJsonWithColumn) {
  auto msg = error_of("{\"function\": \"f\"}\n{\"function\": }\n", false);
  EXPECT_EQ(msg.rfind("cases.jsonl:2: invalid JSON: column ", 0), 0u) << msg;
}

TEST(ReplayCases, RejectsTwoKindsAndNonCases) {
  EXPECT_EQ(error_of("{\"http\": {\"path\": \"/\"}, \"queue\": \"q\", \"messages\": [\"a\"]}"),
            "cases.jsonl:1: a case is one kind: found both \"http\" and \"queue\"");
  EXPECT_NE(error_of("{\"hello\": 1}").find("not a case"), std::string::npos);
  EXPECT_NE(error_of("[1, 2]").find("a case is a JSON object, not an array"), std::string::npos);
  EXPECT_EQ(error_of("{\"function\": 3}"),
            "cases.jsonl:1: \"function\" must be a string, not a number");
}

TEST(ReplayCases, HttpCase) {
  auto c = one(R"({"http": {"method": "post", "path": "/orders?x=1",
      "query": {"q": "a b", "tag": ["1", 2]}, "headers": {"X-Id": "7", "Accept": ["a", "b"]},
      "body": {"item": "book"}}})");
  EXPECT_EQ(c.kind, CaseKind::Http);
  EXPECT_EQ(c.http.method, "POST");
  EXPECT_EQ(c.http.path, "/orders");
  EXPECT_EQ(c.http.query, "x=1&q=a%20b&tag=1&tag=2");
  EXPECT_EQ(c.http.target(), "/orders?x=1&q=a%20b&tag=1&tag=2");
  EXPECT_EQ(c.http.body, R"({"item":"book"})");
  // A JSON body gets a JSON content type when the case sets none.
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Accept", "a"}, {"Accept", "b"}, {"X-Id", "7"}, {"content-type", "application/json"}};
  EXPECT_EQ(c.http.headers, headers);

  auto text = one(R"({"http": {"path": "/x", "headers": {"Content-Type": "text/csv"},
      "body": "a,b"}})");
  EXPECT_EQ(text.http.method, "GET");
  EXPECT_EQ(text.http.target(), "/x");
  EXPECT_EQ(text.http.body, "a,b");
  ASSERT_EQ(text.http.headers.size(), 1u);

  auto typed = one(R"({"http": {"path": "/x", "headers": {"content-type": "text/plain"},
      "body": [1]}})");
  ASSERT_EQ(typed.http.headers.size(), 1u);
  EXPECT_EQ(typed.http.body, "[1]");

  auto binary = one(R"({"http": {"method": "PUT", "path": "/f", "bodyBase64": "AAEC"}})");
  EXPECT_EQ(binary.http.body, std::string("\x00\x01\x02", 3));

  EXPECT_EQ(error_of(R"({"http": {"path": "x"}})"),
            "cases.jsonl:1: http: \"path\" must begin with '/': \"x\"");
  EXPECT_EQ(error_of(R"({"http": {"method": "GET"}})"),
            "cases.jsonl:1: http: \"path\" is required");
  EXPECT_NE(error_of(R"({"http": {"path": "/", "bodyBase64": "***"}})").find("not valid base64"),
            std::string::npos);
}

TEST(ReplayCases, QueueCaseAndSeed) {
  auto c = one(R"({"queue": "jobs", "messages": ["plain", {"body": {"n": 1},
      "attributes": {"kind": "a", "size": 3, "blob": {"DataType": "Binary", "BinaryValue": "AA=="}},
      "groupId": "g", "deduplicationId": "d", "delaySeconds": 5}]})");
  EXPECT_EQ(c.kind, CaseKind::Queue);
  EXPECT_FALSE(c.seed);
  EXPECT_EQ(c.target, "jobs");
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[0].body, "plain");
  EXPECT_TRUE(c.messages[0].attributes.empty());
  EXPECT_EQ(c.messages[1].body, R"({"n":1})");
  EXPECT_EQ(c.messages[1].attributes["kind"],
            json({{"DataType", "String"}, {"StringValue", "a"}}));
  EXPECT_EQ(c.messages[1].attributes["size"],
            json({{"DataType", "Number"}, {"StringValue", "3"}}));
  EXPECT_EQ(c.messages[1].attributes["blob"],
            json({{"DataType", "Binary"}, {"BinaryValue", "AA=="}}));
  EXPECT_EQ(c.messages[1].group_id, "g");
  EXPECT_EQ(c.messages[1].deduplication_id, "d");
  EXPECT_EQ(c.messages[1].delay_seconds, 5);

  auto seed = one(R"({"seed": {"queue": "jobs", "messages": ["a"]}})");
  EXPECT_TRUE(seed.seed);
  EXPECT_EQ(seed.kind, CaseKind::Queue);
  EXPECT_EQ(seed.messages.size(), 1u);

  EXPECT_EQ(error_of(R"({"queue": "q", "messages": []})"),
            "cases.jsonl:1: \"messages\" must be a non-empty array");
  EXPECT_EQ(error_of(R"({"queue": "q", "messages": [{"body": "x", "delaySeconds": 901}]})"),
            "cases.jsonl:1: messages[0]: \"delaySeconds\" must be between 0 and 900, not 901");
  EXPECT_EQ(error_of(R"({"queue": "q", "messages": [{"body": ""}]})"),
            "cases.jsonl:1: messages[0]: \"body\" must not be empty (SQS requires at least 1 "
            "character)");
  // Seeds set data up; they check nothing.
  EXPECT_EQ(error_of(R"({"seed": {"queue": "q", "messages": ["a"]}, "expect": {}})"),
            "cases.jsonl:1: member \"expect\" does not belong in a seed");
}

TEST(ReplayCases, StreamCase) {
  auto c = one(R"({"stream": "clicks", "records": [{"data": {"page": "/"},
      "partitionKey": "u1"}, {"data": "raw", "explicitHashKey": "42"}, "short"]})");
  EXPECT_EQ(c.kind, CaseKind::Stream);
  EXPECT_EQ(c.target, "clicks");
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[0].data, R"({"page":"/"})");
  EXPECT_EQ(c.records[0].partition_key, "u1");
  EXPECT_EQ(c.records[1].partition_key, "replay");
  EXPECT_EQ(c.records[1].explicit_hash_key, "42");
  EXPECT_EQ(c.records[2].data, "short");
  EXPECT_EQ(error_of(R"({"stream": "s", "records": [{"partitionKey": "k"}]})"),
            "cases.jsonl:1: records[0]: \"data\" is required");
  auto seed = one(R"({"seed": {"stream": "s", "records": ["a", "b"]}})");
  EXPECT_TRUE(seed.seed);
  EXPECT_EQ(seed.records.size(), 2u);
}

TEST(ReplayCases, TableCasesMarshalPlainJson) {
  auto c = one(R"({"table": "orders", "put": {"id": "o1", "n": 2, "price": 3.5,
      "paid": true, "note": null, "lines": [{"sku": "a"}], "meta": {"x": 1}}})");
  EXPECT_EQ(c.kind, CaseKind::Table);
  ASSERT_EQ(c.writes.size(), 1u);
  EXPECT_EQ(c.writes[0].op, TableWrite::Op::Put);
  EXPECT_EQ(c.writes[0].value, json::parse(R"({"id": {"S": "o1"}, "n": {"N": "2"},
      "price": {"N": "3.5"}, "paid": {"BOOL": true}, "note": {"NULL": true},
      "lines": {"L": [{"M": {"sku": {"S": "a"}}}]}, "meta": {"M": {"x": {"N": "1"}}}})"));

  auto del = one(R"({"table": "orders", "delete": {"id": "o1"}})");
  EXPECT_EQ(del.writes[0].op, TableWrite::Op::Delete);
  EXPECT_EQ(del.writes[0].value, json::parse(R"({"id": {"S": "o1"}})"));

  auto wire = one(R"({"table": "t", "wire": true, "put": {"tags": {"SS": ["a", "b"]}}})");
  EXPECT_EQ(wire.writes[0].value, json::parse(R"({"tags": {"SS": ["a", "b"]}})"));
  EXPECT_NE(error_of(R"({"table": "t", "wire": true, "put": {"id": "x"}})")
                .find("is not a DynamoDB attribute value"),
            std::string::npos);

  auto seed = one(R"({"seed": {"table": "t", "items": [{"id": "a"}, {"id": "b"}]}})");
  EXPECT_TRUE(seed.seed);
  EXPECT_EQ(seed.kind, CaseKind::Table);
  ASSERT_EQ(seed.writes.size(), 2u);
  EXPECT_EQ(seed.writes[1].value, json::parse(R"({"id": {"S": "b"}})"));

  EXPECT_EQ(error_of(R"({"table": "t"})"),
            "cases.jsonl:1: a table case has \"put\" or \"delete\" (one of them)");
  EXPECT_EQ(error_of(R"({"table": "t", "put": {"a": 1}, "delete": {"a": 1}})"),
            "cases.jsonl:1: a table case has \"put\" or \"delete\" (one of them)");
  EXPECT_EQ(error_of(R"({"seed": {"tabel": "t", "items": []}})"),
            "cases.jsonl:1: seed: unknown member \"tabel\" (did you mean table?)");
}

TEST(ReplayCases, WireConversionRoundTrips) {
  json plain = json::parse(R"({"a": "x", "b": 1, "c": -2.25, "d": false, "e": null,
                               "f": [1, "y", {"g": []}]})");
  EXPECT_EQ(from_wire_item(to_wire_item(plain)), plain);
  // Sets become arrays; numbers beyond 64 bits stay text rather than lose digits.
  json wire = json::parse(R"({"ss": {"SS": ["a"]}, "ns": {"NS": ["1", "2.5"]},
      "big": {"N": "123456789012345678901234567890"}, "bin": {"B": "AAE="}})");
  EXPECT_EQ(from_wire_item(wire), json::parse(R"({"ss": ["a"], "ns": [1, 2.5],
      "big": "123456789012345678901234567890", "bin": "AAE="})"));
}

TEST(ReplayCases, RawEventsAndEventCases) {
  auto raw = one(R"({"Records": [{"eventSource": "aws:sqs", "body": "x"}]})");
  EXPECT_EQ(raw.kind, CaseKind::Event);
  EXPECT_EQ(raw.event["Records"][0]["body"], "x");
  EXPECT_EQ(raw.name, "cases.jsonl:1");

  auto wrapped = one(R"({"name": "routed", "event": {"version": "2.0", "routeKey": "$default",
      "rawPath": "/"}, "expect": {"status": 200}})");
  EXPECT_EQ(wrapped.kind, CaseKind::Event);
  EXPECT_EQ(wrapped.name, "routed");
  EXPECT_EQ(wrapped.event["routeKey"], "$default");
  ASSERT_TRUE(wrapped.expect);
  EXPECT_EQ(wrapped.expect->status, 200);
}

TEST(ReplayCases, Expectations) {
  auto c = one(R"({"function": "f", "expect": {"status": 201, "body": {"ok": true},
      "result": [1], "match": "subset", "error": "Error", "errorMessage": "boom",
      "maxDurationMs": 500, "sideEffects": [{"queue": "out", "message": {"id": 1}},
      {"queue": "any"}, {"table": "t", "key": {"id": "a"}, "item": {"n": 1}},
      {"table": "t", "key": {"id": "b"}, "absent": true}]}})");
  ASSERT_TRUE(c.expect);
  const auto& e = *c.expect;
  EXPECT_EQ(e.status, 201);
  EXPECT_EQ(e.body, json({{"ok", true}}));
  EXPECT_EQ(e.result, json::array({1}));
  EXPECT_EQ(e.match, MatchMode::Subset);
  EXPECT_EQ(e.error, "Error");
  EXPECT_EQ(e.error_message, "boom");
  EXPECT_EQ(e.max_duration_ms, 500);
  ASSERT_EQ(e.side_effects.size(), 4u);
  EXPECT_EQ(e.side_effects[0].kind, ExpectedSideEffect::Kind::Queue);
  EXPECT_EQ(e.side_effects[0].message, json({{"id", 1}}));
  EXPECT_FALSE(e.side_effects[1].message.has_value());
  EXPECT_EQ(e.side_effects[2].kind, ExpectedSideEffect::Kind::Table);
  EXPECT_EQ(e.side_effects[2].key, json({{"id", "a"}}));
  EXPECT_EQ(e.side_effects[2].item, json({{"n", 1}}));
  EXPECT_TRUE(e.side_effects[3].absent);

  EXPECT_EQ(error_of(R"({"function": "f", "expect": {"status": 99}})"),
            "cases.jsonl:1: expect: \"status\" must be between 100 and 599, not 99");
  EXPECT_EQ(error_of(R"({"function": "f", "expect": {"match": "fuzzy"}})"),
            "cases.jsonl:1: expect: \"match\" must be \"exact\" or \"subset\", not \"fuzzy\"");
  EXPECT_EQ(error_of(R"({"function": "f", "expect": {"sideEffects": [{"queu": "q"}]}})"),
            "cases.jsonl:1: expect: sideEffects[0]: unknown member \"queu\" (did you mean "
            "queue?)");
  EXPECT_EQ(error_of(R"({"function": "f", "expect": {"sideEffects": [{"table": "t"}]}})"),
            "cases.jsonl:1: expect: sideEffects[0]: a table side effect needs \"key\"");
  EXPECT_EQ(error_of(R"({"function": "f", "expect": {"sideEffects": [{"table": "t",
      "key": {"id": 1}, "item": {}, "absent": true}]}})"),
            "cases.jsonl:1: expect: sideEffects[0]: \"item\" and \"absent\": true contradict "
            "each other");
}

TEST(ReplayCases, Timestamps) {
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00Z"), 1714564800000);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00.25Z"), 1714564800250);
  EXPECT_EQ(parse_timestamp("2024-05-01T14:00:00+02:00"), 1714564800000);
  EXPECT_EQ(parse_timestamp("2024-05-01T07:30:00-0430"), 1714564800000);
  EXPECT_EQ(parse_timestamp("2024-05-01 12:00:00"), 1714564800000);
  EXPECT_EQ(parse_timestamp("2024-05-01"), 1714521600000);
  EXPECT_EQ(parse_timestamp("2000-02-29T00:00:00Z"), 951782400000);
  EXPECT_FALSE(parse_timestamp("yesterday"));
  EXPECT_FALSE(parse_timestamp("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp("2024-05-01T12:00:00Zjunk"));

  auto cases = parse("{\"function\": \"f\", \"timestamp\": 1714564800000}\n"
                     "{\"function\": \"f\", \"timestamp\": \"2024-05-01T12:00:00Z\"}\n");
  EXPECT_EQ(cases[0].timestamp_ms, 1714564800000);
  EXPECT_EQ(cases[1].timestamp_ms, 1714564800000);
  EXPECT_NE(error_of(R"({"function": "f", "timestamp": "noon"})").find("neither ISO 8601"),
            std::string::npos);
}

TEST(ReplayCases, DidYouMean) {
  EXPECT_EQ(did_you_mean("expct", {"expect", "event"}), "expect");
  EXPECT_EQ(did_you_mean("Status", {"status"}), "status");
  EXPECT_EQ(did_you_mean("sideEfects", {"sideEffects", "status"}), "sideEffects");
  EXPECT_EQ(did_you_mean("xyz", {"expect", "event"}), "");
}

class ReplayCasesFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    auto* unit = ::testing::UnitTest::GetInstance();
    // Unique per process, so parallel test runs (ctest -j) do not share a directory.
    dir_ = std::filesystem::temp_directory_path() /
           ("replay_cases_test_" + std::to_string(::getpid()) + "_" +
            unit->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "sub");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(ReplayCasesFiles, LoadsADirectoryInPathOrder) {
  write("b.jsonl", "{\"function\": \"b1\"}\n{\"function\": \"b2\"}\n");
  write("a.json", "{\n  \"function\": \"a\",\n  \"event\": {}\n}\n");
  write("sub/c.jsonl", "{\"function\": \"c\"}\n");
  write("notes.txt", "not a case");
  auto cases = load_cases(dir_);
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0].function, "a");
  EXPECT_EQ(cases[0].source, (dir_ / "a.json").generic_string());
  EXPECT_EQ(cases[1].function, "b1");
  EXPECT_EQ(cases[2].source, (dir_ / "b.jsonl").generic_string() + ":2");
  EXPECT_EQ(cases[3].function, "c");

  auto one = load_cases(dir_ / "b.jsonl");
  EXPECT_EQ(one.size(), 2u);
}

TEST_F(ReplayCasesFiles, JsonFileHoldsOneRawEvent) {
  write("event.json", R"({"Records": [{"eventSource": "aws:kinesis"}]})");
  auto cases = load_cases(dir_ / "event.json");
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].kind, CaseKind::Event);
}

TEST_F(ReplayCasesFiles, ErrorsNameTheFile) {
  write("bad.json", "{\n  \"function\": \"f\",\n  \"expect\": {\n}");
  try {
    load_cases(dir_ / "bad.json");
    FAIL() << "no error";
  } catch (const CaseError& e) {
    EXPECT_EQ(e.source(), (dir_ / "bad.json").generic_string());
    EXPECT_NE(e.problem().find("invalid JSON: line 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_cases(dir_ / "missing.jsonl"), CaseError);
  EXPECT_THROW(load_cases(dir_ / "sub"), CaseError);  // no case files
}

}  // namespace
}  // namespace serverlite::replay
