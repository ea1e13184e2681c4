// Parsing and static checking of DynamoDB expressions (see expression.hpp).
//
// Parsing happens in two steps, as DynamoDB reports errors: a recursive-descent parser builds
// a raw tree and throws only syntax errors; a checking pass then resolves placeholders and
// reports the first semantic error by DynamoDB's precedence (e.g. redundant parentheses before
// unknown functions before reserved words before undefined placeholders), so that one request
// gets the same message it would get from DynamoDB.
//
// The checking pass is in expression_check.cpp; ExpressionContext and the reserved words are in
// expression_context.cpp.
#include "services/table/expression.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "services/table/expression_internal.hpp"

namespace serverlite::table {
namespace {

// ---- Tokens -------------------------------------------------------------------------------------

enum class Tok { Name, NamePlaceholder, ValuePlaceholder, Number, Punct, Other, End };

struct Token {
  Tok kind;
  std::string text;
  std::size_t begin;
  std::size_t end;
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto scan_name = [&](std::size_t from) {
    std::size_t j = from;
    while (j < text.size() && is_name_char(text[j])) ++j;
    return j;
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    Tok kind = Tok::Punct;
    if (is_name_start(c)) {
      j = scan_name(i);
      kind = Tok::Name;
    } else if ((c == '#' || c == ':') && i + 1 < text.size() && is_name_char(text[i + 1])) {
      j = scan_name(i + 1);
      kind = c == '#' ? Tok::NamePlaceholder : Tok::ValuePlaceholder;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      kind = Tok::Number;
    } else if ((c == '<' || c == '>') && i + 1 < text.size() &&
               (text[i + 1] == '=' || (c == '<' && text[i + 1] == '>'))) {
      j = i + 2;
    } else if (std::string_view("=<>()[],.+-").find(c) == std::string_view::npos) {
      kind = Tok::Other;
      // Keep a multi-byte UTF-8 character whole in the message.
      while (j < text.size() && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
    }
    out.push_back({kind, std::string(text.substr(i, j - i)), i, j});
    i = j;
  }
  out.push_back({Tok::End, "<EOF>", text.size(), text.size()});
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// Thrown inside the parser; turned into DynamoDB's "Syntax error; token: ..., near: ..." with
// the offending token and its neighbours as written.
struct SyntaxFailure {
  std::size_t token;
};

std::string syntax_message(std::string_view text, const std::vector<Token>& tokens,
                           std::size_t at) {
  const Token& t = tokens[at];
  std::size_t from = at > 0 ? tokens[at - 1].begin : t.begin;
  std::size_t to = t.kind == Tok::End ? t.end : at + 1 < tokens.size() ? tokens[at + 1].end : t.end;
  return "Syntax error; token: \"" + t.text + "\", near: \"" +
         std::string(text.substr(from, to - from)) + "\"";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(tokenize(text)) {}

  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  std::size_t pos() const { return pos_; }
  [[noreturn]] void fail() const { throw SyntaxFailure{pos_}; }
  [[noreturn]] void fail_at(std::size_t token) const { throw SyntaxFailure{token}; }
  bool at_punct(std::string_view p) const { return peek().kind == Tok::Punct && peek().text == p; }
  bool at_keyword(std::string_view k) const {
    return peek().kind == Tok::Name && iequals(peek().text, k);
  }
  void expect_punct(std::string_view p) {
    if (!at_punct(p)) fail();
    ++pos_;
  }
  void advance() { ++pos_; }
  bool at_end() const { return peek().kind == Tok::End; }
  const std::vector<Token>& tokens() const { return tokens_; }

  bool at_condition_keyword() const {
    return at_keyword("AND") || at_keyword("OR") || at_keyword("NOT") || at_keyword("BETWEEN") ||
           at_keyword("IN");
  }

  std::vector<RawElement> parse_path(bool condition_keywords) {
    std::vector<RawElement> path;
    auto element = [&] {
      const Token& t = peek();
      if (t.kind == Tok::NamePlaceholder ||
          (t.kind == Tok::Name && !(condition_keywords && at_condition_keyword()))) {
        path.push_back({false, t.text, 0});
        advance();
      } else {
        fail();
      }
    };
    element();
    continue_path(path, element);
    return path;
  }

  // The ".name" and "[n]" elements after a path's first (or after a parenthesised path: DynamoDB
  // reads "(a.b).c" as a.b.c).
  template <class Element>
  void continue_path(std::vector<RawElement>& path, Element element) {
    for (;;) {
      if (at_punct(".")) {
        advance();
        element();
      } else if (at_punct("[")) {
        advance();
        if (peek().kind != Tok::Number || peek().text.size() > 9) fail();
        path.push_back({true, "", static_cast<std::size_t>(std::stoul(peek().text))});
        advance();
        expect_punct("]");
      } else {
        return;
      }
    }
  }

  // ---- Condition grammar: or := and (OR and)*; and := not (AND not)*; not := NOT not | primary
  RawCondition parse_or() {
    RawCondition left = parse_and();
    while (at_keyword("OR")) {
      require_condition(left);
      advance();
      RawCondition right = parse_and();
      require_condition(right);
      left = combine(RawCondition::Kind::Or, std::move(left), std::move(right));
    }
    return left;
  }

  RawCondition parse_and() {
    RawCondition left = parse_not();
    while (at_keyword("AND")) {
      require_condition(left);
      advance();
      RawCondition right = parse_not();
      require_condition(right);
      left = combine(RawCondition::Kind::And, std::move(left), std::move(right));
    }
    return left;
  }

  RawCondition parse_not() {
    if (!at_keyword("NOT")) return parse_primary();
    advance();
    RawCondition inner = parse_not();
    require_condition(inner);
    RawCondition node;
    node.kind = RawCondition::Kind::Not;
    node.children.push_back(std::move(inner));
    return node;
  }

  // A parenthesised group may hold a condition or, as in "(a) = :v", an operand; an operand
  // that is not followed by a comparator travels up as a Bare node until something decides.
  RawCondition parse_primary() {
    if (at_punct("(")) {
      advance();
      RawCondition inner = parse_or();
      expect_punct(")");
      ++inner.wraps;
      if (inner.kind == RawCondition::Kind::Bare) {
        inner.after_bare = pos_;
        inner.operands[0].parens = inner.wraps;
        if (at_comparison()) {
          if (inner.wraps > 1) redundant_parens = true;
          return parse_comparison(std::move(inner.operands[0]));
        }
        return inner;
      }
      if (inner.wraps > 1) redundant_parens = true;
      return inner;
    }
    RawOperand operand = parse_operand();
    if (at_comparison()) return parse_comparison(std::move(operand));
    RawCondition node;
    if (operand.kind == RawOperand::Kind::Call) {
      node.kind = RawCondition::Kind::Call;
    } else {
      node.kind = RawCondition::Kind::Bare;
      node.after_bare = pos_;
    }
    node.operands.push_back(std::move(operand));
    return node;
  }

  bool at_comparison() const {
    if (peek().kind == Tok::Punct) {
      const std::string& p = peek().text;
      return p == "=" || p == "<>" || p == "<" || p == "<=" || p == ">" || p == ">=";
    }
    return at_keyword("BETWEEN") || at_keyword("IN");
  }

  RawCondition parse_comparison(RawOperand left) {
    RawCondition node;
    node.operands.push_back(std::move(left));
    if (at_keyword("BETWEEN")) {
      advance();
      node.kind = RawCondition::Kind::Between;
      node.operands.push_back(parse_operand_parens());
      if (!at_keyword("AND")) fail();
      advance();
      node.operands.push_back(parse_operand_parens());
    } else if (at_keyword("IN")) {
      advance();
      node.kind = RawCondition::Kind::In;
      expect_punct("(");
      node.operands.push_back(parse_operand_parens());
      while (at_punct(",")) {
        advance();
        node.operands.push_back(parse_operand_parens());
      }
      expect_punct(")");
    } else {
      node.kind = RawCondition::Kind::Compare;
      node.comparator_text = peek().text;
      const std::string& p = node.comparator_text;
      node.comparator = p == "="    ? Comparator::EQ
                        : p == "<>" ? Comparator::NE
                        : p == "<"  ? Comparator::LT
                        : p == "<=" ? Comparator::LE
                        : p == ">"  ? Comparator::GT
                                    : Comparator::GE;
      advance();
      node.operands.push_back(parse_operand_parens());
    }
    return node;
  }

  RawOperand parse_operand_parens() {
    if (!at_punct("(")) return parse_operand();
    advance();
    RawOperand inner = parse_operand_parens();
    expect_punct(")");
    if (++inner.parens > 1) redundant_parens = true;
    if (inner.kind == RawOperand::Kind::Path && (at_punct(".") || at_punct("["))) {
      continue_path(inner.path, [&] {
        const Token& t = peek();
        if (t.kind != Tok::NamePlaceholder && (t.kind != Tok::Name || at_condition_keyword()))
          fail();
        inner.path.push_back({false, t.text, 0});
        advance();
      });
    }
    return inner;
  }

  RawOperand parse_operand() {
    RawOperand operand;
    const Token& t = peek();
    if (t.kind == Tok::ValuePlaceholder) {
      operand.kind = RawOperand::Kind::Value;
      operand.text = t.text;
      advance();
      return operand;
    }
    if (t.kind == Tok::Name && !at_condition_keyword() && peek(1).kind == Tok::Punct &&
        peek(1).text == "(") {
      operand.kind = RawOperand::Kind::Call;
      operand.text = t.text;
      advance();
      advance();
      operand.args.push_back(parse_operand_parens());
      while (at_punct(",")) {
        advance();
        operand.args.push_back(parse_operand_parens());
      }
      expect_punct(")");
      return operand;
    }
    operand.kind = RawOperand::Kind::Path;
    operand.path = parse_path(true);
    return operand;
  }

  void require_condition(const RawCondition& node) const {
    if (node.kind == RawCondition::Kind::Bare) fail_at(node.after_bare);
  }

  static RawCondition combine(RawCondition::Kind kind, RawCondition a, RawCondition b) {
    RawCondition node;
    node.kind = kind;
    node.children.push_back(std::move(a));
    node.children.push_back(std::move(b));
    return node;
  }

  bool redundant_parens = false;

 private:
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

// DynamoDB allows at most 300 operators and functions in one expression. The parser recurses once
// per operator and per pair of parentheses, and the trees it builds are as deep, so both are
// bounded before parsing: more operators is DynamoDB's "too many operators", and parentheses
// nested deeper than there are operators to group are redundant ones, which DynamoDB refuses too.
constexpr std::size_t kMaxOperators = 300;

void check_operator_count(const std::vector<Token>& tokens, const std::string& prefix) {
  std::size_t operators = 0, depth = 0, deepest = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Tok::Punct) {
      if (t.text == "(") {
        deepest = std::max(deepest, ++depth);
        if (i > 0 && tokens[i - 1].kind == Tok::Name) ++operators;  // a function call
      } else if (t.text == ")") {
        if (depth > 0) --depth;
      } else if (t.text != "," && t.text != "." && t.text != "[" && t.text != "]") {
        ++operators;  // = <> < <= > >= + -
      }
    } else if (t.kind == Tok::Name && (iequals(t.text, "AND") || iequals(t.text, "OR") ||
                                       iequals(t.text, "NOT") || iequals(t.text, "BETWEEN") ||
                                       iequals(t.text, "IN"))) {
      ++operators;
    }
  }
  if (operators > kMaxOperators)
    throw ExpressionError(prefix + "The expression contains too many operators; operator count: " +
                          std::to_string(operators));
  if (deepest > kMaxOperators + 1)
    throw ExpressionError(prefix + "The expression has redundant parentheses;");
}

// Runs `body` with syntax failures turned into DynamoDB's message.
template <typename F>
auto with_syntax_errors(std::string_view text, ExpressionKind kind, F&& body) {
  std::string prefix = "Invalid " + std::string(expression_kind_name(kind)) + ": ";
  if (text.empty()) throw ExpressionError(prefix + "The expression can not be empty;");
  // DynamoDB caps every expression parameter at 4 KB, counted on the raw text as sent.
  constexpr std::size_t kMaxExpressionBytes = 4096;
  if (text.size() > kMaxExpressionBytes)
    throw ExpressionError(prefix +
                          "Expression size has exceeded the maximum allowed size; expression size: " +
                          std::to_string(text.size()));
  Parser parser(text);
  check_operator_count(parser.tokens(), prefix);
  try {
    return body(parser, prefix);
  } catch (const SyntaxFailure& failure) {
    throw ExpressionError(prefix + syntax_message(text, parser.tokens(), failure.token));
  }
}

}  // namespace

// ---- Conditions ---------------------------------------------------------------------------------

namespace {

RawCondition parse_raw_condition(Parser& parser) {
  RawCondition root = parser.parse_or();
  parser.require_condition(root);
  if (!parser.at_end()) parser.fail();
  return root;
}

}  // namespace

ConditionExpression parse_condition(std::string_view text, ExpressionContext& context,
                                    ExpressionKind kind) {
  return with_syntax_errors(text, kind, [&](Parser& parser, const std::string& prefix) {
    RawCondition raw = parse_raw_condition(parser);
    return check_condition(raw, parser.redundant_parens, context, prefix);
  });
}

// ---- Projections --------------------------------------------------------------------------------

ProjectionExpression parse_projection(std::string_view text, ExpressionContext& context) {
  return with_syntax_errors(
      text, ExpressionKind::Projection, [&](Parser& parser, const std::string& prefix) {
        std::vector<std::vector<RawElement>> raw;
        raw.push_back(parser.parse_path(false));
        while (parser.at_punct(",")) {
          parser.advance();
          raw.push_back(parser.parse_path(false));
        }
        if (!parser.at_end()) parser.fail();
        enum { kReservedRank, kNameRank, kOverlapRank, kConflictRank };
        Problems problems;
        Resolver resolver(context, problems, kReservedRank, kNameRank, kNameRank);
        ProjectionExpression out;
        for (const auto& r : raw) out.paths.push_back(resolver.path(r));
        check_paths(out.paths, problems, kOverlapRank, kConflictRank);
        problems.raise(prefix);
        return out;
      });
}

// ---- Updates ------------------------------------------------------------------------------------

namespace {

enum UpdateRank {
  kUReserved,
  kUUnknownFunction,
  kUSection,
  kUName,
  kUValue,
  kUOverlap,
  kUConflict,
  kUOperand,
  kUFunction
};

struct RawUpdateValue {
  enum class Kind { Path, Value, Call, Plus, Minus } kind = Kind::Path;
  std::vector<RawElement> path;
  std::string text;  // placeholder or function name
  std::vector<RawUpdateValue> args;
};

struct RawAction {
  UpdateAction::Kind kind;
  std::vector<RawElement> path;
  RawUpdateValue value;  // Set
  std::string operand;   // Add / Delete placeholder
};

RawUpdateValue parse_update_operand(Parser& p);
bool at_section(const Parser& p);

RawUpdateValue parse_update_term(Parser& p) {
  if (!p.at_punct("(")) return parse_update_operand(p);
  p.advance();
  RawUpdateValue inner = parse_update_operand(p);
  p.expect_punct(")");
  return inner;
}

RawUpdateValue parse_update_operand(Parser& p) {
  RawUpdateValue out;
  const Token& t = p.peek();
  if (t.kind == Tok::ValuePlaceholder) {
    out.kind = RawUpdateValue::Kind::Value;
    out.text = t.text;
    p.advance();
    return out;
  }
  if (t.kind == Tok::Name && p.peek(1).kind == Tok::Punct && p.peek(1).text == "(") {
    out.kind = RawUpdateValue::Kind::Call;
    out.text = t.text;
    p.advance();
    p.advance();
    out.args.push_back(parse_update_term(p));
    while (p.at_punct(",")) {
      p.advance();
      out.args.push_back(parse_update_term(p));
    }
    p.expect_punct(")");
    return out;
  }
  // SET, REMOVE, ADD and DELETE are the grammar's section keywords, never names.
  if (at_section(p)) p.fail();
  out.kind = RawUpdateValue::Kind::Path;
  out.path = p.parse_path(false);
  return out;
}

RawUpdateValue parse_sum_rest(Parser& p, RawUpdateValue left) {
  if (!p.at_punct("+") && !p.at_punct("-")) return left;
  RawUpdateValue out;
  out.kind = p.at_punct("+") ? RawUpdateValue::Kind::Plus : RawUpdateValue::Kind::Minus;
  p.advance();
  out.args.push_back(std::move(left));
  out.args.push_back(parse_update_term(p));
  return out;
}

// value := "(" sum ")" | sum;  sum := term [("+" | "-") term];  term := operand | "(" operand ")"
RawUpdateValue parse_set_value(Parser& p) {
  if (!p.at_punct("(")) return parse_sum_rest(p, parse_update_term(p));
  p.advance();
  RawUpdateValue inner = parse_sum_rest(p, parse_update_term(p));
  p.expect_punct(")");
  if (inner.kind == RawUpdateValue::Kind::Plus || inner.kind == RawUpdateValue::Kind::Minus) {
    return inner;
  }
  return parse_sum_rest(p, std::move(inner));
}

bool at_section(const Parser& p) {
  return p.at_keyword("SET") || p.at_keyword("REMOVE") || p.at_keyword("ADD") ||
         p.at_keyword("DELETE");
}

class UpdateChecker {
 public:
  UpdateChecker(ExpressionContext& context, Problems& problems)
      : problems_(problems), resolver_(context, problems, kUReserved, kUName, kUValue) {}

  UpdateValue value(const RawUpdateValue& raw) {
    UpdateValue out;
    switch (raw.kind) {
      case RawUpdateValue::Kind::Path:
        out.kind = UpdateValue::Kind::Path;
        out.path = resolver_.path(raw.path);
        return out;
      case RawUpdateValue::Kind::Value:
        out.kind = UpdateValue::Kind::Value;
        out.value = resolver_.value(raw.text);
        return out;
      case RawUpdateValue::Kind::Plus:
      case RawUpdateValue::Kind::Minus: {
        out.kind = raw.kind == RawUpdateValue::Kind::Plus ? UpdateValue::Kind::Plus
                                                          : UpdateValue::Kind::Minus;
        for (const auto& a : raw.args) out.args.push_back(value(a));
        std::string op = raw.kind == RawUpdateValue::Kind::Plus ? "+" : "-";
        check_constant_types(op, out.args, "N");
        return out;
      }
      case RawUpdateValue::Kind::Call:
        break;
    }
    bool if_not_exists = raw.text == "if_not_exists";
    bool list_append = raw.text == "list_append";
    if (!if_not_exists && !list_append) {
      // The functions of conditions are known, just not allowed here.
      static const std::set<std::string, std::less<>> kConditionFunctions = {
          "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with",
          "contains", "size"};
      problems_.add(kUUnknownFunction,
                    kConditionFunctions.contains(raw.text)
                        ? "The function is not allowed in an update expression; function: " +
                              raw.text
                        : "Invalid function name; function: " + raw.text);
    }
    std::vector<UpdateValue> args;
    for (const auto& a : raw.args) args.push_back(value(a));
    if (!if_not_exists && !list_append) return out;
    if (args.size() != 2) {
      problems_.add(kUFunction,
                    "Incorrect number of operands for operator or function; "
                    "operator or function: " +
                        raw.text + ", number of operands: " + std::to_string(args.size()));
      return out;
    }
    if (if_not_exists) {
      out.kind = UpdateValue::Kind::IfNotExists;
      if (args[0].kind != UpdateValue::Kind::Path) {
        problems_.add(kUFunction,
                      "Operator or function requires a document path; operator or "
                      "function: if_not_exists");
      }
      out.path = args[0].path;
      out.args.push_back(std::move(args[1]));
    } else {
      out.kind = UpdateValue::Kind::ListAppend;
      check_constant_types("list_append", args, "L");
      out.args = std::move(args);
    }
    return out;
  }

  Path path(const std::vector<RawElement>& raw) { return resolver_.path(raw); }
  Json constant(const std::string& placeholder) { return resolver_.value(placeholder); }

  void check_add_delete(const std::string& op, const Json& value) {
    static const std::map<std::string, std::string> kWords = {
        {"S", "STRING"},     {"N", "NUMBER"}, {"B", "BINARY"}, {"NULL", "NULL"},
        {"BOOL", "BOOLEAN"}, {"L", "LIST"},   {"M", "MAP"}};
    std::string type = type_label(value);
    auto word = kWords.find(type);
    if (word != kWords.end() && !(op == "ADD" && type == "N")) {
      problems_.add(kUOperand, "Incorrect operand type for operator or function; operator: " + op +
                                   ", operand type: " + word->second);
    }
  }

  void section(const std::string& name) {
    if (!sections_.insert(name).second) {
      problems_.add(kUSection, "The \"" + name +
                                   "\" section can only be used once in an update "
                                   "expression;");
    }
  }

 private:
  void check_constant_types(const std::string& op, const std::vector<UpdateValue>& args,
                            const std::string& wanted) {
    for (const UpdateValue& a : args) {
      if (a.kind != UpdateValue::Kind::Value) continue;
      std::string type = type_label(a.value);
      if (!type.empty() && type != wanted) {
        problems_.add(kUFunction,
                      "Incorrect operand type for operator or function; operator or "
                      "function: " +
                          op + ", operand type: " + type);
        return;
      }
    }
  }

  Problems& problems_;
  Resolver resolver_;
  std::set<std::string> sections_;
};

}  // namespace

UpdateExpression parse_update(std::string_view text, ExpressionContext& context) {
  return with_syntax_errors(
      text, ExpressionKind::Update, [&](Parser& p, const std::string& prefix) {
        std::vector<std::pair<std::string, std::vector<RawAction>>> sections;
        do {
          if (!at_section(p)) p.fail();
          std::string keyword = p.peek().text;
          for (char& c : keyword) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          }
          p.advance();
          UpdateAction::Kind kind = keyword == "SET"      ? UpdateAction::Kind::Set
                                    : keyword == "REMOVE" ? UpdateAction::Kind::Remove
                                    : keyword == "ADD"    ? UpdateAction::Kind::Add
                                                          : UpdateAction::Kind::Delete;
          std::vector<RawAction> actions;
          for (;;) {
            if (at_section(p)) p.fail();
            RawAction action{kind, p.parse_path(false), {}, {}};
            if (kind == UpdateAction::Kind::Set) {
              p.expect_punct("=");
              action.value = parse_set_value(p);
            } else if (kind != UpdateAction::Kind::Remove) {
              if (p.peek().kind != Tok::ValuePlaceholder) p.fail();
              action.operand = p.peek().text;
              p.advance();
            }
            actions.push_back(std::move(action));
            if (!p.at_punct(",")) break;
            p.advance();
          }
          sections.emplace_back(keyword, std::move(actions));
        } while (!p.at_end());

        Problems problems;
        UpdateChecker checker(context, problems);
        UpdateExpression out;
        std::vector<Path> paths;
        for (const auto& [keyword, actions] : sections) {
          checker.section(keyword);
          for (const RawAction& raw : actions) {
            UpdateAction action;
            action.kind = raw.kind;
            action.path = checker.path(raw.path);
            if (raw.kind == UpdateAction::Kind::Set) {
              action.value = checker.value(raw.value);
            } else if (raw.kind != UpdateAction::Kind::Remove) {
              action.operand = checker.constant(raw.operand);
              checker.check_add_delete(keyword, action.operand);
            }
            paths.push_back(action.path);
            out.actions.push_back(std::move(action));
          }
        }
        check_paths(paths, problems, kUOverlap, kUConflict);
        problems.raise(prefix);
        return out;
      });
}

}  // namespace serverlite::table
