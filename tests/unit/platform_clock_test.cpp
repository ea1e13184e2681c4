// The clock (real and virtual), its timers, delivery's ARN parsing, and the ISO 8601 parsers the
// clock's admin API reads.
#include "emulator/platform/clock.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "emulator/platform/delivery.hpp"
#include "emulator/time_format.hpp"

namespace serverlite::platform {
namespace {

using namespace std::chrono_literals;

const WallTime kStart = WallTime(std::chrono::hours(24 * 20000));

TEST(VirtualClock, StandsStillUntilStepped) {
  boost::asio::io_context io;
  auto clock = Clock::make_virtual(io, kStart);
  EXPECT_TRUE(clock->is_virtual());
  EXPECT_EQ(clock->now(), kStart);
  io.poll();
  EXPECT_EQ(clock->now(), kStart);
  EXPECT_FALSE(clock->step(kStart + 5s));  // nothing due: moves to the limit
  EXPECT_EQ(clock->now(), kStart + 5s);
  EXPECT_FALSE(clock->step(kStart));  // never back
  EXPECT_EQ(clock->now(), kStart + 5s);
}

TEST(VirtualClock, StepsRunWhatFallsDueInTimeOrderEachAtItsTime) {
  boost::asio::io_context io;
  auto clock = Clock::make_virtual(io, kStart);
  std::vector<std::pair<int, WallTime>> ran;
  clock->call_at(kStart + 30s, [&] { ran.push_back({30, clock->now()}); });
  clock->call_at(kStart + 10s, [&] { ran.push_back({10, clock->now()}); });
  auto dropped = clock->call_at(kStart + 20s, [&] { ran.push_back({20, clock->now()}); });
  clock->call_at(kStart + 90s, [&] { ran.push_back({90, clock->now()}); });
  EXPECT_TRUE(clock->cancel(dropped));
  EXPECT_FALSE(clock->cancel(dropped));
  while (clock->step(kStart + 60s)) {
  }
  ASSERT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[0], std::make_pair(10, kStart + 10s));
  EXPECT_EQ(ran[1], std::make_pair(30, kStart + 30s));
  EXPECT_EQ(clock->now(), kStart + 60s);
  EXPECT_EQ(clock->next_due(), kStart + 90s);
}

TEST(VirtualClock, WhatIsDueAlreadyRunsWithoutAStep) {
  boost::asio::io_context io;
  auto clock = Clock::make_virtual(io, kStart);
  int ran = 0;
  clock->call_at(kStart, [&] { ++ran; });
  EXPECT_EQ(ran, 0);  // never from inside call_at
  io.poll();
  EXPECT_EQ(ran, 1);
}

TEST(VirtualClock, PeriodicWorkRunsOnceAtItsLastTimeBeforeTheNextEvent) {
  boost::asio::io_context io;
  auto clock = Clock::make_virtual(io, kStart);
  std::vector<WallTime> sweeps;
  std::vector<WallTime> events;
  clock->every(1s, [&] { sweeps.push_back(clock->now()); });
  clock->call_at(kStart + 3600s + 500ms, [&] { events.push_back(clock->now()); });
  int steps = 0;
  while (clock->step(kStart + 86400s)) ++steps;
  // Up to the event an hour in: one sweep at 3600 s; the event; then one at the day's end.
  ASSERT_EQ(sweeps.size(), 2u);
  EXPECT_EQ(sweeps[0], kStart + 3600s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], kStart + 3600s + 500ms);
  EXPECT_EQ(sweeps[1], kStart + 86400s);
  EXPECT_EQ(steps, 3);
}

TEST(VirtualClock, ATimerLikeAsiosCancelsWithAFlag) {
  boost::asio::io_context io;
  auto clock = Clock::make_virtual(io, kStart);
  ClockTimer timer(*clock);
  std::vector<bool> calls;
  timer.expires_after(5000ms);
  timer.async_wait([&](bool cancelled) { calls.push_back(cancelled); });
  timer.cancel();
  EXPECT_TRUE(calls.empty());  // posted, like Asio's operation_aborted
  io.poll();
  ASSERT_EQ(calls, std::vector<bool>{true});
  timer.expires_at(kStart + 5s);
  timer.async_wait([&](bool cancelled) { calls.push_back(cancelled); });
  clock->step(kStart + 10s);
  EXPECT_EQ(calls, (std::vector<bool>{true, false}));
  {
    ClockTimer dropped(*clock);
    dropped.expires_after(1000ms);
    dropped.async_wait([&](bool) { calls.push_back(true); });
  }  // destroyed: never called
  EXPECT_EQ(clock->scheduled(), 0u);
}

TEST(RealClock, RunsWhatIsScheduledWhenItIsDue) {
  boost::asio::io_context io;
  auto clock = Clock::real(io);
  EXPECT_FALSE(clock->is_virtual());
  auto before = std::chrono::system_clock::now();
  EXPECT_GE(clock->now(), before);
  std::vector<int> ran;
  clock->call_at(clock->now() + 20ms, [&] { ran.push_back(2); });
  clock->call_at(clock->now() + 5ms, [&] { ran.push_back(1); });
  int ticks = 0;
  auto id = clock->every(5ms, [&] { ++ticks; });
  io.run_for(60ms);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_GE(ticks, 3);
  clock->cancel(id);
}

TEST(Arn, ParsesItsSixParts) {
  auto arn = Arn::parse("arn:aws:sqs:us-east-1:000000000000:queue:with:colons");
  ASSERT_TRUE(arn);
  EXPECT_EQ(arn->service, "sqs");
  EXPECT_EQ(arn->region, "us-east-1");
  EXPECT_EQ(arn->account, "000000000000");
  EXPECT_EQ(arn->resource, "queue:with:colons");
  EXPECT_EQ(arn->str(), "arn:aws:sqs:us-east-1:000000000000:queue:with:colons");
  auto bucket = Arn::parse("arn:aws:s3:::my-bucket");
  ASSERT_TRUE(bucket);
  EXPECT_EQ(bucket->resource, "my-bucket");
  EXPECT_FALSE(Arn::parse("arn:aws:sqs"));
  EXPECT_FALSE(Arn::parse("urn:aws:sqs:r:a:q"));
  EXPECT_FALSE(Arn::parse("arn:aws:sqs:r:a:"));
  EXPECT_FALSE(Arn::parse("arn:aws:sqs:r:a:" + std::string(3000, 'q')));
}

TEST(Delivery, GlobalOwnersTakeArnsWithoutRegionOrAccount) {
  Delivery delivery("us-east-1", "000000000000");
  int got = 0;
  delivery.claim("s3", [&](const Arn&, const Message&) { ++got; return Delivered{}; }, {}, true);
  EXPECT_TRUE(delivery.deliver("arn:aws:s3:::bucket", {.body = "x"}));
  EXPECT_EQ(got, 1);
  EXPECT_TRUE(delivery.exists("arn:aws:s3:::bucket"));
  EXPECT_EQ(delivery.unowned("arn:aws:s3:::bucket"), std::nullopt);
  EXPECT_EQ(*delivery.unowned("arn:aws:sns:us-east-1:000000000000:t"),
            "no service of serverlite owns ARNs of 'sns': arn:aws:sns:us-east-1:000000000000:t");
}

TEST(Iso8601, Durations) {
  EXPECT_EQ(parse_iso8601_duration("PT30S"), 30000);
  EXPECT_EQ(parse_iso8601_duration("PT1H30M"), 5400000);
  EXPECT_EQ(parse_iso8601_duration("P1DT2H"), 93600000);
  EXPECT_EQ(parse_iso8601_duration("P2W"), 1209600000);
  EXPECT_EQ(parse_iso8601_duration("PT0.5S"), 500);
  EXPECT_EQ(parse_iso8601_duration("P1D"), 86400000);
  for (const char* bad : {"", "P", "PT", "30S", "P1Y", "P1M", "PT1.5M", "PT1S1M", "P1DT",
                          "PTS", "P1H", "PT1S2S", "PT1234567890S"})
    EXPECT_EQ(parse_iso8601_duration(bad), std::nullopt) << bad;
}

TEST(Iso8601, Times) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(parse_iso8601("2026-01-01T00:05:00Z"), 1767225900000);
  EXPECT_EQ(parse_iso8601("2026-01-01T02:05:00+02:00"), 1767225900000);
  EXPECT_EQ(parse_iso8601("2026-01-01"), 1767225600000);
  EXPECT_EQ(parse_iso8601("yesterday"), std::nullopt);
}

}  // namespace
}  // namespace serverlite::platform
