// SliceSizer: slices of a large deletion sized from the time the last one took, toward ~1 ms.
#include <gtest/gtest.h>

#include <thread>

#include "emulator/platform/slice_sizer.hpp"

namespace serverlite::platform {
namespace {

using namespace std::chrono_literals;

TEST(SliceSizer, SlicesShrinkWhenRowsAreSlowAndGrowWhenFast) {
  SliceSizer sizer;
  std::size_t first = sizer.rows();
  // 40 us a row: 1 ms is 25 rows (sleeping only overshoots, so never more).
  for (int i = 0; i < 8; ++i)
    sizer.run([](std::size_t rows) {
      std::this_thread::sleep_for(std::chrono::microseconds(40 * rows));
      return true;
    });
  EXPECT_LT(sizer.rows(), first);
  EXPECT_LE(sizer.rows(), 40u);
  EXPECT_GE(sizer.rows(), 10u);  // never below the floor
  // Nearly free rows: the slices grow, up to the ceiling.
  for (int i = 0; i < 40; ++i) sizer.run([](std::size_t) { return true; });
  EXPECT_EQ(sizer.rows(), 5000u);
}

TEST(SliceSizer, OneCheapSliceAtMostDoublesTheNext) {
  SliceSizer sizer;
  for (int i = 0; i < 8; ++i)
    sizer.run([](std::size_t rows) {
      std::this_thread::sleep_for(std::chrono::microseconds(40 * rows));
      return true;
    });
  std::size_t sized = sizer.rows();
  sizer.run([](std::size_t) { return true; });  // nearly free
  EXPECT_GT(sizer.rows(), sized);
  EXPECT_LE(sizer.rows(), 2 * sized);
}

TEST(SliceSizer, TheLastSliceSaysNothingOfTheCost) {
  SliceSizer sizer;
  std::size_t first = sizer.rows();
  bool more = sizer.run([](std::size_t rows) {
    std::this_thread::sleep_for(std::chrono::microseconds(100 * rows));
    return false;  // finished: it may have found fewer rows
  });
  EXPECT_FALSE(more);
  EXPECT_EQ(sizer.rows(), first);
}

}  // namespace
}  // namespace serverlite::platform
