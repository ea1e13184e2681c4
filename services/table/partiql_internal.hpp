// What the PartiQL source files (partiql.cpp, partiql_lexer.cpp, partiql_parser.cpp) share: the
// tokens, the syntax tree and statement the parser hands to the translator, and the syntax-error
// helpers. Private to services/table.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/ascii.hpp"
#include "services/table/expression.hpp"
#include "services/table/partiql.hpp"

namespace serverlite::table::partiql {
namespace detail {

constexpr std::string_view kMalformed = "Statement wasn't well formed, can't be processed: ";

[[noreturn]] inline void fail(std::string message) { throw Error(std::move(message)); }
[[noreturn]] inline void malformed(std::string_view detail) {
  fail(std::string(kMalformed) + std::string(detail));
}

// PartiQL's keywords and the functions DynamoDB knows (partiql_lexer.cpp); case folding is
// emulator/ascii.hpp's.
bool is_keyword(std::string_view word);
bool is_function(std::string_view name);

enum class Tok { End, Ident, Quoted, String, Number, Param, Punct };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // Ident as written; Quoted / String unescaped; Punct its characters
};

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The tokens of a statement, ending with Tok::End (partiql_lexer.cpp).
std::vector<Token> tokenize(std::string_view s);

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

// The syntax pass (partiql_parser.cpp): the statement tree of `text`, with the number of its `?`
// parameters in `parameter_count`. Throws Error for syntax errors only.
Statement parse_statement(std::string_view text, std::size_t& parameter_count);

}  // namespace detail

// The PartiQL source files use the names above unqualified.
using namespace detail;

}  // namespace serverlite::table::partiql
