#include "services/table/hash_order.hpp"

#include "emulator/md5.hpp"

namespace serverlite::table {

namespace {

constexpr std::string_view kSalt = "Outliers";
constexpr std::size_t kMaxDigitBytes = 20;  // 38 digits, or 39 with a leading zero pad

}  // namespace

std::string dynamo_number_bytes(const Number& n) {
  if (n.is_zero()) return std::string(1, static_cast<char>(0x80));
  // value = 0.d1d2... x 10^e. The digits go in base-100 pairs, which line up with an even
  // decimal exponent: an odd one gets a leading zero digit (0.5 x 10^1 = 0.05 x 10^2).
  std::string digits = n.digits();
  int e = n.exponent();
  bool pad = e % 2 != 0;
  if (pad) {
    digits.insert(digits.begin(), '0');
    ++e;
  }
  int exponent_byte = (e / 2 - 64) & 0xff;
  if (n.negative()) exponent_byte = ~exponent_byte & 0xff;
  std::string out(1, static_cast<char>(exponent_byte));
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    int pair = (digits[i] - '0') * 10 + (i + 1 < digits.size() ? digits[i + 1] - '0' : 0);
    out.push_back(static_cast<char>(n.negative() ? 101 - pair : pair + 1));
  }
  if (n.negative() && out.size() - 1 < kMaxDigitBytes) out.push_back(static_cast<char>(102));
  return out;
}

namespace {

void append_key_bytes(std::string& out, ValueType type, std::string_view encoded) {
  if (type == ValueType::N) out += dynamo_number_bytes(decode_number_key(encoded));
  else out += encoded;  // S and B keys encode as their own bytes
}

std::uint32_t leading_bits(const std::string& input) {
  Md5 digest = md5(input);
  return (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
         (std::uint32_t{digest[2]} << 8) | std::uint32_t{digest[3]};
}

}  // namespace

std::uint32_t hash_token(ValueType type, std::string_view encoded) {
  std::string input(kSalt);
  append_key_bytes(input, type, encoded);
  return leading_bits(input);
}

std::uint32_t key_order_token(ValueType hash_type, std::string_view hash,
                              std::optional<ValueType> range_type, std::string_view range) {
  std::string input(kSalt);
  append_key_bytes(input, hash_type, hash);
  if (range_type) append_key_bytes(input, *range_type, range);
  return leading_bits(input);
}

TokenRange segment_tokens(int segment, int total) {
  // Segment i of n starts at ceil(2^32 * i / n): with n a power of two up to 4096 these are the
  // slices of the hash's leading bits.
  auto start = [&](std::int64_t i) {
    return ((i << 32) + total - 1) / total;
  };
  return {start(segment), segment + 1 == total ? (std::int64_t{1} << 32) : start(segment + 1)};
}

}  // namespace serverlite::table
