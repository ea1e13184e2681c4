// One line per request on stderr, as a person watching `serverlite up` wants it: where it came
// in (the gateway or the AWS endpoint), what it asked for (method and path, or the AWS operation),
// the status and how long it took until its answer was released:
//
//   [gateway] GET /dev/items 200 12.4 ms -> listItems
//   [aws] DynamoDB.PutItem 200 0.6 ms
//   [aws] SQS.SendMessage 400 0.3 ms AWS.SimpleQueueService.NonExistentQueue
//
// Cheap by design: a request's description is a fixed array carried in the responder it wraps
// (no allocation of its own), and the lines gather in one buffer that is written with one
// write(2) when the io loop runs dry (batched) or at once (unbatched: no loop tells it when).
//
// Threading: the io thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "emulator/http/message.hpp"

namespace serverlite {

class AccessLog {
 public:
  enum class Listener { Gateway, Aws };

  // What a request asked for, described before it is handed on (the request is moved).
  struct Summary {
    std::array<char, 120> text{};
    std::size_t size = 0;
    std::string_view view() const { return {text.data(), size}; }
  };

  // Lines go to `fd` (stderr by default).
  explicit AccessLog(int fd = 2);
  ~AccessLog();

  // Batched: lines wait in the buffer until flush() (the io loop's idle hook) or until the
  // buffer holds kFlushAt bytes. Unbatched (the default): each line is written at once.
  void set_batched(bool batched) { batched_ = batched; }
  // Writes what the buffer holds; returns whether there was anything.
  bool flush();

  // "GET /dev/items" for the gateway; for the AWS endpoint the operation: the X-Amz-Target with
  // its API version left out ("DynamoDB.PutItem"), the query protocol's Action after the signing
  // name ("SQS.SendMessage"), else the method and path. Bounded: long paths end in "...".
  static Summary describe(Listener listener, const http::Request& request);
  // The error code of an AWS answer that has one: its x-amzn-ErrorType header, `__type` of a
  // JSON body or `<Code>` of an XML one (looked for in the body's first 1 KiB); "" otherwise.
  static std::string_view error_code(const http::Response& response);

  // Appends one line; `served_by` (the function a gateway route ran) ends it after "->".
  void add(Listener listener, std::string_view what, int status, std::string_view error,
           std::chrono::steady_clock::duration took, std::string_view served_by = {});

  // `respond` wrapped so that calling it logs the request's line first.
  static http::Responder wrap(std::shared_ptr<AccessLog> log, Listener listener,
                              const http::Request& request, http::Responder respond);

  static constexpr std::size_t kFlushAt = 16 * 1024;

 private:
  int fd_;
  bool batched_ = false;
  std::string buffer_;
};

}  // namespace serverlite
