// The one interface through which anything runs a function: the gateway, the Lambda API,
// `serverlite invoke`, and later the event pollers. Implemented by invoker::Pools.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace serverlite::invoker {

enum class InvocationType { RequestResponse, Event };

struct InvokeRequest {
  std::string function;        // key under `functions:` (callers resolve names and ARNs first)
  std::string payload;         // the event, JSON text
  InvocationType type = InvocationType::RequestResponse;
  bool tail_log = false;       // fill InvokeResult::log_tail
  std::string client_context;  // JSON text (the Lambda API decodes X-Amz-Client-Context); may be empty
  // Who asked ("gateway", "lambda", "trigger"), for observers that record invocations; running
  // the invocation does not depend on it.
  std::string origin;
  // A synchronous invocation still waiting for a free worker at this time is not started: its
  // caller has given up (the gateway's integration timeout). Once started, the function's own
  // timeout applies, counted from then.
  std::optional<std::chrono::steady_clock::time_point> start_by;
};

enum class InvokeStatus {
  Ok,             // payload is what the handler returned
  FunctionError,  // payload is a Lambda error document {"errorType","errorMessage",...}
  Throttled,      // not run: beyond reservedConcurrency, the line of waiting invocations is
                  // full, or it was not started by `start_by`; error_type says which
  ShuttingDown,   // the emulator is stopping; nothing ran
};

struct InvokeResult {
  InvokeStatus status = InvokeStatus::Ok;
  std::string payload;
  std::string error_type;      // FunctionError: "Runtime.ExitError", "Sandbox.Timedout", ...;
                               // Throttled: the reason (kThrottle* below)
  std::string request_id;
  std::string log_tail;        // when asked for: this invocation's log, last 4 KiB, not encoded
  double duration_ms = 0;
};

// Why an invocation was throttled, as Lambda's TooManyRequestsException names it in `Reason`.
inline constexpr const char* kThrottleReserved = "ReservedFunctionConcurrentInvocationLimitExceeded";
inline constexpr const char* kThrottleQueueFull = "ConcurrentInvocationLimitExceeded";
// Not Lambda's: the caller's `start_by` passed while the invocation waited for a worker.
inline constexpr const char* kThrottleNotStarted = "NotStartedInTime";

using InvokeCallback = std::function<void(InvokeResult)>;

class Invoker {
 public:
  virtual ~Invoker() = default;
  // Call on the io thread. `done` is called exactly once, on the io thread, maybe later. For
  // InvocationType::Event it is called when the invocation is accepted (status Ok, empty payload).
  virtual void invoke(InvokeRequest request, InvokeCallback done) = 0;
};

}  // namespace serverlite::invoker
