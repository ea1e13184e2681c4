// PartiQL statements to DynamoDB expression plans (see partiql.hpp).
//
// Three passes, in the order DynamoDB reports errors: a tokenizer and recursive-descent parser
// build a small tree and throw only syntax errors ("Statement wasn't well formed, can't be
// processed: <detail>"); then the parameter count is checked; then a translator checks what
// DynamoDB's PartiQL does not support and writes the expression text, converting literals to
// wire values (where number errors name their place: "... under root.x").
//
// The syntax-error details are those of the PartiQL reference parser that DynamoDB runs
// ("Unexpected term", "Unexpected keyword", "Unexpected operator", "Unexpected token after
// expression", "Missing right-hand side expression of infix operator", "Expected identifier
// for simple path", "Expected type name", "Expected data manipulation"); lexical errors
// (an unterminated string or comment, a character outside the language, an exponent that
// does not fit 32 bits) have nothing after the colon, as DynamoDB answers them.
#include "services/table/partiql.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <set>

#include "services/table/expression.hpp"
#include "services/table/number.hpp"

namespace serverlite::table::partiql {
namespace {

constexpr std::string_view kMalformed = "Statement wasn't well formed, can't be processed: ";
constexpr std::string_view kLeftover = "Unexpected token after expression";
constexpr std::string_view kParameterCount =
    "Number of parameters in request and statement don't match.";
// ExecuteStatement's Statement is 1..8192 characters (API Reference); the limit also bounds
// every recursion below.
constexpr std::size_t kMaxStatementLength = 8192;
// Nesting of parentheses, collections, NOT and unary signs. Far beyond any real statement,
// and low enough that the recursive descent cannot exhaust the stack.
constexpr int kMaxNesting = 200;

[[noreturn]] void fail(std::string message) { throw Error(std::move(message)); }
[[noreturn]] void malformed(std::string_view detail) {
  fail(std::string(kMalformed) + std::string(detail));
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// PartiQL's keywords: the SQL-92 reserved words plus PartiQL's own. A bare keyword is never an
// attribute name (DynamoDB refuses  WHERE pad = 'x'  and accepts  WHERE "pad" = 'x').
const std::set<std::string, std::less<>>& keywords() {
  static const std::set<std::string, std::less<>> words = {
      // SQL-92
      "ABSOLUTE", "ACTION", "ADD", "ALL", "ALLOCATE", "ALTER", "AND", "ANY", "ARE", "AS", "ASC",
      "ASSERTION", "AT", "AUTHORIZATION", "AVG", "BEGIN", "BETWEEN", "BIT", "BIT_LENGTH", "BOTH",
      "BY", "CASCADE", "CASCADED", "CASE", "CAST", "CATALOG", "CHAR", "CHARACTER",
      "CHARACTER_LENGTH", "CHAR_LENGTH", "CHECK", "CLOSE", "COALESCE", "COLLATE", "COLLATION",
      "COLUMN", "COMMIT", "CONNECT", "CONNECTION", "CONSTRAINT", "CONSTRAINTS", "CONTINUE",
      "CONVERT", "CORRESPONDING", "COUNT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE",
      "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "CURSOR", "DATE", "DAY", "DEALLOCATE",
      "DEC", "DECIMAL", "DECLARE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DELETE", "DESC",
      "DESCRIBE", "DESCRIPTOR", "DIAGNOSTICS", "DISCONNECT", "DISTINCT", "DOMAIN", "DOUBLE", "DROP",
      "ELSE", "END", "END-EXEC", "ESCAPE", "EXCEPT", "EXCEPTION", "EXEC", "EXECUTE", "EXISTS",
      "EXTERNAL", "EXTRACT", "FALSE", "FETCH", "FIRST", "FLOAT", "FOR", "FOREIGN", "FOUND", "FROM",
      "FULL", "GET", "GLOBAL", "GO", "GOTO", "GRANT", "GROUP", "HAVING", "HOUR", "IDENTITY",
      "IMMEDIATE", "IN", "INDICATOR", "INITIALLY", "INNER", "INPUT", "INSENSITIVE", "INSERT", "INT",
      "INTEGER", "INTERSECT", "INTERVAL", "INTO", "IS", "ISOLATION", "JOIN", "KEY", "LANGUAGE",
      "LAST", "LEADING", "LEFT", "LEVEL", "LIKE", "LOCAL", "LOWER", "MATCH", "MAX", "MIN", "MINUTE",
      "MODULE", "MONTH", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NEXT", "NO", "NOT", "NULL",
      "NULLIF", "NUMERIC", "OCTET_LENGTH", "OF", "ON", "ONLY", "OPEN", "OPTION", "OR", "ORDER",
      "OUTER", "OUTPUT", "OVERLAPS", "PAD", "PARTIAL", "POSITION", "PRECISION", "PREPARE",
      "PRESERVE", "PRIMARY", "PRIOR", "PRIVILEGES", "PROCEDURE", "PUBLIC", "READ", "REAL",
      "REFERENCES", "RELATIVE", "RESTRICT", "REVOKE", "RIGHT", "ROLLBACK", "ROWS", "SCHEMA",
      "SCROLL", "SECOND", "SECTION", "SELECT", "SESSION", "SESSION_USER", "SET", "SIZE", "SMALLINT",
      "SOME", "SPACE", "SQL", "SQLCODE", "SQLERROR", "SQLSTATE", "SUBSTRING", "SUM", "SYSTEM_USER",
      "TABLE", "TEMPORARY", "THEN", "TIME", "TIMESTAMP", "TIMEZONE_HOUR", "TIMEZONE_MINUTE", "TO",
      "TRAILING", "TRANSACTION", "TRANSLATE", "TRANSLATION", "TRIM", "TRUE", "UNION", "UNIQUE",
      "UNKNOWN", "UPDATE", "UPPER", "USAGE", "USER", "USING", "VALUE", "VALUES", "VARCHAR",
      "VARYING", "VIEW", "WHEN", "WHENEVER", "WHERE", "WITH", "WORK", "WRITE", "YEAR", "ZONE",
      // PartiQL
      "BAG", "BLOB", "BOOL", "BOOLEAN", "CLOB", "CONFLICT", "DO", "INDEX", "LET", "LIMIT", "LIST",
      "MISSING", "MODIFIED", "NEW", "NOTHING", "OFFSET", "OLD", "PIVOT", "REMOVE", "RETURNING",
      "SEXP", "STRING", "STRUCT", "SYMBOL", "TUPLE", "UNPIVOT"};
  return words;
}
bool is_keyword(std::string_view word) { return keywords().count(upper(word)) > 0; }

// Functions DynamoDB's PartiQL knows (Developer Guide, "Use PartiQL functions with DynamoDB"
// and "PartiQL update statements"), by lower-case name. They may be called although some of
// their names (SIZE) are keywords.
bool is_function(std::string_view name) {
  static const std::set<std::string, std::less<>> names = {
      "attribute_exists", "attribute_not_exists",
      "attribute_type",   "begins_with",
      "contains",         "size",
      "list_append",      "set_add",
      "set_delete"};
  return names.count(lower(name)) > 0;
}

// ---- Tokens --------------------------------------------------------------------------------

enum class Tok { End, Ident, Quoted, String, Number, Param, Punct };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // Ident as written; Quoted / String unescaped; Punct its characters
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

// A number literal: digits [. digits] [e [sign] digits], or . digits. PartiQL keeps decimals
// with a 32-bit exponent and scale; DynamoDB refuses literals beyond them without a detail.
std::size_t lex_number(std::string_view s, std::size_t i) {
  std::size_t frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  long long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    bool negative = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) negative = s[j++] == '-';
    if (j < s.size() && is_digit(s[j])) {
      for (; j < s.size() && is_digit(s[j]); ++j)
        if (exponent < 100'000'000'000LL) exponent = exponent * 10 + (s[j] - '0');
      if (negative) exponent = -exponent;
      i = j;
    }
  }
  long long scale = static_cast<long long>(frac_digits) - exponent;
  if (exponent > INT_MAX || exponent < INT_MIN || scale > INT_MAX || scale < INT_MIN) malformed("");
  return i;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  // A '.' right after a name, ']' or ')' is a path step, never the start of ".5".
  auto after_path = [&out] {
    if (out.empty()) return false;
    const Token& t = out.back();
    return t.kind == Tok::Ident || t.kind == Tok::Quoted ||
           (t.kind == Tok::Punct && (t.text == "]" || t.text == ")"));
  };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      std::size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) malformed("");
      i = end + 2;
      continue;
    }
    if (c == '\'' || c == '"') {
      std::string text;
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= s.size()) malformed("");
        if (s[j] == c) {
          if (j + 1 < s.size() && s[j + 1] == c) {
            text += c;
            ++j;
            continue;
          }
          break;
        }
        text += s[j];
      }
      out.push_back({c == '\'' ? Tok::String : Tok::Quoted, std::move(text)});
      i = j + 1;
      continue;
    }
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]) && !after_path())) {
      std::size_t end = lex_number(s, i);
      out.push_back({Tok::Number, std::string(s.substr(i, end - i))});
      i = end;
      continue;
    }
    if (is_ident_start(c)) {
      std::size_t j = i;
      while (j < s.size() && is_ident_char(s[j])) ++j;
      out.push_back({Tok::Ident, std::string(s.substr(i, j - i))});
      i = j;
      continue;
    }
    if (c == '?') {
      out.push_back({Tok::Param, "?"});
      ++i;
      continue;
    }
    static constexpr std::string_view kPairs[] = {"<>", "!=", "<=", ">=", "<<", ">>"};
    bool paired = false;
    for (std::string_view p : kPairs) {
      if (s.substr(i, 2) == p) {
        out.push_back({Tok::Punct, std::string(p)});
        i += 2;
        paired = true;
        break;
      }
    }
    if (paired) continue;
    if (std::string_view("()[]{},.:*+-;=<>").find(c) != std::string_view::npos) {
      out.push_back({Tok::Punct, std::string(1, c)});
      ++i;
      continue;
    }
    malformed("");
  }
  out.push_back({Tok::End, ""});
  return out;
}

// ---- Syntax tree ---------------------------------------------------------------------------

struct Node {
  enum class Kind {
    Path,     // path
    Literal,  // literal: S / BOOL / NULL as wire values, N with its text as written
    Param,    // param: index of the `?`
    Missing,
    List,     // args
    Tuple,    // args: key, value, key, value ...
    Bag,      // args
    Compare,  // op; args: 2
    Between,  // args: 3
    In,       // args: left, List
    Is,       // op: the type name, upper case; negated; args: 1
    Like,     // args: 2
    Call,     // op: lower-case name; args
    Arith,    // op: + or -; args: 2
    Negate,   // args: 1
    And,      // args: 2
    Or,       // args: 2
    Not       // args: 1
  };
  Kind kind = Kind::Literal;
  std::string op;
  bool negated = false;
  Path path;
  Json literal;
  std::size_t param = 0;
  std::vector<Node> args;
};

Node make(Node::Kind kind, std::string op = {}) {
  Node n;
  n.kind = kind;
  n.op = std::move(op);
  return n;
}

// A node owning `children`, moved in (an initializer list would copy whole subtrees, which
// makes a long AND chain quadratic).
template <typename... Children>
Node make(Node::Kind kind, std::string op, Children&&... children) {
  Node n = make(kind, std::move(op));
  (n.args.push_back(std::forward<Children>(children)), ...);
  return n;
}

bool is_boolean(const Node& n) {
  using K = Node::Kind;
  switch (n.kind) {
    case K::Compare:
    case K::Between:
    case K::In:
    case K::Is:
    case K::Like:
    case K::And:
    case K::Or:
    case K::Not:
      return true;
    case K::Call:
      return n.op == "begins_with" || n.op == "contains" || n.op == "attribute_type" ||
             n.op == "attribute_exists" || n.op == "attribute_not_exists";
    default:
      return false;
  }
}

// What may stand where a condition does: a boolean form, or a call (which condition() checks
// further, so an unknown function is reported by name).
bool is_condition_like(const Node& n) { return is_boolean(n) || n.kind == Node::Kind::Call; }

// A literal, parameter or collection: something that becomes one AttributeValue.
bool is_value(const Node& n) {
  using K = Node::Kind;
  return n.kind == K::Literal || n.kind == K::Param || n.kind == K::List || n.kind == K::Tuple ||
         n.kind == K::Bag;
}

struct Assignment {
  bool remove = false;
  Path path;
  Node value;  // SET only
};

struct Statement {
  Kind kind = Kind::Select;
  std::string table;
  std::optional<std::string> index;
  bool star = false;
  std::vector<Node> projection;
  std::optional<Node> where;
  std::vector<OrderKey> order_by;
  std::optional<Node> item;
  std::vector<Assignment> assignments;
  Returning returning = Returning::None;
};

// ---- Parser --------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Statement statement() {
    Statement st;
    if (at_keyword("SELECT")) {
      st = select();
    } else if (at_keyword("INSERT")) {
      st = insert();
    } else if (at_keyword("UPDATE")) {
      st = update();
    } else if (at_keyword("DELETE")) {
      st = remove();
    } else if (at_keyword("EXISTS") && at_punct("(", 1)) {
      advance();
      advance();
      if (!at_keyword("SELECT")) malformed("Expected data manipulation");
      st = select();
      st.kind = Kind::Exists;
      expect_punct(")");
    } else {
      malformed("Expected data manipulation");
    }
    if (at_punct(";")) advance();
    if (peek().kind != Tok::End) malformed(kLeftover);
    return st;
  }

  std::size_t parameter_count() const { return params_; }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  void advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool at_keyword(std::string_view word, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::Ident && upper(t.text) == word;
  }
  bool at_punct(std::string_view p, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::Punct && t.text == p;
  }
  // A name usable as an identifier: bare non-keyword or double-quoted.
  bool at_name(std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::Quoted || (t.kind == Tok::Ident && !is_keyword(t.text));
  }
  [[noreturn]] void unexpected() const { malformed("Unexpected token"); }
  void expect_punct(std::string_view p) {
    if (!at_punct(p)) unexpected();
    advance();
  }
  void expect_keyword(std::string_view word) {
    if (!at_keyword(word)) unexpected();
    advance();
  }

  // What the reference parser says where a term (an operand) should start.
  [[noreturn]] void term_error() const {
    const Token& t = peek();
    if (t.kind == Tok::Ident && is_keyword(t.text)) {
      static const std::set<std::string, std::less<>> operators = {"AND",  "OR", "IS",
                                                                   "LIKE", "IN", "BETWEEN"};
      malformed(operators.count(upper(t.text)) ? "Unexpected operator" : "Unexpected keyword");
    }
    if (t.kind == Tok::Punct) {
      static const std::set<std::string, std::less<>> operators = {"=",  "<>", "!=", "<",
                                                                   "<=", ">",  ">=", "*"};
      if (operators.count(t.text)) malformed("Unexpected operator");
    }
    malformed("Unexpected term");
  }
  // After an infix operator: the statement may not end there.
  void require_right_operand() const {
    if (peek().kind == Tok::End || at_punct(";"))
      malformed("Missing right-hand side expression of infix operator");
  }

  // ---- statements

  Statement select() {
    Statement st;
    st.kind = Kind::Select;
    advance();  // SELECT
    if (at_keyword("VALUE") || at_keyword("PIVOT"))
      fail("Select projection doesn't support value or pivot keywords");
    if (at_keyword("DISTINCT")) fail("Unsupported operation: DISTINCT");
    if (at_punct("*")) {
      advance();
      st.star = true;
      if (at_punct(","))
        fail(
            "Other attributes should not be present in the projection when "
            "'*' is used.");
    } else {
      for (;;) {
        if (at_punct("*"))
          fail("Other attributes should not be present in the projection when '*' is used.");
        st.projection.push_back(expression());
        if (at_keyword("AS") || at_name()) fail("Aliasing is not supported");
        if (!at_punct(",")) break;
        advance();
      }
    }
    if (!at_keyword("FROM")) {
      if (peek().kind == Tok::End) malformed("Unexpected term");
      unexpected();
    }
    advance();
    select_source(st);
    if (at_keyword("AS") || at_name()) fail("Aliasing is not supported");
    if (at_punct(",")) fail("Only select from a single table or index is supported.");
    if (at_keyword("WHERE")) {
      advance();
      st.where = expression();
    }
    if (at_keyword("ORDER")) {
      advance();
      expect_keyword("BY");
      for (;;) {
        if (!at_name()) term_error();
        OrderKey key{peek().text, false};
        advance();
        if (at_punct(".") || at_punct("["))
          fail("Argument to ORDER BY must be of type VariableReference. Type: Path");
        if (at_keyword("DESC") || at_keyword("ASC")) {
          key.descending = at_keyword("DESC");
          advance();
        }
        st.order_by.push_back(std::move(key));
        if (!at_punct(",")) break;
        advance();
      }
    }
    return st;
  }

  // FROM of a SELECT: an expression position in PartiQL, so its errors are term errors.
  void select_source(Statement& st) {
    if (at_punct("[")) fail("Invalid list expression in source.");
    if (!at_name()) {
      const Token& t = peek();
      if (t.kind == Tok::End || t.kind == Tok::Ident || t.kind == Tok::Punct) term_error();
      fail("Unexpected from source");
    }
    st.table = peek().text;
    advance();
    if (at_punct(".")) {
      advance();
      if (at_punct("*"))
        fail(
            "Invalid path dot component in this operation, expecting either an IDENTIFIER or "
            "STAR.");
      if (peek().kind != Tok::Quoted && peek().kind != Tok::Ident) unexpected();
      st.index = peek().text;
      advance();
      if (at_punct(".")) fail("A path may contain at most 2 components in the FROM clause");
    }
    if (at_punct("[")) fail("Unexpected path component");
  }

  // The table of INSERT, UPDATE and DELETE: a simple path.
  std::string dml_target() {
    if (!at_name()) malformed("Expected identifier for simple path");
    std::string table = peek().text;
    advance();
    if (at_punct(".") || at_punct("[")) fail("This operation is not supported on an index");
    return table;
  }

  Statement insert() {
    Statement st;
    st.kind = Kind::Insert;
    advance();  // INSERT
    expect_keyword("INTO");
    st.table = dml_target();
    if (at_punct("<<") || at_keyword("VALUES"))
      fail(
          "Unsupported operation: Inserting multiple items in a single statement is not "
          "supported, use \"INSERT INTO tableName VALUE item\" instead");
    if (!at_keyword("VALUE")) malformed(kLeftover);
    advance();
    require_right_operand();
    st.item = expression();
    if (at_keyword("RETURNING")) {
      returning();
      fail("RETURNING is not supported in INSERT");
    }
    return st;
  }

  Statement update() {
    Statement st;
    st.kind = Kind::Update;
    advance();  // UPDATE
    st.table = dml_target();
    if (at_keyword("AS") || at_name()) fail("Aliasing is not supported");
    for (;;) {
      if (at_keyword("SET")) {
        advance();
        for (;;) {
          Assignment a;
          a.path = target_path();
          expect_punct("=");
          require_right_operand();
          a.value = expression();
          st.assignments.push_back(std::move(a));
          if (!at_punct(",")) break;
          advance();
        }
      } else if (at_keyword("REMOVE")) {
        advance();
        for (;;) {
          Assignment a;
          a.remove = true;
          a.path = target_path();
          st.assignments.push_back(std::move(a));
          if (!at_punct(",")) break;
          advance();
        }
      } else {
        break;
      }
    }
    if (st.assignments.empty()) unexpected();
    where_and_returning(st);
    return st;
  }

  Statement remove() {
    Statement st;
    st.kind = Kind::Delete;
    advance();  // DELETE
    expect_keyword("FROM");
    st.table = dml_target();
    if (at_keyword("AS") || at_name()) fail("Aliasing is not supported");
    where_and_returning(st);
    return st;
  }

  void where_and_returning(Statement& st) {
    if (at_keyword("WHERE")) {
      advance();
      st.where = expression();
    }
    if (at_keyword("RETURNING")) st.returning = returning();
  }

  Returning returning() {
    advance();  // RETURNING
    bool all = at_keyword("ALL");
    if (!all && !at_keyword("MODIFIED")) unexpected();
    advance();
    bool old = at_keyword("OLD");
    if (!old && !at_keyword("NEW")) unexpected();
    advance();
    if (!at_punct("*"))
      fail("Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause");
    advance();
    if (at_punct(",")) fail("Invalid syntax with multiple returning elements in RETURNING clause");
    if (all) return old ? Returning::AllOld : Returning::AllNew;
    return old ? Returning::ModifiedOld : Returning::ModifiedNew;
  }

  Path target_path() {
    if (!at_name()) term_error();
    return path();
  }

  // ---- expressions

  // Counts one level of nesting for as long as it lives.
  struct Nested {
    explicit Nested(int& depth) : depth_(depth) {
      if (++depth_ > kMaxNesting) malformed("Expression nesting too deep");
    }
    ~Nested() { --depth_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
    int& depth_;
  };

  Node expression() {
    Nested nested(depth_);
    return or_expression();
  }

  Node or_expression() {
    Node left = and_expression();
    while (at_keyword("OR")) {
      advance();
      require_right_operand();
      left = make(Node::Kind::Or, {}, std::move(left), and_expression());
    }
    return left;
  }

  Node and_expression() {
    Node left = not_expression();
    while (at_keyword("AND")) {
      advance();
      require_right_operand();
      left = make(Node::Kind::And, {}, std::move(left), not_expression());
    }
    return left;
  }

  Node not_expression() {
    if (!at_keyword("NOT")) return predicate();
    advance();
    Nested nested(depth_);
    return make(Node::Kind::Not, {}, not_expression());
  }

  std::optional<std::string> comparator() const {
    for (std::string_view op : {"=", "<>", "!=", "<", "<=", ">", ">="})
      if (at_punct(op)) return std::string(op == "!=" ? "<>" : op);
    return std::nullopt;
  }

  Node predicate() {
    Node left = additive();
    if (auto op = comparator()) {
      advance();
      require_right_operand();
      return make(Node::Kind::Compare, *op, std::move(left), additive());
    }
    bool negated = false;
    if (at_keyword("NOT") &&
        (at_keyword("BETWEEN", 1) || at_keyword("IN", 1) || at_keyword("LIKE", 1))) {
      advance();
      negated = true;
    }
    Node node;
    if (at_keyword("BETWEEN")) {
      advance();
      require_right_operand();
      Node low = additive();
      expect_keyword("AND");
      require_right_operand();
      node = make(Node::Kind::Between, {}, std::move(left), std::move(low), additive());
    } else if (at_keyword("IN")) {
      advance();
      require_right_operand();
      Node list;
      if (at_punct("(")) {
        // IN (a, b): a parenthesised list, even of one member.
        advance();
        list = make(Node::Kind::List);
        if (!at_punct(")")) {
          for (;;) {
            list.args.push_back(expression());
            if (!at_punct(",")) break;
            advance();
          }
        }
        expect_punct(")");
      } else {
        list = additive();
      }
      node = make(Node::Kind::In, {}, std::move(left), std::move(list));
    } else if (at_keyword("LIKE")) {
      advance();
      require_right_operand();
      node = make(Node::Kind::Like, {}, std::move(left), additive());
    } else if (at_keyword("IS")) {
      advance();
      node = make(Node::Kind::Is, {}, std::move(left));
      if (at_keyword("NOT")) {
        advance();
        node.negated = true;
      }
      node.op = type_name();
      return node;
    } else {
      return left;
    }
    return negated ? make(Node::Kind::Not, {}, std::move(node)) : node;
  }

  // The type after IS, upper case ("DOUBLE PRECISION" as two words).
  std::string type_name() {
    static const std::set<std::string, std::less<>> types = {
        "MISSING",  "NULL",     "BOOL",   "BOOLEAN", "BLOB",      "STRING",   "NUMERIC",
        "STRUCT",   "TUPLE",    "LIST",   "SEXP",    "BAG",       "SYMBOL",   "CLOB",
        "INT",      "INT2",     "INT4",   "INT8",    "INTEGER",   "INTEGER2", "INTEGER4",
        "INTEGER8", "SMALLINT", "BIGINT", "FLOAT",   "REAL",      "DECIMAL",  "DEC",
        "CHAR",     "VARCHAR",  "DATE",   "TIME",    "TIMESTAMP", "ANY"};
    const Token& t = peek();
    if (t.kind != Tok::Ident) malformed("Expected type name");
    std::string name = upper(t.text);
    if (name == "DOUBLE" && at_keyword("PRECISION", 1)) {
      advance();
      advance();
      return "DOUBLE PRECISION";
    }
    if (name == "CHARACTER") {
      advance();
      if (at_keyword("VARYING")) {
        advance();
        return "CHARACTER VARYING";
      }
      return name;
    }
    if (!types.count(name)) malformed("Expected type name");
    advance();
    return name;
  }

  Node additive() {
    Node left = unary();
    while (at_punct("+") || at_punct("-")) {
      std::string op = peek().text;
      advance();
      require_right_operand();
      left = make(Node::Kind::Arith, op, std::move(left), unary());
    }
    return left;
  }

  Node unary() {
    Nested nested(depth_);
    if (at_punct("+")) {
      advance();
      return unary();
    }
    if (at_punct("-")) {
      advance();
      if (peek().kind == Tok::Number) {
        Node n = number("-" + peek().text);
        advance();
        return n;
      }
      return make(Node::Kind::Negate, {}, unary());
    }
    return primary();
  }

  static Node number(std::string text) {
    Node n;
    n.kind = Node::Kind::Literal;
    n.literal = {{"N", std::move(text)}};
    return n;
  }

  Node primary() {
    const Token& t = peek();
    Node n;
    switch (t.kind) {
      case Tok::Number:
        n = number(t.text);
        advance();
        return n;
      case Tok::String:
        n.kind = Node::Kind::Literal;
        n.literal = {{"S", t.text}};
        advance();
        return n;
      case Tok::Param:
        n.kind = Node::Kind::Param;
        n.param = params_++;
        advance();
        return n;
      case Tok::Quoted:
        n.kind = Node::Kind::Path;
        n.path = path();
        return n;
      case Tok::Ident: {
        std::string word = upper(t.text);
        if (word == "TRUE" || word == "FALSE") {
          n.kind = Node::Kind::Literal;
          n.literal = {{"BOOL", word == "TRUE"}};
          advance();
          return n;
        }
        if (word == "NULL") {
          n.kind = Node::Kind::Literal;
          n.literal = {{"NULL", true}};
          advance();
          return n;
        }
        if (word == "MISSING") {
          n.kind = Node::Kind::Missing;
          advance();
          return n;
        }
        if (at_punct("(", 1) && (is_function(t.text) || !is_keyword(t.text))) return call();
        if (is_keyword(t.text)) term_error();
        n.kind = Node::Kind::Path;
        n.path = path();
        return n;
      }
      case Tok::Punct:
        if (t.text == "(") {
          advance();
          Node inner = expression();
          if (at_punct(",")) {
            Node list = make(Node::Kind::List, {}, std::move(inner));
            while (at_punct(",")) {
              advance();
              list.args.push_back(expression());
            }
            inner = std::move(list);
          }
          expect_punct(")");
          return inner;
        }
        if (t.text == "[") return collection(Node::Kind::List, "]");
        if (t.text == "<<") return collection(Node::Kind::Bag, ">>");
        if (t.text == "{") return tuple();
        term_error();
      case Tok::End:
        term_error();
    }
    term_error();
  }

  Node collection(Node::Kind kind, std::string_view close) {
    advance();
    Node n = make(kind);
    if (at_punct(close)) {
      advance();
      return n;
    }
    for (;;) {
      n.args.push_back(expression());
      if (!at_punct(",")) break;
      advance();
    }
    expect_punct(close);
    return n;
  }

  Node tuple() {
    advance();  // {
    Node n = make(Node::Kind::Tuple);
    if (at_punct("}")) {
      advance();
      return n;
    }
    for (;;) {
      n.args.push_back(expression());
      expect_punct(":");
      n.args.push_back(expression());
      if (!at_punct(",")) break;
      advance();
    }
    expect_punct("}");
    return n;
  }

  Node call() {
    Node n = make(Node::Kind::Call, lower(peek().text));
    advance();  // name
    advance();  // (
    if (!at_punct(")")) {
      for (;;) {
        n.args.push_back(expression());
        if (!at_punct(",")) break;
        advance();
      }
    }
    expect_punct(")");
    return n;
  }

  // name ( . name | [ index ] | [ 'key' ] )*, the first name already checked.
  Path path() {
    Path p{{peek().text, std::nullopt}};
    advance();
    for (;;) {
      if (at_punct(".")) {
        advance();
        if (at_punct("*")) fail("Unpivot path component like a.*.b are not supported");
        // After a dot any word is a field name, keywords included.
        if (peek().kind != Tok::Ident && peek().kind != Tok::Quoted) unexpected();
        p.push_back({peek().text, std::nullopt});
        advance();
      } else if (at_punct("[")) {
        advance();
        const Token& t = peek();
        if (at_punct("*")) fail("Wildcard path component like a[*].b are not supported");
        if (t.kind == Tok::String) {
          p.push_back({t.text, std::nullopt});
        } else if (t.kind == Tok::Number) {
          if (!std::all_of(t.text.begin(), t.text.end(), is_digit))
            fail("Unexpected path component");
          std::string digits =
              t.text.substr(std::min(t.text.find_first_not_of('0'), t.text.size() - 1));
          // DynamoDB's expression paths take list indexes up to 2^31 - 1; anything longer
          // can never address an element.
          if (digits.size() > 10 || std::stoll(digits) > INT_MAX)
            fail("List index is not within the allowable range; index: [" + t.text + "]");
          p.push_back({"", static_cast<std::size_t>(std::stoll(digits))});
        } else {
          fail("Unexpected path component");
        }
        advance();
        expect_punct("]");
      } else {
        return p;
      }
    }
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::size_t params_ = 0;
  int depth_ = 0;
};

// ---- Translation ---------------------------------------------------------------------------

std::string describe(const Node& n) {
  using K = Node::Kind;
  switch (n.kind) {
    case K::Path: {
      std::string out;
      for (const auto& e : n.path) {
        if (e.index) {
          out += "[" + std::to_string(*e.index) + "]";
        } else {
          if (!out.empty()) out += ".";
          out += e.name;
        }
      }
      return out;
    }
    case K::Compare:
    case K::Arith:
      return n.op;
    case K::Call:
      return n.op;
    case K::Between:
      return "BETWEEN";
    case K::In:
      return "IN";
    case K::Is:
      return "IS";
    case K::Like:
      return "LIKE";
    case K::And:
      return "AND";
    case K::Or:
      return "OR";
    case K::Not:
      return "NOT";
    case K::Negate:
      return "-";
    case K::Missing:
      return "MISSING";
    default:
      return "value";
  }
}

class Translator {
 public:
  Translator(const std::vector<Json>& params, Plan& plan) : params_(params), plan_(plan) {}

  // ---- values

  // The wire value of a literal, parameter or collection. `where` names its place in
  // DynamoDB's messages: "root", "root.x", "root[1]".
  Json value_of(const Node& n, const std::string& where) {
    using K = Node::Kind;
    switch (n.kind) {
      case K::Literal: {
        if (!n.literal.contains("N")) return n.literal;
        std::string error;
        auto number = Number::parse(n.literal["N"].get<std::string>(), &error);
        if (!number) fail(error + " under " + where);
        return {{"N", number->text()}};
      }
      case K::Param:
        return params_[n.param];
      case K::Missing:
        fail("MISSING must be compared using IS operator");
      case K::List: {
        Json list = Json::array();
        for (std::size_t i = 0; i < n.args.size(); ++i)
          list.push_back(value_of(n.args[i], where + "[" + std::to_string(i) + "]"));
        return {{"L", std::move(list)}};
      }
      case K::Tuple:
        return {{"M", tuple_of(n, where, false)}};
      case K::Bag:
        return bag_of(n, where);
      default:
        fail("Unsupported data type: " + describe(n) + " under key " + where);
    }
  }

  // A tuple's members. In an INSERT item the attribute values are each their own root, as
  // DynamoDB names them ({'m': {'x': 1e126}} reports "under root.x").
  Json tuple_of(const Node& n, const std::string& where, bool item) {
    Json members = Json::object();
    for (std::size_t i = 0; i + 1 < n.args.size(); i += 2) {
      Json key = value_of(n.args[i], where);
      if (!key.contains("S") || !key["S"].is_string()) {
        std::string type = key.is_object() && !key.empty() ? key.begin().key() : "unknown";
        fail("Tuple keys must be of type String. Actual type: " + type + " under " + where);
      }
      std::string name = key["S"].get<std::string>();
      if (members.contains(name)) fail("Duplicate keys in tuple. Key: " + name + " under " + where);
      members[name] = value_of(n.args[i + 1], item ? "root" : where + "." + name);
    }
    return members;
  }

  // << ... >>: a string set or a number set (a binary set from parameters).
  Json bag_of(const Node& n, const std::string& where) {
    if (n.args.empty()) fail("Empty bags are not supported");
    std::string type;
    Json members = Json::array();
    for (std::size_t i = 0; i < n.args.size(); ++i) {
      Json v = value_of(n.args[i], where);
      std::string t = v.is_object() && v.size() == 1 ? v.begin().key() : "";
      if ((t != "S" && t != "N" && t != "B") || (!type.empty() && t != type))
        fail(
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings "
            "in bags");
      type = t;
      members.push_back(v[t]);
    }
    Json set = {{type + "S", std::move(members)}};
    if (auto error = validate_value(set)) fail(*error);
    return set;
  }

  // ---- placeholders

  std::string name_ref(const std::string& name) {
    auto it = name_refs_.find(name);
    if (it != name_refs_.end()) return it->second;
    std::string ref = "#n" + std::to_string(name_refs_.size());
    name_refs_.emplace(name, ref);
    plan_.names[ref] = name;
    return ref;
  }

  std::string value_ref(Json value) {
    std::string ref = ":v" + std::to_string(plan_.values.size());
    plan_.values[ref] = std::move(value);
    return ref;
  }

  std::string path_text(const Path& path) {
    std::string out;
    for (const auto& e : path) {
      if (e.index) {
        out += "[" + std::to_string(*e.index) + "]";
        continue;
      }
      if (e.name.empty()) fail("Path component cannot be an empty string");
      if (!out.empty()) out += ".";
      out += name_ref(e.name);
    }
    return out;
  }

  // ---- conditions

  std::string condition(const Node& n, int parent_precedence = 0) {
    using K = Node::Kind;
    switch (n.kind) {
      case K::Or:
      case K::And: {
        int precedence = n.kind == K::Or ? 1 : 2;
        for (const Node& child : n.args)
          if (!is_condition_like(child)) fail("The arguments to AND/OR must be Expressions");
        // Placeholders are numbered left to right, so each side is written in turn.
        std::string left = condition(n.args[0], precedence);
        std::string right = condition(n.args[1], precedence);
        std::string text = left + (n.kind == K::Or ? " OR " : " AND ") + right;
        // One pair of parentheses at most: DynamoDB refuses redundant ones.
        return parent_precedence > precedence ? "(" + text + ")" : text;
      }
      case K::Not:
        if (!is_condition_like(n.args[0])) fail("The argument to NOT must be a Type or Expression");
        return "NOT " + condition(n.args[0], 3);
      case K::Compare: {
        std::string left = operand(n.args[0]);
        return left + " " + n.op + " " + operand(n.args[1]);
      }
      case K::Between: {
        std::string subject = operand(n.args[0]);
        std::string low = operand(n.args[1]);
        return subject + " BETWEEN " + low + " AND " + operand(n.args[2]);
      }
      case K::In: {
        const Node& list = n.args[1];
        if (n.args[0].kind != K::Path || list.kind != K::List || list.args.empty())
          fail(
              "IN operator must have a left hand argument of type Variable Reference and "
              "right hand argument of type Seq with at least one member");
        std::string text = operand(n.args[0]) + " IN (";
        for (std::size_t i = 0; i < list.args.size(); ++i)
          text += (i ? ", " : "") + operand(list.args[i]);
        return text + ")";
      }
      case K::Is:
        return is_condition(n);
      case K::Like:
        fail("Unsupported operator in Condition Expression. Operator: LIKE");
      case K::Call:
        return function_condition(n);
      default:
        fail("WHERE clause must contain an expression that resolves to a boolean");
    }
  }

  // IS [NOT] <type>: existence for MISSING, attribute_type for the rest (DynamoDB's types).
  std::string is_condition(const Node& n) {
    if (n.args[0].kind != Node::Kind::Path)
      fail("The left hand side argument to IS must be a Variable Reference, Literal, or Path");
    static const std::map<std::string, std::string> types = {
        {"NULL", "NULL"}, {"BOOL", "BOOL"}, {"BOOLEAN", "BOOL"}, {"BLOB", "B"}, {"STRING", "S"},
        {"NUMERIC", "N"}, {"STRUCT", "M"},  {"TUPLE", "M"},      {"LIST", "L"}};
    std::string path = path_text(n.args[0].path);
    if (n.op == "MISSING")
      return (n.negated ? "attribute_exists(" : "attribute_not_exists(") + path + ")";
    auto it = types.find(n.op);
    if (it == types.end())
      fail("Unsupported data type for IS operator: " + n.op +
           ". Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, "
           "TUPLE, LIST]");
    std::string text = "attribute_type(" + path + ", " + value_ref({{"S", it->second}}) + ")";
    return n.negated ? "NOT " + text : text;
  }

  std::string function_condition(const Node& n) {
    static const std::map<std::string, std::size_t> arity = {{"begins_with", 2},
                                                             {"contains", 2},
                                                             {"attribute_type", 2},
                                                             {"attribute_exists", 1},
                                                             {"attribute_not_exists", 1}};
    auto it = arity.find(n.op);
    if (it == arity.end()) {
      if (n.op == "size")
        fail("WHERE clause must contain an expression that resolves to a boolean");
      fail("Unrecognized function: " + n.op);
    }
    if (n.args.size() != it->second)
      fail("Incorrect number of arguments for function " + n.op + ": expected " +
           std::to_string(it->second) + ", got " + std::to_string(n.args.size()));
    std::string text = n.op + "(";
    for (std::size_t i = 0; i < n.args.size(); ++i) text += (i ? ", " : "") + operand(n.args[i]);
    return text + ")";
  }

  // An operand of a comparison or function: a path, a value placeholder, or size(path).
  std::string operand(const Node& n) {
    using K = Node::Kind;
    if (n.kind == K::Path) return path_text(n.path);
    if (n.kind == K::Missing) fail("MISSING must be compared using IS operator");
    if (is_value(n)) return value_ref(value_of(n, "root"));
    if (n.kind == K::Call) {
      if (n.op == "size") {
        if (n.args.size() != 1)
          fail("Incorrect number of arguments for function size: expected 1, got " +
               std::to_string(n.args.size()));
        return "size(" + operand(n.args[0]) + ")";
      }
      if (!is_boolean(n)) fail("Unrecognized function: " + n.op);
    }
    fail("Unsupported operator in Condition Expression. Operator: " + describe(n));
  }

  // ---- updates

  std::string update(const std::vector<Assignment>& assignments) {
    std::vector<std::string> sets, removes, adds, deletes;
    for (const Assignment& a : assignments) {
      std::string target = path_text(a.path);
      if (a.remove) {
        removes.push_back(target);
        continue;
      }
      const Node& v = a.value;
      if (v.kind == Node::Kind::Call && (v.op == "set_add" || v.op == "set_delete")) {
        // SET s = set_add(s, <<...>>) is DynamoDB's ADD action (and set_delete its DELETE).
        std::string name = v.op == "set_add" ? "ADD" : "DELETE";
        if (v.args.size() != 2) fail("SET_" + name + " must have exactly two arguments");
        if (v.args[0].kind != Node::Kind::Path || v.args[0].path != a.path)
          fail("The first argument to SET_" + name + " must equal the assignment value");
        Json set = is_value(v.args[1]) ? value_of(v.args[1], "root") : Json();
        std::string type = set.is_object() && set.size() == 1 ? set.begin().key() : "";
        if (type != "SS" && type != "NS" && type != "BS")
          fail("The second argument to SET_" + name + " must be a value with type SET");
        (name == "ADD" ? adds : deletes).push_back(target + " " + value_ref(std::move(set)));
        continue;
      }
      sets.push_back(target + " = " + set_value(v));
    }
    std::string text;
    auto section = [&text](const char* keyword, const std::vector<std::string>& items) {
      if (items.empty()) return;
      if (!text.empty()) text += " ";
      text += keyword;
      for (std::size_t i = 0; i < items.size(); ++i) text += (i ? ", " : " ") + items[i];
    };
    section("SET", sets);
    section("REMOVE", removes);
    section("ADD", adds);
    section("DELETE", deletes);
    return text;
  }

  std::string set_value(const Node& n) {
    using K = Node::Kind;
    if (n.kind != K::Arith) return set_operand(n);
    std::string left = set_operand(n.args[0]);
    return left + " " + n.op + " " + set_operand(n.args[1]);
  }

  // An operand of a SET value: a path, a value placeholder or list_append(a, b).
  std::string set_operand(const Node& n) {
    using K = Node::Kind;
    if (n.kind == K::Path) return path_text(n.path);
    if (n.kind == K::Missing) fail("MISSING must be compared using IS operator");
    if (is_value(n)) return value_ref(value_of(n, "root"));
    if (n.kind == K::Call) {
      if (n.op != "list_append") fail("Unrecognized function: " + n.op);
      if (n.args.size() != 2)
        fail("Incorrect number of arguments for function list_append: expected 2, got " +
             std::to_string(n.args.size()));
      std::string first = set_operand(n.args[0]);
      return "list_append(" + first + ", " + set_operand(n.args[1]) + ")";
    }
    if (n.kind == K::Is) fail("IS operator is not supported in update expressions");
    fail("Unsupported operator in Update Expression. Operator: " + describe(n));
  }

  // ---- key lookups

  // attr = value on a top-level attribute: its name and value.
  std::optional<std::pair<std::string, Json>> equality(const Node& n) {
    if (n.kind != Node::Kind::Compare || n.op != "=") return std::nullopt;
    for (int side = 0; side < 2; ++side) {
      const Node& attr = n.args[side];
      const Node& value = n.args[1 - side];
      if (attr.kind == Node::Kind::Path && attr.path.size() == 1 && !attr.path[0].index &&
          is_value(value))
        return std::make_pair(attr.path[0].name, value_of(value, "root"));
    }
    return std::nullopt;
  }

  // a = 1 OR a = 2 OR ...: the values, when every branch is an equality on one attribute.
  bool or_equalities(const Node& n, std::string& name, std::vector<Json>& out) {
    if (n.kind == Node::Kind::Or)
      return or_equalities(n.args[0], name, out) && or_equalities(n.args[1], name, out);
    auto eq = equality(n);
    if (!eq || (!name.empty() && eq->first != name)) return false;
    name = eq->first;
    out.push_back(std::move(eq->second));
    return true;
  }

  void key_lookups(const Node& where, bool lists) {
    std::vector<const Node*> conjuncts;
    std::vector<const Node*> pending{&where};
    while (!pending.empty()) {
      const Node* n = pending.back();
      pending.pop_back();
      if (n->kind == Node::Kind::And) {
        pending.push_back(&n->args[1]);
        pending.push_back(&n->args[0]);
      } else {
        conjuncts.push_back(n);
      }
    }
    for (const Node* n : conjuncts) {
      if (auto eq = equality(*n)) {
        plan_.equalities.emplace(eq->first, std::move(eq->second));
        continue;
      }
      if (!lists) continue;
      if (n->kind == Node::Kind::In) {
        const Node& attr = n->args[0];
        if (attr.path.size() != 1 || attr.path[0].index) continue;
        std::vector<Json> members;
        bool all_values = true;
        for (const Node& m : n->args[1].args) {
          if (!is_value(m)) {
            all_values = false;
            break;
          }
          members.push_back(value_of(m, "root"));
        }
        if (all_values) plan_.in_lists.emplace(attr.path[0].name, std::move(members));
      } else if (n->kind == Node::Kind::Or) {
        std::string name;
        std::vector<Json> members;
        if (or_equalities(*n, name, members)) plan_.in_lists.emplace(name, std::move(members));
      }
    }
  }

 private:
  const std::vector<Json>& params_;
  Plan& plan_;
  std::map<std::string, std::string> name_refs_;
};

std::string_view returning_text(Returning r) {
  switch (r) {
    case Returning::None:
      return "";
    case Returning::AllOld:
      return "ALL OLD *";
    case Returning::ModifiedOld:
      return "MODIFIED OLD *";
    case Returning::AllNew:
      return "ALL NEW *";
    case Returning::ModifiedNew:
      return "MODIFIED NEW *";
  }
  return "";
}

}  // namespace

Plan parse(std::string_view text, const Json& parameters) {
  if (text.size() > kMaxStatementLength)
    fail(
        "1 validation error detected: Value at 'statement' failed to satisfy constraint: "
        "Member must have length less than or equal to 8192");
  Parser parser(tokenize(text));
  Statement st = parser.statement();

  if (!parameters.is_null() && !parameters.is_array())
    fail("Parameters must be a list of AttributeValues");
  std::size_t given = parameters.is_array() ? parameters.size() : 0;
  if (given != parser.parameter_count()) fail(std::string(kParameterCount));
  std::vector<Json> params;
  for (const Json& p : parameters.is_array() ? parameters : Json::array()) {
    Json value = p;
    if (auto error = validate_value(value)) fail(*error);
    params.push_back(std::move(value));
  }

  Plan plan;
  plan.kind = st.kind;
  plan.table = st.table;
  plan.index = st.index;
  plan.order_by = st.order_by;
  plan.returning = st.returning;
  Translator tr(params, plan);

  if (st.kind == Kind::Insert) {
    if (st.item->kind != Node::Kind::Tuple)
      fail(
          "Unsupported format in item expression. Please use struct format {...} to express "
          "item values for insert statement.");
    plan.item = tr.tuple_of(*st.item, "root", true);
    return plan;
  }
  if (st.kind == Kind::Delete && st.returning != Returning::None &&
      st.returning != Returning::AllOld)
    fail("Invalid returning clause: RETURNING " + std::string(returning_text(st.returning)) +
         ". Only RETURNING ALL OLD * is allowed in DELETE statements.");
  if (!st.order_by.empty() && !st.where)
    fail("Must have WHERE clause in the statement when using ORDER BY clause.");

  // EXISTS only asks whether the item is there: its projection would leave unused names.
  if (st.kind == Kind::Select) {
    std::string projection;
    for (const Node& p : st.projection) {
      if (p.kind != Node::Kind::Path)
        fail(
            "Unsupported operation: only attribute names and document paths can be "
            "projected; found " +
            describe(p));
      if (!projection.empty()) projection += ", ";
      projection += tr.path_text(p.path);
    }
    plan.projection = std::move(projection);
  }
  if (st.kind == Kind::Update) plan.update = tr.update(st.assignments);
  if (st.where) {
    if (!is_condition_like(*st.where))
      fail("WHERE clause must contain an expression that resolves to a boolean");
    plan.condition = tr.condition(*st.where);
    tr.key_lookups(*st.where, st.kind == Kind::Select || st.kind == Kind::Exists);
  }
  return plan;
}

}  // namespace serverlite::table::partiql
