// How long a client may take, and how much memory request bodies may hold, on every listener
// (the AWS endpoint, the gateway and each worker's Runtime API alike). Nothing here knows Beast
// or Asio.
#pragma once

#include <chrono>
#include <cstddef>

namespace serverlite::http {

struct Limits {
  // From a connection's first byte (or its opening) to the end of a request's header. Covers a
  // client that connects and sends nothing, and one that sends half a header.
  std::chrono::milliseconds header_timeout{60'000};
  // The longest pause while a request's body arrives. A slow upload that keeps sending is fine.
  std::chrono::milliseconds body_timeout{60'000};
  // How long a keep-alive connection may wait for its next request once the last one is
  // answered. Never applies while a handler is working on a request (a Runtime API's long-poll
  // GET /next waits as long as it must), nor while an answer is being written.
  std::chrono::milliseconds idle_timeout{120'000};
  // The memory that request bodies still being received may hold, all listeners together. The
  // first body_allowance bytes of each body are not counted (like the header, they fit in one
  // read); a request whose body would take more than what is left is answered 503.
  std::size_t body_memory = 128 * 1024 * 1024;
};

// The longest request target (path and query) served; a longer one is answered 414 URI Too
// Long. The whole header section, request line included, may hold 64 KiB (past it: 431).
inline constexpr std::size_t max_request_target = 16 * 1024;
inline constexpr std::size_t max_header_section = 64 * 1024;
// The longest request body served by default (ServerOptions::body_limit), and so the most a
// compressed body may decode to.
inline constexpr std::size_t default_body_limit = 16 * 1024 * 1024;

// Bytes of each body that the budget does not count.
inline constexpr std::size_t body_allowance = 64 * 1024;

// What servers created from now on use by default (ServerOptions reads it). `serverlite up`
// sets it from its command line before it opens any listener.
void set_default_limits(const Limits& limits);
const Limits& default_limits();

// A request body's share of the process-wide budget (Limits::body_memory). Move-only; gives its
// bytes back when destroyed or released.
class BodyCharge {
 public:
  BodyCharge() = default;
  ~BodyCharge() { release(); }
  BodyCharge(BodyCharge&& other) noexcept : bytes_(other.bytes_) { other.bytes_ = 0; }
  BodyCharge& operator=(BodyCharge&& other) noexcept;
  BodyCharge(const BodyCharge&) = delete;
  BodyCharge& operator=(const BodyCharge&) = delete;

  // The body now takes `size` bytes of memory. False, and nothing changed, when the budget
  // cannot hold them.
  bool hold(std::size_t size);
  // Gives back what this body holds (it was handed to a handler, or dropped).
  void release();

 private:
  std::size_t bytes_ = 0;  // counted against the budget
};

// Bytes the budget currently holds for bodies being received (for tests and diagnostics).
std::size_t body_memory_in_use();

// One open client connection, counted against the open-files limit. Listeners stop accepting
// while connection_slots_left() is zero, so that client connections never take the last
// descriptors: handlers' pipes, the state's files and the sanitizers' own checks need some
// (under UBSan, an exhausted descriptor table makes every vptr check that misses its cache fail).
// Move-only; the count drops when the slot is destroyed or released.
class ConnectionSlot {
 public:
  ConnectionSlot();
  ~ConnectionSlot() { release(); }
  ConnectionSlot(ConnectionSlot&& other) noexcept : held_(other.held_) { other.held_ = false; }
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  void release();

 private:
  bool held_ = false;
};

// How many more connections may open: the soft open-files limit (read once), less a reserve
// of an eighth of it (at least 32, at most 1,024), less the connections open.
std::size_t connection_slots_left();
// The number of connections that may be open at once, and the open-files limit it comes from.
std::size_t connection_cap();
std::size_t open_files_limit();

}  // namespace serverlite::http
