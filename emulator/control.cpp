// Reset (every service's state emptied, serverless.yml's resources created again) and the
// virtual clock's advance (what falls due runs in time order, each step followed by the
// invocations it started).
#include <filesystem>

#include <boost/asio/post.hpp>

#include "emulator/emulator_impl.hpp"
#include "emulator/time_format.hpp"

namespace serverlite {

namespace asio = boost::asio;

namespace {

// How long an advance waits for the invocations it started, in all; past it the answer says
// `settled: false`.
constexpr auto kSettleLimit = std::chrono::seconds(60);

}  // namespace

std::vector<std::string> Emulator::Impl::reset() {
  if (db_ && db_->group_open()) flush_group();
  for (auto& service : services_) service->stop();
  for (auto& service : services_) service->close();
  triggers_.clear();
  db_.reset();
  if (options_.state_dir) {
    auto file = *options_.state_dir / "state.db";
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(file.string() + suffix);
  }
  open_store();
  auto warnings = open_services();
  for (auto& service : services_)
    for (auto& w : service->start_triggers()) warnings.push_back(std::move(w));
  return warnings;
}

std::vector<std::string> Emulator::reset() { return impl_->reset(); }

int Emulator::Impl::invocations_in_flight() const {
  if (!pools_) return 0;
  int n = 0;
  for (const auto& fn : app_.functions) {
    auto stats = pools_->stats(fn.key);
    n += stats.busy + stats.waiting;
  }
  return n;
}

struct Emulator::Impl::Advance {
  platform::WallTime to;
  std::function<void(AdvanceResult)> done;
  AdvanceResult result;
  std::chrono::steady_clock::time_point give_up;
  int quiet = 0;  // checks in a row that found nothing running
  std::unique_ptr<asio::steady_timer> timer;
};

void Emulator::Impl::advance(platform::WallTime to, std::function<void(AdvanceResult)> done) {
  if (!clock_->is_virtual())
    return done({400, "the clock is real; start serverlite with --clock virtual to move it"});
  if (to < clock_->now())
    return done({400, "the clock does not go back: it is " + iso8601_millis(epoch_ms(clock_->now())) +
                          ", asked for " + iso8601_millis(epoch_ms(to))});
  if (advancing_) return done({409, "another advance of the clock is under way"});
  advancing_ = true;
  auto a = std::make_shared<Advance>();
  a->to = to;
  a->done = std::move(done);
  a->give_up = std::chrono::steady_clock::now() + kSettleLimit;
  a->timer = std::make_unique<asio::steady_timer>(io_);
  // What already runs settles first, so that the first step starts from a quiet state.
  settle(a, [this, a] { advance_step(a); });
}

// One time at which something falls due, then its consequences; again until nothing is due
// by `to` (each step follows the settling of the one before, so what that scheduled is seen).
void Emulator::Impl::advance_step(std::shared_ptr<Advance> a) {
  auto finish = [this, a] {
    advancing_ = false;
    auto done = std::move(a->done);
    a->timer.reset();
    done(a->result);
  };
  if (stopping || !a->result.settled) return finish();
  if (clock_->step(a->to)) {
    ++a->result.steps;
    return settle(a, [this, a] { advance_step(a); });
  }
  finish();
}

// Calls `next` once no invocation runs or waits, two turns of the io loop in a row (so that
// work posted by what just ran has run too); polls every millisecond meanwhile.
void Emulator::Impl::settle(std::shared_ptr<Advance> a, std::function<void()> next) {
  if (invocations_in_flight() == 0) {
    if (++a->quiet >= 2) {
      a->quiet = 0;
      return next();
    }
    return asio::post(io_, [this, a, next = std::move(next), alive = std::weak_ptr<int>(alive)] {
      if (alive.lock()) settle(a, next);
    });
  }
  a->quiet = 0;
  if (std::chrono::steady_clock::now() >= a->give_up || stopping) {
    a->result.settled = false;
    return next();
  }
  a->timer->expires_after(std::chrono::milliseconds(1));
  a->timer->async_wait([this, a, next = std::move(next)](boost::system::error_code ec) {
    if (!ec) settle(a, next);
  });
}

void Emulator::advance_clock(std::chrono::system_clock::time_point to,
                             std::function<void(std::string error)> done) {
  impl_->advance(to, [done = std::move(done)](Impl::AdvanceResult result) {
    if (!result.error.empty()) return done(result.error);
    if (!result.settled) return done("invocations still ran after 60 s");
    done("");
  });
}

}  // namespace serverlite
