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
  EXPECT_EQ(StandbyDecision::Start, standby_decision(wanted()));
}

TEST(Standby, NoneWhileNotWatchedOrShuttingDown) {
  auto c = wanted();
  c.enabled = false;  // --no-watch, serverlite invoke, replay
  EXPECT_EQ(StandbyDecision::None, standby_decision(c));
  c = wanted();
  c.shutting_down = true;
  EXPECT_EQ(StandbyDecision::None, standby_decision(c));
}

TEST(Standby, OnePerFunction) {
  auto c = wanted();
  c.has_standby = true;
  EXPECT_EQ(StandbyDecision::None, standby_decision(c));
}

TEST(Standby, WaitsWhileAProcessStarts) {
  auto c = wanted();
  c.process_starting = true;  // the CPU goes to the worker an invocation waits for
  EXPECT_EQ(StandbyDecision::Later, standby_decision(c));
  c.has_standby = true;  // not later either
  EXPECT_EQ(StandbyDecision::None, standby_decision(c));
}

TEST(Standby, NoneForCustomRuntimesOrFunctionsThatCannotRun) {
  auto c = wanted();
  c.runtime_supported = false;  // provided.al2: its bootstrap knows no standby
  EXPECT_EQ(StandbyDecision::None, standby_decision(c));
  c = wanted();
  c.limit = 0;  // reservedConcurrency: 0
  EXPECT_EQ(StandbyDecision::None, standby_decision(c));
}

TEST(Standby, GivesUpAfterFailuresInARow) {
  auto c = wanted();
  c.failures = kMaxStandbyFailures - 1;
  EXPECT_EQ(StandbyDecision::Start, standby_decision(c));
  c.failures = kMaxStandbyFailures;
  EXPECT_EQ(StandbyDecision::None, standby_decision(c));
}

}  // namespace
}  // namespace serverlite::invoker
