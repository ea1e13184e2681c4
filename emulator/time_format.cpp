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

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&](std::size_t n, int& out) {
    if (i + n > text.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char ch = text[i + k];
      if (ch < '0' || ch > '9') return false;
      out = out * 10 + (ch - '0');
    }
    i += n;
    return true;
  };
  auto lit = [&](char ch) {
    if (i < text.size() && text[i] == ch) {
      ++i;
      return true;
    }
    return false;
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!digits(4, y) || !lit('-') || !digits(2, mo) || !lit('-') || !digits(2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  std::int64_t millis = 0, offset_min = 0;
  if (i < text.size()) {
    if (!lit('T') && !lit('t') && !lit(' ')) return std::nullopt;
    if (!digits(2, h) || !lit(':') || !digits(2, mi)) return std::nullopt;
    if (lit(':')) {
      if (!digits(2, s)) return std::nullopt;
      if (lit('.') || lit(',')) {
        std::size_t start = i;
        std::int64_t scale = 100;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
          millis += (text[i] - '0') * scale;
          scale /= 10;
          ++i;
        }
        if (i == start) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;
    if (lit('Z') || lit('z')) {
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      int sign = text[i] == '-' ? -1 : 1;
      ++i;
      int oh, om = 0;
      if (!digits(2, oh)) return std::nullopt;
      lit(':');
      if (i < text.size() && !digits(2, om)) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (i != text.size()) return std::nullopt;
  // Days from the civil date (Howard Hinnant's algorithm).
  int yy = mo <= 2 ? y - 1 : y;
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + millis;
}

// PnW, or PnDTnHnMn.nS (any part may be left out, at least one given). Bounded: at most 64
// characters, each number at most 9 digits before its designator.
std::optional<std::int64_t> parse_iso8601_duration(std::string_view text) {
  if (text.size() < 3 || text.size() > 64 || text[0] != 'P') return std::nullopt;
  std::size_t i = 1;
  bool in_time = false, any = false;
  std::int64_t total = 0;
  std::string_view order = "WD";  // designators still allowed, in order
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return std::nullopt;
      in_time = true;
      order = "HMS";
      ++i;
      if (i == text.size()) return std::nullopt;  // "PT" alone
      continue;
    }
    std::int64_t whole = 0, fraction_ms = 0;
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 9)
      whole = whole * 10 + (text[i++] - '0');
    if (i == start) return std::nullopt;
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      ++i;
      std::int64_t scale = 100;
      std::size_t digits = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - digits < 9) {
        fraction_ms += (text[i++] - '0') * scale;
        scale /= 10;
      }
      if (i == digits || i >= text.size() || text[i] != 'S') return std::nullopt;
    }
    if (i >= text.size()) return std::nullopt;
    char designator = text[i++];
    auto at = order.find(designator);
    if (at == std::string_view::npos) return std::nullopt;
    order = order.substr(at + 1);
    std::int64_t unit_ms = 0;
    switch (designator) {
      case 'W': unit_ms = 7 * 86400000LL; break;
      case 'D': unit_ms = 86400000LL; break;
      case 'H': unit_ms = 3600000LL; break;
      case 'M': unit_ms = 60000LL; break;
      case 'S': unit_ms = 1000LL; break;
    }
    total += whole * unit_ms + fraction_ms;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

}  // namespace serverlite
