// Checks of item requests beyond their shapes (see item_checks.hpp).
#include "services/table/item_checks.hpp"

#include "services/table/values.hpp"

namespace serverlite::table {

namespace {

constexpr const char* kScalars =
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ";

template <class F>
void for_each_key(const KeySchema& key, F f) {
  f(key.hash);
  if (key.range) f(*key.range);
}

void collect(const UpdateValue& v, std::vector<Path>& out) {
  if (v.kind == UpdateValue::Kind::Path || v.kind == UpdateValue::Kind::IfNotExists)
    out.push_back(v.path);
  for (const auto& a : v.args) collect(a, out);
}

// The type a SET value or an ADD operand has whatever the item holds, when it is known.
std::optional<ValueType> static_type(const UpdateAction& a) {
  if (a.kind == UpdateAction::Kind::Add) return type_of(a.operand);
  if (a.kind != UpdateAction::Kind::Set) return std::nullopt;
  switch (a.value.kind) {
    case UpdateValue::Kind::Value:
      return type_of(a.value.value);
    case UpdateValue::Kind::Plus:
    case UpdateValue::Kind::Minus:
      return ValueType::N;
    case UpdateValue::Kind::ListAppend:
      return ValueType::L;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> expression_params_error(
    const Json& body, std::initializer_list<std::string_view> expressions) {
  auto present = [&body](std::string_view name) {
    auto it = body.find(name);
    return it != body.end() && !it->is_null();
  };
  bool any = false;
  std::vector<std::string_view> valued;
  for (auto e : expressions) {
    any = any || present(e);
    if (e != "ProjectionExpression") valued.push_back(e);
  }
  if (present("ExpressionAttributeNames") && !any)
    return "ExpressionAttributeNames can only be specified when using expressions";
  if (valued.empty() || !present("ExpressionAttributeValues")) return std::nullopt;
  std::string names;
  for (auto e : valued) {
    if (present(e)) return std::nullopt;
    names += (names.empty() ? "" : " and ") + std::string(e);
  }
  return "ExpressionAttributeValues can only be specified when using expressions: " + names +
         (valued.size() > 1 ? " are null" : " is null");
}

std::vector<Path> update_paths(const UpdateExpression& update) {
  std::vector<Path> out;
  for (const auto& a : update.actions) {
    out.push_back(a.path);
    if (a.kind == UpdateAction::Kind::Set) collect(a.value, out);
  }
  return out;
}

std::optional<std::string> nested_key_path_error(const TableInfo& info,
                                                 const std::vector<Path>& paths) {
  auto nested = [&paths](const std::string& name) {
    for (const auto& p : paths)
      if (p.size() > 1 && p.front().name == name) return true;
    return false;
  };
  std::optional<std::string> error;
  for_each_key(info.key, [&](const KeyElement& k) {
    if (!error && nested(k.name)) error = kScalars + std::string("Key: ") + k.name;
  });
  for (const auto& x : info.indexes)
    for_each_key(x.key, [&](const KeyElement& k) {
      if (!error && nested(k.name)) error = kScalars + std::string("IndexKey: ") + k.name;
    });
  return error;
}

std::optional<std::string> update_key_error(const TableInfo& info, const UpdateExpression& update) {
  std::optional<std::string> error;
  for (const auto& x : info.indexes)
    for_each_key(x.key, [&](const KeyElement& k) {
      if (error) return;
      for (const auto& a : update.actions) {
        if (a.path.size() != 1 || a.path.front().name != k.name) continue;
        auto type = static_type(a);
        if (type && *type != k.type)
          error = "One or more parameter values were invalid: Type mismatch for Index Key " +
                  k.name + " Expected: " + std::string(type_name(k.type)) + " Actual: " +
                  std::string(type_name(*type)) + " IndexName: " + x.name;
        break;
      }
    });
  if (error) return error;
  return nested_key_path_error(info, update_paths(update));
}

}  // namespace serverlite::table
