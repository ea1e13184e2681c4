#include "services/table/number.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace serverlite::table {
namespace {

constexpr const char* kNotNumeric = "The parameter cannot be converted to a numeric value";
constexpr const char* kTooManyDigits =
    "Attempting to store more than 38 significant digits in a Number";
constexpr const char* kOverflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr const char* kUnderflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

std::string canonical(std::string_view text) {
  std::string error;
  auto n = Number::parse(text, &error);
  return n ? n->text() : "error: " + error;
}

std::string parse_error(std::string_view text) {
  std::string error;
  auto n = Number::parse(text, &error);
  return n ? "parsed as " + n->text() : error;
}

Number num(std::string_view text) {
  auto n = Number::parse(text);
  EXPECT_TRUE(n) << text;
  return n ? *n : Number();
}

TEST(TableNumber, CanonicalTextHasNoExponentNorNeedlessZeros) {
  EXPECT_EQ(canonical("1E+2"), "100");
  EXPECT_EQ(canonical("1e2"), "100");
  EXPECT_EQ(canonical("0.00010"), "0.0001");
  EXPECT_EQ(canonical("-0"), "0");
  EXPECT_EQ(canonical("-0.000"), "0");
  EXPECT_EQ(canonical("12.50"), "12.5");
  EXPECT_EQ(canonical("-1e3"), "-1000");
  EXPECT_EQ(canonical("1.5E+3"), "1500");
  EXPECT_EQ(canonical("-7"), "-7");
  EXPECT_EQ(canonical("00042"), "42");
  EXPECT_EQ(canonical("1.0"), "1");
  EXPECT_EQ(canonical("-17.4E37"), "-174" + std::string(36, '0'));
  EXPECT_EQ(canonical("123.456e-2"), "1.23456");
  EXPECT_EQ(canonical("1e-5"), "0.00001");
}

// Forms DynamoDB accepts (ScyllaDB's test_number.py and dynoxide's captures, both recorded
// against DynamoDB): a leading "+", a bare fraction, leading zeros, a signed exponent, a zero
// with any exponent.
TEST(TableNumber, AcceptsDynamoDbGrammar) {
  EXPECT_EQ(canonical("+5"), "5");
  EXPECT_EQ(canonical("+1.5"), "1.5");
  EXPECT_EQ(canonical("+0"), "0");
  EXPECT_EQ(canonical("+1e2"), "100");
  EXPECT_EQ(canonical(".123"), "0.123");
  EXPECT_EQ(canonical(".5"), "0.5");
  EXPECT_EQ(canonical("5."), "5");
  EXPECT_EQ(canonical("0001.23"), "1.23");
  EXPECT_EQ(canonical("1e+5"), "100000");
  EXPECT_EQ(canonical("0e1000"), "0");
  EXPECT_EQ(canonical("0e-99999999999999999999"), "0");
  EXPECT_EQ(canonical("-17e5"), "-1700000");
}

TEST(TableNumber, RejectsTextThatIsNoNumber) {
  EXPECT_EQ(parse_error(""), kNotNumeric);
  for (std::string bad : {"NaN",  "Infinity", "-Infinity", "-NaN", "dog", "-dog",  " 1",  "1 ",
                          "0x10", ".",        "-",         "+",    "1e",  "e5",    "1e+", "1.2.3",
                          "1+2",  "+e2",      "--1",       "+-1",  "1,5", "1_000", "٣"}) {
    EXPECT_EQ(parse_error(bad), std::string(kNotNumeric) + ": " + bad) << bad;
  }
}

TEST(TableNumber, EnforcesPrecisionAndRange) {
  EXPECT_EQ(parse_error("123456789012345678901234567890123456789"), kTooManyDigits);
  EXPECT_EQ(parse_error("-1.23456789012345678901234567890123456789"), kTooManyDigits);
  EXPECT_EQ(parse_error("1e126"), kOverflow);
  EXPECT_EQ(parse_error("-1e126"), kOverflow);
  EXPECT_EQ(parse_error("11e125"), kOverflow);
  EXPECT_EQ(parse_error("1e999999999999999999999999"), kOverflow);
  EXPECT_EQ(parse_error("1e-131"), kUnderflow);
  EXPECT_EQ(parse_error("-1e-131"), kUnderflow);
  EXPECT_EQ(parse_error("0.9e-130"), kUnderflow);
  EXPECT_EQ(parse_error("1e-999999999999999999999999"), kUnderflow);

  // The edges themselves, and 38 digits, are fine.
  EXPECT_EQ(canonical("1e125"), "1" + std::string(125, '0'));
  EXPECT_EQ(canonical("1e-130"), "0." + std::string(129, '0') + "1");
  EXPECT_EQ(canonical("-1e-130"), "-0." + std::string(129, '0') + "1");
  std::string max = "9.9999999999999999999999999999999999999E+125";
  EXPECT_EQ(canonical(max), std::string(38, '9') + std::string(88, '0'));
  EXPECT_EQ(canonical("3.1415926535897932384626433832795028841"),
            "3.1415926535897932384626433832795028841");
  EXPECT_EQ(canonical("31415926535897932384626433832795028841e30"),
            "31415926535897932384626433832795028841" + std::string(30, '0'));
  // Zeros around the significant digits do not count towards 38.
  EXPECT_EQ(canonical("1." + std::string(60, '0')), "1");
  EXPECT_EQ(canonical("0." + std::string(60, '0') + "1"), "0." + std::string(60, '0') + "1");
}

TEST(TableNumber, ExposesDigitsAndExponent) {
  Number n = num("-0.0123");
  EXPECT_TRUE(n.negative());
  EXPECT_EQ(n.digits(), "123");
  EXPECT_EQ(n.exponent(), -1);
  Number z = num("-0");
  EXPECT_TRUE(z.is_zero());
  EXPECT_FALSE(z.negative());
  EXPECT_EQ(z.digits(), "");
  EXPECT_TRUE(Number().is_zero());
  EXPECT_EQ(Number().text(), "0");
}

TEST(TableNumber, ComparesExactly) {
  std::vector<std::string> ascending = {"-9.9999999999999999999999999999999999999E+125",
                                        "-1e100",
                                        "-1000",
                                        "-101",
                                        "-100.5",
                                        "-100",
                                        "-10",
                                        "-1.01",
                                        "-1.001",
                                        "-1",
                                        "-0.11",
                                        "-0.1",
                                        "-1e-130",
                                        "0",
                                        "1e-130",
                                        "0.1",
                                        "0.10000000000000000000000000000000000001",
                                        "0.11",
                                        "1",
                                        "1.001",
                                        "1.01",
                                        "10",
                                        "100",
                                        "100.5",
                                        "101",
                                        "1000",
                                        "1e100",
                                        "9.9999999999999999999999999999999999999E+125"};
  for (std::size_t i = 0; i < ascending.size(); ++i) {
    for (std::size_t j = 0; j < ascending.size(); ++j) {
      auto c = num(ascending[i]) <=> num(ascending[j]);
      EXPECT_EQ(c, i <=> j) << ascending[i] << " vs " << ascending[j];
    }
  }
  EXPECT_EQ(num("1"), num("1.000"));
  EXPECT_EQ(num("100"), num("1e2"));
  EXPECT_EQ(num("-0"), num("0"));
  // 20 significant digits: more than a double holds.
  EXPECT_LT(num("12345678901234567890"), num("12345678901234567891"));
}

std::string sum(std::string_view a, std::string_view b) {
  std::string error;
  auto r = Number::add(num(a), num(b), &error);
  return r ? r->text() : "error: " + error;
}

std::string difference(std::string_view a, std::string_view b) {
  std::string error;
  auto r = Number::subtract(num(a), num(b), &error);
  return r ? r->text() : "error: " + error;
}

TEST(TableNumber, AddsAndSubtractsExactly) {
  // ScyllaDB's test_update_expression_plus_precision, against DynamoDB.
  EXPECT_EQ(sum("1", "10000000000000000000000"), "10000000000000000000001");
  EXPECT_EQ(difference("10000000000000000000000", "1"), "9999999999999999999999");
  EXPECT_EQ(sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(sum("-5", "3"), "-2");
  EXPECT_EQ(sum("5", "-3"), "2");
  EXPECT_EQ(sum("-5", "-3"), "-8");
  EXPECT_EQ(difference("3", "5"), "-2");
  EXPECT_EQ(difference("-3", "-5"), "2");
  EXPECT_EQ(difference("5", "5"), "0");
  EXPECT_EQ(sum("1.5", "-1.5"), "0");
  EXPECT_FALSE(Number::subtract(num("5"), num("5"))->negative());
  EXPECT_EQ(sum("0", "-7.25"), "-7.25");
  EXPECT_EQ(difference("0", "7.25"), "-7.25");
  EXPECT_EQ(difference("7.25", "0"), "7.25");
  EXPECT_EQ(difference("0", "0"), "0");
  EXPECT_EQ(sum("99.99", "0.01"), "100");
  EXPECT_EQ(sum("1e-130", "1e-130"), "0." + std::string(129, '0') + "2");
  EXPECT_EQ(sum("1e100", "1e100"), "2" + std::string(100, '0'));
}

TEST(TableNumber, ArithmeticReportsOverflowAndImprecision) {
  // 9e125 + 9e125 leaves the range (ScyllaDB's test_update_expression_plus_overflow).
  EXPECT_EQ(sum("9e125", "9e125"), std::string("error: ") + kOverflow);
  EXPECT_EQ(difference("9e125", "-9e125"), std::string("error: ") + kOverflow);
  EXPECT_EQ(sum("-9e125", "-9e125"), std::string("error: ") + kOverflow);
  EXPECT_EQ(sum("9.9999999999999999999999999999999999999E+125", "1E+125"),
            std::string("error: ") + kOverflow);
  // 1e50 + 1 needs 51 digits; DynamoDB calls that an overflow too.
  EXPECT_EQ(sum("1e50", "1"), std::string("error: ") + kOverflow);
  EXPECT_EQ(difference("1e50", "1"), std::string("error: ") + kOverflow);
  // A difference below 1e-130.
  EXPECT_EQ(difference("1.1e-130", "1e-130"), std::string("error: ") + kUnderflow);
  // Exactly 38 digits is still fine.
  EXPECT_EQ(sum("1e37", "1"), "1" + std::string(36, '0') + "1");
}

// Random integers times a common power of ten, checked against 128-bit arithmetic.
TEST(TableNumber, RandomSumsMatchIntegerArithmetic) {
  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<long long> value(-999'999'999'999'999'999LL,
                                                 999'999'999'999'999'999LL);
  std::uniform_int_distribution<int> scale(-60, 60);
  auto to_text = [](__int128 v) {
    if (v == 0) return std::string("0");
    bool negative = v < 0;
    unsigned __int128 m = negative ? -static_cast<unsigned __int128>(v) : v;
    std::string s;
    while (m) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10))), m /= 10;
    return negative ? "-" + s : s;
  };
  for (int i = 0; i < 500; ++i) {
    long long a = value(rng) >> (rng() % 60), b = value(rng) >> (rng() % 60);
    std::string e = "e" + std::to_string(scale(rng));
    Number x = num(std::to_string(a) + e), y = num(std::to_string(b) + e);
    auto s = Number::add(x, y);
    auto d = Number::subtract(x, y);
    ASSERT_TRUE(s && d);
    EXPECT_EQ(*s, num(to_text(static_cast<__int128>(a) + b) + e)) << a << " + " << b << e;
    EXPECT_EQ(*d, num(to_text(static_cast<__int128>(a) - b) + e)) << a << " - " << b << e;
    EXPECT_EQ(x <=> y, a <=> b);
  }
}

}  // namespace
}  // namespace serverlite::table
