#include "emulator/aws/xml_writer.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>

namespace serverlite::aws {
namespace {

// A tiny XML reader, enough to check that what we write parses back to what we wrote: elements,
// attributes, text, the five entities and character references. Throws on anything malformed.
struct Node {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<std::unique_ptr<Node>> children;
  std::string text;  // concatenated character data of this element (not of its children)
};

class TinyXmlReader {
 public:
  explicit TinyXmlReader(std::string_view in) : in_(in) {}

  std::unique_ptr<Node> document() {
    if (in_.substr(pos_).starts_with("<?xml")) {
      pos_ = in_.find("?>", pos_);
      if (pos_ == std::string_view::npos) fail("unterminated declaration");
      pos_ += 2;
    }
    auto root = element();
    if (pos_ != in_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error(why + " at " + std::to_string(pos_));
  }
  char peek() { return pos_ < in_.size() ? in_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected ") + c);
    ++pos_;
  }
  void skip_space() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++pos_;
  }
  std::string name() {
    std::size_t start = pos_;
    while (pos_ < in_.size() && (std::isalnum(static_cast<unsigned char>(in_[pos_])) ||
                                 in_[pos_] == ':' || in_[pos_] == '_' || in_[pos_] == '-'))
      ++pos_;
    if (start == pos_) fail("expected a name");
    return std::string(in_.substr(start, pos_ - start));
  }
  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  // Character data up to `stop`, with references resolved; a raw '<' or '&' alone is an error.
  std::string chars(char stop) {
    std::string out;
    while (pos_ < in_.size() && in_[pos_] != stop) {
      char c = in_[pos_];
      if (c == '<') fail("raw < in character data");
      if (c == '>' && stop == '"') fail("raw > in an attribute (we always escape it)");
      if (c != '&') {
        // XML parsers normalise line ends: a raw CR would not survive a round trip.
        if (c == '\r') fail("raw CR");
        // Attribute-value normalisation: a literal TAB or LF becomes a space, as in a real parser
        // (a character reference does not).
        out += (stop == '"' && (c == '\t' || c == '\n')) ? ' ' : c;
        ++pos_;
        continue;
      }
      auto semi = in_.find(';', pos_);
      if (semi == std::string_view::npos) fail("unterminated reference");
      std::string_view ref = in_.substr(pos_ + 1, semi - pos_ - 1);
      if (ref == "amp")
        out += '&';
      else if (ref == "lt")
        out += '<';
      else if (ref == "gt")
        out += '>';
      else if (ref == "quot")
        out += '"';
      else if (ref == "apos")
        out += '\'';
      else if (ref.starts_with("#x"))
        append_utf8(out, std::stoul(std::string(ref.substr(2)), nullptr, 16));
      else if (ref.starts_with("#"))
        append_utf8(out, std::stoul(std::string(ref.substr(1))));
      else
        fail("unknown entity");
      pos_ = semi + 1;
    }
    return out;
  }
  std::unique_ptr<Node> element() {
    auto node = std::make_unique<Node>();
    expect('<');
    node->name = name();
    while (true) {
      skip_space();
      if (peek() == '/') {
        ++pos_;
        expect('>');
        return node;
      }
      if (peek() == '>') {
        ++pos_;
        break;
      }
      std::string attr = name();
      expect('=');
      expect('"');
      std::string value = chars('"');
      expect('"');
      node->attributes[attr] = value;
    }
    while (true) {
      node->text += chars('<');
      if (in_.substr(pos_).starts_with("</")) {
        pos_ += 2;
        if (name() != node->name) fail("mismatched end tag");
        expect('>');
        return node;
      }
      if (pos_ >= in_.size()) fail("unterminated element");
      node->children.push_back(element());
    }
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

std::unique_ptr<Node> read(const std::string& xml) { return TinyXmlReader(xml).document(); }

TEST(XmlEscape, EscapesMarkupAndKeepsCarriageReturns) {
  EXPECT_EQ(xml_escape("a & b < c > d"), "a &amp; b &lt; c &gt; d");
  EXPECT_EQ(xml_escape("]]>"), "]]&gt;");
  EXPECT_EQ(xml_escape("\"q\" 'a'"), "\"q\" 'a'");
  EXPECT_EQ(xml_escape("line1\r\nline2\ttab"), "line1&#xD;\nline2\ttab");
  EXPECT_EQ(xml_escape("\"q\"\t\n\r", true), "&quot;q&quot;&#x9;&#xA;&#xD;");
}

TEST(XmlEscape, KeepsEveryCharacterXmlAllows) {
  // 2-, 3- and 4-byte UTF-8, the edges of the allowed ranges.
  std::string text =
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xED\x9F\xBF \xEE\x80\x80 "
      "\xEF\xBF\xBD \xF4\x8F\xBF\xBF";
  EXPECT_TRUE(is_valid_xml_text(text));
  EXPECT_EQ(xml_escape(text), text);
}

TEST(XmlEscape, ReplacesWhatXmlCannotCarry) {
  const std::string fffd = "\xEF\xBF\xBD";
  // Control characters other than TAB, LF, CR.
  EXPECT_FALSE(is_valid_xml_text(std::string("a\0b", 3)));
  EXPECT_EQ(xml_escape(std::string("a\0b", 3)), "a" + fffd + "b");
  EXPECT_EQ(xml_escape("\x01\x1F"), fffd + fffd);
  // U+FFFE and U+FFFF are not characters in XML 1.0.
  EXPECT_FALSE(is_valid_xml_text("\xEF\xBF\xBE"));
  EXPECT_EQ(xml_escape("\xEF\xBF\xBF"), fffd);
  // Malformed UTF-8: a lone continuation byte, a truncated sequence, an overlong '/',
  // an encoded surrogate (CESU-8), a code point above U+10FFFF. One U+FFFD per bad byte.
  EXPECT_EQ(xml_escape("\x80"), fffd);
  EXPECT_EQ(xml_escape("a\xE2\x82"), "a" + fffd + fffd);
  EXPECT_EQ(xml_escape("\xC0\xAF"), fffd + fffd);
  EXPECT_FALSE(is_valid_xml_text("\xED\xA0\x80"));
  EXPECT_FALSE(is_valid_xml_text("\xF4\x90\x80\x80"));
  EXPECT_FALSE(is_valid_xml_text("\xFF"));
  EXPECT_TRUE(is_valid_xml_text(""));
}

TEST(XmlWriter, WritesNestedElementsWithoutWhitespace) {
  XmlWriter w;
  w.declaration().open("A").attribute("xmlns", "urn:x").open("B").text("1").close();
  w.element("C", "").open("D").close();
  EXPECT_EQ(w.depth(), 1u);
  EXPECT_EQ(std::move(w).str(),
            R"(<?xml version="1.0" encoding="UTF-8"?><A xmlns="urn:x"><B>1</B><C/><D/></A>)");
}

TEST(XmlWriter, StrClosesWhatIsStillOpen) {
  XmlWriter w;
  w.open("A").open("B").text("x");
  EXPECT_EQ(std::move(w).str(), "<A><B>x</B></A>");
}

TEST(XmlWriter, RawFragmentsAreInsertedAsContent) {
  XmlWriter w;
  w.open("A").raw("<B>1</B>").close();
  EXPECT_EQ(std::move(w).str(), "<A><B>1</B></A>");
}

TEST(XmlWriter, TextAndAttributesRoundTripThroughAParser) {
  // Bodies as SQS carries them: JSON, markup, CRLF line ends, tabs, every plane of Unicode.
  const std::string body =
      "{\"k\": \"<v> & 'w'\"}\r\nsecond line\r\tthird]]>\n\xF0\x9F\x93\xA6 "
      "\xE6\x97\xA5\xE6\x9C\xAC";
  const std::string attr = "a \"quoted\" <attr>\twith\ttabs\nand\r\nlines & more";
  XmlWriter w;
  w.declaration().open("Root").attribute("v", attr).element("Body", body).close();
  auto root = read(std::move(w).str());
  ASSERT_EQ(root->name, "Root");
  EXPECT_EQ(root->attributes.at("v"), attr);  // escaped TAB/LF survive normalisation
  ASSERT_EQ(root->children.size(), 1u);
  EXPECT_EQ(root->children[0]->name, "Body");
  EXPECT_EQ(root->children[0]->text, body);
}

TEST(XmlWriter, InvalidInputStillGivesWellFormedXml) {
  XmlWriter w;
  w.open("M").text(std::string("bad\0\x80\x1b", 6)).close();
  auto root = read(std::move(w).str());
  EXPECT_EQ(root->text, "bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace serverlite::aws
