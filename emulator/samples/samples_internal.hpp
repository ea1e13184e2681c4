// Private to emulator/samples: what samples.cpp and notify_events.cpp share (constants, ids and
// time helpers, option access, the builders' Context, and the builders notify_events.cpp defines).
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include "emulator/app/app_spec.hpp"
#include "emulator/samples/samples.hpp"

namespace serverlite::samples {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

namespace detail {

inline const std::string kAccount(app::kAccountId);
// The identity that "sent" a sample: the SQS engine's default SenderId, so samples and real
// deliveries name the same principal.
inline constexpr const char* kCallerId = "AIDAIT2UOQQY3AUEKVGXU";
inline constexpr std::uint64_t kFixedSeed = 0x5e7e1a7e5eedull;

// ---- ids and time -----------------------------------------------------------------------------

// Where a sample's ids come from: a fixed seed with fixed_clock, else the system's randomness.
class Ids {
 public:
  Ids(bool fixed, std::uint64_t salt)
      : rng_(fixed ? kFixedSeed ^ salt : (std::uint64_t{std::random_device{}()} << 32) ^
                                             std::random_device{}()) {}

  std::string hex(int digits, bool upper = false) {
    const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    for (int i = 0; i < digits; ++i) out += alphabet[rng_() % 16];
    return out;
  }
  // A version 4 UUID, as AWS writes message and event ids.
  std::string uuid() {
    std::string h = hex(32);
    h[12] = '4';
    h[16] = "89ab"[rng_() % 4];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
           h.substr(16, 4) + "-" + h.substr(20);
  }
  std::string alnum(int length) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    for (int i = 0; i < length; ++i) out += kAlphabet[rng_() % kAlphabet.size()];
    return out;
  }
  std::string bytes(int count) {
    std::string out;
    for (int i = 0; i < count; ++i) out += static_cast<char>(rng_() & 0xff);
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

// Defined in samples.cpp.
std::int64_t epoch_ms(TimePoint t);
std::string iso_time(TimePoint t, bool millis, std::string_view suffix);

// ---- option access ----------------------------------------------------------------------------

class Options {
 public:
  Options(const SourceInfo& source, const std::map<std::string, std::string>& given)
      : source_(source), given_(given) {
    for (const auto& [name, value] : given) {
      bool known = std::any_of(source.options.begin(), source.options.end(),
                               [&](const OptionInfo& o) { return o.name == name; });
      if (known) continue;
      std::string list;
      for (const auto& o : source.options) list += (list.empty() ? "" : ", ") + o.name;
      throw SampleError("unknown option '" + name + "' for " + source.name + " (options: " +
                        list + ")");
    }
  }

  bool given(const std::string& name) const { return given_.contains(name); }

  std::string text(const std::string& name) const {
    if (auto it = given_.find(name); it != given_.end()) return it->second;
    for (const auto& o : source_.options)
      if (o.name == name) return o.default_value;
    throw std::logic_error("samples: no option " + name);  // a bug in this file
  }

  [[noreturn]] void fail(const std::string& name, const std::string& why) const {
    throw SampleError("option '" + name + "' of " + source_.name + ": " + why);
  }

  std::int64_t integer(const std::string& name, std::int64_t min, std::int64_t max) const {
    std::string value = text(name);
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || out < min ||
        out > max)
      fail(name, "must be an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + value + "'");
    return out;
  }

  // JSON text; nullopt when the option is empty.
  std::optional<Json> json(const std::string& name) const {
    std::string value = text(name);
    if (value.empty()) return std::nullopt;
    Json out = Json::parse(value, nullptr, false);
    if (out.is_discarded()) fail(name, "is not valid JSON: " + value);
    return out;
  }

  Json object(const std::string& name) const {
    auto value = json(name);
    if (!value) return Json::object();
    if (!value->is_object()) fail(name, "must be a JSON object");
    return *value;
  }

  // Letters, digits and `extra`, 1..max_length characters.
  std::string name_like(const std::string& name, std::string_view extra,
                        std::size_t max_length) const {
    std::string value = text(name);
    bool ok = !value.empty() && value.size() <= max_length &&
              std::all_of(value.begin(), value.end(), [&](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) ||
                       extra.find(c) != std::string_view::npos;
              });
    if (!ok)
      fail(name, "'" + value + "' is not a valid name (1-" + std::to_string(max_length) +
                     " letters, digits or '" + std::string(extra) + "')");
    return value;
  }

  std::string region() const {
    std::string value = text("region");
    // us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4 ...
    bool ok = value.size() >= 6 && value.find('-') != std::string::npos &&
              std::isdigit(static_cast<unsigned char>(value.back())) &&
              std::all_of(value.begin(), value.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
              });
    if (!ok) fail("region", "'" + value + "' is not a region name (e.g. us-east-1)");
    return value;
  }

 private:
  const SourceInfo& source_;
  const std::map<std::string, std::string>& given_;
};

struct Context {
  const Options& options;
  Ids& ids;
  TimePoint time;
  std::string region;
};

// Defined in samples.cpp (API Gateway).
std::string trim(std::string_view s);

// ---- the builders in notify_events.cpp --------------------------------------------------------

Json schedule(const Context& c);
Json eventbridge(const Context& c);
Json sns(const Context& c);
Json s3(const Context& c);

}  // namespace detail

}  // namespace serverlite::samples
