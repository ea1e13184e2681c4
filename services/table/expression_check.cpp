// The checking pass of DynamoDB expressions (see expression_parser.cpp): conditions resolved and
// checked in DynamoDB's order of precedence, key conditions held to the shapes a Query can use,
// and overlapping document paths.
#include <algorithm>
#include <map>
#include <set>

#include "services/table/expression.hpp"
#include "services/table/expression_internal.hpp"

namespace serverlite::table {
namespace {

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

// "{N:1}" as DynamoDB shows a constant in BETWEEN messages.
std::string brace_value(const Json& value) {
  auto type = type_of(value);
  if (!type) return value.dump();
  const Json& inner = value.begin().value();
  std::string shown = inner.is_string() ? inner.get<std::string>() : inner.dump();
  return "{" + std::string(type_name(*type)) + ":" + shown + "}";
}

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
    Condition out = checked(raw);
    if (raw.kind != RawCondition::Kind::And && raw.kind != RawCondition::Kind::Or &&
        raw.kind != RawCondition::Kind::Not)
      problems_.close_condition(kPlaceholder);
    return out;
  }

 private:
  Condition checked(const RawCondition& raw) {
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
        if (raw.comparator != Comparator::EQ && raw.comparator != Comparator::NE)
          check_orderable(raw.comparator_text, out.operands);
        return out;
      case RawCondition::Kind::Between:
        out.kind = Condition::Kind::Between;
        for (const RawOperand& o : raw.operands) out.operands.push_back(operand(o));
        check_orderable("BETWEEN", out.operands);
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

  // <, <=, >, >= and BETWEEN order strings, numbers and binaries only: a constant of another
  // type (a list, a map, a set, a boolean, null) is refused before any item is read.
  void check_orderable(const std::string& name, const std::vector<Operand>& args) {
    for (const Operand& a : args) {
      std::string type = static_type(a);
      if (!type.empty() && type != "S" && type != "N" && type != "B") {
        operand_type_error(name, type);
        return;
      }
    }
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

}  // namespace

namespace expression_detail {

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

ConditionExpression check_condition(const RawCondition& raw, bool redundant_parens,
                                    ExpressionContext& context, const std::string& prefix) {
  Problems problems;
  if (redundant_parens) problems.add(kParens, "The expression has redundant parentheses;");
  ConditionChecker checker(context, problems);
  ConditionExpression out{checker.condition(raw)};
  problems.raise(prefix);
  return out;
}

}  // namespace expression_detail

// ---- Key conditions -----------------------------------------------------------------------------

namespace {

// Key conditions share the condition grammar (so OR, NOT, IN and <> parse) and are then held
// to the shapes a Query can use; these messages carry no "Invalid KeyConditionExpression"
// prefix in DynamoDB.
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

std::vector<KeyPart> key_parts(const ConditionExpression& parsed) {
  std::vector<KeyPart> parts;
  collect_key_parts(parsed.root, parts);
  if (parts.size() > 2) throw ExpressionError("Conditions can be of length 1 or 2 only");
  return parts;
}

KeyCondition parse_key_condition(std::string_view text, ExpressionContext& context,
                                 const std::string& hash_key,
                                 const std::optional<std::string>& range_key) {
  std::vector<KeyPart> parts =
      key_parts(parse_condition(text, context, ExpressionKind::KeyCondition));
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

}  // namespace serverlite::table
