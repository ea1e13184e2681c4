// The size of the slices a large deletion is done in: each slice is one transaction on the io
// thread, the longest a request may wait behind it, so its rows are chosen for it to take about
// 1 ms whatever the machine, the build or the rows' width, from how long the last one took.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace serverlite::platform {

class SliceSizer {
 public:
  // Runs `slice(rows)` (which returns whether work remains) and adapts `rows` to its time.
  template <class Slice>
  bool run(Slice&& slice) {
    auto start = std::chrono::steady_clock::now();
    bool more = slice(rows_);
    auto took = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start);
    // A slice that finished the work may have found fewer rows: it says nothing of their cost.
    if (more && took.count() > 0) {
      double fitting = static_cast<double>(rows_) * kTargetMicros / took.count();
      std::size_t next = static_cast<std::size_t>((static_cast<double>(rows_) + fitting) / 2);
      // Growing at most twice over: one cheap slice (its pages in the cache) made the next ten
      // times as large, and a slice of 5,000 rows held the thread for 32 ms of CPU.
      rows_ = std::clamp(std::min(next, 2 * rows_), kMinRows, kMaxRows);
    }
    return more;
  }
  std::size_t rows() const { return rows_; }

 private:
  static constexpr double kTargetMicros = 1000;
  static constexpr std::size_t kMinRows = 10, kMaxRows = 5000;
  // A first slice too large held the thread for 8 ms (DeleteTable of a table with an index);
  // growing from a small one costs a few slices more.
  std::size_t rows_ = 100;
};

}  // namespace serverlite::platform
