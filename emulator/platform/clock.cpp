#include "emulator/platform/clock.hpp"

#include <algorithm>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace serverlite::platform {

namespace asio = boost::asio;

struct Clock::Timer {
  explicit Timer(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
};

Clock::Clock(asio::io_context& io, bool is_virtual, WallTime start)
    : io_(io), virtual_(is_virtual), virtual_now_(start) {
  if (!virtual_) timer_ = std::make_unique<Timer>(io);
}

Clock::~Clock() = default;

std::unique_ptr<Clock> Clock::real(asio::io_context& io) {
  return std::unique_ptr<Clock>(new Clock(io, false, {}));
}

std::unique_ptr<Clock> Clock::make_virtual(asio::io_context& io, WallTime start) {
  return std::unique_ptr<Clock>(new Clock(io, true, start));
}

WallTime Clock::now() const {
  return virtual_ ? virtual_now_ : std::chrono::system_clock::now();
}

Clock::Queue::iterator Clock::insert(WallTime when, Entry entry) {
  Id id = entry.id;
  auto it = entries_.emplace(when, std::move(entry));
  by_id_[id] = it;
  return it;
}

Clock::Id Clock::call_at(WallTime when, Callback fn) {
  Id id = next_id_++;
  insert(when, Entry{id, std::chrono::milliseconds(0), std::move(fn)});
  arm();
  return id;
}

Clock::Id Clock::every(std::chrono::milliseconds interval, Callback fn) {
  Id id = next_id_++;
  interval = std::max(interval, std::chrono::milliseconds(1));
  insert(now() + interval, Entry{id, interval, std::move(fn)});
  arm();
  return id;
}

bool Clock::cancel(Id id) {
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return false;
  entries_.erase(found->second);
  by_id_.erase(found);
  return true;
}

// Takes the entry out (a periodic one goes back in at its next time first, so that its callback
// may cancel it), then runs it.
void Clock::run_entry(Queue::iterator it, WallTime at) {
  Entry entry = std::move(it->second);
  entries_.erase(it);
  by_id_.erase(entry.id);
  if (entry.interval.count() == 0) return entry.fn();
  auto fn = entry.fn;
  auto next = at + entry.interval;
  if (!virtual_) next = std::max(next, now());  // a busy loop skips missed runs, no burst
  insert(next, std::move(entry));
  fn();
}

void Clock::arm() {
  if (entries_.empty()) return;
  WallTime due = entries_.begin()->first;
  if (virtual_) {
    // Due already (a zero delay): run it soon, without waiting for the clock to move.
    if (due <= virtual_now_)
      asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
        if (alive.lock()) run_due();
      });
    return;
  }
  if (armed_for_ && *armed_for_ <= due) return;  // the timer fires first; run_due re-arms
  armed_for_ = due;
  auto delay = due - std::chrono::system_clock::now();
  timer_->timer.expires_after(std::max(std::chrono::steady_clock::duration::zero(),
                                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay)));
  timer_->timer.async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
    if (ec || !alive.lock()) return;
    armed_for_.reset();
    run_due();
  });
}

void Clock::run_due() {
  WallTime limit = now();
  // Bounded by what is due now: a callback that schedules at `now` again runs at the next turn.
  std::vector<Id> due;
  for (auto it = entries_.begin(); it != entries_.end() && it->first <= limit; ++it)
    due.push_back(it->second.id);
  for (Id id : due) {
    auto found = by_id_.find(id);
    if (found == by_id_.end() || found->second->first > limit) continue;
    run_entry(found->second, found->second->first);
  }
  if (!virtual_ && !armed_for_) arm();
  if (virtual_) arm();
}

bool Clock::step(WallTime limit) {
  if (entries_.empty() || entries_.begin()->first > limit) {
    virtual_now_ = std::max(virtual_now_, limit);
    return false;
  }
  auto first = entries_.begin();
  if (first->second.interval.count() == 0) {
    virtual_now_ = std::max(virtual_now_, first->first);
    run_entry(first, first->first);
    return true;
  }
  // Periodic work first: each periodic entry due before the next one-shot entry (or `limit`)
  // runs once, at the last of its times up to there.
  WallTime horizon = limit;
  for (const auto& [when, entry] : entries_)
    if (entry.interval.count() == 0) {
      horizon = std::min(horizon, when);
      break;
    }
  std::vector<std::pair<WallTime, Id>> runs;
  for (auto it = entries_.begin(); it != entries_.end() && it->first <= horizon; ++it) {
    if (it->second.interval.count() == 0) continue;
    auto periods = (horizon - it->first) / it->second.interval;
    runs.emplace_back(it->first + periods * it->second.interval, it->second.id);
  }
  std::sort(runs.begin(), runs.end());
  for (auto& [at, id] : runs) {
    auto found = by_id_.find(id);
    if (found == by_id_.end()) continue;  // an earlier run cancelled it
    virtual_now_ = std::max(virtual_now_, at);
    run_entry(found->second, at);
  }
  return true;
}

ClockTimer::~ClockTimer() {
  if (pending_) clock_.cancel(*pending_);
}

void ClockTimer::expires_at(WallTime when) {
  cancel();
  expiry_ = when;
}

void ClockTimer::async_wait(std::function<void(bool)> handler) {
  if (pending_) clock_.cancel(*pending_);
  handler_ = std::make_shared<std::function<void(bool)>>(std::move(handler));
  pending_ = clock_.call_at(expiry_, [this, handler = handler_] {
    pending_.reset();
    handler_.reset();
    (*handler)(false);
  });
}

void ClockTimer::cancel() {
  if (!pending_) return;
  clock_.cancel(*pending_);
  pending_.reset();
  auto handler = std::move(handler_);
  asio::post(clock_.io(), [handler] { (*handler)(true); });
}

}  // namespace serverlite::platform
