// What the expression source files (expression_parser.cpp, expression_check.cpp,
// expression_context.cpp) share: the raw trees the parser builds, the collection of semantic
// errors, placeholder resolution, and the checks expression_check.cpp runs for the parser.
// Private to services/table.
#pragma once

#include <cctype>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "services/table/expression.hpp"
#include "services/table/values.hpp"

namespace serverlite::table {
namespace expression_detail {

inline bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The first semantic error of each category; the lowest category wins.
class Problems {
 public:
  void add(int rank, std::string message) {
    if (closed_from_ && rank >= *closed_from_) return;
    first_.emplace(rank, std::move(message));
  }
  // Ends one condition of a condition expression. Problems from rank `from` on belong to single
  // conditions: DynamoDB reports those of the first condition (left to right) that has any, its
  // most important one, and ignores the later conditions'.
  void close_condition(int from) {
    if (closed_from_) return;
    auto it = first_.lower_bound(from);
    if (it == first_.end()) return;
    first_.erase(std::next(it), first_.end());
    closed_from_ = from;
  }
  void raise(std::string_view prefix) const {
    if (!first_.empty()) throw ExpressionError(std::string(prefix) + first_.begin()->second);
  }

 private:
  std::map<int, std::string> first_;
  std::optional<int> closed_from_;
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

inline std::string type_label(const Json& value) {
  auto type = type_of(value);
  return type ? std::string(type_name(*type)) : "";
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

// Reports overlapping and conflicting document paths (expression_check.cpp).
void check_paths(const std::vector<Path>& paths, Problems& problems, int overlap_rank,
                 int conflict_rank);

// The checking pass over a parsed condition (expression_check.cpp).
ConditionExpression check_condition(const RawCondition& raw, bool redundant_parens,
                                    ExpressionContext& context, const std::string& prefix);

}  // namespace expression_detail

// The expression source files use the names above unqualified.
using namespace expression_detail;

}  // namespace serverlite::table
