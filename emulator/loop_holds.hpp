// How long work on the io thread holds it. The one thread serves every request, runs every
// service's background slices and commits every group, so the longest of these holds is the
// longest any client may wait behind another's work. Kept since the last reset: the longest hold
// with what it was, how many were measured and how many exceeded 10 ms. Background work and
// commits are also measured in thread CPU time and context switches, which tell a slice that
// computed for its whole hold from one that waited (for the disk: a voluntary switch) or was
// preempted by another process (an involuntary one). Read at GET /_serverlite/loop.
//
// Threading: HoldMeter and the figures are for the io thread; the counters are atomic so that a
// reader elsewhere sees consistent numbers.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace serverlite {

struct LoopHold {
  std::string what;
  double wall_ms = 0;
  // Measured for background work and commits only (two system calls each); -1 for requests.
  double cpu_ms = -1;
  long waits = -1, preemptions = -1;
  // Blocks the thread read from and wrote to the disk (of 512 bytes): a read here is a page
  // that was not in memory.
  long blocks_read = -1, blocks_written = -1;
};

struct LoopHoldFigures {
  LoopHold longest;
  std::uint64_t measured = 0;
  std::uint64_t over_10ms = 0;
  double seconds = 0;  // since the last reset (or the start)
};

class HoldMeter {
 public:
  enum class Detail { Wall, Full };
  explicit HoldMeter(Detail detail);
  // Ends the measure. `what` is copied only when this hold is the longest so far.
  void finish(std::string_view what);
  void finish(std::string_view what, std::string_view detail);

 private:
  std::chrono::steady_clock::time_point start_;
  Detail detail_;
  double cpu_start_ms_ = 0;
  long waits_start_ = 0, preemptions_start_ = 0, read_start_ = 0, written_start_ = 0;
};

LoopHoldFigures loop_hold_figures();
void reset_loop_holds();

}  // namespace serverlite
