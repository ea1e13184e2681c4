// Checking a request against its shape (shapes.hpp): types, required members, constraints.
#include "services/table/shapes.hpp"

#include <cmath>

#include "emulator/ascii.hpp"

namespace serverlite::table::shapes {

namespace {

constexpr std::string_view kPackage = "com.amazonaws.dynamodb.v20120810.";
constexpr std::size_t kMaxErrors = 10;
constexpr int kMaxDepth = 64;

std::string lower_first(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

// The decoder's name of the JSON token `value` is, for "X cannot be converted to T".
std::string token_name(const Json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE";
  if (value.is_number_float()) {
    double d = value.get<double>();
    return std::floor(d) == d ? "NUMBER_VALUE" : "DECIMAL_VALUE";
  }
  if (value.is_number()) return "NUMBER_VALUE";
  return "STRING_VALUE";
}

constexpr std::string_view kCast =
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class "
    "java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and "
    "java.lang.Class are in module java.base of loader 'bootstrap')";
constexpr std::string_view kStructureFound = "Start of structure or map found where not expected";

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// A blob's text: a multiple of 4 characters whose last digit before the padding has no bits
// past the data (other characters are the value checks' business).
std::optional<std::string> blob_error(const std::string& text) {
  if (text.size() % 4 != 0)
    return "Base64 encoded length is expected a multiple of 4 bytes but found: " +
           std::to_string(text.size());
  std::size_t n = text.size();
  while (n > 0 && text[n - 1] == '=' && text.size() - n < 2) --n;
  if (n == 0) return std::nullopt;
  int digit = base64_digit(text[n - 1]);
  if (digit < 0) return std::nullopt;
  std::size_t rest = n % 4;
  if ((rest == 2 && (digit & 0xF) != 0) || (rest == 3 && (digit & 0x3) != 0) || rest == 1)
    return std::string("Invalid last non-pad Base64 character dectected");
  return std::nullopt;
}

// Where a value sits decides some of the decoder's messages: a structure member, or an element
// of a list or a value of a map.
enum class Place { Member, Element };

struct TypeChecker {
  std::optional<std::string> error;

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  bool value(Json& v, const Shape& shape, Place place, int depth) {
    // Deeper than any valid request: left unchecked here (the recursion stops), for the
    // attribute-value check's own answer (DynamoDB's "Nesting Levels have exceeded ...").
    if (depth > kMaxDepth) return true;
    switch (shape.type) {
      case Type::Boolean:
        if (v.is_boolean()) return true;
        if (v.is_string()) {
          std::string s = ascii_lower(v.get_ref<const std::string&>());
          // DynamoDB's decoder also reads yes/no and 1/0 as booleans.
          if (s == "true" || s == "yes" || s == "1") return (v = true), true;
          if (s == "false" || s == "no" || s == "0") return (v = false), true;
          return fail("Unexpected token received from parser");
        }
        if (v.is_number()) return fail(token_name(v) + " cannot be converted to Boolean");
        return scalar_container(v, "Boolean");
      case Type::Integer:
      case Type::Long: {
        const char* name = shape.type == Type::Integer ? "Integer" : "Long";
        if (v.is_number_float()) return (v = static_cast<std::int64_t>(std::floor(v.get<double>()))), true;
        if (v.is_number()) return true;
        if (v.is_string() || v.is_boolean())
          return fail(token_name(v) + " cannot be converted to " + name);
        return scalar_container(v, name);
      }
      case Type::String:
        if (v.is_string()) return true;
        if (v.is_number() || v.is_boolean())
          return fail(token_name(v) + " cannot be converted to String");
        return scalar_container(v, "String");
      case Type::Blob:
        if (v.is_string()) {
          if (auto e = blob_error(v.get_ref<const std::string&>())) return fail(*e);
          return true;
        }
        if (v.is_array()) return fail("Unrecognized collection type class java.nio.ByteBuffer");
        if (v.is_object()) return fail(std::string(kStructureFound));
        return fail("only base-64-encoded strings are convertible to bytes");
      case Type::List:
        if (v.is_object()) return fail(std::string(kStructureFound));
        if (!v.is_array())
          return fail(place == Place::Member ? std::string("Unexpected field type") : std::string(kCast));
        for (auto& e : v)
          if (!e.is_null() && !value(e, *shape.element, Place::Element, depth + 1)) return false;
        return true;
      case Type::Map:
        if (v.is_array())
          return fail("Unrecognized collection type java.util.Map<java.lang.String, " +
                      qualified(shape.java_name) + ">");
        if (!v.is_object())
          return fail(place == Place::Member ? std::string("Unexpected field type") : std::string(kCast));
        for (auto& [k, e] : v.items())
          if (!e.is_null() && !value(e, *shape.element, Place::Element, depth + 1)) return false;
        return true;
      case Type::Structure:
        if (v.is_array())
          return fail("Unrecognized collection type class " + qualified(shape.java_name));
        if (!v.is_object())
          return fail(place == Place::Member ? "Unexpected field type"
                                             : "Unexpected value type in payload");
        return structure(v, shape, depth);
    }
    return true;
  }

  static std::string qualified(const std::string& java) {
    return java.find('.') != std::string::npos ? java : std::string(kPackage) + java;
  }

  bool scalar_container(const Json& v, const char* name) {
    if (v.is_array()) return fail(std::string("Unrecognized collection type class java.lang.") + name);
    return fail(std::string(kStructureFound));
  }

  bool structure(Json& v, const Shape& shape, int depth) {
    for (auto it = v.begin(); it != v.end();) {
      bool known = false;
      for (const auto& m : shape.members) known = known || m.name == it.key();
      if (it->is_null() || (shape.attribute_value && !known)) it = v.erase(it);
      else ++it;
    }
    for (const auto& m : shape.members) {
      auto it = v.find(m.name);
      if (it == v.end()) continue;
      if (!value(*it, *m.shape, Place::Member, depth + 1)) return false;
    }
    return true;
  }
};

std::int64_t length_of(const Json& v) {
  if (v.is_string()) {
    // Characters, not bytes: UTF-8 continuation bytes do not count.
    std::int64_t n = 0;
    for (unsigned char c : v.get_ref<const std::string&>()) n += (c & 0xC0) != 0x80;
    return n;
  }
  return static_cast<std::int64_t>(v.size());
}

bool name_chars(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

constexpr std::string_view kNamePattern = "[a-zA-Z0-9_.-]+";

struct ConstraintChecker {
  std::vector<std::string> errors;

  void add(const Json* v, const std::string& path, const std::string& constraint) {
    if (errors.size() >= kMaxErrors) return;
    errors.push_back("Value " + (v ? "'" + quote(*v) + "'" : std::string("null")) + " at '" +
                     path + "' failed to satisfy constraint: " + constraint);
  }

  // The failures of one value against `c`, as messages (for map keys and values too).
  static std::vector<std::string> failures(const Json& v, const Constraints& c) {
    std::vector<std::string> out;
    if (c.name_pattern && v.is_string() && !name_chars(v.get_ref<const std::string&>()))
      out.push_back("Member must satisfy regular expression pattern: " + std::string(kNamePattern));
    if ((v.is_string() || v.is_array() || v.is_object())) {
      auto n = length_of(v);
      if (c.min_length && n < *c.min_length)
        out.push_back("Member must have length greater than or equal to " +
                      std::to_string(*c.min_length));
      if (c.max_length && n > *c.max_length)
        out.push_back("Member must have length less than or equal to " +
                      std::to_string(*c.max_length));
    }
    if (v.is_number()) {
      double d = v.get<double>();
      if (c.min_value && d < static_cast<double>(*c.min_value))
        out.push_back("Member must have value greater than or equal to " +
                      std::to_string(*c.min_value));
      if (c.max_value && d > static_cast<double>(*c.max_value))
        out.push_back("Member must have value less than or equal to " +
                      std::to_string(*c.max_value));
    }
    if (!c.enum_values.empty() && v.is_string()) {
      bool found = false;
      for (const auto& e : c.enum_values) found = found || e == v.get_ref<const std::string&>();
      if (!found) {
        std::string set;
        for (const auto& e : c.enum_values) set += (set.empty() ? "" : ", ") + e;
        out.push_back("Member must satisfy enum value set: [" + set + "]");
      }
    }
    return out;
  }

  // The "Map keys / Map value must satisfy constraint: [...]" list names every constraint.
  static std::string listed(const Constraints& c) {
    std::vector<std::string> parts;
    if (c.max_length) parts.push_back("Member must have length less than or equal to " + std::to_string(*c.max_length));
    if (c.min_length) parts.push_back("Member must have length greater than or equal to " + std::to_string(*c.min_length));
    if (c.name_pattern) parts.push_back("Member must satisfy regular expression pattern: " + std::string(kNamePattern));
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return "[" + out + "]";
  }

  void value(const Json* v, const Shape& shape, const std::string& path, int depth) {
    if (depth > kMaxDepth || errors.size() >= kMaxErrors) return;
    if (!v || v->is_null()) {
      if (shape.constraints.not_null) add(nullptr, path, "Member must not be null");
      return;
    }
    for (auto& f : failures(*v, shape.constraints)) add(v, path, f);
    switch (shape.type) {
      case Type::List:
        for (std::size_t i = 0; i < v->size(); ++i)
          value(&(*v)[i], *shape.element, path + "." + std::to_string(i + 1) + ".member", depth + 1);
        break;
      case Type::Map:
        if (shape.map_keys)
          for (const auto& [k, e] : v->items())
            if (!failures(Json(k), *shape.map_keys).empty())
              add(v, path, "Map keys must satisfy constraint: " + listed(*shape.map_keys));
        if (shape.map_values)
          for (const auto& [k, e] : v->items())
            if (!failures(e, *shape.map_values).empty())
              add(v, path, "Map value must satisfy constraint: " + listed(*shape.map_values));
        for (const auto& [k, e] : v->items())
          value(&e, *shape.element, path + "." + k + ".member", depth + 1);
        break;
      case Type::Structure:
        if (!shape.attribute_value) members(*v, shape, path + ".", depth);
        break;
      default:
        break;
    }
  }

  void members(const Json& v, const Shape& shape, const std::string& prefix, int depth) {
    for (const auto& m : shape.members) {
      auto it = v.find(m.name);
      value(it == v.end() ? nullptr : &*it, *m.shape, prefix + lower_first(m.name), depth + 1);
    }
  }
};

}  // namespace

std::string quote(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + quote(value[i]);
    return out + "]";
  }
  return value.dump();
}

std::optional<std::string> check_types(const Shape& structure, Json& body) {
  TypeChecker t;
  if (!t.structure(body, structure, 0)) return t.error;
  return std::nullopt;
}

std::optional<std::string> check_constraints(const Shape& structure, const Json& body) {
  ConstraintChecker c;
  c.members(body, structure, "", 0);
  if (c.errors.empty()) return std::nullopt;
  std::string out = std::to_string(c.errors.size()) + " validation error" +
                    (c.errors.size() == 1 ? "" : "s") + " detected: ";
  for (std::size_t i = 0; i < c.errors.size(); ++i) out += (i ? "; " : "") + c.errors[i];
  return out;
}

std::optional<Failure> check(const Operation& op, Json& body) {
  if (auto e = check_types(*op.input, body)) return Failure{true, *e};
  for (const auto& name : op.required)
    if (!body.contains(name))
      return Failure{false, "The parameter '" + name + "' is required but was not present in the request"};
  if (!op.table_name_member.empty()) {
    auto it = body.find(op.table_name_member);
    if (it != body.end() && it->is_string()) {
      auto n = length_of(*it);
      if (n < 3 || n > 255)
        return Failure{false, op.table_name_member +
                                  " must be at least 3 characters long and at most 255 characters long"};
    }
  }
  if (auto e = check_constraints(*op.input, body)) return Failure{false, *e};
  return std::nullopt;
}

}  // namespace serverlite::table::shapes
