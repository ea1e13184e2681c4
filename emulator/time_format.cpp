#include "emulator/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace serverlite {

namespace {

std::tm utc(std::int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

std::string iso8601_millis(std::int64_t epoch_ms, bool zulu) {
  std::tm tm = utc(epoch_ms);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(epoch_ms % 1000), zulu ? "Z" : "");
  return buffer;
}

std::string java_utc(std::int64_t epoch_ms) {
  std::tm tm = utc(epoch_ms);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buffer;
}

}  // namespace serverlite
