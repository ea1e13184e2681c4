// Parsing and static checking of DynamoDB expressions (see expression.hpp).
//
// Parsing happens in two steps, as DynamoDB reports errors: a recursive-descent parser builds
// a raw tree and throws only syntax errors; a checking pass then resolves placeholders and
// reports the first semantic error by DynamoDB's precedence (e.g. redundant parentheses before
// unknown functions before reserved words before undefined placeholders), so that one request
// gets the same message it would get from DynamoDB.
#include "services/table/expression.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace serverlite::table {
namespace {

// Developer Guide, "Reserved words in DynamoDB": upper case, sorted for binary search.
// clang-format off
constexpr std::array<std::string_view, 573> kReservedWords = {
    "ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE", "ALL", "ALLOCATE",
    "ALTER", "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE", "ARRAY", "AS", "ASC", "ASCII",
    "ASENSITIVE", "ASSERTION", "ASYMMETRIC", "AT", "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH",
    "AUTHORIZATION", "AUTHORIZE", "AUTO", "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE",
    "BEGIN", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BLOCK", "BOOLEAN", "BOTH", "BREADTH",
    "BUCKET", "BULK", "BY", "BYTE", "CALL", "CALLED", "CALLING", "CAPACITY", "CASCADE", "CASCADED",
    "CASE", "CAST", "CATALOG", "CHAR", "CHARACTER", "CHECK", "CLASS", "CLOB", "CLOSE", "CLUSTER",
    "CLUSTERED", "CLUSTERING", "CLUSTERS", "COALESCE", "COLLATE", "COLLATION", "COLLECTION",
    "COLUMN", "COLUMNS", "COMBINE", "COMMENT", "COMMIT", "COMPACT", "COMPILE", "COMPRESS",
    "CONDITION", "CONFLICT", "CONNECT", "CONNECTION", "CONSISTENCY", "CONSISTENT", "CONSTRAINT",
    "CONSTRAINTS", "CONSTRUCTOR", "CONSUMED", "CONTINUE", "CONVERT", "COPY", "CORRESPONDING",
    "COUNT", "COUNTER", "CREATE", "CROSS", "CUBE", "CURRENT", "CURSOR", "CYCLE", "DATA",
    "DATABASE", "DATE", "DATETIME", "DAY", "DEALLOCATE", "DEC", "DECIMAL", "DECLARE", "DEFAULT",
    "DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION", "DELETE", "DELIMITED", "DEPTH",
    "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR", "DETACH", "DETERMINISTIC", "DIAGNOSTICS",
    "DIRECTORIES", "DISABLE", "DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO", "DOMAIN", "DOUBLE",
    "DROP", "DUMP", "DURATION", "DYNAMIC", "EACH", "ELEMENT", "ELSE", "ELSEIF", "EMPTY", "ENABLE",
    "END", "EQUAL", "EQUALS", "ERROR", "ESCAPE", "ESCAPED", "EVAL", "EVALUATE", "EXCEEDED",
    "EXCEPT", "EXCEPTION", "EXCEPTIONS", "EXCLUSIVE", "EXEC", "EXECUTE", "EXISTS", "EXIT",
    "EXPLAIN", "EXPLODE", "EXPORT", "EXPRESSION", "EXTENDED", "EXTERNAL", "EXTRACT", "FAIL",
    "FALSE", "FAMILY", "FETCH", "FIELDS", "FILE", "FILTER", "FILTERING", "FINAL", "FINISH",
    "FIRST", "FIXED", "FLATTERN", "FLOAT", "FOR", "FORCE", "FOREIGN", "FORMAT", "FORWARD", "FOUND",
    "FREE", "FROM", "FULL", "FUNCTION", "FUNCTIONS", "GENERAL", "GENERATE", "GET", "GLOB",
    "GLOBAL", "GO", "GOTO", "GRANT", "GREATER", "GROUP", "GROUPING", "HANDLER", "HASH", "HAVE",
    "HAVING", "HEAP", "HIDDEN", "HOLD", "HOUR", "IDENTIFIED", "IDENTITY", "IF", "IGNORE",
    "IMMEDIATE", "IMPORT", "IN", "INCLUDING", "INCLUSIVE", "INCREMENT", "INCREMENTAL", "INDEX",
    "INDEXED", "INDEXES", "INDICATOR", "INFINITE", "INITIALLY", "INLINE", "INNER", "INNTER",
    "INOUT", "INPUT", "INSENSITIVE", "INSERT", "INSTEAD", "INT", "INTEGER", "INTERSECT",
    "INTERVAL", "INTO", "INVALIDATE", "IS", "ISOLATION", "ITEM", "ITEMS", "ITERATE", "JOIN", "KEY",
    "KEYS", "LAG", "LANGUAGE", "LARGE", "LAST", "LATERAL", "LEAD", "LEADING", "LEAVE", "LEFT",
    "LENGTH", "LESS", "LEVEL", "LIKE", "LIMIT", "LIMITED", "LINES", "LIST", "LOAD", "LOCAL",
    "LOCALTIME", "LOCALTIMESTAMP", "LOCATION", "LOCATOR", "LOCK", "LOCKS", "LOG", "LOGED", "LONG",
    "LOOP", "LOWER", "MAP", "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER", "MERGE", "METHOD",
    "METRICS", "MIN", "MINUS", "MINUTE", "MISSING", "MOD", "MODE", "MODIFIES", "MODIFY", "MODULE",
    "MONTH", "MULTI", "MULTISET", "NAME", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW",
    "NEXT", "NO", "NONE", "NOT", "NULL", "NULLIF", "NUMBER", "NUMERIC", "OBJECT", "OF", "OFFLINE",
    "OFFSET", "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN", "OPERATOR", "OPTION", "OR", "ORDER",
    "ORDINALITY", "OTHER", "OTHERS", "OUT", "OUTER", "OUTPUT", "OVER", "OVERLAPS", "OVERRIDE",
    "OWNER", "PAD", "PARALLEL", "PARAMETER", "PARAMETERS", "PARTIAL", "PARTITION", "PARTITIONED",
    "PARTITIONS", "PATH", "PERCENT", "PERCENTILE", "PERMISSION", "PERMISSIONS", "PIPE",
    "PIPELINED", "PLAN", "POOL", "POSITION", "PRECISION", "PREPARE", "PRESERVE", "PRIMARY",
    "PRIOR", "PRIVATE", "PRIVILEGES", "PROCEDURE", "PROCESSED", "PROJECT", "PROJECTION",
    "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY", "QUIT", "QUORUM", "RAISE", "RANDOM",
    "RANGE", "RANK", "RAW", "READ", "READS", "REAL", "REBUILD", "RECORD", "RECURSIVE", "REDUCE",
    "REF", "REFERENCE", "REFERENCES", "REFERENCING", "REGEXP", "REGION", "REINDEX", "RELATIVE",
    "RELEASE", "REMAINDER", "RENAME", "REPEAT", "REPLACE", "REQUEST", "RESET", "RESIGNAL",
    "RESOURCE", "RESPONSE", "RESTORE", "RESTRICT", "RESULT", "RETURN", "RETURNING", "RETURNS",
    "REVERSE", "REVOKE", "RIGHT", "ROLE", "ROLES", "ROLLBACK", "ROLLUP", "ROUTINE", "ROW", "ROWS",
    "RULE", "RULES", "SAMPLE", "SATISFIES", "SAVE", "SAVEPOINT", "SCAN", "SCHEMA", "SCOPE",
    "SCROLL", "SEARCH", "SECOND", "SECTION", "SEGMENT", "SEGMENTS", "SELECT", "SELF", "SEMI",
    "SENSITIVE", "SEPARATE", "SEQUENCE", "SERIALIZABLE", "SESSION", "SET", "SETS", "SHARD",
    "SHARE", "SHARED", "SHORT", "SHOW", "SIGNAL", "SIMILAR", "SIZE", "SKEWED", "SMALLINT",
    "SNAPSHOT", "SOME", "SOURCE", "SPACE", "SPACES", "SPARSE", "SPECIFIC", "SPECIFICTYPE", "SPLIT",
    "SQL", "SQLCODE", "SQLERROR", "SQLEXCEPTION", "SQLSTATE", "SQLWARNING", "START", "STATE",
    "STATIC", "STATUS", "STORAGE", "STORE", "STORED", "STREAM", "STRING", "STRUCT", "STYLE", "SUB",
    "SUBMULTISET", "SUBPARTITION", "SUBSTRING", "SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM",
    "SYSTEM", "TABLE", "TABLESAMPLE", "TEMP", "TEMPORARY", "TERMINATED", "TEXT", "THAN", "THEN",
    "THROUGHPUT", "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO", "TOKEN", "TOTAL", "TOUCH",
    "TRAILING", "TRANSACTION", "TRANSFORM", "TRANSLATE", "TRANSLATION", "TREAT", "TRIGGER", "TRIM",
    "TRUE", "TRUNCATE", "TTL", "TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE", "UNIT",
    "UNKNOWN", "UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL", "UPDATE", "UPPER", "URL",
    "USAGE", "USE", "USER", "USERS", "USING", "UUID", "VACUUM", "VALUE", "VALUED", "VALUES",
    "VARCHAR", "VARIABLE", "VARIANCE", "VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL", "VOID",
    "WAIT", "WHEN", "WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT", "WORK",
    "WRAPPED", "WRITE", "YEAR", "ZONE",
};
// clang-format on

// ---- Tokens -------------------------------------------------------------------------------------

enum class Tok { Name, NamePlaceholder, ValuePlaceholder, Number, Punct, Other, End };

struct Token {
  Tok kind;
  std::string text;
  std::size_t begin;
  std::size_t end;
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

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

// The first semantic error of each category; the lowest category wins.
class Problems {
 public:
  void add(int rank, std::string message) { first_.emplace(rank, std::move(message)); }
  void raise(std::string_view prefix) const {
    if (!first_.empty()) throw ExpressionError(std::string(prefix) + first_.begin()->second);
  }

 private:
  std::map<int, std::string> first_;
};

// ---- Raw trees ----------------------------------------------------------------------------------

struct RawElement {
  bool is_index = false;
  std::string name;  // identifier or #placeholder
  std::size_t index = 0;
};

struct RawOperand {
  enum class Kind { Path, Value, Call } kind = Kind::Path;
  std::vector<RawElement> path;
  std::string text;  // :placeholder or function name
  std::vector<RawOperand> args;
  int parens = 0;
};

struct RawCondition {
  enum class Kind { Compare, Between, In, Call, And, Or, Not, Bare } kind = Kind::Compare;
  Comparator comparator = Comparator::EQ;
  std::string comparator_text;
  std::vector<RawOperand> operands;  // Call: the function is operands[0]
  std::vector<RawCondition> children;
  int wraps = 0;               // parentheses directly around this condition
  std::size_t after_bare = 0;  // Bare: the token where a comparator was expected
};

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
        return path;
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
  try {
    return body(parser, prefix);
  } catch (const SyntaxFailure& failure) {
    throw ExpressionError(prefix + syntax_message(text, parser.tokens(), failure.token));
  }
}

// ---- Checking -----------------------------------------------------------------------------------

// Error categories for conditions, in DynamoDB's order of precedence.
enum ConditionRank {
  kParens,
  kUnknownFunction,
  kMisusedFunction,
  kReserved,
  kPlaceholder,
  kOperandCount,
  kDistinct,
  kOperandType,
  kInTooMany
};

std::string type_label(const Json& value) {
  auto type = type_of(value);
  return type ? std::string(type_name(*type)) : "";
}

// "{N:1}" as DynamoDB shows a constant in BETWEEN messages.
std::string brace_value(const Json& value) {
  auto type = type_of(value);
  if (!type) return value.dump();
  const Json& inner = value.begin().value();
  std::string shown = inner.is_string() ? inner.get<std::string>() : inner.dump();
  return "{" + std::string(type_name(*type)) + ":" + shown + "}";
}

class Resolver {
 public:
  Resolver(ExpressionContext& context, Problems& problems, int reserved_rank, int placeholder_rank,
           int value_rank)
      : context_(context),
        problems_(problems),
        reserved_rank_(reserved_rank),
        placeholder_rank_(placeholder_rank),
        value_rank_(value_rank) {}

  Path path(const std::vector<RawElement>& raw) {
    Path out;
    for (const RawElement& e : raw) {
      if (e.is_index) {
        out.push_back({"", e.index});
      } else if (!e.name.empty() && e.name[0] == '#') {
        const std::string* name = context_.name(e.name);
        if (!name) {
          problems_.add(placeholder_rank_,
                        "An expression attribute name used in the document path is not "
                        "defined; attribute name: " +
                            e.name);
        }
        out.push_back({name ? *name : e.name, std::nullopt});
      } else {
        if (is_reserved_word(e.name)) {
          problems_.add(reserved_rank_,
                        "Attribute name is a reserved keyword; reserved keyword: " + e.name);
        }
        out.push_back({e.name, std::nullopt});
      }
    }
    return out;
  }

  Json value(const std::string& placeholder) {
    const Json* v = context_.value(placeholder);
    if (!v) {
      problems_.add(value_rank_,
                    "An expression attribute value used in expression is not defined; "
                    "attribute value: " +
                        placeholder);
      return Json();
    }
    return *v;
  }

 private:
  ExpressionContext& context_;
  Problems& problems_;
  int reserved_rank_;
  int placeholder_rank_;
  int value_rank_;
};

std::optional<Function> function_named(std::string_view name) {
  if (name == "attribute_exists") return Function::AttributeExists;
  if (name == "attribute_not_exists") return Function::AttributeNotExists;
  if (name == "attribute_type") return Function::AttributeType;
  if (name == "begins_with") return Function::BeginsWith;
  if (name == "contains") return Function::Contains;
  if (name == "size") return Function::Size;
  return std::nullopt;
}

std::size_t function_arity(Function f) {
  switch (f) {
    case Function::AttributeExists:
    case Function::AttributeNotExists:
    case Function::Size:
      return 1;
    case Function::AttributeType:
    case Function::BeginsWith:
    case Function::Contains:
      return 2;
  }
  return 0;
}

class ConditionChecker {
 public:
  ConditionChecker(ExpressionContext& context, Problems& problems)
      : problems_(problems), resolver_(context, problems, kReserved, kPlaceholder, kPlaceholder) {}

  Condition condition(const RawCondition& raw) {
    Condition out;
    switch (raw.kind) {
      case RawCondition::Kind::And:
      case RawCondition::Kind::Or:
      case RawCondition::Kind::Not:
        out.kind = raw.kind == RawCondition::Kind::And  ? Condition::Kind::And
                   : raw.kind == RawCondition::Kind::Or ? Condition::Kind::Or
                                                        : Condition::Kind::Not;
        for (const RawCondition& child : raw.children) out.children.push_back(condition(child));
        return out;
      case RawCondition::Kind::Compare:
        out.kind = Condition::Kind::Compare;
        out.comparator = raw.comparator;
        for (const RawOperand& o : raw.operands) out.operands.push_back(operand(o));
        check_distinct(raw.comparator_text, out.operands);
        return out;
      case RawCondition::Kind::Between:
        out.kind = Condition::Kind::Between;
        for (const RawOperand& o : raw.operands) out.operands.push_back(operand(o));
        check_between(out.operands[1], out.operands[2]);
        return out;
      case RawCondition::Kind::In:
        out.kind = Condition::Kind::In;
        for (const RawOperand& o : raw.operands) out.operands.push_back(operand(o));
        if (out.operands.size() > 101) {
          problems_.add(kInTooMany, "Too many operands for the IN operator; number of operands: " +
                                        std::to_string(out.operands.size() - 1) + ", maximum: 100");
        }
        return out;
      case RawCondition::Kind::Call:
        return function_condition(raw.operands[0]);
      case RawCondition::Kind::Bare:
        break;
    }
    return out;  // Bare nodes never reach the checker: the parser rejects them.
  }

 private:
  Condition function_condition(const RawOperand& call) {
    Condition out;
    out.kind = Condition::Kind::Function;
    auto f = function_named(call.text);
    if (!f) {
      problems_.add(kUnknownFunction, "Invalid function name; function: " + call.text);
    } else if (*f == Function::Size) {
      misused(call.text);
    }
    for (const RawOperand& a : call.args) out.operands.push_back(operand(a));
    if (!f || *f == Function::Size) return out;
    out.function = *f;
    check_function(call.text, *f, out.operands);
    return out;
  }

  Operand operand(const RawOperand& raw) {
    Operand out;
    switch (raw.kind) {
      case RawOperand::Kind::Path:
        out.kind = Operand::Kind::Path;
        out.path = resolver_.path(raw.path);
        return out;
      case RawOperand::Kind::Value:
        out.kind = Operand::Kind::Value;
        out.value = resolver_.value(raw.text);
        return out;
      case RawOperand::Kind::Call: {
        auto f = function_named(raw.text);
        if (!f) {
          problems_.add(kUnknownFunction, "Invalid function name; function: " + raw.text);
        } else if (*f != Function::Size) {
          misused(raw.text);
        }
        std::vector<Operand> args;
        for (const RawOperand& a : raw.args) args.push_back(operand(a));
        out.kind = Operand::Kind::Size;
        if (f == Function::Size) check_function(raw.text, Function::Size, args);
        if (!args.empty()) out.size_of = std::make_shared<Operand>(std::move(args[0]));
        return out;
      }
    }
    return out;
  }

  void misused(const std::string& name) {
    problems_.add(kMisusedFunction,
                  "The function is not allowed to be used this way in an expression; "
                  "function: " +
                      name);
  }

  // The type an operand is known to have before evaluation: a constant's, or N for size().
  static std::string static_type(const Operand& o) {
    if (o.kind == Operand::Kind::Value) return type_label(o.value);
    if (o.kind == Operand::Kind::Size) return "N";
    return "";
  }

  void operand_type_error(const std::string& function, const std::string& type) {
    problems_.add(kOperandType,
                  "Incorrect operand type for operator or function; operator or "
                  "function: " +
                      function + ", operand type: " + type);
  }

  void check_function(const std::string& name, Function f, const std::vector<Operand>& args) {
    if (args.size() != function_arity(f)) {
      problems_.add(kOperandCount,
                    "Incorrect number of operands for operator or function; operator or "
                    "function: " +
                        name + ", number of operands: " + std::to_string(args.size()));
      return;
    }
    check_distinct(name, args);
    switch (f) {
      case Function::AttributeExists:
      case Function::AttributeNotExists:
        if (args[0].kind != Operand::Kind::Path) {
          problems_.add(kOperandType,
                        "Operator or function requires a document path; "
                        "operator or function: " +
                            name);
        }
        break;
      case Function::BeginsWith:
        for (const Operand& a : args) {
          std::string type = static_type(a);
          if (!type.empty() && type != "S" && type != "B") {
            operand_type_error(name, type);
            break;
          }
        }
        break;
      case Function::AttributeType: {
        std::string type = static_type(args[1]);
        if (type != "S") {
          operand_type_error(name, type.empty() ? "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}" : type);
        } else {
          static const std::set<std::string> kNames = {"S", "N", "B",  "BOOL", "NULL",
                                                       "M", "L", "SS", "NS",   "BS"};
          const std::string name_given = args[1].value["S"].get<std::string>();
          if (!kNames.count(name_given)) {
            problems_.add(kOperandType, "Invalid attribute type name found; type: " + name_given +
                                            ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
          }
        }
        break;
      }
      case Function::Size: {
        std::string type = static_type(args[0]);
        if (type == "N" || type == "BOOL" || type == "NULL") operand_type_error(name, type);
        break;
      }
      case Function::Contains:
        break;
    }
  }

  // "a = a", "contains(a, a)": DynamoDB rejects an operator whose operands are the same path.
  void check_distinct(const std::string& name, const std::vector<Operand>& args) {
    if (args.size() != 2 || args[0].kind != Operand::Kind::Path ||
        args[1].kind != Operand::Kind::Path || !(args[0].path == args[1].path)) {
      return;
    }
    problems_.add(kDistinct,
                  "The first operand must be distinct from the remaining operands "
                  "for this operator or function; operator: " +
                      name + ", first operand: " + path_to_string(args[0].path));
  }

  void check_between(const Operand& lower, const Operand& upper) {
    if (lower.kind != Operand::Kind::Value || upper.kind != Operand::Kind::Value) return;
    auto lower_type = type_of(lower.value);
    auto upper_type = type_of(upper.value);
    if (!lower_type || !upper_type) return;
    std::string bounds = "lower bound operand: AttributeValue: " + brace_value(lower.value) +
                         ", upper bound operand: AttributeValue: " + brace_value(upper.value);
    if (*lower_type != *upper_type) {
      problems_.add(kOperandType,
                    "The BETWEEN operator requires same data type for lower and "
                    "upper bounds; " +
                        bounds);
      return;
    }
    auto order = compare_values(lower.value, upper.value);
    if (order && *order == std::strong_ordering::greater) {
      problems_.add(kOperandType,
                    "The BETWEEN operator requires upper bound to be greater than "
                    "or equal to lower bound; " +
                        bounds);
    }
  }

  Problems& problems_;
  Resolver resolver_;
};

// "Two document paths overlap ..." / "... conflict ..." for projections and updates.
void check_paths(const std::vector<Path>& paths, Problems& problems, int overlap_rank,
                 int conflict_rank) {
  for (std::size_t j = 1; j < paths.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const Path& a = paths[i];
      const Path& b = paths[j];
      std::size_t n = std::min(a.size(), b.size());
      std::size_t k = 0;
      bool conflict = false;
      for (; k < n; ++k) {
        if (a[k].index.has_value() != b[k].index.has_value()) {
          conflict = true;
          break;
        }
        if (!(a[k] == b[k])) break;
      }
      if (!conflict && k < n) continue;  // the paths part ways: no problem, no message
      std::string both =
          "must remove or rewrite one of these paths; path one: " + path_to_string(a) +
          ", path two: " + path_to_string(b);
      if (conflict) {
        problems.add(conflict_rank, "Two document paths conflict with each other; " + both);
      } else if (k == n) {
        problems.add(overlap_rank, "Two document paths overlap with each other; " + both);
      }
    }
  }
}

}  // namespace

std::string_view expression_kind_name(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::Condition:
      return "ConditionExpression";
    case ExpressionKind::Filter:
      return "FilterExpression";
    case ExpressionKind::KeyCondition:
      return "KeyConditionExpression";
    case ExpressionKind::Projection:
      return "ProjectionExpression";
    case ExpressionKind::Update:
      return "UpdateExpression";
  }
  return "";
}

bool is_reserved_word(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return std::binary_search(kReservedWords.begin(), kReservedWords.end(), upper);
}

std::string path_to_string(const Path& path) {
  std::string out = "[";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    out += path[i].index ? "[" + std::to_string(*path[i].index) + "]" : path[i].name;
  }
  return out + "]";
}

// ---- ExpressionContext --------------------------------------------------------------------------

ExpressionContext::ExpressionContext(const Json& names, const Json& values) {
  auto valid_key = [](const std::string& key, char sigil) {
    if (key.size() < 2 || key[0] != sigil) return false;
    return std::all_of(key.begin() + 1, key.end(), is_name_char);
  };
  if (!names.is_null()) {
    if (!names.is_object() || names.empty()) {
      throw ExpressionError("ExpressionAttributeNames must not be empty");
    }
    for (const auto& [key, name] : names.items()) {
      if (!valid_key(key, '#')) {
        throw ExpressionError(
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + key + "\"");
      }
      names_[key] = name.is_string() ? name.get<std::string>() : name.dump();
    }
  }
  if (!values.is_null()) {
    if (!values.is_object() || values.empty()) {
      throw ExpressionError("ExpressionAttributeValues must not be empty");
    }
    for (const auto& [key, value] : values.items()) {
      if (!valid_key(key, ':')) {
        throw ExpressionError(
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + key + "\"");
      }
    }
    for (const auto& [key, value] : values.items()) {
      Json copy = value;
      if (auto error = validate_value(copy)) {
        if (is_serialization_error(*error)) throw ExpressionError(*error);
        throw ExpressionError("ExpressionAttributeValues contains invalid value: " + *error +
                              " for key " + key);
      }
      values_[key] = std::move(copy);
    }
  }
}

const std::string* ExpressionContext::name(const std::string& placeholder) {
  auto it = names_.find(placeholder);
  if (it == names_.end()) return nullptr;
  used_names_.insert(placeholder);
  return &it->second;
}

const Json* ExpressionContext::value(const std::string& placeholder) {
  auto it = values_.find(placeholder);
  if (it == values_.end()) return nullptr;
  used_values_.insert(placeholder);
  return &it->second;
}

void ExpressionContext::check_all_used() const {
  auto unused = [](const auto& defined, const std::set<std::string>& used) {
    std::string keys;
    for (const auto& [key, _] : defined) {
      if (used.count(key)) continue;
      keys += (keys.empty() ? "" : ", ") + key;
    }
    return keys;
  };
  if (auto keys = unused(names_, used_names_); !keys.empty()) {
    throw ExpressionError(
        "Value provided in ExpressionAttributeNames unused in expressions: "
        "keys: {" +
        keys + "}");
  }
  if (auto keys = unused(values_, used_values_); !keys.empty()) {
    throw ExpressionError(
        "Value provided in ExpressionAttributeValues unused in expressions: "
        "keys: {" +
        keys + "}");
  }
}

// ---- Conditions ---------------------------------------------------------------------------------

namespace {

RawCondition parse_raw_condition(Parser& parser) {
  RawCondition root = parser.parse_or();
  parser.require_condition(root);
  if (!parser.at_end()) parser.fail();
  return root;
}

ConditionExpression check_condition(const RawCondition& raw, bool redundant_parens,
                                    ExpressionContext& context, const std::string& prefix) {
  Problems problems;
  if (redundant_parens) problems.add(kParens, "The expression has redundant parentheses;");
  ConditionChecker checker(context, problems);
  ConditionExpression out{checker.condition(raw)};
  problems.raise(prefix);
  return out;
}

}  // namespace

ConditionExpression parse_condition(std::string_view text, ExpressionContext& context,
                                    ExpressionKind kind) {
  return with_syntax_errors(text, kind, [&](Parser& parser, const std::string& prefix) {
    RawCondition raw = parse_raw_condition(parser);
    return check_condition(raw, parser.redundant_parens, context, prefix);
  });
}

// ---- Key conditions -----------------------------------------------------------------------------

namespace {

// Key conditions share the condition grammar (so OR, NOT, IN and <> parse) and are then held
// to the shapes a Query can use; these messages carry no "Invalid KeyConditionExpression"
// prefix in DynamoDB.
struct KeyPart {
  std::string name;
  RangeOperator op;
  Json value;
  Json upper;
};

[[noreturn]] void invalid_operator(const std::string& op) {
  throw ExpressionError("Invalid operator used in KeyConditionExpression: " + op);
}

void collect_key_parts(const Condition& c, std::vector<KeyPart>& parts) {
  switch (c.kind) {
    case Condition::Kind::Or:
      invalid_operator("OR");
    case Condition::Kind::Not:
      invalid_operator("NOT");
    case Condition::Kind::In:
      invalid_operator("IN");
    case Condition::Kind::And:
      for (const Condition& child : c.children) collect_key_parts(child, parts);
      return;
    case Condition::Kind::Compare:
      if (c.comparator == Comparator::NE) invalid_operator("<>");
      break;
    case Condition::Kind::Function:
      if (c.function != Function::BeginsWith) {
        static const std::map<Function, std::string> kNames = {
            {Function::AttributeExists, "attribute_exists"},
            {Function::AttributeNotExists, "attribute_not_exists"},
            {Function::AttributeType, "attribute_type"},
            {Function::Contains, "contains"},
            {Function::Size, "size"}};
        invalid_operator(kNames.at(c.function));
      }
      break;
    case Condition::Kind::Between:
      break;
  }
  bool ordered = c.kind != Condition::Kind::Compare;
  if (ordered && c.operands[0].kind != Operand::Kind::Path) {
    throw ExpressionError(std::string("Invalid condition in KeyConditionExpression: ") +
                          (c.kind == Condition::Kind::Between ? "BETWEEN" : "begins_with") +
                          " operator must have the key attribute as its first operand");
  }
  const Operand* key = nullptr;
  std::size_t key_index = 0;
  for (std::size_t i = 0; i < c.operands.size(); ++i) {
    const Operand& o = c.operands[i];
    if (o.kind == Operand::Kind::Size) {
      throw ExpressionError("KeyConditionExpressions cannot contain nested operations");
    }
    if (o.kind != Operand::Kind::Path) continue;
    if (key) {
      throw ExpressionError(
          "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
          "condition");
    }
    if (o.path.size() > 1) {
      throw ExpressionError("KeyConditionExpressions cannot have conditions on nested attributes");
    }
    key = &o;
    key_index = i;
  }
  if (!key) {
    throw ExpressionError(
        "Invalid condition in KeyConditionExpression: No key attribute "
        "specified");
  }
  for (const KeyPart& p : parts) {
    if (p.name == key->path[0].name) {
      throw ExpressionError("KeyConditionExpressions must only contain one condition per key");
    }
  }
  KeyPart part{key->path[0].name, RangeOperator::EQ, {}, {}};
  if (c.kind == Condition::Kind::Between) {
    part.op = RangeOperator::Between;
    part.value = c.operands[1].value;
    part.upper = c.operands[2].value;
  } else if (c.kind == Condition::Kind::Function) {
    part.op = RangeOperator::BeginsWith;
    part.value = c.operands[1].value;
  } else {
    // ":v < k" is "k > :v".
    bool flipped = key_index == 1;
    part.value = c.operands[flipped ? 0 : 1].value;
    switch (c.comparator) {
      case Comparator::EQ:
      case Comparator::NE:
        part.op = RangeOperator::EQ;
        break;
      case Comparator::LT:
        part.op = flipped ? RangeOperator::GT : RangeOperator::LT;
        break;
      case Comparator::LE:
        part.op = flipped ? RangeOperator::GE : RangeOperator::LE;
        break;
      case Comparator::GT:
        part.op = flipped ? RangeOperator::LT : RangeOperator::GT;
        break;
      case Comparator::GE:
        part.op = flipped ? RangeOperator::LE : RangeOperator::GE;
        break;
    }
  }
  parts.push_back(std::move(part));
}

}  // namespace

KeyCondition parse_key_condition(std::string_view text, ExpressionContext& context,
                                 const std::string& hash_key,
                                 const std::optional<std::string>& range_key) {
  ConditionExpression parsed = parse_condition(text, context, ExpressionKind::KeyCondition);
  std::vector<KeyPart> parts;
  collect_key_parts(parsed.root, parts);
  if (parts.size() > 2) throw ExpressionError("Conditions can be of length 1 or 2 only");
  KeyCondition out;
  out.hash_name = hash_key;
  const KeyPart* hash = nullptr;
  for (const KeyPart& p : parts) {
    if (p.name == hash_key) hash = &p;
  }
  if (!hash) throw ExpressionError("Query condition missed key schema element: " + hash_key);
  if (hash->op != RangeOperator::EQ) throw ExpressionError("Query key condition not supported");
  out.hash_value = hash->value;
  for (const KeyPart& p : parts) {
    if (&p == hash) continue;
    if (!range_key) throw ExpressionError("Query key condition not supported");
    if (p.name != *range_key) {
      throw ExpressionError("Query condition missed key schema element: " + *range_key);
    }
    out.range = RangeCondition{p.name, p.op, p.value, p.upper};
  }
  return out;
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
      problems_.add(kUUnknownFunction, "Invalid function name; function: " + raw.text);
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
