#include "services/stream/arn_pattern.hpp"

namespace serverlite::stream {

namespace {

bool line_terminator(char c) { return c == '\n' || c == '\r'; }
bool whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

// arn:aws <A> :kinesis: <B> : <12 digits> :stream/ <C>, where A and B hold no line terminator
// and C is one or more non-whitespace characters to the end. Each candidate ":stream/" is tried:
// before it must stand ":" and 12 digits at some j, a ":kinesis:" must end at or before j
// (the first one is enough, as A and B may be anything), nothing from "arn:aws" to j may be a
// line terminator, and everything after ":stream/" must be non-whitespace.
bool matches_stream_arn_pattern(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws", kKinesis = ":kinesis:", kStream = ":stream/";
  if (!arn.starts_with(kPrefix)) return false;
  const std::size_t n = arn.size();
  std::size_t kinesis = arn.find(kKinesis, kPrefix.size());
  if (kinesis == std::string_view::npos) return false;
  std::size_t first_terminator = n;
  for (std::size_t i = kPrefix.size(); i < n; ++i)
    if (line_terminator(arn[i])) {
      first_terminator = i;
      break;
    }
  std::size_t last_whitespace = std::string_view::npos;
  for (std::size_t i = n; i-- > 0;)
    if (whitespace(arn[i])) {
      last_whitespace = i;
      break;
    }
  for (std::size_t at = arn.find(kStream); at != std::string_view::npos;
       at = arn.find(kStream, at + 1)) {
    std::size_t rest = at + kStream.size();
    if (rest >= n) break;  // \S+ needs one character at least
    if (last_whitespace != std::string_view::npos && last_whitespace >= rest) continue;
    if (at < 13) continue;
    std::size_t colon = at - 13;
    if (arn[colon] != ':' || kinesis + kKinesis.size() > colon || first_terminator < colon)
      continue;
    bool digits = true;
    for (std::size_t i = colon + 1; i < at; ++i) digits = digits && arn[i] >= '0' && arn[i] <= '9';
    if (digits) return true;
  }
  return false;
}

}  // namespace serverlite::stream
