// HTTP content codings (RFC 9110 §8.4): request bodies sent with `Content-Encoding: gzip` or
// `deflate` are decoded before a service reads them, and answers are gzip-compressed for clients
// that accept it. zlib does the work; every decoding is bounded by a byte limit, so a small
// compressed body cannot grow past what an uncompressed one may be (a "zip bomb").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/http/message.hpp"

namespace serverlite::http {

enum class Inflated {
  ok,
  corrupt,    // not a valid stream of that format, or cut short
  too_large,  // the decoded bytes would pass the limit
};

// gzip (RFC 1952; several members one after the other, as a concatenation of gzip files, are
// one body) or deflate. HTTP's "deflate" is the zlib format (RFC 1950), but some clients send a
// raw deflate stream (RFC 1951): a body without a zlib header is read as raw.
enum class Coding { gzip, deflate };
Inflated inflate_bounded(std::string_view in, Coding coding, std::size_t limit, std::string& out);

// gzip of `in`, at zlib's fastest level (answers are made on the io thread).
std::string gzip(std::string_view in);

struct CodingFailure {
  int status;           // 400 a broken stream, 413 too large decoded, 415 an unknown coding
  std::string message;  // for the protocol's error
};

// Decodes `request.body` as its Content-Encoding says: codings listed in the order they were
// applied, so decoded last to first; "identity" is no coding. On success the Content-Encoding
// header is removed (the body is now plain) and nothing else changes; without the header this
// does nothing. `limit` bounds the decoded size, and each intermediate one.
std::optional<CodingFailure> decode_request_body(Request& request, std::size_t limit);

// Answers at least this large are compressed for a client that accepts gzip.
inline constexpr std::size_t kCompressMinimum = 1024;

// Whether an Accept-Encoding value accepts gzip: "gzip" or "x-gzip" (or "*") listed without
// q=0 (RFC 9110 §12.5.3).
bool accepts_gzip(std::string_view accept_encoding);

// Wraps `inner` so that its answers are gzip-compressed when the request accepts gzip and the
// answer has a body of kCompressMinimum bytes or more, no Content-Encoding of its own, and is not
// for a HEAD request. A compressed answer gets `Content-Encoding: gzip` and `Vary:
// Accept-Encoding`; an `x-amz-crc32` header is computed again over the bytes sent, as DynamoDB's
// covers the compressed body.
Handler compress_answers(Handler inner);

}  // namespace serverlite::http
