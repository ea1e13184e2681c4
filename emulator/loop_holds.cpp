#include "emulator/loop_holds.hpp"

#include <time.h>

#include <atomic>
#include <mutex>

namespace serverlite {

namespace {

struct Record {
  std::mutex mutex;  // guards `longest` and `since`
  LoopHold longest;
  std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> measured{0}, over_10ms{0};
  // The longest wall time so far in nanoseconds, read without the lock on every hold.
  std::atomic<std::int64_t> longest_ns{0};
};

Record& record() {
  static Record r;
  return r;
}

double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

rusage thread_usage() {
  rusage u{};
  ::getrusage(RUSAGE_THREAD, &u);
  return u;
}

}  // namespace

HoldMeter::HoldMeter(Detail detail) : start_(std::chrono::steady_clock::now()), detail_(detail) {
  if (detail_ == Detail::Full) {
    cpu_start_ms_ = thread_cpu_ms();
    auto u = thread_usage();
    waits_start_ = u.ru_nvcsw;
    preemptions_start_ = u.ru_nivcsw;
    read_start_ = u.ru_inblock;
    written_start_ = u.ru_oublock;
  }
}

void HoldMeter::finish(std::string_view what) { finish(what, {}); }

void HoldMeter::finish(std::string_view what, std::string_view detail) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start_)
                .count();
  auto& r = record();
  r.measured.fetch_add(1, std::memory_order_relaxed);
  if (ns > 10'000'000) r.over_10ms.fetch_add(1, std::memory_order_relaxed);
  if (ns <= r.longest_ns.load(std::memory_order_relaxed)) return;
  LoopHold hold;
  hold.what.reserve(what.size() + (detail.empty() ? 0 : detail.size() + 1));
  hold.what.append(what);
  if (!detail.empty()) hold.what.append(" ").append(detail);
  hold.wall_ms = static_cast<double>(ns) / 1e6;
  if (detail_ == Detail::Full) {
    hold.cpu_ms = thread_cpu_ms() - cpu_start_ms_;
    auto u = thread_usage();
    hold.waits = u.ru_nvcsw - waits_start_;
    hold.preemptions = u.ru_nivcsw - preemptions_start_;
    hold.blocks_read = u.ru_inblock - read_start_;
    hold.blocks_written = u.ru_oublock - written_start_;
  }
  std::lock_guard lock(r.mutex);
  if (ns <= r.longest_ns.load(std::memory_order_relaxed)) return;
  r.longest_ns.store(ns, std::memory_order_relaxed);
  r.longest = std::move(hold);
}

LoopHoldFigures loop_hold_figures() {
  auto& r = record();
  std::lock_guard lock(r.mutex);
  LoopHoldFigures f;
  f.longest = r.longest;
  f.measured = r.measured.load(std::memory_order_relaxed);
  f.over_10ms = r.over_10ms.load(std::memory_order_relaxed);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.since).count();
  return f;
}

void reset_loop_holds() {
  auto& r = record();
  std::lock_guard lock(r.mutex);
  r.longest = {};
  r.longest_ns.store(0, std::memory_order_relaxed);
  r.measured.store(0, std::memory_order_relaxed);
  r.over_10ms.store(0, std::memory_order_relaxed);
  r.since = std::chrono::steady_clock::now();
}

}  // namespace serverlite
