// An HTTP/1.1 server on Beast: one listener, keep-alive connections, handlers that may answer
// later (long polls, function invocations). Beast and Asio stay inside server.cpp.
//
// Threading: everything runs on the io_context's single thread; Handler and Responder are called
// there. A connection reads its next request only after the handler answered the current one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "emulator/http/message.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::http {

struct ServerOptions {
  std::size_t body_limit = 16 * 1024 * 1024;  // larger bodies get 413
};

class Server {
 public:
  Server(boost::asio::io_context& io, Handler handler, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0: any free port) and starts accepting.
  // Throws std::system_error when the address cannot be bound.
  void listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;

  // Stops accepting and closes every connection: idle ones at once, busy ones as soon as their
  // response is written. Responders called after this still write if their connection is open.
  void stop();
  std::size_t open_connections() const;

  struct Impl;  // defined in server.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace serverlite::http
