// The one clock every service reads time from: visibility timeouts, delays, retention, message and
// iterator expiry, TTL, throttling windows, token windows, and the work that falls due with time.
//
// Two kinds:
// - real (the default): now() is the system clock; what is scheduled runs when it is due;
// - virtual (`up --clock virtual`): now() starts where it is told and moves only through
//   step() (the admin API's POST /_serverlite/clock drives it), which runs what falls due in time
//   order, each at its own time. A test passes a day in a millisecond and stays deterministic.
//
// Handlers keep the wall clock (they are separate processes); so does serverlite's own pacing of
// its pollers (retry backoff, idle polls), which is not time a client of AWS can see.
//
// Threading: owned by the io thread; every call and every callback runs there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace boost::asio {
class io_context;
}

namespace serverlite::platform {

using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  using Callback = std::function<void()>;
  using Id = std::uint64_t;

  static std::unique_ptr<Clock> real(boost::asio::io_context& io);
  static std::unique_ptr<Clock> make_virtual(boost::asio::io_context& io, WallTime start);
  ~Clock();
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  WallTime now() const;
  bool is_virtual() const { return virtual_; }
  boost::asio::io_context& io() const { return io_; }

  // Runs `fn` once now() >= when, on the io thread, never from inside this call.
  Id call_at(WallTime when, Callback fn);
  // Runs `fn` every `interval`, the first time one interval from now. On the virtual clock, a
  // step that passes several of its times with nothing else due between runs it once, at the
  // last of them (periodic work is a sweep: running it once at the end leaves the same state).
  Id every(std::chrono::milliseconds interval, Callback fn);
  // Drops a scheduled call. False when it already ran (a one-shot call) or was dropped.
  bool cancel(Id id);
  std::size_t scheduled() const { return entries_.size(); }
  // The earliest time something is scheduled for; nullopt when nothing is.
  std::optional<WallTime> next_due() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.begin()->first;
  }

  // Virtual clock only. Runs what is due at the earliest scheduled time at or before `limit`
  // (moving now() to that time) and returns true; when nothing is due by then, moves now() to
  // `limit` and returns false. Never moves backwards.
  bool step(WallTime limit);

 private:
  Clock(boost::asio::io_context& io, bool is_virtual, WallTime start);
  struct Entry {
    Id id;
    std::chrono::milliseconds interval{0};  // 0: one-shot
    Callback fn;
  };
  using Queue = std::multimap<WallTime, Entry>;
  Queue::iterator insert(WallTime when, Entry entry);
  void run_entry(Queue::iterator it, WallTime at);
  void arm();       // the real clock: one Asio timer for the earliest entry
  void run_due();   // the real clock: everything due by the system clock

  boost::asio::io_context& io_;
  bool virtual_;
  WallTime virtual_now_;
  Queue entries_;
  std::map<Id, Queue::iterator> by_id_;
  Id next_id_ = 1;
  struct Timer;
  std::unique_ptr<Timer> timer_;        // real clock only
  std::optional<WallTime> armed_for_;   // the time the Asio timer waits for
  std::shared_ptr<int> alive_ = std::make_shared<int>();
};

// A wait on the clock shaped like an Asio timer: expires_at / async_wait / cancel. The handler
// gets `cancelled` true when cancel() ended the wait early (posted, like Asio's
// operation_aborted); destroying the timer drops a pending wait without calling it.
class ClockTimer {
 public:
  explicit ClockTimer(Clock& clock) : clock_(clock) {}
  ~ClockTimer();
  ClockTimer(const ClockTimer&) = delete;
  ClockTimer& operator=(const ClockTimer&) = delete;

  void expires_at(WallTime when);  // cancels a pending wait
  void expires_after(std::chrono::milliseconds delay) { expires_at(clock_.now() + delay); }
  WallTime expiry() const { return expiry_; }
  void async_wait(std::function<void(bool cancelled)> handler);
  void cancel();

 private:
  Clock& clock_;
  WallTime expiry_{};
  std::optional<Clock::Id> pending_;
  std::shared_ptr<std::function<void(bool)>> handler_;
};

}  // namespace serverlite::platform
