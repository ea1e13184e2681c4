#include "emulator/app/yaml_json.hpp"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app {
namespace {

using Json = nlohmann::ordered_json;

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool is_dec(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_oct(char c) { return c >= '0' && c <= '7'; }

std::optional<Json> parse_integer(std::string_view text) {
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'o')) {
    base = digits[1] == 'x' ? 16 : 8;
    digits.remove_prefix(2);
    if (!all_of(digits, base == 16 ? is_hex : is_oct)) return std::nullopt;
  } else if (!all_of(digits, is_dec)) {
    return std::nullopt;
  }
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    // Too big for 64 bits: js-yaml would give a (lossy) double; so do we.
    return Json(std::strtod(std::string(text).c_str(), nullptr));
  }
  if (!negative) {
    if (magnitude <= static_cast<std::uint64_t>(INT64_MAX)) {
      return Json(static_cast<std::int64_t>(magnitude));
    }
    return Json(magnitude);
  }
  if (magnitude <= static_cast<std::uint64_t>(INT64_MAX)) {
    return Json(-static_cast<std::int64_t>(magnitude));
  }
  if (magnitude == static_cast<std::uint64_t>(INT64_MAX) + 1) return Json(INT64_MIN);
  return Json(-static_cast<double>(magnitude));
}

// [-+]? ( .digits | digits [. digits*] ) ([eE] [-+]? digits)?, with at least a '.' or exponent
// (plain digit strings were taken as integers before).
std::optional<Json> parse_float(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < text.size() && is_dec(text[i])) ++i, ++int_digits;
  bool dot = i < text.size() && text[i] == '.';
  if (dot) {
    ++i;
    while (i < text.size() && is_dec(text[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  bool exponent = false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < text.size() && is_dec(text[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
    exponent = true;
  }
  if (i != text.size() || (!dot && !exponent)) return std::nullopt;
  return Json(std::strtod(std::string(text).c_str(), nullptr));
}

Json plain_scalar(const std::string& text) {
  // YAML 1.2 core schema spellings. .inf and .nan stay strings: JSON cannot hold them.
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (auto n = parse_integer(text)) return *n;
  if (auto f = parse_float(text)) return *f;
  return text;
}

Json tagged_scalar(const std::string& tag, const std::string& text) {
  constexpr std::string_view kCore = "tag:yaml.org,2002:";
  if (tag.starts_with(kCore)) {
    std::string_view type = std::string_view(tag).substr(kCore.size());
    if (type == "str") return text;
    return plain_scalar(text);  // !!int, !!float, !!bool, !!null: typed as if unquoted
  }
  return text;
}

// `!Ref`, `!GetAtt`, `!Sub` ...: the long form the Serverless Framework produces.
Json cloudformation_tag(const std::string& tag, Json value) {
  std::string name = tag.substr(1);
  if (name == "Ref" || name == "Condition") return Json{{name, std::move(value)}};
  if (name == "GetAtt" && value.is_string()) {
    std::string s = value.get<std::string>();
    auto dot = s.find('.');
    Json parts = Json::array();
    if (dot == std::string::npos) {
      parts.push_back(s);
    } else {
      parts.push_back(s.substr(0, dot));
      parts.push_back(s.substr(dot + 1));
    }
    return Json{{"Fn::GetAtt", std::move(parts)}};
  }
  return Json{{"Fn::" + name, std::move(value)}};
}

bool is_custom_tag(const std::string& tag) { return tag.size() > 1 && tag[0] == '!'; }

// What one document may expand to. yaml-cpp refuses nesting past about 500 levels while
// parsing; the conversion recurses once per level too, and aliases (`*name`, merge keys) repeat a
// subtree wherever they appear (or inside themselves: `a: &a [*a]`), so a few lines can stand
// for billions of values, or infinitely many. Both are bounded.
constexpr int kMaxYamlDepth = 256;
constexpr std::size_t kMaxYamlValues = 200'000;

struct Budget {
  const std::string& file_label;
  int depth = 0;
  std::size_t values = 0;
};

Json convert(const YAML::Node& node, Budget& budget);

void merge_into(Json& target, const YAML::Node& source, Budget& budget) {
  // Merge keys: keys already present (explicit, or from an earlier merge) win.
  auto merge_one = [&](const YAML::Node& map) {
    if (!map.IsMap()) return;
    Json converted = convert(map, budget);
    for (auto& [k, v] : converted.items()) {
      if (!target.contains(k)) target[k] = v;
    }
  };
  if (source.IsSequence()) {
    for (const auto& item : source) merge_one(item);
  } else {
    merge_one(source);
  }
}

Json convert(const YAML::Node& node, Budget& budget) {
  if (++budget.values > kMaxYamlValues)
    throw ConfigError(budget.file_label, "",
                      "the document expands to more than " + std::to_string(kMaxYamlValues) +
                          " values (aliases repeat what they refer to)");
  if (budget.depth >= kMaxYamlDepth)
    throw ConfigError(budget.file_label, "",
                      "the document nests more than " + std::to_string(kMaxYamlDepth) +
                          " levels deep");
  struct Level {
    int& depth;
    explicit Level(int& d) : depth(++d) {}
    ~Level() { --depth; }
  } level(budget.depth);
  const std::string& tag = node.Tag();
  Json out;
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out = nullptr;
      break;
    case YAML::NodeType::Scalar:
      if (tag == "?") {
        out = plain_scalar(node.Scalar());
      } else if (tag == "!") {  // quoted or block scalar
        out = node.Scalar();
      } else {
        out = tagged_scalar(tag, node.Scalar());
      }
      break;
    case YAML::NodeType::Sequence:
      out = Json::array();
      for (const auto& item : node) out.push_back(convert(item, budget));
      break;
    case YAML::NodeType::Map: {
      out = Json::object();
      std::vector<YAML::Node> merges;
      for (const auto& entry : node) {
        const YAML::Node& key = entry.first;
        std::string name = key.IsScalar() ? key.Scalar() : key.IsNull() ? "null" : "";
        if (key.IsScalar() && key.Tag() == "?" && name == "<<") {
          merges.push_back(entry.second);
          continue;
        }
        out[name] = convert(entry.second, budget);
      }
      for (const auto& m : merges) merge_into(out, m, budget);
      break;
    }
  }
  if (is_custom_tag(tag)) return cloudformation_tag(tag, std::move(out));
  return out;
}

}  // namespace

Json yaml_to_json(const std::string& text, const std::string& file_label) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(file_label, "",
                      "YAML syntax error at line " + std::to_string(e.mark.line + 1) +
                          ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file_label, "", std::string("YAML error: ") + e.what());
  }
  Budget budget{file_label};
  return convert(root, budget);
}

Json load_yaml_file(const std::filesystem::path& path, const std::string& file_label) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(file_label, "",
                      "cannot read the file (" + std::string(std::strerror(errno)) + ")");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return yaml_to_json(text.str(), file_label);
}

std::string json_scalar_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) {
    // JavaScript's String(n), which is what the Serverless Framework hands to CloudFormation:
    // 1.0 is "1", 1.5 is "1.5".
    double d = value.get<double>();
    if (d == static_cast<double>(static_cast<std::int64_t>(d)) && d > -1e15 && d < 1e15) {
      return std::to_string(static_cast<std::int64_t>(d));
    }
    return value.dump();
  }
  return value.dump();
}

std::string key_path_child(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string key_path_index(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace serverlite::app
