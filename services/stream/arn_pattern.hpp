// Kinesis's StreamARN constraint, `arn:aws.*:kinesis:.*:\d{12}:stream/\S+`, matched in one pass
// over the text. std::regex recursed once per character on it, so a StreamARN of some 30,000
// characters crashed serverlite; this takes linear time and constant stack whatever the input.
#pragma once

#include <string_view>

namespace serverlite::stream {

// Whether `arn` matches the whole pattern, as an ECMAScript regex would: `.` takes any character
// but a line terminator (\n, \r), `\S` any but whitespace (space, \t, \n, \v, \f, \r).
bool matches_stream_arn_pattern(std::string_view arn);

}  // namespace serverlite::stream
