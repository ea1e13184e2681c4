// JUnit XML for `serverlite replay --junit OUT.xml`, in the shape CI reporters read (Jenkins'
// JUnit plugin, GitLab's test reports, GitHub Actions reporters):
//   <testsuites name tests failures errors skipped time>
//     <testsuite name tests failures errors skipped time timestamp?>
//       <testcase name classname time>
//         <failure message type="AssertionError">details</failure>   (expectation not met)
//         <error message type="ReplayError">details</error>          (the case could not run)
//         <skipped message/>
//         <system-out>function logs</system-out>
// Pure text generation; one suite per call.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace serverlite::replay {

struct CaseResult {
  std::string name;       // the case's name
  std::string classname;  // the file it came from ("replay/orders.jsonl")
  double time_s = 0;
  std::optional<std::string> failure;  // one-line summary: the expectation was not met
  std::string failure_details;         // the mismatch lines, one per line
  std::optional<std::string> error;    // the case could not run (no route, emulator error)
  std::string error_details;
  std::optional<std::string> skipped;  // why it did not run (a seed before it failed ...)
  std::string output;                  // the function's logs, as <system-out>; empty: none
};

// A complete document (XML declaration included). Text is escaped for XML 1.0: markup
// characters become entities, characters XML 1.0 forbids (control characters other than tab,
// LF, CR) and invalid UTF-8 become U+FFFD, and a "]]>" in text cannot end anything since text is
// never put in CDATA. Times have millisecond precision. `timestamp` (ISO 8601, may be empty)
// goes on the <testsuite>.
std::string junit_xml(const std::string& suite, const std::vector<CaseResult>& results,
                      const std::string& timestamp = "");

// `text` escaped for XML character data; with `attribute`, also for a quoted attribute value
// (tab, LF and CR as character references, which attribute normalisation would otherwise turn
// into spaces).
std::string xml_escape(const std::string& text, bool attribute = false);

}  // namespace serverlite::replay
