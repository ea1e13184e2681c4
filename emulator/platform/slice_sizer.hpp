// The size of the slices a large deletion is done in: each slice is one transaction on the io
// thread, the longest a request may wait behind it, so its rows are chosen for it to take about
// 2 ms whatever the machine, the build or the rows' width, from how long the last one took.
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
      rows_ = std::clamp(static_cast<std::size_t>((static_cast<double>(rows_) + fitting) / 2),
                         kMinRows, kMaxRows);
    }
    return more;
  }
  std::size_t rows() const { return rows_; }

 private:
  static constexpr double kTargetMicros = 2000;
  static constexpr std::size_t kMinRows = 50, kMaxRows = 5000;
  std::size_t rows_ = 500;
};

}  // namespace serverlite::platform
