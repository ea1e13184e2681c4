#include "emulator/replay/junit.hpp"

#include <gtest/gtest.h>

namespace serverlite::replay {
namespace {

TEST(ReplayJunit, WholeDocument) {
  std::vector<CaseResult> results(4);
  results[0] = {.name = "creates an order", .classname = "replay/orders.jsonl", .time_s = 0.0126};
  results[1] = {.name = "lists <orders>",
                .classname = "replay/orders.jsonl",
                .time_s = 1.5,
                .failure = "2 mismatches",
                .failure_details = "status: expected 200, got 500\nbody: $.a: missing"};
  results[2] = {.name = "routes",
                .classname = "replay/events.jsonl",
                .time_s = 0,
                .error = "no function of serverless.yml handles this SQS event",
                .error_details = "",
                .output = "START RequestId: 1\nEND"};
  results[3] = {.name = "after seed",
                .classname = "replay/events.jsonl",
                .skipped = "the seed on line 1 failed"};
  EXPECT_EQ(junit_xml("replay", results, "2024-05-01T12:00:00Z"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"replay\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" "
            "time=\"1.513\">\n"
            "  <testsuite name=\"replay\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" "
            "time=\"1.513\" timestamp=\"2024-05-01T12:00:00Z\">\n"
            "    <testcase name=\"creates an order\" classname=\"replay/orders.jsonl\" "
            "time=\"0.013\"/>\n"
            "    <testcase name=\"lists &lt;orders&gt;\" classname=\"replay/orders.jsonl\" "
            "time=\"1.500\">\n"
            "      <failure message=\"2 mismatches\" type=\"AssertionError\">status: expected "
            "200, got 500\nbody: $.a: missing</failure>\n"
            "    </testcase>\n"
            "    <testcase name=\"routes\" classname=\"replay/events.jsonl\" time=\"0.000\">\n"
            "      <error message=\"no function of serverless.yml handles this SQS event\" "
            "type=\"ReplayError\"></error>\n"
            "      <system-out>START RequestId: 1\nEND</system-out>\n"
            "    </testcase>\n"
            "    <testcase name=\"after seed\" classname=\"replay/events.jsonl\" time=\"0.000\">\n"
            "      <skipped message=\"the seed on line 1 failed\"/>\n"
            "    </testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(ReplayJunit, EmptySuite) {
  EXPECT_EQ(junit_xml("s", {}),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"s\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" "
            "time=\"0.000\">\n"
            "  <testsuite name=\"s\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" "
            "time=\"0.000\">\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(ReplayJunit, ErrorOutranksFailure) {
  CaseResult r{.name = "n", .classname = "c", .failure = "f", .error = "e"};
  auto xml = junit_xml("s", {r});
  EXPECT_NE(xml.find("failures=\"0\" errors=\"1\""), std::string::npos);
  EXPECT_EQ(xml.find("<failure"), std::string::npos);
}

TEST(ReplayJunit, EscapesForXml) {
  EXPECT_EQ(xml_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;\"c\"'d'");
  EXPECT_EQ(xml_escape("a\"'\n\tb", true), "a&quot;&apos;&#10;&#9;b");
  EXPECT_EQ(xml_escape("x\ry"), "x&#13;y");
  EXPECT_EQ(xml_escape("]]>"), "]]&gt;");
  // Characters XML 1.0 cannot carry, and broken UTF-8, become U+FFFD.
  EXPECT_EQ(xml_escape(std::string("a\x01" "b\x00" "c", 5)), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
  EXPECT_EQ(xml_escape("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");  // é € 😀 pass through
  EXPECT_EQ(xml_escape("\xC3"), "\xEF\xBF\xBD");          // truncated
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(xml_escape("\xEF\xBF\xBF"), "\xEF\xBF\xBD");  // U+FFFF
}

}  // namespace
}  // namespace serverlite::replay
