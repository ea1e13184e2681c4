// DynamoDB's number type: exact decimals, never doubles.
//
// DynamoDB numbers have up to 38 significant digits and a magnitude of 1E-130 to 9.9999…E+125
// (or zero); they travel as decimal strings ("12.50", "-1e3"; number.cpp states the grammar
// accepted, DynamoDB's) and come back in a canonical form (no leading zeros, no trailing zeros
// after the point, no exponent: "12.5", "-1000"). Comparison and addition are exact.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace serverlite::table {

class Number {
 public:
  Number() = default;  // zero

  // Parses DynamoDB's number text (grammar in number.cpp). On failure returns nullopt and sets
  // `error` to DynamoDB's message: "Attempting to store more than 38 significant digits in a
  // Number", "Number overflow. Attempting to store a number with magnitude larger than supported
  // range", "Number underflow. Attempting to store a number with magnitude smaller than
  // supported range", "The parameter cannot be converted to a numeric value" for "", or
  // "The parameter cannot be converted to a numeric value: <text>" for text that is no number.
  static std::optional<Number> parse(std::string_view text, std::string* error = nullptr);

  // The canonical text DynamoDB answers with.
  std::string text() const;

  // Exact sum and difference. nullopt (with `error` set as parse() does) when the result needs
  // more than 38 significant digits or leaves the range; DynamoDB reports the former as the
  // overflow message too ("1E50 + 1" is a "Number overflow").
  static std::optional<Number> add(const Number& a, const Number& b, std::string* error = nullptr);
  static std::optional<Number> subtract(const Number& a, const Number& b,
                                        std::string* error = nullptr);

  friend std::strong_ordering operator<=>(const Number& a, const Number& b);
  friend bool operator==(const Number& a, const Number& b);

  bool negative() const { return negative_; }
  bool is_zero() const { return digits_.empty(); }
  // Significant digits without leading or trailing zeros ("" for zero), and the decimal
  // exponent of the first one: value = 0.d1d2d3... × 10^exponent (sign aside).
  const std::string& digits() const { return digits_; }
  int exponent() const { return exponent_; }

 private:
  friend struct NumberBuilder;  // number.cpp: construction from digits, arithmetic

  bool negative_ = false;
  std::string digits_;
  int exponent_ = 0;
};

}  // namespace serverlite::table
