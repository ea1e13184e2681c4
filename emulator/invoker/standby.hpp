// Standby processes (hot reload): while the app is watched, each function that has run warm keeps
// one more runtime process started ahead: the interpreter, serverlite's preload and the runtime
// client loaded, none of the app's code imported. It waits on GET
// /2018-06-01/runtime/serverlite/standby of its own Runtime API. When the function's code
// changes, the pool releases it in place of spawning a new worker (after a TypeScript handler's
// rebuild): it imports the handler as the files are now and serves, without paying the
// interpreter's start-up. The next standby starts once the pool is idle again.
//
// A standby is not a worker for concurrency: it takes no invocation until released. It is
// killed with the workers at shutdown, its output is the function's like a worker's, and its
// environment is the one a new worker gets. Worker and FunctionPool implement it (standby.cpp).
#pragma once

#include <chrono>

namespace serverlite::invoker {

// After this many standbys of a function in a row exited before their release, the function
// keeps none until its code changes again (a broken interpreter or preload would otherwise
// restart one at every invocation).
inline constexpr int kMaxStandbyFailures = 3;

// A standby starts this long after the function's worker went idle with nothing waiting, and only
// while no runtime process of the app is starting (a worker, or another standby) nor began or
// ended its start within as long: it must not take the CPU from a cold start an invocation
// waits for (in a burst of them, the next comes sooner). Else the pool looks again after
// kStandbyRetry.
inline constexpr std::chrono::milliseconds kStandbyDelay{20};
inline constexpr std::chrono::milliseconds kStandbyRetry{20};

struct StandbyConditions {
  bool enabled = false;           // the app is watched
  bool shutting_down = false;
  bool runtime_supported = false; // serverlite's own runtime client (Node.js, Python)
  bool has_standby = false;
  bool process_starting = false;  // a worker or standby of the app is starting, or was: later
  int failures = 0;               // standbys that exited before their release, in a row
  int limit = 0;                  // the function's concurrency limit
};

enum class StandbyDecision { Start, Later, None };

// Whether the pool starts a standby now, looks again later, or keeps none (it is asked when one
// of its workers has gone idle).
inline StandbyDecision standby_decision(const StandbyConditions& c) {
  if (!c.enabled || c.shutting_down || !c.runtime_supported || c.has_standby ||
      c.failures >= kMaxStandbyFailures || c.limit <= 0)
    return StandbyDecision::None;
  return c.process_starting ? StandbyDecision::Later : StandbyDecision::Start;
}

}  // namespace serverlite::invoker
