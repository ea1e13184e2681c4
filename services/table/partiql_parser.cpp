// The syntax pass of PartiQL (see partiql.cpp): a recursive-descent parser from tokens to the
// statement tree, which throws only syntax errors.
//
// The syntax-error details are those of the PartiQL reference parser that DynamoDB runs
// ("Unexpected term", "Unexpected keyword", "Unexpected operator", "Unexpected token after
// expression", "Missing right-hand side expression of infix operator", "Expected identifier
// for simple path", "Expected type name", "Expected data manipulation"); lexical errors
// (an unterminated string or comment, a character outside the language, an exponent that
// does not fit 32 bits) have nothing after the colon, as DynamoDB answers them.
#include <algorithm>
#include <climits>
#include <set>

#include "services/table/partiql_internal.hpp"

namespace serverlite::table::partiql {
namespace {

constexpr std::string_view kLeftover = "Unexpected token after expression";
// Nesting of parentheses, collections, NOT and unary signs. Far beyond any real statement,
// and low enough that the recursive descent cannot exhaust the stack.
constexpr int kMaxNesting = 200;

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
    return t.kind == Tok::Ident && ascii_upper(t.text) == word;
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
      malformed(operators.count(ascii_upper(t.text)) ? "Unexpected operator" : "Unexpected keyword");
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
    std::string name = ascii_upper(t.text);
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
        std::string word = ascii_upper(t.text);
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
    Node n = make(Node::Kind::Call, ascii_lower(peek().text));
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

}  // namespace

namespace detail {

Statement parse_statement(std::string_view text, std::size_t& parameter_count) {
  Parser parser(tokenize(text));
  Statement st = parser.statement();
  parameter_count = parser.parameter_count();
  return st;
}

}  // namespace detail
}  // namespace serverlite::table::partiql
