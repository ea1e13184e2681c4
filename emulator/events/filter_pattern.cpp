#include "emulator/events/filter_pattern.hpp"
#include "emulator/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace serverlite::events {

using Json = nlohmann::json;

namespace {


bool numeric_matches(const Json& ops, double v) {
  if (!ops.is_array() || ops.empty() || ops.size() % 2 != 0)
    throw std::invalid_argument("numeric takes [operator, number, ...]");
  for (std::size_t i = 0; i < ops.size(); i += 2) {
    if (!ops[i].is_string() || !ops[i + 1].is_number())
      throw std::invalid_argument("numeric takes [operator, number, ...]");
    std::string op = ops[i];
    double n = ops[i + 1];
    bool ok = op == "=" ? v == n : op == "<" ? v < n : op == "<=" ? v <= n : op == ">" ? v > n
            : op == ">=" ? v >= n : throw std::invalid_argument("unknown numeric operator " + op);
    if (!ok) return false;
  }
  return true;
}

// One alternative of a leaf against one present value.
bool value_matches(const Json& rule, const Json& v) {
  if (!rule.is_object()) return rule == v;
  if (rule.size() != 1) throw std::invalid_argument("a rule has exactly one operator");
  const std::string& op = rule.begin().key();
  const Json& arg = rule.begin().value();
  if (op == "prefix") return v.is_string() && v.get<std::string>().starts_with(arg.get<std::string>());
  if (op == "suffix") return v.is_string() && v.get<std::string>().ends_with(arg.get<std::string>());
  if (op == "equals-ignore-case")
    return v.is_string() && ascii_lower(v.get<std::string>()) == ascii_lower(arg.get<std::string>());
  if (op == "anything-but") {
    if (arg.is_array()) return std::none_of(arg.begin(), arg.end(), [&](auto& a) { return a == v; });
    if (arg.is_object()) return !value_matches(arg, v);
    return arg != v;
  }
  if (op == "numeric") return v.is_number() && numeric_matches(arg, v.get<double>());
  throw std::invalid_argument("unknown filter rule " + op);
}

bool leaf_matches(const Json& alternatives, const Json* value) {
  if (!alternatives.is_array()) throw std::invalid_argument("a pattern leaf must be a list");
  for (const auto& rule : alternatives) {
    if (rule.is_object() && rule.contains("exists")) {
      if (rule["exists"].get<bool>() == (value != nullptr)) return true;
      continue;
    }
    if (!value) continue;
    if (value->is_array()) {
      if (std::any_of(value->begin(), value->end(), [&](auto& x) { return value_matches(rule, x); }))
        return true;
    } else if (value_matches(rule, *value)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool matches_filter(const Json& pattern, const Json& record) {
  if (!pattern.is_object()) throw std::invalid_argument("a filter pattern is an object");
  for (const auto& [key, sub] : pattern.items()) {
    const Json* value = nullptr;
    if (record.is_object()) {
      auto it = record.find(key);
      if (it != record.end()) value = &*it;
    }
    if (sub.is_object()) {
      if (!value || !matches_filter(sub, *value)) return false;
    } else if (!leaf_matches(sub, value)) {
      return false;
    }
  }
  return true;
}

}  // namespace serverlite::events
