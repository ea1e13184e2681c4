// libFuzzer target for the platform's parsers of untrusted text: the admin API's ISO 8601 times
// and durations (POST /_serverlite/clock) and ARNs (delivery by ARN). Each must answer any input
// without crashing, reading out of bounds or overflowing, and round-trip what it accepts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/platform/delivery.hpp"
#include "emulator/time_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto ms = serverlite::parse_iso8601_duration(text); ms && *ms < 0) __builtin_trap();
  (void)serverlite::parse_iso8601(text);
  if (auto arn = serverlite::platform::Arn::parse(text)) {
    auto again = serverlite::platform::Arn::parse(arn->str());
    if (!again || again->str() != arn->str()) __builtin_trap();
  }
  return 0;
}
