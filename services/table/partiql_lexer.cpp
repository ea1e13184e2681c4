// PartiQL's words and tokens: case folding, keywords, the functions DynamoDB's PartiQL knows, and
// the tokenizer that starts the syntax pass (see partiql.cpp).
#include <cctype>
#include <climits>
#include <set>

#include "services/table/partiql_internal.hpp"

namespace serverlite::table::partiql::detail {


namespace {

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

}  // namespace

bool is_keyword(std::string_view word) { return keywords().count(ascii_upper(word)) > 0; }

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
  return names.count(ascii_lower(name)) > 0;
}

// ---- Tokens --------------------------------------------------------------------------------

namespace {

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

}  // namespace

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

}  // namespace serverlite::table::partiql::detail
