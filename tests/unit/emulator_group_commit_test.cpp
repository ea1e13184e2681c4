// Group commit with the idle flush: while requests come from several clients, a group of writes
// waits for the io loop to run dry (flush_writes) or for the cap, and no answer leaves before
// its write is committed.
#include "emulator/emulator.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "emulator/app/app_spec.hpp"

namespace serverlite {
namespace {

using namespace std::chrono_literals;

struct GroupCommit : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("serverlite-group-" + std::to_string(::getpid()));
  boost::asio::io_context io{1};
  app::AppSpec app;
  std::unique_ptr<Emulator> emulator;

  void start(std::chrono::microseconds cap) {
    std::filesystem::remove_all(dir);
    app.service_dir = dir;
    UpOptions options;
    options.aws_port = 0;
    options.gateway_port = 0;
    options.state_dir = dir;
    options.group_commit_cap = cap;
    emulator = std::make_unique<Emulator>(io, app, options);
    emulator->start();
    emulator->enable_idle_flush();
  }

  ~GroupCommit() override {
    emulator.reset();
    io.poll();
    std::filesystem::remove_all(dir);
  }

  // Sends a Kinesis call; the returned status stays 0 until it is answered.
  std::shared_ptr<int> call(const std::string& action, const std::string& body) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"X-Amz-Target", "Kinesis_20131202." + action},
                 {"Content-Type", "application/x-amz-json-1.1"}};
    r.body = body;
    auto status = std::make_shared<int>(0);
    emulator->handle_aws(std::move(r), [status](http::Response res) { *status = res.status; });
    return status;
  }

  std::shared_ptr<int> put(int n) {
    return call("PutRecord", R"({"StreamName":"s","PartitionKey":"k)" + std::to_string(n) +
                                 R"(","Data":"AA=="})");
  }

  // Two writes in one round: their group answers two, so the next group waits for idleness.
  void answer_two_at_once() {
    auto a = put(1), b = put(2);
    io.poll();
    ASSERT_EQ(*a, 200);
    ASSERT_EQ(*b, 200);
  }
};

TEST_F(GroupCommit, AGroupWaitsForTheIdleFlush) {
  start(10s);
  auto created = call("CreateStream", R"({"StreamName":"s","ShardCount":1})");
  io.poll();
  ASSERT_EQ(*created, 200);  // a group of one: committed at once
  answer_two_at_once();

  auto held = put(3);
  io.poll();
  EXPECT_EQ(*held, 0);  // waiting for the loop to run dry (the cap is far)
  EXPECT_TRUE(emulator->flush_writes());
  io.poll();
  EXPECT_EQ(*held, 200);
  EXPECT_FALSE(emulator->flush_writes());  // nothing open any more

  // That group answered one: the next is committed at once again.
  auto next = put(4);
  io.poll();
  EXPECT_EQ(*next, 200);
}

TEST_F(GroupCommit, TheCapCommitsAGroupTheLoopNeverFlushes) {
  start(1ms);
  auto created = call("CreateStream", R"({"StreamName":"s","ShardCount":1})");
  io.poll();
  ASSERT_EQ(*created, 200);
  answer_two_at_once();

  auto held = put(3);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (*held == 0 && std::chrono::steady_clock::now() < deadline) io.run_one_for(10ms);
  EXPECT_EQ(*held, 200);
}

}  // namespace
}  // namespace serverlite
