// An HTTP/1.1 and HTTP/2 server: one listener, keep-alive connections, handlers that may answer
// later (long polls, function invocations). HTTP/1.1 requests are read by Beast's parser and
// answers written by append_response_head; a connection that opens with the HTTP/2 preface
// (cleartext, prior knowledge: what the JavaScript SDK's Kinesis client sends to an http://
// endpoint) is handed to nghttp2 (h2_connection.*). Beast, Asio and nghttp2 stay inside the .cpp
// files.
//
// Threading: everything runs on the io_context's single thread; Handler and Responder are called
// there. A connection reads its next request only after the handler answered the current one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "emulator/http/limits.hpp"
#include "emulator/http/message.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::http {

// A malformed request is answered 400 (414 for a request target over max_request_target, 431 for
// a header section over max_header_section, 413 for a body over body_limit, 503 when the request
// body budget of limits.hpp is spent) with "Connection: close",
// and its connection closed. The timeouts (see Limits; zero turns one off) close a connection
// that stalls; they default to default_limits() at the time the options are made.
struct ServerOptions {
  std::size_t body_limit = default_body_limit;  // larger bodies get 413
  std::chrono::milliseconds header_timeout = default_limits().header_timeout;
  std::chrono::milliseconds body_timeout = default_limits().body_timeout;
  std::chrono::milliseconds idle_timeout = default_limits().idle_timeout;
  // Called once for each accepted connection with its TCP ports (the peer's, then the
  // listener's). An answer returned is given to every request on that connection, which the
  // handler then never sees (an HTTP/2 connection is closed instead).
  std::function<std::optional<Response>(std::uint16_t peer_port, std::uint16_t local_port)>
      screen;
};

class Server {
 public:
  Server(boost::asio::io_context& io, Handler handler, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0: any free port) and starts accepting.
  // Throws std::system_error when the address cannot be bound. When accept fails for want of
  // descriptors (EMFILE, ENFILE), it retries every 100 ms and says so once on stderr.
  void listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;

  // Stops accepting and closes every connection: idle ones at once, busy ones as soon as their
  // response is written. Responders called after this still write if their connection is open.
  // HTTP/2 connections get GOAWAY and close once their open streams are answered.
  void stop();
  std::size_t open_connections() const;

  struct Impl;  // defined in server.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

// The status line and header block of `res` as an HTTP/1.1 answer puts them on the wire, blank
// line included, appended to `out`; the body goes after it unchanged. The server frames the
// message: a handler's Content-Length, Transfer-Encoding and Connection headers are left out,
// Content-Length is content_length(res, head) (none for 1xx, 204 and 304, which carry no body;
// `head` when answering a HEAD request), and "Connection: close" is added unless `keep_alive`. CR
// and LF inside a header value become spaces, and a header whose name is not an HTTP token is left
// out, so a handler cannot split the answer.
void append_response_head(const Response& res, bool keep_alive, std::string& out,
                          bool head = false);

}  // namespace serverlite::http
