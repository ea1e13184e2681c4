#include "emulator/http/limits.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>

namespace serverlite::http {

namespace {

Limits& limits_storage() {
  static Limits limits;
  return limits;
}

// Listeners all run on one io thread, but tests run servers on several threads at once.
std::atomic<std::size_t> in_use{0};
std::atomic<std::size_t> connections_open{0};

}  // namespace

void set_default_limits(const Limits& limits) { limits_storage() = limits; }

const Limits& default_limits() { return limits_storage(); }

BodyCharge& BodyCharge::operator=(BodyCharge&& other) noexcept {
  if (this != &other) {
    release();
    bytes_ = other.bytes_;
    other.bytes_ = 0;
  }
  return *this;
}

bool BodyCharge::hold(std::size_t size) {
  std::size_t counted = size > body_allowance ? size - body_allowance : 0;
  if (counted <= bytes_) {
    in_use.fetch_sub(bytes_ - counted, std::memory_order_relaxed);
    bytes_ = counted;
    return true;
  }
  std::size_t more = counted - bytes_;
  std::size_t budget = default_limits().body_memory;
  std::size_t now = in_use.load(std::memory_order_relaxed);
  do {
    if (now > budget || more > budget - now) return false;
  } while (!in_use.compare_exchange_weak(now, now + more, std::memory_order_relaxed));
  bytes_ = counted;
  return true;
}

void BodyCharge::release() {
  if (bytes_ > 0) in_use.fetch_sub(bytes_, std::memory_order_relaxed);
  bytes_ = 0;
}

std::size_t body_memory_in_use() { return in_use.load(std::memory_order_relaxed); }

ConnectionSlot::ConnectionSlot() : held_(true) {
  connections_open.fetch_add(1, std::memory_order_relaxed);
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    held_ = other.held_;
    other.held_ = false;
  }
  return *this;
}

void ConnectionSlot::release() {
  if (held_) connections_open.fetch_sub(1, std::memory_order_relaxed);
  held_ = false;
}

std::size_t open_files_limit() {
  // Read once: `up` raises the soft limit before it opens any listener.
  static const std::size_t limit = [] {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0 || l.rlim_cur == RLIM_INFINITY) return std::size_t{1} << 20;
    return static_cast<std::size_t>(l.rlim_cur);
  }();
  return limit;
}

std::size_t connection_cap() {
  std::size_t limit = open_files_limit();
  std::size_t reserve = std::clamp<std::size_t>(limit / 8, 32, 1024);
  return limit > reserve ? limit - reserve : 0;
}

std::size_t connection_slots_left() {
  std::size_t cap = connection_cap();
  std::size_t open = connections_open.load(std::memory_order_relaxed);
  return open < cap ? cap - open : 0;
}

}  // namespace serverlite::http
