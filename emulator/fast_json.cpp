#include "emulator/fast_json.hpp"

#include <simdjson.h>

namespace serverlite {

namespace {

using nlohmann::json;

json to_json(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      json out = json::object();
      auto& members = out.get_ref<json::object_t&>();
      for (auto [key, value] : simdjson::dom::object(e))
        members.insert_or_assign(std::string(key), to_json(value));
      return out;
    }
    case element_type::ARRAY: {
      simdjson::dom::array items(e);
      json out = json::array();
      auto& values = out.get_ref<json::array_t&>();
      values.reserve(items.size());
      for (auto value : items) values.push_back(to_json(value));
      return out;
    }
    case element_type::STRING: return std::string(std::string_view(e));
    case element_type::INT64: {
      std::int64_t v(e);
      if (v >= 0) return static_cast<std::uint64_t>(v);
      return v;
    }
    case element_type::UINT64: return std::uint64_t(e);
    case element_type::DOUBLE: return double(e);
    case element_type::BOOL: return bool(e);
    case element_type::NULL_VALUE: return nullptr;
  }
  return nullptr;
}

}  // namespace

bool json_nesting_exceeds(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::optional<json> parse_json_fast(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
  return to_json(root);
}

json parse_json(std::string_view text) {
  if (auto fast = parse_json_fast(text)) return std::move(*fast);
  return json::parse(text);
}

}  // namespace serverlite
