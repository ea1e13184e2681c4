#include "emulator/invoker/standby.hpp"

#include <gtest/gtest.h>

namespace serverlite::invoker {
namespace {

StandbyConditions wanted() {
  StandbyConditions c;
  c.enabled = true;
  c.runtime_supported = true;
  c.limit = 10;
  return c;
}

TEST(Standby, StartsForAWatchedFunctionWithoutOne) {
  EXPECT_TRUE(should_start_standby(wanted()));
}

TEST(Standby, NoneWhileNotWatchedOrShuttingDown) {
  auto c = wanted();
  c.enabled = false;  // --no-watch, serverlite invoke, replay
  EXPECT_FALSE(should_start_standby(c));
  c = wanted();
  c.shutting_down = true;
  EXPECT_FALSE(should_start_standby(c));
}

TEST(Standby, OneAtATimeAndNotBesideAStartingWorker) {
  auto c = wanted();
  c.has_standby = true;
  EXPECT_FALSE(should_start_standby(c));
  c = wanted();
  c.worker_starting = true;  // the CPU goes to the worker an invocation waits for
  EXPECT_FALSE(should_start_standby(c));
}

TEST(Standby, NoneForCustomRuntimesOrFunctionsThatCannotRun) {
  auto c = wanted();
  c.runtime_supported = false;  // provided.al2: its bootstrap knows no standby
  EXPECT_FALSE(should_start_standby(c));
  c = wanted();
  c.limit = 0;  // reservedConcurrency: 0
  EXPECT_FALSE(should_start_standby(c));
}

TEST(Standby, GivesUpAfterFailuresInARow) {
  auto c = wanted();
  c.failures = kMaxStandbyFailures - 1;
  EXPECT_TRUE(should_start_standby(c));
  c.failures = kMaxStandbyFailures;
  EXPECT_FALSE(should_start_standby(c));
}

}  // namespace
}  // namespace serverlite::invoker
