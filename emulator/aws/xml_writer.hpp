// A small streaming XML writer for query-protocol responses: elements, attributes, escaped text,
// no pretty-printing (SQS answers on one line, and whitespace inside an element would change the
// value a client parses).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace serverlite::aws {

// True when `utf8` is well-formed UTF-8 and every character is one XML 1.0 allows:
// #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. This is exactly the set
// SQS accepts in a message body and string attribute values (others are InvalidMessageContents),
// so a front can reject a message before it is stored rather than alter it on the way out.
bool is_valid_xml_text(std::string_view utf8);

// Escapes `utf8` for use as element text (`attribute` false) or inside a double-quoted attribute
// value (`attribute` true).
// - `&`, `<`, `>` always become entities (`>` too, so "]]>" can never appear).
// - CR becomes `&#xD;`: a parser would otherwise normalise CR and CRLF to LF, and a message body
//   must come back byte for byte. In attributes TAB and LF become `&#x9;` / `&#xA;` and `"`
//   becomes `&quot;`, because attribute-value normalisation would turn them into spaces.
// - Anything XML 1.0 cannot carry at all (control characters other than TAB/LF/CR, U+FFFE/U+FFFF,
//   and bytes that are not well-formed UTF-8, including encoded surrogates and overlong forms)
//   becomes U+FFFD (one per disallowed character, or per byte of malformed UTF-8). The output is
//   therefore always well-formed; callers that must not alter data check is_valid_xml_text()
//   first (SQS does, at send time).
std::string xml_escape(std::string_view utf8, bool attribute = false);

// Writes one document into a string. Usage:
//   XmlWriter w;
//   w.declaration().open("A").attribute("xmlns", ns).element("B", "x & y").close();
//   std::string xml = std::move(w).str();   // <?xml ...?><A xmlns="..."><B>x &amp; y</B></A>
// Contract: attribute() only directly after open(); close() closes the innermost open element,
// as `<name/>` when it received no content. str() closes whatever is still open. Names are
// written as given (they come from our code, never from the client).
class XmlWriter {
 public:
  XmlWriter& declaration();  // <?xml version="1.0" encoding="UTF-8"?>
  XmlWriter& open(std::string_view name);
  XmlWriter& attribute(std::string_view name, std::string_view value);
  XmlWriter& text(std::string_view utf8);
  XmlWriter& close();
  // open(name), text(value), close(): `<name>value</name>`, or `<name/>` when value is empty.
  XmlWriter& element(std::string_view name, std::string_view value);
  // Appends already-serialised XML as content, unchecked (for fragments another writer made).
  XmlWriter& raw(std::string_view xml);

  std::size_t depth() const { return open_.size(); }
  std::string str() &&;

 private:
  void end_start_tag();

  std::string out_;
  std::vector<std::string> open_;
  bool in_start_tag_ = false;  // "<name attr=..." written, ">" not yet
};

}  // namespace serverlite::aws
