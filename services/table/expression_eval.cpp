// Evaluation of parsed DynamoDB expressions over items in wire form (see expression.hpp).
#include <algorithm>
#include <map>

#include "emulator/http/base64.hpp"
#include "services/table/expression.hpp"
#include "services/table/number.hpp"

namespace serverlite::table {
namespace {

// The bytes of a B value (or of one BS member given as base64 text).
std::string bytes_of(const Json& base64_text) {
  if (!base64_text.is_string()) return {};
  return http::base64_decode(base64_text.get<std::string>()).value_or(std::string());
}

// size(): DynamoDB's lengths (Developer Guide, "Comparison operator and function reference").
// Strings count UTF-8 bytes, binaries decoded bytes, sets/lists/maps their members.
std::optional<Json> size_of(const Json& value) {
  auto type = type_of(value);
  if (!type) return std::nullopt;
  const Json& inner = value.begin().value();
  std::size_t n = 0;
  switch (*type) {
    case ValueType::S:
      n = inner.get<std::string>().size();
      break;
    case ValueType::B:
      n = bytes_of(inner).size();
      break;
    case ValueType::SS:
    case ValueType::NS:
    case ValueType::BS:
    case ValueType::L:
    case ValueType::M:
      n = inner.size();
      break;
    case ValueType::N:
    case ValueType::BOOL:
    case ValueType::NUL:
      return std::nullopt;
  }
  return Json{{"N", std::to_string(n)}};
}

std::optional<Json> operand_value(const Operand& o, const Json& item) {
  switch (o.kind) {
    case Operand::Kind::Path:
      if (const Json* v = find_path(item, o.path)) return *v;
      return std::nullopt;
    case Operand::Kind::Value:
      return o.value;
    case Operand::Kind::Size:
      if (!o.size_of) return std::nullopt;
      if (auto v = operand_value(*o.size_of, item)) return size_of(*v);
      return std::nullopt;
  }
  return std::nullopt;
}

bool ordered(const std::optional<Json>& a, const std::optional<Json>& b,
             bool (*accept)(std::strong_ordering)) {
  if (!a || !b) return false;
  auto order = compare_values(*a, *b);
  return order && accept(*order);
}

bool begins_with(const Json& value, const Json& prefix) {
  auto vt = type_of(value);
  auto pt = type_of(prefix);
  if (!vt || vt != pt) return false;
  if (*vt == ValueType::S) {
    return value["S"].get<std::string>().starts_with(prefix["S"].get<std::string>());
  }
  if (*vt == ValueType::B) return bytes_of(value["B"]).starts_with(bytes_of(prefix["B"]));
  return false;
}

bool contains(const Json& haystack, const Json& needle) {
  auto ht = type_of(haystack);
  auto nt = type_of(needle);
  if (!ht || !nt) return false;
  switch (*ht) {
    case ValueType::S:
      return *nt == ValueType::S && haystack["S"].get<std::string>().find(
                                        needle["S"].get<std::string>()) != std::string::npos;
    case ValueType::B:
      return *nt == ValueType::B &&
             bytes_of(haystack["B"]).find(bytes_of(needle["B"])) != std::string::npos;
    case ValueType::SS:
    case ValueType::NS:
    case ValueType::BS: {
      const char* member = *ht == ValueType::SS ? "S" : *ht == ValueType::NS ? "N" : "B";
      if (type_name(*nt) != member) return false;
      for (const Json& m : haystack.begin().value()) {
        if (values_equal(Json{{member, m}}, needle)) return true;
      }
      return false;
    }
    case ValueType::L:
      for (const Json& element : haystack["L"]) {
        if (values_equal(element, needle)) return true;
      }
      return false;
    default:
      return false;
  }
}

bool evaluate(const Condition& c, const Json& item) {
  switch (c.kind) {
    case Condition::Kind::And:
      return evaluate(c.children[0], item) && evaluate(c.children[1], item);
    case Condition::Kind::Or:
      return evaluate(c.children[0], item) || evaluate(c.children[1], item);
    case Condition::Kind::Not:
      return !evaluate(c.children[0], item);
    case Condition::Kind::Compare: {
      auto a = operand_value(c.operands[0], item);
      auto b = operand_value(c.operands[1], item);
      switch (c.comparator) {
        case Comparator::EQ:
          return a && b && values_equal(*a, *b);
        case Comparator::NE:
          // A missing attribute is "not equal" to anything (DynamoDB's <> on a missing path).
          return !(a && b && values_equal(*a, *b));
        case Comparator::LT:
          return ordered(a, b, [](std::strong_ordering o) { return o < 0; });
        case Comparator::LE:
          return ordered(a, b, [](std::strong_ordering o) { return o <= 0; });
        case Comparator::GT:
          return ordered(a, b, [](std::strong_ordering o) { return o > 0; });
        case Comparator::GE:
          return ordered(a, b, [](std::strong_ordering o) { return o >= 0; });
      }
      return false;
    }
    case Condition::Kind::Between: {
      auto v = operand_value(c.operands[0], item);
      auto lo = operand_value(c.operands[1], item);
      auto hi = operand_value(c.operands[2], item);
      return ordered(v, lo, [](std::strong_ordering o) { return o >= 0; }) &&
             ordered(v, hi, [](std::strong_ordering o) { return o <= 0; });
    }
    case Condition::Kind::In: {
      auto v = operand_value(c.operands[0], item);
      if (!v) return false;
      for (std::size_t i = 1; i < c.operands.size(); ++i) {
        auto candidate = operand_value(c.operands[i], item);
        if (candidate && values_equal(*v, *candidate)) return true;
      }
      return false;
    }
    case Condition::Kind::Function: {
      switch (c.function) {
        case Function::AttributeExists:
          return find_path(item, c.operands[0].path) != nullptr;
        case Function::AttributeNotExists:
          return find_path(item, c.operands[0].path) == nullptr;
        case Function::AttributeType: {
          auto v = operand_value(c.operands[0], item);
          auto t = operand_value(c.operands[1], item);
          auto vt = v ? type_of(*v) : std::nullopt;
          return vt && t && t->contains("S") && (*t)["S"] == std::string(type_name(*vt));
        }
        case Function::BeginsWith: {
          auto v = operand_value(c.operands[0], item);
          auto p = operand_value(c.operands[1], item);
          return v && p && begins_with(*v, *p);
        }
        case Function::Contains: {
          auto v = operand_value(c.operands[0], item);
          auto n = operand_value(c.operands[1], item);
          return v && n && contains(*v, *n);
        }
        case Function::Size:
          return false;
      }
      return false;
    }
  }
  return false;
}

// ---- Projection ---------------------------------------------------------------------------------

struct ProjectionNode {
  const Json* whole = nullptr;
  std::map<std::string, ProjectionNode> fields;
  std::map<std::size_t, ProjectionNode> elements;
};

Json render(const ProjectionNode& node) {
  if (node.whole) return *node.whole;
  if (!node.elements.empty()) {
    Json list = Json::array();
    for (const auto& [_, child] : node.elements) list.push_back(render(child));
    return Json{{"L", list}};
  }
  Json map = Json::object();
  for (const auto& [name, child] : node.fields) map[name] = render(child);
  return Json{{"M", map}};
}

// ---- Update helpers -----------------------------------------------------------------------------

[[noreturn]] void invalid_path() {
  throw ExpressionError(
      "The document path provided in the update expression is invalid for "
      "update");
}

[[noreturn]] void wrong_type() {
  throw ExpressionError(
      "An operand in the update expression has an "
      "incorrect data type");
}

// The container holding the last element of `path` in `item`, or nullptr when a step is
// missing or of the wrong kind.
Json* parent_of(Json& item, const Path& path) {
  Json* current = &item;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const PathElement& e = path[i];
    if (i == 0) {
      auto it = current->find(e.name);
      if (it == current->end()) return nullptr;
      current = &*it;
      continue;
    }
    if (e.index) {
      if (!current->contains("L") || *e.index >= (*current)["L"].size()) return nullptr;
      current = &(*current)["L"][*e.index];
    } else {
      if (!current->contains("M") || !(*current)["M"].contains(e.name)) return nullptr;
      current = &(*current)["M"][e.name];
    }
  }
  return current;
}

void set_path(Json& item, const Path& path, Json value) {
  if (path.size() == 1) {
    item[path[0].name] = std::move(value);
    return;
  }
  Json* parent = parent_of(item, path);
  if (!parent) invalid_path();
  const PathElement& last = path.back();
  if (last.index) {
    if (!parent->contains("L")) invalid_path();
    Json& list = (*parent)["L"];
    // DynamoDB appends when the index is past the end.
    if (*last.index < list.size()) {
      list[*last.index] = std::move(value);
    } else {
      list.push_back(std::move(value));
    }
  } else {
    if (!parent->contains("M")) invalid_path();
    (*parent)["M"][last.name] = std::move(value);
  }
}

void remove_path(Json& item, const Path& path) {
  if (path.size() == 1) {
    item.erase(path[0].name);
    return;
  }
  Json* parent = parent_of(item, path);
  if (!parent) invalid_path();
  const PathElement& last = path.back();
  if (last.index) {
    if (!parent->contains("L")) invalid_path();
    Json& list = (*parent)["L"];
    if (*last.index < list.size()) list.erase(list.begin() + static_cast<long>(*last.index));
  } else {
    if (!parent->contains("M")) invalid_path();
    (*parent)["M"].erase(last.name);
  }
}

Json* find_mutable(Json& item, const Path& path) {
  return const_cast<Json*>(find_path(item, path));
}

Json number_op(const Json& a, const Json& b, bool plus) {
  if (!a.contains("N") || !b.contains("N")) wrong_type();
  auto x = Number::parse(a["N"].get<std::string>());
  auto y = Number::parse(b["N"].get<std::string>());
  if (!x || !y) wrong_type();
  std::string error;
  auto r = plus ? Number::add(*x, *y, &error) : Number::subtract(*x, *y, &error);
  if (!r) throw ExpressionError(error);
  return Json{{"N", r->text()}};
}

Json update_value(const UpdateValue& v, const Json& old) {
  switch (v.kind) {
    case UpdateValue::Kind::Path:
      if (const Json* found = find_path(old, v.path)) return *found;
      throw ExpressionError(
          "The provided expression refers to an "
          "attribute that does not exist in the item");
    case UpdateValue::Kind::Value:
      return v.value;
    case UpdateValue::Kind::IfNotExists:
      if (const Json* found = find_path(old, v.path)) return *found;
      return update_value(v.args[0], old);
    case UpdateValue::Kind::ListAppend: {
      Json a = update_value(v.args[0], old);
      Json b = update_value(v.args[1], old);
      if (!a.contains("L") || !b.contains("L")) wrong_type();
      for (const Json& e : b["L"]) a["L"].push_back(e);
      return a;
    }
    case UpdateValue::Kind::Plus:
    case UpdateValue::Kind::Minus:
      return number_op(update_value(v.args[0], old), update_value(v.args[1], old),
                       v.kind == UpdateValue::Kind::Plus);
  }
  return Json();
}

bool is_set(std::optional<ValueType> t) {
  return t == ValueType::SS || t == ValueType::NS || t == ValueType::BS;
}

const char* member_type(ValueType set) {
  return set == ValueType::SS ? "S" : set == ValueType::NS ? "N" : "B";
}

void add_action(Json& item, const UpdateAction& action) {
  Json* current = find_mutable(item, action.path);
  if (!current) {
    set_path(item, action.path, action.operand);
    return;
  }
  auto ct = type_of(*current);
  auto ot = type_of(action.operand);
  if (ct == ValueType::N && ot == ValueType::N) {
    *current = number_op(*current, action.operand, true);
    return;
  }
  if (!is_set(ct) || ct != ot) wrong_type();
  const char* member = member_type(*ct);
  Json& members = current->begin().value();
  for (const Json& m : action.operand.begin().value()) {
    bool present = std::any_of(members.begin(), members.end(), [&](const Json& existing) {
      return values_equal(Json{{member, existing}}, Json{{member, m}});
    });
    if (!present) members.push_back(m);
  }
}

void delete_action(Json& item, const UpdateAction& action) {
  Json* current = find_mutable(item, action.path);
  if (!current) {
    // Nothing to delete from a missing attribute, but its path must lead somewhere: its parent
    // present and of the kind its last step needs (a list for [n], a map for .name).
    if (action.path.size() == 1) return;
    const Json* parent = parent_of(item, action.path);
    if (!parent || !parent->contains(action.path.back().index ? "L" : "M")) invalid_path();
    return;
  }
  auto ct = type_of(*current);
  if (!is_set(ct) || ct != type_of(action.operand)) wrong_type();
  const char* member = member_type(*ct);
  Json kept = Json::array();
  for (const Json& existing : current->begin().value()) {
    bool removed = false;
    for (const Json& m : action.operand.begin().value()) {
      if (values_equal(Json{{member, existing}}, Json{{member, m}})) removed = true;
    }
    if (!removed) kept.push_back(existing);
  }
  // DynamoDB has no empty sets: deleting the last member removes the attribute.
  if (kept.empty()) {
    remove_path(item, action.path);
  } else {
    current->begin().value() = std::move(kept);
  }
}

}  // namespace

const Json* find_path(const Json& item, const Path& path) {
  if (path.empty() || !item.is_object()) return nullptr;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  const Json* current = &*it;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const PathElement& e = path[i];
    if (e.index) {
      auto list = current->find("L");
      if (list == current->end() || !list->is_array() || *e.index >= list->size()) {
        return nullptr;
      }
      current = &(*list)[*e.index];
    } else {
      auto map = current->find("M");
      if (map == current->end() || !map->is_object()) return nullptr;
      auto child = map->find(e.name);
      if (child == map->end()) return nullptr;
      current = &*child;
    }
  }
  return current;
}

bool ConditionExpression::evaluate(const Json& item) const { return table::evaluate(root, item); }

bool RangeCondition::matches(const Json& key_value) const {
  auto cmp = [&](const Json& other) { return compare_values(key_value, other); };
  switch (op) {
    case RangeOperator::EQ:
      return values_equal(key_value, value);
    case RangeOperator::LT: {
      auto o = cmp(value);
      return o && *o < 0;
    }
    case RangeOperator::LE: {
      auto o = cmp(value);
      return o && *o <= 0;
    }
    case RangeOperator::GT: {
      auto o = cmp(value);
      return o && *o > 0;
    }
    case RangeOperator::GE: {
      auto o = cmp(value);
      return o && *o >= 0;
    }
    case RangeOperator::Between: {
      auto lo = cmp(value);
      auto hi = cmp(upper);
      return lo && hi && *lo >= 0 && *hi <= 0;
    }
    case RangeOperator::BeginsWith:
      return begins_with(key_value, value);
  }
  return false;
}

bool KeyCondition::matches(const Json& item) const {
  auto hash = item.find(hash_name);
  if (hash == item.end() || !values_equal(*hash, hash_value)) return false;
  if (!range) return true;
  auto key = item.find(range->name);
  return key != item.end() && range->matches(*key);
}

Json project_paths(const Json& item, const std::vector<Path>& paths) {
  std::map<std::string, ProjectionNode> top;
  for (const Path& path : paths) {
    const Json* target = find_path(item, path);
    if (!target) continue;  // a missing path contributes nothing, not even its parents
    ProjectionNode* node = &top[path[0].name];
    for (std::size_t i = 1; i < path.size() && !node->whole; ++i) {
      node = path[i].index ? &node->elements[*path[i].index] : &node->fields[path[i].name];
    }
    node->whole = target;
  }
  Json out = Json::object();
  for (const auto& [name, node] : top) out[name] = render(node);
  return out;
}

Json ProjectionExpression::project(const Json& item) const { return project_paths(item, paths); }

UpdateResult UpdateExpression::apply(const Json& item) const {
  UpdateResult result{item.is_object() ? item : Json::object(), {}, {}};
  Json& out = result.item;
  // Every right-hand side is read from the item as it was before this update.
  std::vector<std::pair<const UpdateAction*, Json>> sets;
  for (const UpdateAction& a : actions) {
    if (a.kind == UpdateAction::Kind::Set) sets.emplace_back(&a, update_value(a.value, item));
  }
  // Elements set past the end of a list are appended in the order of their indexes, whatever
  // the order of the actions (paths never overlap, so the order is free otherwise).
  auto by_index = [](const UpdateAction* a) {
    auto i = a->path.back().index;
    return i ? static_cast<long long>(*i) : -1LL;
  };
  std::stable_sort(sets.begin(), sets.end(), [&](const auto& x, const auto& y) {
    return by_index(x.first) < by_index(y.first);
  });
  for (auto& [action, value] : sets) set_path(out, action->path, std::move(value));

  // List elements named by REMOVE refer to positions in the original list: remove the highest
  // positions first so the others stay valid.
  std::vector<const UpdateAction*> removes;
  for (const UpdateAction& a : actions) {
    if (a.kind == UpdateAction::Kind::Remove) removes.push_back(&a);
  }
  std::stable_sort(removes.begin(), removes.end(), [](const auto* a, const auto* b) {
    auto ia = a->path.back().index;
    auto ib = b->path.back().index;
    return ia && ib && *ia > *ib;
  });
  for (const UpdateAction* a : removes) remove_path(out, a->path);

  std::vector<const UpdateAction*> adds;
  for (const UpdateAction& a : actions) {
    if (a.kind == UpdateAction::Kind::Add || a.kind == UpdateAction::Kind::Delete)
      adds.push_back(&a);
  }
  std::stable_sort(adds.begin(), adds.end(),
                   [&](const auto* x, const auto* y) { return by_index(x) < by_index(y); });
  for (const UpdateAction* a : adds) {
    if (a->kind == UpdateAction::Kind::Add) add_action(out, *a);
    else delete_action(out, *a);
  }
  for (const UpdateAction& a : actions) {
    result.changed.insert(a.path[0].name);
    result.updated_paths.push_back(a.path);
  }
  return result;
}

}  // namespace serverlite::table
