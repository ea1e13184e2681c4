#include "services/table/number.hpp"

#include <algorithm>
#include <cstddef>

namespace serverlite::table {

namespace {

// DynamoDB's limits (Developer Guide, "Data types"): 38 significant digits, positive range
// 1E-130 .. 9.99…9E+125. In our form value = 0.d1d2… × 10^exponent, so 1E-130 has exponent -129
// and 9.9…E+125 has exponent 126.
constexpr std::size_t kMaxDigits = 38;
constexpr long long kMaxExponent = 126;
constexpr long long kMinExponent = -129;
// Exponents in the text are saturated here: far outside the range either way, yet small enough
// that adding a digit count cannot overflow.
constexpr long long kExponentClamp = 1'000'000'000'000LL;

constexpr std::string_view kNotNumeric = "The parameter cannot be converted to a numeric value";
constexpr std::string_view kTooManyDigits =
    "Attempting to store more than 38 significant digits in a Number";
constexpr std::string_view kOverflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr std::string_view kUnderflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void set_error(std::string* error, std::string_view message) {
  if (error) *error = std::string(message);
}

// Decimal magnitudes as digit strings of equal length (most significant first).
std::string add_magnitudes(const std::string& a, const std::string& b) {
  std::string out(a.size() + 1, '0');
  int carry = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    int d = (a[i] - '0') + (b[i] - '0') + carry;
    out[i + 1] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  out[0] = static_cast<char>('0' + carry);
  return out;
}

// a - b for a >= b, equal lengths.
std::string subtract_magnitudes(const std::string& a, const std::string& b) {
  std::string out(a.size(), '0');
  int borrow = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    int d = (a[i] - '0') - (b[i] - '0') - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = static_cast<char>('0' + d + 10 * borrow);
  }
  return out;
}

}  // namespace

// A helper with access to Number's representation: builds one from raw significant digits
// (leading and trailing zeros allowed) and the exponent of the first of them, checking
// DynamoDB's limits. `digits_error` is the message for a result with too many digits.
struct NumberBuilder {
  static std::optional<Number> make(bool negative, std::string_view raw, long long exponent,
                                    std::string_view digits_error, std::string* error) {
    std::size_t first = raw.find_first_not_of('0');
    Number n;
    if (first == std::string_view::npos) return n;  // zero, whatever its sign or exponent
    std::size_t last = raw.find_last_not_of('0');
    exponent -= static_cast<long long>(first);
    // DynamoDB checks magnitude before precision (dynalite mirrors that order): "1e126" with
    // 39 digits reports overflow.
    if (exponent > kMaxExponent) return set_error(error, kOverflow), std::nullopt;
    if (exponent < kMinExponent) return set_error(error, kUnderflow), std::nullopt;
    if (last - first + 1 > kMaxDigits) return set_error(error, digits_error), std::nullopt;
    n.negative_ = negative;
    n.digits_ = std::string(raw.substr(first, last - first + 1));
    n.exponent_ = static_cast<int>(exponent);
    return n;
  }

  static std::optional<Number> combine(const Number& a, const Number& b, bool negate_b,
                                       std::string* error) {
    bool b_negative = negate_b ? !b.negative_ && !b.is_zero() : b.negative_;
    if (b.is_zero()) return a;
    if (a.is_zero()) {
      Number r = b;
      r.negative_ = b_negative;
      return r;
    }
    // Each operand as an integer mantissa × 10^scale, aligned on the smaller scale. The range
    // bounds the lengths at about 300 digits, so plain schoolbook arithmetic is enough.
    long long scale_a = a.exponent_ - static_cast<long long>(a.digits_.size());
    long long scale_b = b.exponent_ - static_cast<long long>(b.digits_.size());
    long long low = std::min(scale_a, scale_b);
    std::string ma = a.digits_ + std::string(static_cast<std::size_t>(scale_a - low), '0');
    std::string mb = b.digits_ + std::string(static_cast<std::size_t>(scale_b - low), '0');
    std::size_t width = std::max(ma.size(), mb.size());
    ma.insert(0, width - ma.size(), '0');
    mb.insert(0, width - mb.size(), '0');

    std::string sum;
    bool negative;
    if (a.negative_ == b_negative) {
      sum = add_magnitudes(ma, mb);
      negative = a.negative_;
    } else if (ma >= mb) {
      sum = subtract_magnitudes(ma, mb);
      negative = a.negative_;
    } else {
      sum = subtract_magnitudes(mb, ma);
      negative = b_negative;
    }
    // DynamoDB reports a sum that would need more than 38 digits (1E50 + 1) as an overflow,
    // not as a precision error (observed by ScyllaDB's Alternator tests, test_number.py).
    return make(negative, sum, static_cast<long long>(sum.size()) + low, kOverflow, error);
  }
};

// The grammar, as DynamoDB accepts it (ScyllaDB's test_number.py, checked against DynamoDB):
//   number   = [sign] mantissa [exponent]
//   mantissa = digits ["." [digits]] | "." digits
//   exponent = ("e" | "E") [sign] digits
// so "+3", ".123", "5.", "0001.23", "1e+5" and "0e1000" are numbers, while "NaN", "Infinity",
// "0x10", " 1", "1 ", "." and "1e" are not. Leading and trailing zeros are not significant.
std::optional<Number> Number::parse(std::string_view text, std::string* error) {
  if (text.empty()) return set_error(error, kNotNumeric), std::nullopt;
  auto invalid = [&]() -> std::optional<Number> {
    if (error) *error = std::string(kNotNumeric) + ": " + std::string(text);
    return std::nullopt;
  };
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
  std::size_t int_begin = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  std::string_view int_part = text.substr(int_begin, i - int_begin);
  std::string_view frac_part;
  if (i < text.size() && text[i] == '.') {
    std::size_t frac_begin = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    frac_part = text.substr(frac_begin, i - frac_begin);
  }
  if (int_part.empty() && frac_part.empty()) return invalid();
  long long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    std::size_t exp_begin = i;
    while (i < text.size() && is_digit(text[i])) {
      exponent = std::min(exponent * 10 + (text[i] - '0'), kExponentClamp);
      ++i;
    }
    if (i == exp_begin) return invalid();
    if (exp_negative) exponent = -exponent;
  }
  if (i != text.size()) return invalid();

  std::string raw;
  raw.reserve(int_part.size() + frac_part.size());
  raw.append(int_part).append(frac_part);
  return NumberBuilder::make(negative, raw, static_cast<long long>(int_part.size()) + exponent,
                             kTooManyDigits, error);
}

std::string Number::text() const {
  if (is_zero()) return "0";
  std::string out = negative_ ? "-" : "";
  auto size = static_cast<int>(digits_.size());
  if (exponent_ <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent_), '0');
    out += digits_;
  } else if (exponent_ >= size) {
    out += digits_;
    out.append(static_cast<std::size_t>(exponent_ - size), '0');
  } else {
    out.append(digits_, 0, static_cast<std::size_t>(exponent_));
    out += '.';
    out.append(digits_, static_cast<std::size_t>(exponent_));
  }
  return out;
}

std::optional<Number> Number::add(const Number& a, const Number& b, std::string* error) {
  return NumberBuilder::combine(a, b, false, error);
}

std::optional<Number> Number::subtract(const Number& a, const Number& b, std::string* error) {
  return NumberBuilder::combine(a, b, true, error);
}

std::strong_ordering operator<=>(const Number& a, const Number& b) {
  // Sign classes first: negative < zero < positive.
  auto sign = [](const Number& n) { return n.is_zero() ? 0 : n.negative() ? -1 : 1; };
  if (auto c = sign(a) <=> sign(b); c != 0) return c;
  if (a.is_zero()) return std::strong_ordering::equal;
  // Same sign: compare magnitudes (exponent, then digits; with no trailing zeros a digit string
  // that is a prefix of another is the smaller magnitude), reversed when negative.
  std::strong_ordering magnitude = a.exponent() <=> b.exponent();
  if (magnitude == 0) magnitude = a.digits().compare(b.digits()) <=> 0;
  return a.negative() ? 0 <=> magnitude : magnitude;
}

bool operator==(const Number& a, const Number& b) {
  return a.negative_ == b.negative_ && a.exponent_ == b.exponent_ && a.digits_ == b.digits_;
}

}  // namespace serverlite::table
