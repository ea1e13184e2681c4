// UTC time as AWS writes it in various places.
#pragma once

#include <cstdint>
#include <string>

namespace serverlite {

// ISO 8601 with milliseconds, "2026-11-24T20:55:12.345Z"; without the zone designator when
// `zulu` is false (DynamoDB stream labels).
std::string iso8601_millis(std::int64_t epoch_ms, bool zulu = true);

// Java's Date.toString() in UTC, "Thu Jan 22 01:22:02 UTC 2015", as Kinesis's and DynamoDB
// Streams' iterator messages print times.
std::string java_utc(std::int64_t epoch_ms);

}  // namespace serverlite
