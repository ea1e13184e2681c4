#include "emulator/aws/cbor.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "emulator/utf8.hpp"

namespace serverlite::aws {

using Json = nlohmann::json;

namespace {

void head(std::string& out, int major, std::uint64_t n) {
  auto byte = [&](std::uint64_t b) { out.push_back(static_cast<char>(b & 0xff)); };
  std::uint64_t m = static_cast<std::uint64_t>(major) << 5;
  if (n < 24) {
    byte(m | n);
  } else if (n <= 0xff) {
    byte(m | 24);
    byte(n);
  } else if (n <= 0xffff) {
    byte(m | 25);
    for (int s = 8; s >= 0; s -= 8) byte(n >> s);
  } else if (n <= 0xffffffffULL) {
    byte(m | 26);
    for (int s = 24; s >= 0; s -= 8) byte(n >> s);
  } else {
    byte(m | 27);
    for (int s = 56; s >= 0; s -= 8) byte(n >> s);
  }
}

void integer(std::string& out, std::int64_t v) {
  if (v >= 0) head(out, 0, static_cast<std::uint64_t>(v));
  else head(out, 1, static_cast<std::uint64_t>(-(v + 1)));
}

void encode(std::string& out, const Json& v, bool timestamp) {
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      out.push_back(static_cast<char>(0xf6));
      return;
    case Json::value_t::boolean:
      out.push_back(static_cast<char>(v.get<bool>() ? 0xf5 : 0xf4));
      return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: {
      if (timestamp) {
        head(out, 6, 1);
        return integer(out, static_cast<std::int64_t>(std::llround(v.get<double>() * 1000)));
      }
      if (v.is_number_unsigned()) return head(out, 0, v.get<std::uint64_t>());
      if (v.is_number_integer()) return integer(out, v.get<std::int64_t>());
      double d = v.get<double>();
      out.push_back(static_cast<char>(0xfb));
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((bits >> s) & 0xff));
      return;
    }
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      head(out, 3, s.size());
      out += s;
      return;
    }
    case Json::value_t::binary: {
      const auto& b = v.get_binary();
      head(out, 2, b.size());
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return;
    }
    case Json::value_t::array:
      head(out, 4, v.size());
      for (const auto& item : v) encode(out, item, false);
      return;
    case Json::value_t::object:
      head(out, 5, v.size());
      for (const auto& [key, item] : v.items()) {
        head(out, 3, key.size());
        out += key;
        encode(out, item, key.ends_with("Timestamp"));
      }
      return;
  }
}

// A decoder of our own: nlohmann's (3.11) rejects tags 0-5, and tag 1 is how the SDKs send
// timestamps. Definite and indefinite lengths (Jackson, behind the Java SDK, writes maps with
// indefinite length), half/single/double floats; undefined and simple values read as null.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  Json value(int depth = 0) {
    if (depth > 64) fail();
    std::uint8_t initial = byte();
    int major = initial >> 5, info = initial & 0x1f;
    switch (major) {
      case 0:
        return Json(argument(info));
      case 1:
        return Json(-1 - static_cast<std::int64_t>(argument(info)));
      case 2:
      case 3: {
        std::string text = info == 31 ? chunks(major) : take(argument(info));
        if (major == 3) {
          // RFC 8949 §3.1: a text string is UTF-8. Kept as it came, it would make every later
          // JSON encoding of the value (a Lambda event, an answer) throw.
          if (!is_valid_utf8(text)) fail();
          return Json(std::move(text));
        }
        return Json::binary(std::vector<std::uint8_t>(text.begin(), text.end()));
      }
      case 4: {
        Json out = Json::array();
        if (info == 31) {
          while (!at_break()) out.push_back(value(depth + 1));
          ++pos_;
        } else {
          for (std::uint64_t n = argument(info); n > 0; --n) out.push_back(value(depth + 1));
        }
        return out;
      }
      case 5: {
        Json out = Json::object();
        auto member = [&] {
          Json key = value(depth + 1);
          if (!key.is_string()) fail();
          out[key.get<std::string>()] = value(depth + 1);
        };
        if (info == 31) {
          while (!at_break()) member();
          ++pos_;
        } else {
          for (std::uint64_t n = argument(info); n > 0; --n) member();
        }
        return out;
      }
      case 6:
        argument(info);  // the tag number: the value stands for itself
        return value(depth + 1);
      default:
        return simple(info);
    }
  }

  bool done() const { return pos_ == in_.size(); }

 private:
  [[noreturn]] static void fail() { throw std::runtime_error("malformed CBOR"); }

  std::uint8_t byte() {
    if (pos_ >= in_.size()) fail();
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t be(int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | byte();
    return v;
  }
  std::uint64_t argument(int info) {
    if (info < 24) return static_cast<std::uint64_t>(info);
    if (info == 24) return be(1);
    if (info == 25) return be(2);
    if (info == 26) return be(4);
    if (info == 27) return be(8);
    fail();
  }
  std::string take(std::uint64_t n) {
    if (n > in_.size() - pos_) fail();
    std::string out(in_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }
  bool at_break() {
    if (pos_ >= in_.size()) fail();
    return static_cast<std::uint8_t>(in_[pos_]) == 0xff;
  }
  std::string chunks(int major) {
    std::string out;
    while (!at_break()) {
      std::uint8_t initial = byte();
      if ((initial >> 5) != major || (initial & 0x1f) == 31) fail();
      out += take(argument(initial & 0x1f));
    }
    ++pos_;
    return out;
  }
  Json simple(int info) {
    switch (info) {
      case 20: return Json(false);
      case 21: return Json(true);
      case 22:
      case 23: return Json(nullptr);
      case 24: be(1); return Json(nullptr);
      case 25: {  // IEEE 754 half precision
        auto h = static_cast<std::uint16_t>(be(2));
        int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
        double v = exponent == 0    ? std::ldexp(mantissa, -24)
                   : exponent == 31 ? (mantissa ? NAN : INFINITY)
                                    : std::ldexp(mantissa + 1024, exponent - 25);
        return Json((h & 0x8000) ? -v : v);
      }
      case 26: {
        auto bits = static_cast<std::uint32_t>(be(4));
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return Json(static_cast<double>(f));
      }
      case 27: {
        std::uint64_t bits = be(8);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return Json(d);
      }
      default:
        if (info < 20) return Json(nullptr);
        fail();
    }
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

Json cbor_decode(std::string_view body) {
  if (body.empty()) return Json::object();
  Json value;
  try {
    Decoder decoder(body);
    value = decoder.value();
    if (!decoder.done()) throw std::runtime_error("trailing bytes");
  } catch (const std::exception&) {
    throw ApiError(400, std::string(kSerializationException), "Malformed CBOR body");
  }
  if (!value.is_object())
    throw ApiError(400, std::string(kSerializationException), "Expected a CBOR map as the body");
  return value;
}

std::string cbor_encode(const Json& value) {
  std::string out;
  encode(out, value, false);
  return out;
}

double cbor_timestamp_seconds(const Json& value) {
  double v = value.get<double>();
  return v > 1e11 ? v / 1000.0 : v;
}

}  // namespace serverlite::aws
