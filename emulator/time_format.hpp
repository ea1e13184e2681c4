// UTC time as AWS writes it in various places.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace serverlite {

// ISO 8601 with milliseconds, "2026-11-24T20:55:12.345Z"; without the zone designator when
// `zulu` is false (DynamoDB stream labels).
std::string iso8601_millis(std::int64_t epoch_ms, bool zulu = true);

// Java's Date.toString() in UTC, "Thu Jan 22 01:22:02 UTC 2015", as Kinesis's and DynamoDB
// Streams' iterator messages print times.
std::string java_utc(std::int64_t epoch_ms);

// ISO 8601 date or date-time ("2026-01-01", "2026-01-01T00:05:00Z", "...T00:05:00.250+02:00") to
// epoch milliseconds; nullopt when it is not one. A time without a zone is UTC.
std::optional<std::int64_t> parse_iso8601(std::string_view text);

// An ISO 8601 duration of days, hours, minutes and seconds ("PT30S", "PT1H30M", "P1DT2H",
// "PT0.5S", "P2W") to milliseconds; nullopt otherwise (years and months have no fixed length and
// are refused).
std::optional<std::int64_t> parse_iso8601_duration(std::string_view text);

}  // namespace serverlite
