#include "emulator/replay/junit.hpp"

#include <cstdio>

namespace serverlite::replay {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates, at
// most U+10FFFF), 0 when it is not one; `cp` gets the code point.
std::size_t utf8_sequence(const std::string& s, std::size_t i, char32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t n;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

std::string attr(const char* name, const std::string& value) {
  return std::string(" ") + name + "=\"" + xml_escape(value, true) + "\"";
}

}  // namespace

std::string xml_escape(const std::string& text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence(text, i, cp);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;  // a raw CR would be read back as LF
      default:
        // XML 1.0 (section 2.2, Char) allows no other C0 controls, nor U+FFFE / U+FFFF.
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) out += kReplacement;
        else out.append(text, i, n);
    }
    i += n;
  }
  return out;
}

std::string junit_xml(const std::string& suite, const std::vector<CaseResult>& results,
                      const std::string& timestamp) {
  std::size_t failures = 0, errors = 0, skipped = 0;
  double total = 0;
  for (const auto& r : results) {
    // One outcome per test case: an error (could not run) outranks a failure.
    if (r.error) ++errors;
    else if (r.failure) ++failures;
    else if (r.skipped) ++skipped;
    total += r.time_s < 0 ? 0 : r.time_s;
  }
  std::string counts = attr("tests", std::to_string(results.size())) +
                       attr("failures", std::to_string(failures)) +
                       attr("errors", std::to_string(errors)) +
                       attr("skipped", std::to_string(skipped)) + attr("time", seconds(total));
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuites" + attr("name", suite) + counts + ">\n";
  xml += "  <testsuite" + attr("name", suite) + counts +
         (timestamp.empty() ? "" : attr("timestamp", timestamp)) + ">\n";
  for (const auto& r : results) {
    xml += "    <testcase" + attr("name", r.name) + attr("classname", r.classname) +
           attr("time", seconds(r.time_s));
    if (!r.error && !r.failure && !r.skipped && r.output.empty()) {
      xml += "/>\n";
      continue;
    }
    xml += ">\n";
    if (r.error) {
      xml += "      <error" + attr("message", *r.error) + attr("type", "ReplayError") + ">" +
             xml_escape(r.error_details) + "</error>\n";
    } else if (r.failure) {
      xml += "      <failure" + attr("message", *r.failure) + attr("type", "AssertionError") +
             ">" + xml_escape(r.failure_details) + "</failure>\n";
    } else if (r.skipped) {
      xml += "      <skipped" + attr("message", *r.skipped) + "/>\n";
    }
    if (!r.output.empty())
      xml += "      <system-out>" + xml_escape(r.output) + "</system-out>\n";
    xml += "    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

}  // namespace serverlite::replay
