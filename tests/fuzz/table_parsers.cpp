// libFuzzer target for DynamoDB's parsers of request text: condition, filter, key condition,
// projection and update expressions (parsed, checked and applied to a sample item), PartiQL
// statements, and attribute values (validated, compared, sized, encoded as keys). The first byte
// picks the parser, the rest is its input. Every refusal must be the ValidationException the
// parser documents (ExpressionError, partiql::Error, a validation message); nothing may crash,
// hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "services/table/expression.hpp"
#include "services/table/partiql.hpp"
#include "services/table/values.hpp"

namespace table = serverlite::table;
using table::Json;

namespace {

const Json& names() {
  static const Json j = Json::parse(R"({"#a": "a", "#b": "b", "#l": "list", "#m": "map"})");
  return j;
}

const Json& values() {
  static const Json j = Json::parse(R"({":s": {"S": "x"}, ":n": {"N": "1"}, ":b": {"B": "AA=="},
    ":l": {"L": [{"S": "y"}]}, ":m": {"M": {"k": {"N": "2"}}}, ":ss": {"SS": ["p", "q"]},
    ":t": {"BOOL": true}})");
  return j;
}

const Json& item() {
  static const Json j = Json::parse(R"({"pk": {"S": "k"}, "a": {"S": "x"}, "b": {"N": "5"},
    "list": {"L": [{"N": "1"}, {"M": {"c": {"S": "z"}}}]}, "map": {"M": {"k": {"N": "2"}}},
    "set": {"NS": ["1", "2"]}})");
  return j;
}

void expression(std::uint8_t which, std::string_view text) {
  table::ExpressionContext context(names(), values());
  switch (which % 4) {
    case 0: {
      auto condition = table::parse_condition(text, context);
      (void)condition.evaluate(item());
      (void)condition.evaluate(Json::object());
      break;
    }
    case 1:
      (void)table::parse_key_condition(text, context, "pk", std::string("b"));
      break;
    case 2:
      (void)table::parse_projection(text, context).project(item());
      break;
    case 3: {
      auto update = table::parse_update(text, context);
      (void)update.apply(item());
      (void)update.apply(Json::object());
      break;
    }
  }
}

void attribute_values(std::string_view text) {
  Json value;
  try {
    value = serverlite::aws::parse_json_body(text);
  } catch (const serverlite::aws::ApiError&) {
    return;
  }
  Json copy = value;
  if (table::validate_item(value)) return;
  (void)table::item_size(value);
  for (auto& [name, v] : value.items()) {
    (void)table::values_equal(v, v);
    (void)table::compare_values(v, item()["a"]);
    if (auto type = table::type_of(v)) {
      if (*type == table::ValueType::S || *type == table::ValueType::N ||
          *type == table::ValueType::B)
        (void)table::decode_key_value(*type, table::encode_key_value(v));
    }
  }
  (void)table::partiql::parse("SELECT * FROM t WHERE pk = ?", Json::array({copy}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        expression(data[0] / 3, input);
        break;
      case 1:
        (void)table::partiql::parse(
            input, Json::parse(R"([{"S": "a"}, {"N": "1"}, {"L": [{"S": "b"}]}])"));
        break;
      case 2:
        attribute_values(input);
        break;
    }
  } catch (const table::ExpressionError&) {
  } catch (const table::partiql::Error&) {
  }
  return 0;
}
