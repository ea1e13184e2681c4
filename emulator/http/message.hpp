// Plain HTTP request and response types shared by every listener and service.
// Nothing here knows Beast or Asio: services build and read these, emulator/http/server.cpp
// converts them to and from the wire.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace serverlite::http {

struct Header {
  std::string name;   // as the client spelled it
  std::string value;
};

// True when a and b are equal ignoring ASCII case (header names, methods).
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;                // upper case as received, e.g. "GET"
  std::string target;                // raw request target: "/path?query"
  int version = 11;                  // 10, 11, or 20 (HTTP/2)
  std::vector<Header> headers;       // in arrival order, duplicates kept
  std::string body;
  std::string remote_address;        // peer IP, e.g. "127.0.0.1"

  std::string_view path() const;     // target up to '?', still percent-encoded
  std::string_view query() const;    // after '?', empty when none
  // First header with this name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // Never sent: what served the request, for its access line (the function a gateway route ran).
  std::string served_by;

  Response& set_header(std::string name, std::string value);  // replaces any of that name
  Response& add_header(std::string name, std::string value);  // appends (Set-Cookie ...)
  std::optional<std::string_view> header(std::string_view name) const;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body);
};

// Whether an answer with this status carries content: 1xx, 204 and 304 never do (RFC 9110 §6.4.1).
bool response_has_body(int status);

// The Content-Length of an answer with content: the body's size. An answer to HEAD describes the
// GET it stands for, so there a handler's own Content-Length header counts when it is a number
// (the body, sent or not, may then be empty).
std::string content_length(const Response& res, bool head);

// How a handler answers. Call it exactly once, at once or later, on the io thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request, Responder)>;

// Hands a request to its handler, measuring how long the handler holds the io thread (the
// loop's hold meter, emulator/loop_holds.hpp). This is the last line of defence: a handler's
// exception must not escape into the event loop, where it would end serverlite; it is answered
// 500 instead.
void run_handler(const Handler& handler, Request request, const Responder& respond);

// Writes "METHOD path [X-Amz-Target]" into `out` (cut to `size`), without allocating: what a
// request was, kept by the hold meter should it be the longest hold.
std::size_t request_label(char* out, std::size_t size, const Request& request);

// `t` as RFC 9110's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (English names whatever the
// locale), for the Date header every answer carries.
std::string http_date(std::int64_t epoch_seconds);
// The wall clock's now as http_date (formatted once a second). HTTP's Date is the real time,
// whichever clock the services run on.
const std::string& http_date_now();

// Percent-decoding of a path segment or query component. `plus_as_space` for form/query text.
std::string percent_decode(std::string_view in, bool plus_as_space = false);

// Query string into (name, value) pairs, decoded, in order, duplicates kept. "a&b=" gives
// {"a",""},{"b",""}.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace serverlite::http
