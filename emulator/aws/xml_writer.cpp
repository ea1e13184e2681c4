#include "emulator/aws/xml_writer.hpp"

#include <cassert>

namespace serverlite::aws {

namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one UTF-8 character at `in[pos]`, advancing `pos`. Malformed input (bad lead byte,
// missing or bad continuation, overlong form, surrogate, above U+10FFFF) gives kInvalid and
// advances by one byte, so the caller resynchronises on the next byte.
char32_t decode_utf8(std::string_view in, std::size_t& pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(in[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  int extra;
  char32_t cp, min;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    ++pos;
    return kInvalid;
  }
  if (in.size() - pos <= static_cast<std::size_t>(extra)) {
    ++pos;
    return kInvalid;
  }
  for (int i = 1; i <= extra; ++i) {
    unsigned char c = byte(pos + i);
    if ((c & 0xC0) != 0x80) {
      ++pos;
      return kInvalid;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return kInvalid;
  }
  pos += extra + 1;
  return cp;
}

bool xml_allows(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

}  // namespace

bool is_valid_xml_text(std::string_view utf8) {
  for (std::size_t pos = 0; pos < utf8.size();)
    if (!xml_allows(decode_utf8(utf8, pos))) return false;
  return true;
}

std::string xml_escape(std::string_view utf8, bool attribute) {
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 8);
  for (std::size_t pos = 0; pos < utf8.size();) {
    std::size_t start = pos;
    char32_t cp = decode_utf8(utf8, pos);
    switch (cp) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '\r':
        out += "&#xD;";
        continue;
      case '"':
        out += attribute ? "&quot;" : "\"";
        continue;
      case '\t':
        out += attribute ? "&#x9;" : "\t";
        continue;
      case '\n':
        out += attribute ? "&#xA;" : "\n";
        continue;
      default:
        break;
    }
    if (xml_allows(cp))
      out.append(utf8.substr(start, pos - start));
    else
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
  }
  return out;
}

XmlWriter& XmlWriter::declaration() {
  assert(out_.empty());
  out_ += R"(<?xml version="1.0" encoding="UTF-8"?>)";
  return *this;
}

void XmlWriter::end_start_tag() {
  if (in_start_tag_) {
    out_ += '>';
    in_start_tag_ = false;
  }
}

XmlWriter& XmlWriter::open(std::string_view name) {
  end_start_tag();
  out_ += '<';
  out_ += name;
  open_.emplace_back(name);
  in_start_tag_ = true;
  return *this;
}

XmlWriter& XmlWriter::attribute(std::string_view name, std::string_view value) {
  assert(in_start_tag_);
  out_ += ' ';
  out_ += name;
  out_ += "=\"";
  out_ += xml_escape(value, true);
  out_ += '"';
  return *this;
}

XmlWriter& XmlWriter::text(std::string_view utf8) {
  if (utf8.empty()) return *this;  // keeps `<name/>` for an element with only empty text
  end_start_tag();
  out_ += xml_escape(utf8);
  return *this;
}

XmlWriter& XmlWriter::raw(std::string_view xml) {
  if (xml.empty()) return *this;
  end_start_tag();
  out_ += xml;
  return *this;
}

XmlWriter& XmlWriter::close() {
  assert(!open_.empty());
  if (in_start_tag_) {
    out_ += "/>";
    in_start_tag_ = false;
  } else {
    out_ += "</";
    out_ += open_.back();
    out_ += '>';
  }
  open_.pop_back();
  return *this;
}

XmlWriter& XmlWriter::element(std::string_view name, std::string_view value) {
  return open(name).text(value).close();
}

std::string XmlWriter::str() && {
  while (!open_.empty()) close();
  return std::move(out_);
}

}  // namespace serverlite::aws
