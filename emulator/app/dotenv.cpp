#include "emulator/app/dotenv.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && (is_blank(s[a]) || s[a] == '\r')) ++a;
  while (b > a && (is_blank(s[b - 1]) || s[b - 1] == '\r')) --b;
  return s.substr(a, b - a);
}

// dotenv-expand: $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}; \$ stays a literal $. One
// pass: values that come out of an expansion are not expanded again (no loops, no blow-up).
std::string expand(const std::string& value, const DotenvLookup& lookup,
                   const std::map<std::string, std::string>& defined, std::size_t budget,
                   const std::string& label) {
  auto find = [&](const std::string& name) -> std::optional<std::string> {
    if (lookup) {
      if (auto v = lookup(name)) return v;
    }
    if (auto it = defined.find(name); it != defined.end()) return it->second;
    return std::nullopt;
  };
  auto simple_name = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    if (out.size() > budget) {
      throw ConfigError(label, "", "its values expand to more than " +
                                       std::to_string(kMaxDotenvExpanded) + " bytes in all");
    }
    char c = value[i];
    if (c == '\\' && i + 1 < value.size() && value[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c != '$') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < value.size() && value[i + 1] == '{') {
      auto close = value.find('}', i + 2);
      if (close == std::string::npos) {
        out += value.substr(i);
        break;
      }
      std::string inner = value.substr(i + 2, close - i - 2);
      std::string name = inner, fallback;
      bool has_fallback = false;
      if (auto sep = inner.find(":-"); sep != std::string::npos) {
        name = inner.substr(0, sep);
        fallback = inner.substr(sep + 2);
        has_fallback = true;
      } else if (auto dash = inner.find('-'); dash != std::string::npos) {
        name = inner.substr(0, dash);
        fallback = inner.substr(dash + 1);
        has_fallback = true;
      }
      auto v = find(name);
      if (v && !v->empty()) {
        out += *v;
      } else if (has_fallback) {
        out += fallback;
      }
      i = close + 1;
      continue;
    }
    std::size_t j = i + 1;
    while (j < value.size() && simple_name(value[j])) ++j;
    if (j == i + 1) {
      out += '$';
      ++i;
      continue;
    }
    if (auto v = find(value.substr(i + 1, j - i - 1))) out += *v;
    i = j;
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_dotenv(const std::string& text,
                                                              const DotenvLookup& lookup,
                                                              const std::string& label) {
  std::size_t total = 0;
  std::vector<std::pair<std::string, std::string>> out;
  std::map<std::string, std::size_t> index;  // name -> position in out
  std::map<std::string, std::string> defined;
  std::size_t pos = 0;
  const std::size_t n = text.size();
  while (pos < n) {
    std::size_t line_end = text.find('\n', pos);
    if (line_end == std::string::npos) line_end = n;
    std::size_t i = pos;
    while (i < line_end && is_blank(text[i])) ++i;
    if (text.compare(i, 7, "export ") == 0) {
      i += 7;
      while (i < line_end && is_blank(text[i])) ++i;
    }
    std::size_t name_start = i;
    while (i < line_end && is_name_char(text[i])) ++i;
    std::string name = text.substr(name_start, i - name_start);
    while (i < line_end && is_blank(text[i])) ++i;
    if (name.empty() || i >= line_end || (text[i] != '=' && text[i] != ':')) {
      pos = line_end + 1;  // a comment, a blank line or not an assignment
      continue;
    }
    ++i;
    while (i < line_end && is_blank(text[i])) ++i;
    std::string value;
    bool literal = false;
    std::size_t next = line_end + 1;
    char q = i < n ? text[i] : '\0';
    std::size_t close = std::string::npos;
    if (q == '"' || q == '\'' || q == '`') {
      close = i + 1;
      while (close < n && text[close] != q) close += text[close] == '\\' ? 2 : 1;
      if (close >= n) close = std::string::npos;
    }
    if (close != std::string::npos) {
      // A quoted value, which may span lines; what follows the closing quote on its line is
      // ignored (a comment).
      value = text.substr(i + 1, close - i - 1);
      std::size_t after = text.find('\n', close);
      next = after == std::string::npos ? n : after + 1;
      if (q == '"') {
        std::string unescaped;
        for (std::size_t k = 0; k < value.size(); ++k) {
          if (value[k] == '\\' && k + 1 < value.size() && (value[k + 1] == 'n' || value[k + 1] == 'r')) {
            unescaped += '\n';
            ++k;
          } else {
            unescaped += value[k];
          }
        }
        value = std::move(unescaped);
      }
      literal = q != '"';
    } else {
      value = text.substr(i, line_end - i);
      // An unquoted value ends at a comment ('#').
      if (auto hash = value.find('#'); hash != std::string::npos) value.resize(hash);
      value = trim(value);
    }
    if (!literal) value = expand(value, lookup, defined, kMaxDotenvExpanded - total, label);
    total += value.size();
    if (total > kMaxDotenvExpanded) {
      throw ConfigError(label, "", "its values expand to more than " +
                                       std::to_string(kMaxDotenvExpanded) + " bytes in all");
    }
    defined[name] = value;
    if (auto it = index.find(name); it != index.end()) {
      out[it->second].second = value;
    } else {
      index[name] = out.size();
      out.emplace_back(name, value);
    }
    pos = next;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> load_dotenv_file(const std::filesystem::path& path,
                                                                  const std::string& label,
                                                                  const DotenvLookup& lookup) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw ConfigError(label, "", "cannot read the file (" + ec.message() + ")");
  if (size > kMaxDotenvBytes) {
    throw ConfigError(label, "", "the file is larger than " + std::to_string(kMaxDotenvBytes) +
                                     " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(label, "", "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > kMaxDotenvBytes) {
    throw ConfigError(label, "", "the file is larger than " + std::to_string(kMaxDotenvBytes) +
                                     " bytes");
  }
  return parse_dotenv(s, lookup, label);
}

}  // namespace serverlite::app
