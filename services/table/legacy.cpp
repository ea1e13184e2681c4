#include "services/table/legacy.hpp"

#include <algorithm>
#include <array>
#include <compare>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace serverlite::table {

namespace {

constexpr std::string_view kInvalid = "One or more parameter values were invalid: ";

[[noreturn]] void fail(std::string message) { throw LegacyError(std::move(message)); }

[[noreturn]] void invalid(std::string_view detail) {
  fail(std::string(kInvalid) + std::string(detail));
}

[[noreturn]] void serialization(std::string message) {
  throw LegacyError(std::move(message), LegacyError::Kind::Serialization);
}

// The request layer's constraint errors. DynamoDB collects up to ten of them per request; a
// legacy parameter reports its first, which is what a client sees for a single mistake.
[[noreturn]] void constraint(const std::string& rendered_value, const std::string& at,
                             std::string_view rule) {
  fail("1 validation error detected: Value " + rendered_value + " at '" + at +
       "' failed to satisfy constraint: " + std::string(rule));
}

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

// Member names in constraint messages start lower case: "scanFilter", "attributeUpdates".
std::string lower_first(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] + 32);
  return out;
}

// A member of a request object; JSON null counts as absent, as DynamoDB's decoder treats it.
const Json* member(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// What the request decoder expects at a position, for its SerializationException messages.
enum class Shape { Map, Structure, List, String };

void require(const Json& value, Shape shape) {
  switch (shape) {
    case Shape::Map:
      if (value.is_object()) return;
      if (value.is_array()) serialization("Start of list found where not expected");
      serialization("Expected map or null");
    case Shape::Structure:
      if (value.is_object()) return;
      if (value.is_array()) serialization("Start of list found where not expected");
      serialization("Expected null");
    case Shape::List:
      if (value.is_array()) return;
      if (value.is_object()) serialization("Start of structure or map found where not expected.");
      serialization("Expected list or null");
    case Shape::String:
      if (value.is_string()) return;
      if (value.is_object()) serialization("Start of structure or map found where not expected.");
      if (value.is_array()) serialization("Start of list found where not expected");
      if (value.is_boolean()) {
        serialization("class java.lang.Boolean can not be converted to an String");
      }
      serialization(
          "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
          "an String");
  }
}

// Booleans as DynamoDB's decoder reads them: JSON true/false, or the strings true/false, 1/0,
// yes/no in any case.
bool read_boolean(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    for (char& c : text) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    if (text == "TRUE" || text == "1" || text == "YES") return true;
    if (text == "FALSE" || text == "0" || text == "NO") return false;
    serialization("'" + text + "' can not be converted to an Boolean");
  }
  if (value.is_object()) serialization("Start of structure or map found where not expected.");
  if (value.is_array()) serialization("Start of list found where not expected");
  serialization(
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an "
      "Boolean");
}

// An attribute value from the request, checked and canonicalised.
Json read_value(const Json& raw) {
  require(raw, Shape::Structure);
  Json value = raw;
  if (auto error = validate_value(value)) {
    if (is_serialization_error(*error)) serialization(*error);
    fail(*error);
  }
  return value;
}

std::vector<Json> read_value_list(const Json& raw) {
  require(raw, Shape::List);
  std::vector<Json> values;
  values.reserve(raw.size());
  for (const Json& element : raw) {
    if (element.is_null()) fail("Supplied AttributeValue is empty, must contain exactly one of "
                                "the supported datatypes");
    values.push_back(read_value(element));
  }
  return values;
}

// ---- Comparison operators ----------------------------------------------------------------------

enum class Op { EQ, NE, LE, LT, GE, GT, NotNull, Null, Contains, NotContains, BeginsWith, In,
                Between };

constexpr std::array<std::pair<std::string_view, Op>, 13> kOps{{
    {"EQ", Op::EQ},
    {"NE", Op::NE},
    {"LE", Op::LE},
    {"LT", Op::LT},
    {"GE", Op::GE},
    {"GT", Op::GT},
    {"NOT_NULL", Op::NotNull},
    {"NULL", Op::Null},
    {"CONTAINS", Op::Contains},
    {"NOT_CONTAINS", Op::NotContains},
    {"BEGINS_WITH", Op::BeginsWith},
    {"IN", Op::In},
    {"BETWEEN", Op::Between},
}};

// The enum set as DynamoDB lists it in constraint messages (its own order, not the model's).
constexpr std::string_view kOpEnumSet =
    "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, "
    "NE, LE, BEGINS_WITH, GE, CONTAINS]";

std::optional<Op> parse_op(std::string_view name) {
  for (const auto& [text, op] : kOps) {
    if (text == name) return op;
  }
  return std::nullopt;
}

std::string_view op_name(Op op) {
  for (const auto& [text, candidate] : kOps) {
    if (candidate == op) return text;
  }
  return "";
}

// Reads a ComparisonOperator at `at` ("scanFilter.a.member.comparisonOperator"). Conditions of
// filters and KeyConditions must have one; Expected entries may omit it.
std::optional<Op> read_op(const Json* raw, const std::string& at, bool required) {
  if (raw == nullptr) {
    if (required) constraint("null", at, "Member must not be null");
    return std::nullopt;
  }
  require(*raw, Shape::String);
  const auto& text = raw->get_ref<const std::string&>();
  auto op = parse_op(text);
  if (!op) constraint(in_quotes(text), at, kOpEnumSet);
  return op;
}

bool valid_count(Op op, std::size_t count) {
  switch (op) {
    case Op::NotNull:
    case Op::Null:
      return count == 0;
    case Op::In:
      return count >= 1;
    case Op::Between:
      return count == 2;
    case Op::EQ:
    case Op::NE:
    case Op::LE:
    case Op::LT:
    case Op::GE:
    case Op::GT:
    case Op::Contains:
    case Op::NotContains:
    case Op::BeginsWith:
      return count == 1;
  }
  return false;
}

// Argument types per operator (API reference, "Condition"): EQ / NE take any type; ordering
// operators, IN and BETWEEN take S, N or B; CONTAINS / NOT_CONTAINS a scalar (S, N, B, BOOL,
// NULL: the member looked for, never a set, list or map); BEGINS_WITH S or B.
bool supports(Op op, ValueType type) {
  const bool sortable = type == ValueType::S || type == ValueType::N || type == ValueType::B;
  switch (op) {
    case Op::EQ:
    case Op::NE:
    case Op::NotNull:
    case Op::Null:
      return true;
    case Op::LE:
    case Op::LT:
    case Op::GE:
    case Op::GT:
    case Op::In:
    case Op::Between:
      return sortable;
    case Op::Contains:
    case Op::NotContains:
      return sortable || type == ValueType::BOOL || type == ValueType::NUL;
    case Op::BeginsWith:
      return type == ValueType::S || type == ValueType::B;
  }
  return false;
}

// DynamoDB's checks of an operator's arguments, in its order: count, then each argument's type
// (supported, then the same as the first), then BETWEEN's bounds.
void check_arguments(Op op, const std::vector<Json>& args) {
  const std::string name(op_name(op));
  if (!valid_count(op, args.size())) {
    invalid("Invalid number of argument(s) for the " + name + " ComparisonOperator");
  }
  std::optional<ValueType> first;
  for (const Json& arg : args) {
    const ValueType type = *type_of(arg);  // validated by read_value()
    if (!first) first = type;
    if (!supports(op, type)) {
      invalid("ComparisonOperator " + name + " is not valid for " +
              std::string(type_name(type)) + " AttributeValue type");
    }
    if (type != *first) invalid("AttributeValues inside AttributeValueList must be of same type");
  }
  if (op == Op::Between) {
    auto order = compare_values(args[0], args[1]);
    if (order && *order == std::strong_ordering::greater) {
      fail("The BETWEEN condition was provided a range where the lower bound is greater than the "
           "upper bound");
    }
  }
}

// ---- Building expressions ----------------------------------------------------------------------

// Hands out placeholders with one prefix letter and collects what they stand for.
class Builder {
 public:
  explicit Builder(char prefix) : prefix_(prefix) {}

  std::string name(const std::string& attribute) {
    auto found = name_of_.find(attribute);
    if (found != name_of_.end()) return found->second;
    std::string key = "#" + std::string(1, prefix_) + std::to_string(name_of_.size());
    name_of_.emplace(attribute, key);
    out_.names[key] = attribute;
    return key;
  }

  std::string value(Json value) {
    std::string key = ":" + std::string(1, prefix_) + std::to_string(values_++);
    out_.values[key] = std::move(value);
    return key;
  }

  Translated finish(std::string expression) {
    out_.expression = std::move(expression);
    return std::move(out_);
  }

 private:
  char prefix_;
  std::map<std::string, std::string> name_of_;
  std::size_t values_ = 0;
  Translated out_;
};

struct Parsed {
  std::string attribute;
  Op op = Op::EQ;
  std::vector<Json> args;
};

// One condition as expression text, with the semantics of the legacy operator (API reference,
// "Condition"). Every comparison with a missing attribute is false except NE, which is true in
// both forms; NOT_CONTAINS, though, is false for a missing attribute where `NOT contains()`
// would be true, hence the attribute_exists() guard.
std::string render(Builder& builder, const Parsed& condition) {
  const std::string name = builder.name(condition.attribute);
  auto one = [&] { return builder.value(condition.args.at(0)); };
  switch (condition.op) {
    case Op::EQ: return name + " = " + one();
    case Op::NE: return name + " <> " + one();
    case Op::LE: return name + " <= " + one();
    case Op::LT: return name + " < " + one();
    case Op::GE: return name + " >= " + one();
    case Op::GT: return name + " > " + one();
    case Op::NotNull: return "attribute_exists(" + name + ")";
    case Op::Null: return "attribute_not_exists(" + name + ")";
    case Op::Contains: return "contains(" + name + ", " + one() + ")";
    case Op::NotContains:
      return "attribute_exists(" + name + ") AND NOT contains(" + name + ", " + one() + ")";
    case Op::BeginsWith: return "begins_with(" + name + ", " + one() + ")";
    case Op::In: {
      std::string text = name + " IN (";
      for (std::size_t i = 0; i < condition.args.size(); ++i) {
        if (i > 0) text += ", ";
        text += builder.value(condition.args[i]);
      }
      return text + ")";
    }
    case Op::Between: {
      std::string lower = builder.value(condition.args.at(0));
      std::string upper = builder.value(condition.args.at(1));
      return name + " BETWEEN " + lower + " AND " + upper;
    }
  }
  return "";
}

// Joins conditions with AND / OR. Each part is parenthesised when there are several, so a
// BETWEEN's AND or NOT_CONTAINS's guard never binds to a neighbour.
std::string join_conditions(const std::vector<std::string>& parts, std::string_view joiner) {
  if (parts.size() == 1) return parts.front();
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) text += " " + std::string(joiner) + " ";
    text += "(" + parts[i] + ")";
  }
  return text;
}

// Validates the ConditionalOperator's value (a request-layer constraint) and returns the joiner.
std::string_view read_conditional_operator(std::optional<std::string_view> value) {
  if (!value) return "AND";
  if (*value != "AND" && *value != "OR") {
    constraint(in_quotes(*value), "conditionalOperator",
               "Member must satisfy enum value set: [OR, AND]");
  }
  return *value;
}

// QueryFilter, ScanFilter and KeyConditions share the Condition shape: a required
// ComparisonOperator and an optional AttributeValueList.
std::vector<Parsed> read_conditions(const Json& conditions, std::string_view parameter) {
  require(conditions, Shape::Map);
  const std::string base = lower_first(parameter);
  // The request layer checks every member's shape and operator before the service looks at
  // any argument, so a bad operator anywhere wins over a bad argument list elsewhere.
  for (const auto& [attribute, condition] : conditions.items()) {
    if (condition.is_null()) continue;
    require(condition, Shape::Structure);
    read_op(member(condition, "ComparisonOperator"),
            base + "." + attribute + ".member.comparisonOperator", true);
  }
  std::vector<Parsed> parsed;
  for (const auto& [attribute, condition] : conditions.items()) {
    if (condition.is_null()) fail("The filter condition for an attribute cannot be null");
    Parsed entry;
    entry.attribute = attribute;
    entry.op = *read_op(member(condition, "ComparisonOperator"), "", true);
    if (const Json* list = member(condition, "AttributeValueList")) {
      entry.args = read_value_list(*list);
    }
    check_arguments(entry.op, entry.args);
    parsed.push_back(std::move(entry));
  }
  return parsed;
}

// Operators a key condition can use: the ones a sorted key range can answer.
bool indexable(Op op) {
  switch (op) {
    case Op::EQ:
    case Op::LE:
    case Op::LT:
    case Op::GE:
    case Op::GT:
    case Op::BeginsWith:
    case Op::Between:
      return true;
    case Op::NE:
    case Op::NotNull:
    case Op::Null:
    case Op::Contains:
    case Op::NotContains:
    case Op::In:
      return false;
  }
  return false;
}

bool is_set_type(ValueType type) {
  return type == ValueType::SS || type == ValueType::NS || type == ValueType::BS;
}

}  // namespace

// ---- Public functions --------------------------------------------------------------------------

void check_conditional_operator(std::optional<std::string_view> conditional_operator,
                                std::size_t conditions) {
  if (!conditional_operator) return;
  read_conditional_operator(conditional_operator);
  if (conditions == 0) fail("ConditionalOperator cannot be used without Filter or Expected");
  if (conditions == 1) {
    fail("ConditionalOperator can only be used when Filter or Expected has two or more elements");
  }
}

Translated key_conditions(const Json& conditions) {
  std::vector<Parsed> parsed = read_conditions(conditions, "KeyConditions");
  if (parsed.empty() || parsed.size() > 2) fail("Conditions can be of length 1 or 2 only");
  // A KeyConditionExpression joins its two conditions with a bare AND: the key condition
  // grammar is flat, so no parentheses here.
  Builder builder('k');
  std::string text;
  for (const Parsed& condition : parsed) {
    if (!text.empty()) text += " AND ";
    text += render(builder, condition);
  }
  return builder.finish(std::move(text));
}

Translated filter(const Json& conditions, std::optional<std::string_view> conditional_operator,
                  std::string_view parameter) {
  const std::string_view joiner = read_conditional_operator(conditional_operator);
  std::vector<Parsed> parsed = read_conditions(conditions, parameter);
  check_conditional_operator(conditional_operator, parsed.size());
  Builder builder('f');
  std::vector<std::string> parts;
  for (const Parsed& condition : parsed) parts.push_back(render(builder, condition));
  if (parts.empty()) return builder.finish("");
  return builder.finish(join_conditions(parts, joiner));
}

Translated expected(const Json& expected_map,
                    std::optional<std::string_view> conditional_operator) {
  const std::string_view joiner = read_conditional_operator(conditional_operator);
  require(expected_map, Shape::Map);
  for (const auto& [attribute, entry] : expected_map.items()) {
    if (entry.is_null()) continue;
    require(entry, Shape::Structure);
    read_op(member(entry, "ComparisonOperator"),
            "expected." + attribute + ".member.comparisonOperator", false);
  }

  Builder builder('e');
  std::vector<std::string> parts;
  for (const auto& [attribute, entry] : expected_map.items()) {
    if (entry.is_null()) {
      invalid("ExpectedAttributeValue must not be null for Attribute: " + attribute);
    }
    const Json* op_member = member(entry, "ComparisonOperator");
    const Json* value_member = member(entry, "Value");
    const Json* list_member = member(entry, "AttributeValueList");
    const Json* exists_member = member(entry, "Exists");
    std::optional<bool> exists;
    if (exists_member) exists = read_boolean(*exists_member);

    // The Expected form checks, in DynamoDB's order.
    if (exists && op_member) {
      invalid("Exists and ComparisonOperator cannot be used together for Attribute: " +
              attribute);
    }
    if (value_member && list_member) {
      invalid("Value and AttributeValueList cannot be used together for Attribute: " + attribute);
    }
    if (!op_member && list_member) {
      invalid("AttributeValueList can only be used with a ComparisonOperator for Attribute: " +
              attribute);
    }
    if (exists && !*exists && value_member) {
      invalid("Value cannot be used when Exists is false for Attribute: " + attribute);
    }
    if (!value_member && !list_member) {
      if (op_member) {
        const auto& op_text = op_member->get_ref<const std::string&>();
        if (op_text != "NOT_NULL" && op_text != "NULL") {
          invalid("Value or AttributeValueList must be used with ComparisonOperator: " +
                  op_text + " for Attribute: " + attribute);
        }
      } else if (!exists) {
        invalid("Value must be provided when Exists is null for Attribute: " + attribute);
      } else if (*exists) {
        invalid("Value must be provided when Exists is true for Attribute: " + attribute);
      }
    }

    std::optional<Json> value;
    if (value_member) value = read_value(*value_member);
    std::vector<Json> list;
    if (list_member) list = read_value_list(*list_member);

    if (op_member) {
      Parsed condition;
      condition.attribute = attribute;
      condition.op = *parse_op(op_member->get_ref<const std::string&>());
      if (value) {
        condition.args.push_back(*value);
      } else {
        condition.args = std::move(list);
      }
      check_arguments(condition.op, condition.args);
      parts.push_back(render(builder, condition));
    } else if (value) {
      // Exists true or absent with a Value: the attribute must exist with exactly that value.
      parts.push_back(builder.name(attribute) + " = " + builder.value(*value));
    } else {
      // Exists false: the attribute must be absent.
      parts.push_back("attribute_not_exists(" + builder.name(attribute) + ")");
    }
  }
  check_conditional_operator(conditional_operator, parts.size());
  if (parts.empty()) return builder.finish("");
  return builder.finish(join_conditions(parts, joiner));
}

Translated attribute_updates(const Json& updates) {
  require(updates, Shape::Map);
  for (const auto& [attribute, update] : updates.items()) {
    if (update.is_null()) continue;
    require(update, Shape::Structure);
    if (const Json* action = member(update, "Action")) {
      require(*action, Shape::String);
      const auto& text = action->get_ref<const std::string&>();
      if (text != "PUT" && text != "ADD" && text != "DELETE") {
        constraint(in_quotes(text), "attributeUpdates." + attribute + ".member.action",
                   "Member must satisfy enum value set: [ADD, PUT, DELETE]");
      }
    }
  }

  Builder builder('u');
  std::vector<std::string> sets, adds, removes, deletes;
  for (const auto& [attribute, update] : updates.items()) {
    if (update.is_null()) {
      fail("Supplied AttributeValueUpdate is empty, must contain one of the supported actions");
    }
    const Json* action_member = member(update, "Action");
    const std::string action =
        action_member ? action_member->get<std::string>() : std::string("PUT");
    std::optional<Json> value;
    if (const Json* raw = member(update, "Value")) value = read_value(*raw);

    if (!value) {
      if (action != "DELETE") {
        invalid("Only DELETE action is allowed when no attribute value is specified");
      }
      removes.push_back(builder.name(attribute));
      continue;
    }
    const ValueType type = *type_of(*value);
    if (action == "DELETE") {
      if (!is_set_type(type)) {
        invalid("DELETE action with value is not supported for the type " +
                std::string(type_name(type)));
      }
      deletes.push_back(builder.name(attribute) + " " + builder.value(*value));
    } else if (action == "ADD") {
      if (type == ValueType::L) {
        // Legacy ADD appends to a list (creating it when absent); UpdateExpression's ADD takes
        // only numbers and sets, so this is its SET equivalent.
        const std::string name = builder.name(attribute);
        const std::string appended = builder.value(*value);
        const std::string empty = builder.value(Json{{"L", Json::array()}});
        sets.push_back(name + " = list_append(if_not_exists(" + name + ", " + empty + "), " +
                       appended + ")");
      } else if (type == ValueType::N || is_set_type(type)) {
        adds.push_back(builder.name(attribute) + " " + builder.value(*value));
      } else {
        invalid("ADD action is not supported for the type " + std::string(type_name(type)));
      }
    } else {
      sets.push_back(builder.name(attribute) + " = " + builder.value(*value));
    }
  }

  std::string text;
  auto clause = [&text](std::string_view keyword, const std::vector<std::string>& items) {
    if (items.empty()) return;
    if (!text.empty()) text += " ";
    text += std::string(keyword) + " ";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) text += ", ";
      text += items[i];
    }
  };
  clause("SET", sets);
  clause("ADD", adds);
  clause("REMOVE", removes);
  clause("DELETE", deletes);
  return builder.finish(std::move(text));
}

Translated attributes_to_get(const Json& names) {
  require(names, Shape::List);
  for (const Json& name : names) require(name, Shape::String);
  auto rendered = [&names] {
    std::string text = "[";
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i > 0) text += ", ";
      text += names[i].get<std::string>();
    }
    return in_quotes(text + "]");
  };
  if (names.empty()) {
    constraint(rendered(), "attributesToGet",
               "Member must have length greater than or equal to 1");
  }
  if (names.size() > 255) {
    constraint(rendered(), "attributesToGet",
               "Member must have length less than or equal to 255");
  }
  std::set<std::string> seen;
  Builder builder('p');
  std::string text;
  for (const Json& name : names) {
    const auto& attribute = name.get_ref<const std::string&>();
    if (!seen.insert(attribute).second) {
      invalid("Duplicate value in attribute name: " + attribute);
    }
    if (!text.empty()) text += ", ";
    text += builder.name(attribute);
  }
  return builder.finish(std::move(text));
}

std::optional<std::string> mixing_error(const Json& request) {
  static constexpr std::array<std::string_view, 6> kLegacy = {
      "AttributeUpdates", "AttributesToGet", "Expected",
      "QueryFilter",      "ScanFilter",      "ConditionalOperator"};
  static constexpr std::array<std::string_view, 5> kExpressions = {
      "UpdateExpression", "ProjectionExpression", "ConditionExpression", "FilterExpression",
      "KeyConditionExpression"};
  auto listed = [](const auto& names, std::string_view key) {
    return std::find(names.begin(), names.end(), key) != names.end();
  };
  // One pass over the request's few members settles the usual case: no mixing. KeyConditions
  // counts only beside KeyConditionExpression, which the full check below looks at.
  if (!request.is_object()) return std::nullopt;
  bool any_legacy = false, any_expression = false;
  for (auto it = request.begin(); it != request.end(); ++it) {
    if (it->is_null()) continue;
    any_legacy = any_legacy || listed(kLegacy, it.key()) || it.key() == "KeyConditions";
    any_expression = any_expression || listed(kExpressions, it.key());
  }
  if (!any_legacy || !any_expression) return std::nullopt;

  auto present = [&request](std::string_view key) {
    return member(request, std::string(key)) != nullptr;
  };
  std::vector<std::string_view> legacy;
  for (std::string_view key : kLegacy) {
    if (present(key)) legacy.push_back(key);
  }
  std::vector<std::string_view> expressions;
  for (std::string_view key : kExpressions) {
    if (present(key)) expressions.push_back(key);
  }
  if (present("KeyConditionExpression") && present("KeyConditions")) {
    legacy.push_back("KeyConditions");
  }
  if (legacy.empty() || expressions.empty()) return std::nullopt;
  auto braces = [](const std::vector<std::string_view>& names) {
    std::string text = "{";
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i > 0) text += ", ";
      text += names[i];
    }
    return text + "}";
  };
  return "Can not use both expression and non-expression parameters in the same request: "
         "Non-expression parameters: " +
         braces(legacy) + " Expression parameters: " + braces(expressions);
}

std::optional<std::string> unused_maps_error(const Json& request,
                                             std::initializer_list<std::string_view> expressions) {
  auto present = [&request](std::string_view key) {
    return member(request, std::string(key)) != nullptr;
  };
  bool any = false;
  std::vector<std::string_view> with_values;
  for (std::string_view e : expressions) {
    any = any || present(e);
    if (e != "ProjectionExpression") with_values.push_back(e);
  }
  if (present("ExpressionAttributeNames") && !any)
    return "ExpressionAttributeNames can only be specified when using expressions";
  if (!present("ExpressionAttributeValues") || with_values.empty()) return std::nullopt;
  std::string names;
  for (std::string_view e : with_values) {
    if (present(e)) return std::nullopt;
    names += (names.empty() ? "" : " and ") + std::string(e);
  }
  return "ExpressionAttributeValues can only be specified when using expressions: " + names +
         (with_values.size() > 1 ? " are null" : " is null");
}

void check_key_conditions(const Json& conditions, const KeySchema& key,
                          const KeyElementCheck& before) {
  std::map<std::string, KeyConditionShape> shapes;
  if (conditions.is_object())
    for (const auto& [name, condition] : conditions.items()) {
      const Json* op_member = member(condition, "ComparisonOperator");
      const Op op = op_member && op_member->is_string()
                        ? parse_op(op_member->get<std::string>()).value_or(Op::EQ)
                        : Op::EQ;
      KeyConditionShape& shape = shapes[name];
      shape.indexable = indexable(op);
      shape.equality = op == Op::EQ;
      if (const Json* list = member(condition, "AttributeValueList"); list && list->is_array())
        for (const Json& value : *list) shape.types.push_back(type_of(value));
    }
  check_query_key(shapes, key, before);
}

void check_query_key(const std::map<std::string, KeyConditionShape>& conditions,
                     const KeySchema& key, const KeyElementCheck& before) {
  const std::size_t count = conditions.size();
  auto check_element = [&](const KeyElement& element, bool is_hash) {
    if (before) before(element, is_hash);
    if (is_hash && !key.range && count > 1) fail("Query key condition not supported");
    auto it = conditions.find(element.name);
    if (it == conditions.end()) {
      if (is_hash || count > 1) fail("Query condition missed key schema element: " + element.name);
      return;
    }
    const KeyConditionShape& shape = it->second;
    if (!shape.indexable) fail("Attempted conditional constraint is not an indexable operation");
    for (const auto& type : shape.types)
      if (type != element.type) invalid("Condition parameter type does not match schema type");
    if (is_hash && !shape.equality) fail("Query key condition not supported");
  };
  check_element(key.hash, true);
  if (key.range) check_element(*key.range, false);
}

void check_query_filter(const Json& query_filter, const KeySchema& key) {
  auto check = [&query_filter](const std::string& name) {
    if (query_filter.is_object() && query_filter.contains(name)) {
      fail("QueryFilter can only contain non-primary key attributes: Primary key attribute: " +
           name);
    }
  };
  check(key.hash.name);
  if (key.range) check(key.range->name);
}

std::string merge_into(const Translated& translated, Json& names, Json& values) {
  std::map<std::string, std::string> renames;
  auto add_all = [&renames](const Json& from, Json& into) {
    // A map stays null when nothing is added: ExpressionContext rejects an empty one, as
    // DynamoDB rejects "ExpressionAttributeValues": {}.
    if (from.empty()) return;
    if (!into.is_object()) into = Json::object();
    for (const auto& [placeholder, target] : from.items()) {
      std::string key = placeholder;
      for (std::size_t n = 0; into.contains(key) || (key != placeholder && from.contains(key));
           ++n) {
        key = placeholder + "_" + std::to_string(n);
      }
      if (key != placeholder) renames.emplace(placeholder, key);
      into[key] = target;
    }
  };
  add_all(translated.names, names);
  add_all(translated.values, values);
  if (renames.empty()) return translated.expression;

  // The generated text holds no literals, so every '#' or ':' starts a placeholder token.
  const std::string& in = translated.expression;
  std::string out;
  out.reserve(in.size());
  auto is_token_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (std::size_t i = 0; i < in.size();) {
    if (in[i] != '#' && in[i] != ':') {
      out += in[i++];
      continue;
    }
    std::size_t end = i + 1;
    while (end < in.size() && is_token_char(in[end])) ++end;
    const std::string token = in.substr(i, end - i);
    auto renamed = renames.find(token);
    out += renamed == renames.end() ? token : renamed->second;
    i = end;
  }
  return out;
}

}  // namespace serverlite::table
