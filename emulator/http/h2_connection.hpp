// HTTP/2 over cleartext TCP with prior knowledge (RFC 9113 §3.3) for the HTTP server.
//
// The AWS SDK for JavaScript v3 sends Kinesis requests over HTTP/2 by default; against an
// http:// endpoint it opens the connection with the HTTP/2 preface instead of a request line.
// server.cpp reads the first bytes of every connection and, when they are the preface, hands the
// socket to start_h2_connection(). Each stream then becomes one Request for the same Handler the
// HTTP/1.1 path uses, so services never know which protocol a client spoke.
//
// Threading: everything runs on the io_context's single thread; Handler and Responder are called
// there, never from inside the HTTP/2 library's callbacks.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "emulator/http/limits.hpp"
#include "emulator/http/message.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::http {

// What server.cpp keeps of an HTTP/2 connection: enough to count it and to stop it.
class H2Connection {
 public:
  virtual ~H2Connection() = default;

  // Sends GOAWAY (no new streams), lets streams already begun finish, then closes. Streams whose
  // handler never answers keep the connection open, as a busy HTTP/1.1 connection stays open.
  virtual void stop() = 0;
  virtual bool is_open() const = 0;
};

// Timeouts as for HTTP/1.1 (limits.hpp; zero turns one off), per connection: while a stream's
// request is still arriving, the connection closes when no byte comes for header_timeout (some
// stream's header is incomplete) or body_timeout; with no stream open at all it says GOAWAY and
// closes after idle_timeout. Streams waiting for their handler, or whose answer is being sent,
// keep it open as long as they take.
struct H2Options {
  std::size_t body_limit = 16 * 1024 * 1024;  // larger request bodies get 413
  std::string remote_address;                 // becomes Request::remote_address
  std::chrono::milliseconds header_timeout{0};
  std::chrono::milliseconds body_timeout{0};
  std::chrono::milliseconds idle_timeout{0};
  ConnectionSlot slot;  // the connection's place in the count of open ones, held while open
};

// Serves HTTP/2 on `native_socket`, a connected TCP socket descriptor whose ownership passes to
// the connection (server.cpp releases it from Asio). `already_read` holds the bytes read while
// sniffing, starting with the 24-byte preface. The connection keeps `handler` (and whatever owns
// it) alive while open, and keeps itself alive by its pending I/O: the returned pointer may be
// dropped or held weakly. A Responder it handed out that is called after the connection closed,
// or after the client reset that stream, does nothing.
//
// Each request becomes a Request with version 20, method and target from :method and :path,
// headers with HTTP/2's lower-case names, :authority also as a `host` header when the client
// sent none, and split `cookie` headers joined again (RFC 9113 §8.2.3). Responses get
// lower-cased names, lose connection-specific headers (Connection, Keep-Alive, Transfer-Encoding
// ...), and get a content-length computed from the body.
std::shared_ptr<H2Connection> start_h2_connection(boost::asio::io_context& io, int native_socket,
                                                  std::string_view already_read,
                                                  std::shared_ptr<const Handler> handler,
                                                  H2Options options);

// The client connection preface of RFC 9113 §3.4.
inline constexpr std::string_view h2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace serverlite::http
