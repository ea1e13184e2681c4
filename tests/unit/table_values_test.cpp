#include "services/table/values.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/http/base64.hpp"
#include "services/table/number.hpp"

namespace serverlite::table {
namespace {

Json parse(const char* text) { return Json::parse(text); }

// validate_value() on a copy; "" when valid.
std::string error_of(const char* text) {
  Json v = Json::parse(text);
  auto e = validate_value(v);
  return e ? *e : "";
}

// validate_value() and the canonicalised value.
Json validated(const char* text) {
  Json v = Json::parse(text);
  auto e = validate_value(v);
  EXPECT_FALSE(e) << text << ": " << *e;
  return v;
}

constexpr const char* kInvalid = "One or more parameter values were invalid: ";

TEST(TableValues, NamesTypes) {
  EXPECT_EQ(type_of(parse(R"({"S": "x"})")), ValueType::S);
  EXPECT_EQ(type_of(parse(R"({"NULL": true})")), ValueType::NUL);
  EXPECT_EQ(type_of(parse(R"({"BS": ["AA=="]})")), ValueType::BS);
  EXPECT_FALSE(type_of(parse(R"({})")));
  EXPECT_FALSE(type_of(parse(R"({"S": "x", "N": "1"})")));
  EXPECT_FALSE(type_of(parse(R"({"X": "x"})")));
  EXPECT_FALSE(type_of(parse(R"("x")")));
  EXPECT_EQ(type_name(ValueType::NUL), "NULL");
  EXPECT_EQ(type_name(ValueType::BOOL), "BOOL");
  EXPECT_EQ(type_name(ValueType::NS), "NS");
  EXPECT_EQ(type_name(ValueType::M), "M");
}

TEST(TableValues, AcceptsEveryType) {
  for (const char* ok : {R"({"S": "x"})", R"({"S": ""})", R"({"N": "1"})", R"({"B": "AQI="})",
                         R"({"B": ""})", R"({"BOOL": false})", R"({"NULL": true})", R"({"M": {}})",
                         R"({"L": []})", R"({"SS": ["a", "b"]})", R"({"SS": ["", "a"]})",
                         R"({"NS": ["1", "2"]})", R"({"BS": ["AQ==", "Ag==", ""]})",
                         R"({"M": {"a": {"L": [{"S": "x"}, {"M": {"b": {"NULL": true}}}]}}})"}) {
    EXPECT_EQ(error_of(ok), "") << ok;
  }
}

TEST(TableValues, CanonicalisesNumbersEverywhere) {
  EXPECT_EQ(validated(R"({"N": "1E+2"})"), parse(R"({"N": "100"})"));
  EXPECT_EQ(validated(R"({"NS": ["0.00010", "-0", "+5"]})"),
            parse(R"({"NS": ["0.0001", "0", "5"]})"));
  EXPECT_EQ(validated(R"({"M": {"a": {"N": "1.50"}, "b": {"L": [{"N": "2e1"}]}}})"),
            parse(R"({"M": {"a": {"N": "1.5"}, "b": {"L": [{"N": "20"}]}}})"));
  // Unknown members and null members are dropped, as DynamoDB's decoder drops them.
  EXPECT_EQ(validated(R"({"S": "x", "extra": 1, "N": null})"), parse(R"({"S": "x"})"));
}

// Messages as dynalite's tests recorded them against DynamoDB.
TEST(TableValues, RejectsEmptyAndMultipleDatatypes) {
  std::string empty =
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
  for (const char* bad : {R"({})", R"({"a": ""})", R"({"M": {"a": {}}})", R"({"L": [{}]})",
                          R"({"L": [{"a": {}}]})", R"({"S": null})"}) {
    EXPECT_EQ(error_of(bad), empty) << bad;
  }
  EXPECT_EQ(error_of(R"({"S": "a", "N": "1"})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
            "of the supported datatypes");
  // Each datatype is checked before the count of them.
  EXPECT_EQ(error_of(R"({"S": "a", "N": ""})"),
            "The parameter cannot be converted to a numeric value");
  EXPECT_EQ(error_of(R"({"S": "a", "N": "b"})"),
            "The parameter cannot be converted to a numeric value: b");
}

TEST(TableValues, RejectsInvalidMembers) {
  std::string p = kInvalid;
  EXPECT_EQ(error_of(R"({"NULL": false})"),
            p + "Null attribute value types must have the value of true");
  EXPECT_EQ(error_of(R"({"NULL": "no"})"),
            p + "Null attribute value types must have the value of true");
  EXPECT_EQ(error_of(R"({"SS": []})"), p + "An string set  may not be empty");
  EXPECT_EQ(error_of(R"({"NS": []})"), p + "An number set  may not be empty");
  EXPECT_EQ(error_of(R"({"BS": []})"), p + "Binary sets should not be empty");
  EXPECT_EQ(error_of(R"({"SS": ["a", "a"]})"), p + "Input collection [a, a] contains duplicates.");
  EXPECT_EQ(error_of(R"({"BS": ["Yg==", "Yg=="]})"),
            p + "Input collection [Yg==, Yg==]of type BS contains duplicates.");
  EXPECT_EQ(error_of(R"({"NS": ["1", "1"]})"), "Input collection contains duplicates");
  // Number set duplicates are by value.
  EXPECT_EQ(error_of(R"({"NS": ["1", "1.0"]})"), "Input collection contains duplicates");
  EXPECT_EQ(error_of(R"({"NS": ["100", "1e2"]})"), "Input collection contains duplicates");
  EXPECT_EQ(error_of(R"({"NS": ["1", ""]})"),
            "The parameter cannot be converted to a numeric value");
  EXPECT_EQ(error_of(R"({"NS": ["1", "b"]})"),
            "The parameter cannot be converted to a numeric value: b");
  EXPECT_EQ(error_of(R"({"N": "123456789012345678901234567890123456789"})"),
            "Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(error_of(R"({"N": "1e126"})"),
            "Number overflow. Attempting to store a number with magnitude larger than "
            "supported range");
  EXPECT_EQ(error_of(R"({"N": "-1e-131"})"),
            "Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range");
  // Null members (dynalite's wording for them).
  EXPECT_EQ(error_of(R"({"NS": ["1", null]})"),
            "The parameter cannot be converted to a numeric value");
  EXPECT_EQ(error_of(R"({"BS": [null]})"), p + "Binary sets may not contain null or empty values");
  EXPECT_EQ(error_of(R"({"SS": ["a", null]})"),
            p + "An string set may not have a empty string as a member");
  EXPECT_EQ(error_of(R"({"L": [null]})"),
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
  // Nested values are validated too.
  EXPECT_EQ(error_of(R"({"M": {"a": {"L": [{"SS": []}]}}})"),
            p + "An string set  may not be empty");
}

TEST(TableValues, RejectsInvalidBase64) {
  EXPECT_EQ(error_of(R"({"B": "abc"})"),
            "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple "
            "of 4 bytes but found: 3");
  EXPECT_EQ(error_of(R"({"B": "ab*d"})"),
            "'ab*d' can not be converted to a Blob: Invalid Base64 character: '*'");
  EXPECT_EQ(error_of(R"({"BS": ["AA==", "a=bc"]})"),
            "'a=bc' can not be converted to a Blob: Invalid Base64 character: '='");
  // "Yh==" decodes to the same byte as "Yg==" with stray low bits: not canonical.
  EXPECT_EQ(error_of(R"({"B": "Yh=="})"),
            "'Yh==' can not be converted to a Blob: Invalid last non-pad Base64 character "
            "dectected");
}

// Members of the wrong JSON type are the decoder's errors and come before any validation.
TEST(TableValues, RejectsWrongJsonTypes) {
  EXPECT_EQ(error_of(R"({"S": 5})"), "NUMBER_VALUE cannot be converted to String");
  EXPECT_EQ(error_of(R"({"N": 123})"), "NUMBER_VALUE cannot be converted to String");
  EXPECT_EQ(error_of(R"({"S": {"S": "x"}})"), "Start of structure or map found where not expected");
  EXPECT_EQ(error_of(R"({"S": ["x"]})"), "Start of list found where not expected");
  EXPECT_EQ(error_of(R"({"BOOL": "true"})"), "STRING_VALUE cannot be converted to Boolean");
  EXPECT_EQ(error_of(R"({"SS": "a"})"), "Expected list or null");
  EXPECT_EQ(error_of(R"({"NS": [1]})"), "NUMBER_VALUE cannot be converted to String");
  EXPECT_EQ(error_of(R"({"M": []})"), "Start of list found where not expected");
  EXPECT_EQ(error_of(R"({"M": "x"})"), "Expected map or null");
  EXPECT_EQ(error_of(R"({"L": {}})"), "Start of structure or map found where not expected");
  EXPECT_EQ(error_of(R"(["S"])"), "Start of list found where not expected");
  // A deep decoding error wins over a shallow validation error.
  EXPECT_EQ(error_of(R"({"SS": [], "M": {"a": {"S": 1}}})"),
            "NUMBER_VALUE cannot be converted to String");
}

TEST(TableValues, LimitsNestingTo32Levels) {
  auto nested = [](int levels) {
    Json v = {{"S", "leaf"}};
    for (int i = 0; i < levels; ++i) v = Json{{"L", Json::array({v})}};
    return v;
  };
  Json ok = nested(32);
  EXPECT_FALSE(validate_value(ok));
  Json deep = nested(33);
  EXPECT_EQ(validate_value(deep).value_or(""),
            std::string(kInvalid) + "Nesting Levels have exceeded supported limits");
}

TEST(TableValues, ValidatesItems) {
  Json item = parse(R"({"id": {"S": "a"}, "n": {"N": "01.10"}, "s": {"NS": ["2", "1e0"]}})");
  EXPECT_FALSE(validate_item(item));
  EXPECT_EQ(item, parse(R"({"id": {"S": "a"}, "n": {"N": "1.1"}, "s": {"NS": ["2", "1"]}})"));
  Json bad = parse(R"({"id": {"S": "a"}, "x": {"NULL": false}})");
  EXPECT_EQ(validate_item(bad).value_or(""),
            std::string(kInvalid) + "Null attribute value types must have the value of true");
}

TEST(TableValues, ComparesForEquality) {
  auto eq = [](const char* a, const char* b) { return values_equal(parse(a), parse(b)); };
  EXPECT_TRUE(eq(R"({"N": "1"})", R"({"N": "1.0"})"));
  EXPECT_TRUE(eq(R"({"N": "-0"})", R"({"N": "0"})"));
  EXPECT_FALSE(eq(R"({"N": "1"})", R"({"N": "1.01"})"));
  EXPECT_FALSE(eq(R"({"N": "1"})", R"({"S": "1"})"));
  EXPECT_TRUE(eq(R"({"S": "a"})", R"({"S": "a"})"));
  EXPECT_FALSE(eq(R"({"S": "a"})", R"({"S": "A"})"));
  EXPECT_TRUE(eq(R"({"B": "AQI="})", R"({"B": "AQI="})"));
  EXPECT_FALSE(eq(R"({"B": "AQI="})", R"({"B": "AQM="})"));
  EXPECT_TRUE(eq(R"({"BOOL": true})", R"({"BOOL": true})"));
  EXPECT_FALSE(eq(R"({"BOOL": true})", R"({"BOOL": false})"));
  EXPECT_TRUE(eq(R"({"NULL": true})", R"({"NULL": true})"));
  EXPECT_TRUE(eq(R"({"SS": ["a", "b"]})", R"({"SS": ["b", "a"]})"));
  EXPECT_FALSE(eq(R"({"SS": ["a", "b"]})", R"({"SS": ["a", "c"]})"));
  EXPECT_FALSE(eq(R"({"SS": ["a"]})", R"({"SS": ["a", "b"]})"));
  EXPECT_TRUE(eq(R"({"NS": ["1", "2.0"]})", R"({"NS": ["2", "1.00"]})"));
  EXPECT_TRUE(eq(R"({"BS": ["AQ==", "Ag=="]})", R"({"BS": ["Ag==", "AQ=="]})"));
  EXPECT_TRUE(eq(R"({"L": [{"N": "1"}, {"S": "x"}]})", R"({"L": [{"N": "1.0"}, {"S": "x"}]})"));
  EXPECT_FALSE(eq(R"({"L": [{"N": "1"}, {"S": "x"}]})", R"({"L": [{"S": "x"}, {"N": "1"}]})"));
  EXPECT_TRUE(eq(R"({"M": {"a": {"N": "1"}, "b": {"L": []}}})",
                 R"({"M": {"b": {"L": []}, "a": {"N": "1.0"}}})"));
  EXPECT_FALSE(eq(R"({"M": {"a": {"N": "1"}}})", R"({"M": {"a": {"N": "1"}, "b": {"S": ""}}})"));
  EXPECT_FALSE(eq(R"({"M": {"a": {"N": "1"}}})", R"({"M": {"b": {"N": "1"}}})"));
}

TEST(TableValues, OrdersScalarsOfTheSameType) {
  auto cmp = [](const char* a, const char* b) { return compare_values(parse(a), parse(b)); };
  EXPECT_EQ(cmp(R"({"S": "a"})", R"({"S": "b"})"), std::strong_ordering::less);
  EXPECT_EQ(cmp(R"({"S": "Z"})", R"({"S": "a"})"), std::strong_ordering::less);
  EXPECT_EQ(cmp(R"({"S": "ab"})", R"({"S": "a"})"), std::strong_ordering::greater);
  // UTF-8 bytes: "é" (C3 A9) sorts after every ASCII character.
  EXPECT_EQ(cmp(R"({"S": "é"})", R"({"S": "z"})"), std::strong_ordering::greater);
  EXPECT_EQ(cmp(R"({"N": "10"})", R"({"N": "9"})"), std::strong_ordering::greater);
  EXPECT_EQ(cmp(R"({"N": "-10"})", R"({"N": "9"})"), std::strong_ordering::less);
  EXPECT_EQ(cmp(R"({"N": "1.0"})", R"({"N": "1"})"), std::strong_ordering::equal);
  // Bytes unsigned: 0xFF ("/w==") after 0x01 ("AQ==").
  EXPECT_EQ(cmp(R"({"B": "/w=="})", R"({"B": "AQ=="})"), std::strong_ordering::greater);
  EXPECT_EQ(cmp(R"({"B": "AQ=="})", R"({"B": "AQI="})"), std::strong_ordering::less);
  EXPECT_FALSE(cmp(R"({"S": "1"})", R"({"N": "1"})"));
  EXPECT_FALSE(cmp(R"({"BOOL": true})", R"({"BOOL": false})"));
  EXPECT_FALSE(cmp(R"({"SS": ["a"]})", R"({"SS": ["b"]})"));
  EXPECT_FALSE(cmp(R"({"NULL": true})", R"({"NULL": true})"));
}

std::size_t size_of(const char* text) { return value_size(parse(text)); }

std::size_t number_size(const std::string& n) { return value_size(Json{{"N", n}}); }

// Sizes measured against DynamoDB at the 400 KB boundary (dynoxide's captures, 2026-08) and the
// Developer Guide's worked examples (27 → 2, -27 → 3, 461 → 3).
TEST(TableValues, SizesNumbersAsDynamoDbDoes) {
  struct Case {
    const char* literal;
    std::size_t bytes;
  };
  for (Case c : std::initializer_list<Case>{
           {"0", 1},         {"1", 2},     {"12", 2},
           {"123", 3},       {"1234", 3},  {"12345678901234567890123456789012345678", 20},
           {"0042", 2},      {"100", 2},   {"1010", 3},
           {"0.0000001", 2}, {"1E125", 2}, {"1E-100", 2},
           {"1.5", 3},       {"15", 2},    {"1.2", 3},
           {"1.200", 3},     {"1.234", 4}, {"3.14159", 5},
           {"123456", 4},    {"100.5", 4}, {"0.15", 2},
           {"-42", 3},       {"-0", 1},    {"27", 2},
           {"-27", 3},       {"461", 3}}) {
    EXPECT_EQ(number_size(c.literal), c.bytes) << c.literal;
  }
}

TEST(TableValues, SizesEveryType) {
  EXPECT_EQ(size_of(R"({"S": "abc"})"), 3u);
  EXPECT_EQ(size_of(R"({"S": "é"})"), 2u);  // UTF-8 bytes, not characters
  EXPECT_EQ(size_of(R"({"S": ""})"), 0u);
  EXPECT_EQ(size_of(R"({"B": "AQID"})"), 3u);
  EXPECT_EQ(size_of(R"({"B": "AQI="})"), 2u);
  EXPECT_EQ(size_of(R"({"B": "AQ=="})"), 1u);
  EXPECT_EQ(size_of(R"({"BOOL": true})"), 1u);
  EXPECT_EQ(size_of(R"({"NULL": true})"), 1u);
  EXPECT_EQ(size_of(R"({"M": {}})"), 3u);
  EXPECT_EQ(size_of(R"({"L": []})"), 3u);
  // 3 + per element (1 + name + value).
  EXPECT_EQ(size_of(R"({"M": {"ab": {"S": "xyz"}}})"), 3u + 1 + 2 + 3);
  // 3 + per element (1 + value).
  EXPECT_EQ(size_of(R"({"L": [{"N": "1"}, {"BOOL": true}, {"L": []}]})"),
            3u + (1 + 2) + (1 + 1) + (1 + 3));
  EXPECT_EQ(size_of(R"({"SS": ["a", "bc", ""]})"), 3u);
  EXPECT_EQ(size_of(R"({"NS": ["1", "-27", "3.14159"]})"), 2u + 3 + 5);
  EXPECT_EQ(size_of(R"({"BS": ["AQ==", "AQID"]})"), 4u);

  EXPECT_EQ(item_size(parse(R"({"id": {"S": "abc"}, "n": {"N": "123"}, "ok": {"BOOL": false}})")),
            (2u + 3) + (1 + 3) + (2 + 1));
  EXPECT_EQ(item_size(Json::object()), 0u);
}

// Numbers at the top of DynamoDB's range, as the 400 KB boundary measures them: a sign/exponent
// byte and one byte per base-100 digit pair, aligned on the decimal point.
TEST(TableValues, SizesNumbersNearTheLimitOfTheirRange) {
  auto n = [](const std::string& digits, std::size_t zeros) {
    std::string text = R"({"N": ")" + digits + std::string(zeros, '0') + R"("})";
    return size_of(text.c_str());
  };
  EXPECT_EQ(n(std::string(38, '1'), 88), 20u);
  EXPECT_EQ(n("1", 125), 2u);
  EXPECT_EQ(n("11", 124), 2u);
  EXPECT_EQ(n("11111", 121), 4u);
  EXPECT_EQ(n("111111", 120), 4u);
  EXPECT_EQ(n("1111111", 119), 5u);
  // An item at 400 KB exactly: names and values.
  Json item = {{"a", {{"S", "k"}}}, {"b", {{"S", std::string(400 * 1024 - 3, 'x')}}}};
  EXPECT_EQ(item_size(item), kMaxItemBytes);
}

// ---- key encoding ---------------------------------------------------------------------------

int memcmp_order(const std::string& a, const std::string& b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

int sign_of(std::strong_ordering o) { return o < 0 ? -1 : o > 0 ? 1 : 0; }

TEST(TableValues, EncodesStringAndBinaryKeysAsRawBytes) {
  EXPECT_EQ(encode_key_value(parse(R"({"S": "héllo"})")), "héllo");
  EXPECT_EQ(encode_key_value(parse(R"({"B": "AP8Q"})")), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(decode_key_value(ValueType::S, "héllo"), parse(R"({"S": "héllo"})"));
  EXPECT_EQ(decode_key_value(ValueType::B, std::string("\x00\xff\x10", 3)),
            parse(R"({"B": "AP8Q"})"));
  std::vector<const char*> strings = {"", "A", "Z", "a", "ab", "abc", "b", "é", "€", "𝄞"};
  for (std::size_t i = 0; i < strings.size(); ++i)
    for (std::size_t j = 0; j < strings.size(); ++j) {
      Json a = {{"S", strings[i]}}, b = {{"S", strings[j]}};
      EXPECT_EQ(memcmp_order(encode_key_value(a), encode_key_value(b)),
                sign_of(*compare_values(a, b)))
          << strings[i] << " vs " << strings[j];
    }
}

TEST(TableValues, RejectsNonKeyTypesForEncoding) {
  EXPECT_THROW(encode_key_value(parse(R"({"BOOL": true})")), std::invalid_argument);
  EXPECT_THROW(encode_key_value(parse(R"({"SS": ["a"]})")), std::invalid_argument);
  EXPECT_THROW(encode_key_value(parse(R"({"N": "x"})")), std::invalid_argument);
  EXPECT_THROW(decode_key_value(ValueType::N, ""), std::invalid_argument);
  EXPECT_THROW(decode_key_value(ValueType::N, "\x07"), std::invalid_argument);
  EXPECT_THROW(decode_key_value(ValueType::M, "x"), std::invalid_argument);
}

// Random numbers across the whole range and precision, plus neighbours that share digit
// prefixes (the hard case for a memcmp order): memcmp of encodings must agree with Number's
// order, and decoding must give the number back.
TEST(TableValues, NumberKeyEncodingPreservesOrderAndRoundTrips) {
  std::mt19937 rng(7);
  std::vector<std::string> texts = {"0",
                                    "1",
                                    "-1",
                                    "1e-130",
                                    "-1e-130",
                                    "9.9999999999999999999999999999999999999E+125",
                                    "-9.9999999999999999999999999999999999999E+125",
                                    "1e125",
                                    "-1e125",
                                    "0.1",
                                    "0.101",
                                    "0.11",
                                    "-0.1",
                                    "-0.101",
                                    "-0.11",
                                    "10",
                                    "100",
                                    "101",
                                    "-10",
                                    "-100",
                                    "-101",
                                    "99",
                                    "-99"};
  auto random_number = [&] {
    std::uniform_int_distribution<int> length(1, 38), digit(0, 9), exponent(-129, 126);
    std::string digits(1, static_cast<char>('1' + rng() % 9));
    int n = length(rng);
    while (static_cast<int>(digits.size()) < n)
      digits.push_back(static_cast<char>('0' + digit(rng)));
    return std::string(rng() % 2 ? "-" : "") + "0." + digits + "e" + std::to_string(exponent(rng));
  };
  for (int i = 0; i < 300; ++i) {
    std::string t = random_number();
    texts.push_back(t);
    // A neighbour: the same digits cut short (a prefix), at the same exponent.
    auto dot = t.find('.'), e = t.find('e');
    std::size_t cut = dot + 2 + rng() % (e - dot - 1);
    texts.push_back(t.substr(0, std::min(cut, e)) + t.substr(e));
  }
  // Small numbers clustered around each other, where exponents tie often.
  for (int i = 0; i < 100; ++i)
    texts.push_back(std::to_string(static_cast<int>(rng() % 2001) - 1000) + "e-" +
                    std::to_string(rng() % 3));

  std::vector<std::pair<Number, std::string>> encoded;
  for (const auto& t : texts) {
    auto n = Number::parse(t);
    ASSERT_TRUE(n) << t;
    Json value = {{"N", n->text()}};
    std::string bytes = encode_key_value(value);
    EXPECT_EQ(decode_key_value(ValueType::N, bytes), value) << t;
    encoded.emplace_back(*n, bytes);
  }
  for (const auto& [a, ea] : encoded)
    for (const auto& [b, eb] : encoded)
      ASSERT_EQ(memcmp_order(ea, eb), sign_of(a <=> b)) << a.text() << " vs " << b.text();
}

// The decoder's messages (wrong JSON shapes) are told apart from validation messages, since
// DynamoDB answers them as SerializationException.
TEST(ValidateValue, SerializationErrorsAreToldApart) {
  for (const char* text : {R"({"S": 5})", R"({"BOOL": "x"})", R"({"SS": "a"})", R"({"M": 1})",
                           R"({"L": {}})", R"({"B": "ab*d"})"}) {
    std::string message = error_of(text);
    ASSERT_FALSE(message.empty()) << text;
    EXPECT_TRUE(is_serialization_error(message)) << text << ": " << message;
  }
  for (const char* text : {R"({"SS": []})", R"({"N": "abc"})", R"({})", R"({"SS": ["a", "a"]})"}) {
    std::string message = error_of(text);
    ASSERT_FALSE(message.empty()) << text;
    EXPECT_FALSE(is_serialization_error(message)) << text << ": " << message;
  }
}

}  // namespace
}  // namespace serverlite::table
