// PartiQL statements to DynamoDB expression plans (see partiql.hpp).
//
// Three passes, in the order DynamoDB reports errors: a tokenizer and recursive-descent parser
// build a small tree and throw only syntax errors ("Statement wasn't well formed, can't be
// processed: <detail>"); then the parameter count is checked; then a translator checks what
// DynamoDB's PartiQL does not support and writes the expression text, converting literals to
// wire values (where number errors name their place: "... under root.x").
//
// The tokenizer is in partiql_lexer.cpp, the parser in partiql_parser.cpp (with the syntax-error
// details DynamoDB gives); the translator and parse() are here.
#include "services/table/partiql.hpp"

#include "services/table/number.hpp"
#include "services/table/partiql_internal.hpp"

namespace serverlite::table::partiql {
namespace {

constexpr std::string_view kParameterCount =
    "Number of parameters in request and statement don't match.";
// ExecuteStatement's Statement is 1..8192 characters (API Reference); the limit also bounds
// every recursion below.
constexpr std::size_t kMaxStatementLength = 8192;

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
  std::size_t parameter_count = 0;
  Statement st = parse_statement(text, parameter_count);

  if (!parameters.is_null() && !parameters.is_array())
    fail("Parameters must be a list of AttributeValues");
  std::size_t given = parameters.is_array() ? parameters.size() : 0;
  if (given != parameter_count) fail(std::string(kParameterCount));
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
