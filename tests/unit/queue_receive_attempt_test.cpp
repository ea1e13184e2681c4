// FIFO ReceiveRequestAttemptId: a retried receive answers the same messages (queue engine).
#include <gtest/gtest.h>

#include <chrono>

#include "emulator/store/database.hpp"
#include "services/queue/engine.hpp"

namespace serverlite::queue {
namespace {

using namespace std::chrono_literals;

class QueueAttemptTest : public ::testing::Test {
 protected:
  QueueAttemptTest() : db(std::nullopt), engine(db, {}, [this] { return now; }) {}

  void create(const std::string& name, QueueAttributes attributes = {}) {
    auto r = engine.create_queue({name, std::move(attributes), {}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void send(const std::string& queue, MessageInput message) {
    auto r = engine.send_message({queue, std::move(message)});
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  void send(const std::string& queue, const std::string& body) {
    send(queue, MessageInput{.body = body});
  }
  int count(const std::string& queue, const std::string& which) {
    auto r = engine.get_queue_attributes({queue, {which}});
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::stoi(r->attributes.at(which)) : -1;
  }

  TimePoint now = TimePoint(1700000000000ms);
  store::Database db;
  QueueEngine engine;
};

TEST_F(QueueAttemptTest, FifoReceiveRequestAttemptIdRepeatsTheAnswer) {
  create("q.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  for (auto body : {"a", "b", "c"})
    send("q.fifo", MessageInput{.body = body, .message_group_id = std::string("g")});
  auto attempt = [&](const std::string& id, int max = 2) {
    auto r = engine.receive_message({.queue_name = "q.fifo",
                                     .max_number_of_messages = max,
                                     .visibility_timeout = 30,
                                     .attribute_names = {"ApproximateReceiveCount"},
                                     .receive_request_attempt_id = id});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value().messages : std::vector<ReceivedMessage>{};
  };
  auto first = attempt("try-1");
  ASSERT_EQ(first.size(), 2u);
  // The same id within 5 minutes: the same messages and receipt handles, counted once.
  now += 20s;
  auto again = attempt("try-1");
  ASSERT_EQ(again.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(again[i].message_id, first[i].message_id);
    EXPECT_EQ(again[i].receipt_handle, first[i].receipt_handle);
    EXPECT_EQ(again[i].attributes.at("ApproximateReceiveCount"), "1");
  }
  // The retry restarted the visibility timeout: 25 s later (45 s after the first receive)
  // they are still in flight.
  now += 25s;
  EXPECT_EQ(count("q.fifo", "ApproximateNumberOfMessagesNotVisible"), 2);
  EXPECT_TRUE(attempt("other").empty());  // the group is blocked while they are in flight

  // A message of the attempt deleted: the attempt is over, the id receives afresh.
  ASSERT_TRUE(engine.delete_message({"q.fifo", first[0].receipt_handle}).ok());
  ASSERT_TRUE(
      engine.change_message_visibility({"q.fifo", first[1].receipt_handle, 0}).ok());
  auto fresh = attempt("try-1", 10);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0].body, "b");
  EXPECT_NE(fresh[0].receipt_handle, first[1].receipt_handle);
  EXPECT_EQ(fresh[0].attributes.at("ApproximateReceiveCount"), "2");
  EXPECT_EQ(fresh[1].body, "c");

  // Past 5 minutes the id is forgotten: once their visibility ran out, a receive is new.
  now += 5min;
  auto later = attempt("try-1", 10);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_NE(later[0].receipt_handle, fresh[0].receipt_handle);

  auto bad = engine.receive_message({.queue_name = "q.fifo",
                                     .receive_request_attempt_id = std::string(129, 'x')});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidParameterValue);
  // Standard queues ignore it, as SQS does.
  create("plain");
  send("plain", "m");
  auto plain = engine.receive_message({.queue_name = "plain",
                                       .receive_request_attempt_id = std::string(129, 'x')});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->messages.size(), 1u);
}

}  // namespace
}  // namespace serverlite::queue
