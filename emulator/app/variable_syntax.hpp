// The syntax of Serverless Framework variables: a string → the `${...}` variables in it, each a
// list of sources tried in order (variables.cpp resolves them). Private to variables.cpp.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace serverlite::app::variable_syntax {

using Json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// Parsing: a string → the variables in it, each a list of sources tried in order.

struct Variable;

// Text that may itself hold variables (an address or a param), or a quoted literal that may not.
struct Text {
  std::string raw;
  bool quoted = false;
};

struct Source {
  enum class Kind { Typed, Literal, Nested };
  Kind kind = Kind::Typed;
  std::string type;                  // Typed: "self", "env", "file" ...
  std::vector<Text> params;          // Typed: file(./x.yml)
  std::optional<Text> address;       // Typed: after ':'
  Json literal;                      // Literal
  std::shared_ptr<Variable> nested;  // Nested: a whole ${...} used as a fallback
};

struct Variable {
  std::size_t begin = 0, end = 0;  // [begin, end) in the parsed string
  std::string text;                // as written, for messages
  std::vector<Source> sources;
};

struct SyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool is_alnum(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Bounds on recursion: variables written inside variables (${self:a.${opt:b}}), and chains of
// values that refer to further values (a: ${self:b}, b: ${self:c}, ...), each resolved while the
// one that needs it waits.
constexpr int kMaxVariableNesting = 32;
constexpr std::size_t kMaxReferenceChain = 256;

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  std::vector<Variable> variables() {
    std::vector<Variable> out;
    std::size_t pos = 0;
    while ((pos = s_.find("${", pos)) != std::string::npos) {
      if (auto v = variable(pos)) {
        pos = v->end;
        out.push_back(std::move(*v));
      } else {
        pos += 2;  // not ours (CloudFormation's ${AWS::Region}, ...): leave it alone
      }
    }
    return out;
  }

 private:
  char at(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  void skip_spaces(std::size_t& i) const {
    while (at(i) == ' ') ++i;
  }

  // Like the Serverless Framework, only `${lowercaseType:` and `${lowercaseType(` start a
  // variable; anything else after "${" is foreign text.
  std::optional<Variable> variable(std::size_t start) {
    std::size_t i = start + 2;
    if (!is_lower(at(i))) return std::nullopt;
    std::size_t j = i;
    while (is_alnum(at(j))) ++j;
    if (at(j) != ':' && at(j) != '(') return std::nullopt;
    // Each variable inside another is parsed (and later resolved) one level deeper.
    if (depth_ >= kMaxVariableNesting)
      throw SyntaxError("variables nested more than " + std::to_string(kMaxVariableNesting) +
                        " deep");
    struct Level {
      int& depth;
      explicit Level(int& d) : depth(++d) {}
      ~Level() { --depth; }
    } level(depth_);

    Variable v;
    v.begin = start;
    for (;;) {
      skip_spaces(i);
      v.sources.push_back(source(i));
      skip_spaces(i);
      if (at(i) == ',') {
        ++i;
        continue;
      }
      if (at(i) == '}') break;
      if (i >= s_.size()) throw SyntaxError("missing closing '}'");
      throw SyntaxError("unexpected '" + std::string(1, at(i)) + "' at index " + std::to_string(i));
    }
    v.end = i + 1;
    v.text = s_.substr(v.begin, v.end - v.begin);
    return v;
  }

  Source source(std::size_t& i) {
    Source src;
    if (at(i) == '$' && at(i + 1) == '{') {
      auto nested = variable(i);
      if (!nested) throw SyntaxError("invalid variable at index " + std::to_string(i));
      src.kind = Source::Kind::Nested;
      i = nested->end;
      src.nested = std::make_shared<Variable>(std::move(*nested));
      return src;
    }
    if (at(i) == '\'' || at(i) == '"') {
      src.kind = Source::Kind::Literal;
      src.literal = quoted(i);
      return src;
    }
    std::size_t start = i;
    while (is_alnum(at(i)) || at(i) == '.' || at(i) == '-' || at(i) == '+' || at(i) == '_') ++i;
    std::string token = s_.substr(start, i - start);
    if ((at(i) == ':' || at(i) == '(') && !token.empty() && is_lower(token[0]) &&
        token.find_first_of(".-+_") == std::string::npos) {
      src.type = token;
      if (at(i) == '(') {
        ++i;
        params(i, src.params);
      }
      if (at(i) == ':') {
        ++i;
        skip_spaces(i);
        if (at(i) == '\'' || at(i) == '"') {
          src.address = Text{quoted(i), true};
        } else {
          src.address = Text{raw_until(i, ",}"), false};
        }
      }
      return src;
    }
    src.kind = Source::Kind::Literal;
    src.literal = literal(token, start);
    return src;
  }

  void params(std::size_t& i, std::vector<Text>& out) {
    for (;;) {
      skip_spaces(i);
      if (at(i) == ')') {
        ++i;
        return;
      }
      if (at(i) == '\'' || at(i) == '"') {
        out.push_back(Text{quoted(i), true});
      } else {
        out.push_back(Text{raw_until(i, ",)"), false});
      }
      skip_spaces(i);
      if (at(i) == ',') {
        ++i;
      } else if (at(i) != ')') {
        throw SyntaxError("missing ')' after the parameters");
      }
    }
  }

  // Up to the first of `stops` outside nested ${...}, trimmed.
  std::string raw_until(std::size_t& i, std::string_view stops) {
    std::size_t start = i;
    int depth = 0;
    while (i < s_.size()) {
      char c = s_[i];
      if (c == '$' && at(i + 1) == '{') {
        ++depth;
        i += 2;
        continue;
      }
      if (depth > 0 && c == '}') {
        --depth;
      } else if (depth == 0 && stops.find(c) != std::string_view::npos) {
        break;
      }
      ++i;
    }
    if (i >= s_.size()) throw SyntaxError("missing closing '}'");
    std::string text = s_.substr(start, i - start);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
  }

  std::string quoted(std::size_t& i) {
    char quote = s_[i++];
    std::string out;
    while (i < s_.size() && s_[i] != quote) {
      if (quote == '"' && s_[i] == '\\' && i + 1 < s_.size()) ++i;
      out += s_[i++];
    }
    if (i >= s_.size()) throw SyntaxError("unterminated quoted string");
    ++i;
    return out;
  }

  Json literal(const std::string& token, std::size_t where) {
    if (token == "true") return true;
    if (token == "false") return false;
    if (token == "null") return nullptr;
    if (!token.empty()) {
      char* end = nullptr;
      double d = std::strtod(token.c_str(), &end);
      if (end == token.c_str() + token.size()) {
        if (token.find_first_of(".eE") == std::string::npos) {
          return static_cast<std::int64_t>(std::strtoll(token.c_str(), nullptr, 10));
        }
        return d;
      }
    }
    throw SyntaxError("invalid source or fallback '" + token + "' at index " +
                      std::to_string(where) + " (quote literal strings)");
  }

  const std::string& s_;
  int depth_ = 0;
};


}  // namespace serverlite::app::variable_syntax
