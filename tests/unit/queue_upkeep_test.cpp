// The queue engine's upkeep: message counts kept through every write path (each compared with a
// recount of the rows), and large purges and deletions answered at once and finished a slice at
// a time, across a restart too.
#include <gtest/gtest.h>

#include <filesystem>

#include "services/queue/engine.hpp"

namespace serverlite::queue {
namespace {

using namespace std::chrono_literals;

// The three counts as the rows say, counted as GetQueueAttributes did before they were kept.
struct Recount {
  std::int64_t visible = 0, not_visible = 0, delayed = 0;
  bool operator==(const Recount&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Recount& r) {
  return out << r.visible << "/" << r.not_visible << "/" << r.delayed;
}

class QueueUpkeepTest : public ::testing::Test {
 protected:
  QueueUpkeepTest() : db(std::nullopt), engine(db, {}, [this] { return now; }) {}

  void create(const std::string& name, QueueAttributes attributes = {}) {
    auto r = engine.create_queue({name, std::move(attributes), {}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void send(const std::string& queue, const std::string& body, std::optional<int> delay = {}) {
    auto r = engine.send_message({queue, MessageInput{.body = body, .delay_seconds = delay}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void send_many(const std::string& queue, int n) {
    for (int i = 0; i < n; i += 10) {
      SendMessageBatchRequest batch{queue, {}};
      for (int j = i; j < std::min(n, i + 10); ++j)
        batch.entries.push_back({"e" + std::to_string(j), MessageInput{.body = "m" + std::to_string(j)}});
      auto r = engine.send_message_batch(batch);
      ASSERT_TRUE(r.ok()) << r.error().message;
    }
  }
  std::vector<ReceivedMessage> receive(const std::string& queue, int max = 10,
                                       std::optional<int> visibility = std::nullopt) {
    auto r = engine.receive_message(
        {.queue_name = queue, .max_number_of_messages = max, .visibility_timeout = visibility});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value().messages : std::vector<ReceivedMessage>{};
  }
  Recount kept(const std::string& queue) {
    auto r = engine.get_queue_attributes({queue, {"All"}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    auto& a = r->attributes;
    return {std::stoll(a.at("ApproximateNumberOfMessages")),
            std::stoll(a.at("ApproximateNumberOfMessagesNotVisible")),
            std::stoll(a.at("ApproximateNumberOfMessagesDelayed"))};
  }
  // Over every storage of the queue: its name and those of its purges.
  Recount recount(const std::string& queue) {
    auto st = db.prepare(
        "SELECT COALESCE(SUM(visible_at <= ?1), 0), COALESCE(SUM(visible_at > ?1 AND receive_count > 0), 0),"
        " COALESCE(SUM(visible_at > ?1 AND receive_count = 0), 0) FROM sqs_messages"
        " WHERE queue = (SELECT COALESCE((SELECT storage FROM sqs_storage WHERE queue = ?2), ?2))"
        " AND expires_at > ?1");
    st->bind(1, std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count())
        .bind(2, queue);
    st->step();
    return {st->column_int(0), st->column_int(1), st->column_int(2)};
  }
  std::int64_t rows(const std::string& storage_prefix) {
    auto st = db.prepare("SELECT COUNT(*) FROM sqs_messages WHERE queue = ?1 OR queue LIKE ?1 || '#%'");
    st->bind(1, storage_prefix);
    st->step();
    return st->column_int(0);
  }
  void expect_counts(const std::string& queue, const std::string& where) {
    EXPECT_EQ(kept(queue), recount(queue)) << where;
  }

  TimePoint now = TimePoint(1700000000000ms);
  store::Database db;
  QueueEngine engine;
};

TEST_F(QueueUpkeepTest, CountsFollowEveryWritePath) {
  create("dlq");
  create("q", {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1})"},
               {"MessageRetentionPeriod", "600"}});
  expect_counts("q", "empty");
  send("q", "one");
  send("q", "late", 30);
  send_many("q", 25);
  EXPECT_EQ(kept("q"), (Recount{26, 0, 1}));
  expect_counts("q", "sends");

  auto got = receive("q", 10, 60);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(kept("q"), (Recount{16, 10, 1}));
  expect_counts("q", "receive");

  ASSERT_TRUE(engine.delete_message({"q", got[0].receipt_handle}).ok());
  ASSERT_TRUE(engine.delete_message_batch({"q", {{"a", got[1].receipt_handle},
                                                 {"b", got[2].receipt_handle}}}).ok());
  ASSERT_TRUE(engine.delete_message({"q", got[1].receipt_handle}).ok());  // gone already
  expect_counts("q", "deletes");
  EXPECT_EQ(kept("q"), (Recount{16, 7, 1}));

  ASSERT_TRUE(engine.change_message_visibility({"q", got[3].receipt_handle, 0}).ok());
  ASSERT_TRUE(engine.change_message_visibility_batch({"q", {{"a", got[4].receipt_handle, 0}}}).ok());
  EXPECT_EQ(kept("q"), (Recount{18, 5, 1}));
  expect_counts("q", "visibility");

  // Time alone: the delayed message and those in flight become visible.
  now += 61s;
  EXPECT_EQ(kept("q"), (Recount{24, 0, 0}));
  expect_counts("q", "time");

  // Received once already: the next receive moves them to the dead-letter queue.
  auto moved = receive("q", 10, 60);
  expect_counts("q", "redrive");
  expect_counts("dlq", "redrive");
  EXPECT_GT(kept("dlq").visible, 0);
  EXPECT_EQ(kept("q").visible + kept("q").not_visible + kept("dlq").visible, 24);

  // Retention: the sweep deletes what expired, and what it has not reached is not counted.
  now += 600s;
  EXPECT_EQ(kept("q"), (Recount{0, 0, 0}));
  EXPECT_GT(engine.expire_messages(1000), 0u);
  EXPECT_EQ(engine.expire_messages(1000), 0u);
  expect_counts("q", "retention");
  EXPECT_EQ(rows("q"), 0);

  send_many("q", 5);
  ASSERT_TRUE(engine.purge_queue({"q"}).ok());
  EXPECT_EQ(kept("q"), (Recount{0, 0, 0}));
  expect_counts("q", "small purge");
}

TEST_F(QueueUpkeepTest, LargePurgeEmptiesAtOnceAndFinishesInSlices) {
  create("big");
  send_many("big", 4500);
  auto in_flight = receive("big", 1, 600);
  ASSERT_EQ(in_flight.size(), 1u);
  EXPECT_EQ(kept("big"), (Recount{4499, 1, 0}));
  ASSERT_TRUE(engine.purge_queue({"big"}).ok());
  EXPECT_TRUE(engine.cleanup_pending());
  EXPECT_EQ(kept("big"), (Recount{0, 0, 0}));
  EXPECT_TRUE(receive("big").empty());
  EXPECT_EQ(engine.next_visible_at("big"), std::nullopt);
  // A handle of a purged message deletes nothing and is not an error (the message is gone).
  EXPECT_TRUE(engine.delete_message({"big", in_flight[0].receipt_handle}).ok());

  // The queue goes on: new messages while the old ones are being deleted.
  send("big", "after");
  EXPECT_EQ(kept("big"), (Recount{1, 0, 0}));
  expect_counts("big", "after the purge");
  EXPECT_EQ(rows("big"), 4501);
  EXPECT_TRUE(engine.cleanup_slice(1000));
  EXPECT_EQ(rows("big"), 3501);
  int slices = 1;
  while (engine.cleanup_slice(1000)) ++slices;
  EXPECT_EQ(slices, 4);
  EXPECT_EQ(rows("big"), 1);
  auto got = receive("big");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "after");

  // A second large purge, from the purge's own storage.
  now += 61s;
  send_many("big", 2500);
  ASSERT_TRUE(engine.purge_queue({"big"}).ok());
  EXPECT_EQ(kept("big"), (Recount{0, 0, 0}));
  while (engine.cleanup_slice(1000)) {
  }
  EXPECT_EQ(rows("big"), 0);  // "after" was purged too
  auto storages = db.prepare("SELECT COUNT(*) FROM sqs_queues WHERE name LIKE 'big#%'");
  storages->step();
  EXPECT_EQ(storages->column_int(0), 1);  // the current one only
}

TEST_F(QueueUpkeepTest, LargeDeletedQueueNameIsReusableOnceDeleted) {
  create("gone");
  send_many("gone", 2500);
  ASSERT_TRUE(engine.delete_queue({"gone"}).ok());
  EXPECT_FALSE(engine.queue_exists("gone"));
  EXPECT_EQ(engine.get_queue_url({"gone"}).error().code, ErrorCode::NonExistentQueue);
  auto again = engine.create_queue({"gone", {}, {}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::QueueDeletedRecently);
  while (engine.cleanup_slice(1000)) {
  }
  EXPECT_EQ(rows("gone"), 0);
  now += 60s;  // and SQS's 60-second guard after DeleteQueue has passed
  create("gone");
  EXPECT_EQ(kept("gone"), (Recount{0, 0, 0}));
  send("gone", "fresh");
  EXPECT_EQ(kept("gone"), (Recount{1, 0, 0}));

  // A queue purged (large) then deleted at once: both storages are cleaned up.
  send_many("gone", 2500);
  ASSERT_TRUE(engine.purge_queue({"gone"}).ok());
  send_many("gone", 2500);
  ASSERT_TRUE(engine.delete_queue({"gone"}).ok());
  while (engine.cleanup_slice(700)) {
  }
  EXPECT_EQ(rows("gone"), 0);
  auto left = db.prepare("SELECT COUNT(*) FROM sqs_queues WHERE name LIKE 'gone%'");
  left->step();
  EXPECT_EQ(left->column_int(0), 0);

  // A small queue is deleted by the call and its name reusable after the 60-second guard.
  create("small");
  send_many("small", 20);
  ASSERT_TRUE(engine.delete_queue({"small"}).ok());
  EXPECT_FALSE(engine.cleanup_pending());
  now += 60s;
  create("small");
  EXPECT_EQ(kept("small"), (Recount{0, 0, 0}));
}

TEST(QueueUpkeepDurability, CleanupInterruptedIsFinishedAtOpen) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-queue-upkeep-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto fill = [](QueueEngine& engine, const std::string& queue, int n) {
    for (int i = 0; i < n; i += 10) {
      SendMessageBatchRequest batch{queue, {}};
      for (int j = i; j < i + 10; ++j)
        batch.entries.push_back({"e" + std::to_string(j), MessageInput{.body = "m"}});
      ASSERT_TRUE(engine.send_message_batch(batch).ok());
    }
  };
  {
    store::Database db(dir / "state.db");
    QueueEngine engine(db);
    ASSERT_TRUE(engine.create_queue({"purged", {}, {}}).ok());
    ASSERT_TRUE(engine.create_queue({"deleted", {}, {}}).ok());
    fill(engine, "purged", 2500);
    fill(engine, "deleted", 2500);
    ASSERT_TRUE(engine.purge_queue({"purged"}).ok());
    ASSERT_TRUE(engine.send_message({"purged", MessageInput{.body = "kept"}}).ok());
    ASSERT_TRUE(engine.delete_queue({"deleted"}).ok());
    ASSERT_TRUE(engine.cleanup_slice(1000));  // then the process dies
  }
  {
    store::Database db(dir / "state.db");
    QueueEngine engine(db);
    EXPECT_FALSE(engine.cleanup_pending());
    auto rows = db.prepare("SELECT COUNT(*) FROM sqs_messages");
    rows->step();
    EXPECT_EQ(rows->column_int(0), 1);
    EXPECT_FALSE(engine.queue_exists("deleted"));
    ASSERT_TRUE(engine.create_queue({"deleted", {}, {}}).ok());
    auto a = engine.get_queue_attributes({"purged", {"ApproximateNumberOfMessages"}});
    EXPECT_EQ(a->attributes.at("ApproximateNumberOfMessages"), "1");
    auto got = engine.receive_message({.queue_name = "purged", .max_number_of_messages = 10});
    ASSERT_EQ(got->messages.size(), 1u);
    EXPECT_EQ(got->messages[0].body, "kept");
    auto names = engine.list_queues({});
    EXPECT_EQ(names->queue_names, (std::vector<std::string>{"deleted", "purged"}));
  }
  std::filesystem::remove_all(dir);
}

TEST(QueueUpkeepDurability, CountsOfAnOlderStateAreCountedOnce) {
  auto dir = std::filesystem::temp_directory_path() /
             ("serverlite-queue-counts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    store::Database db(dir / "state.db");
    QueueEngine engine(db);
    ASSERT_TRUE(engine.create_queue({"older", {}, {}}).ok());
    ASSERT_TRUE(engine.create_queue({"empty", {}, {}}).ok());
    for (int i = 0; i < 7; ++i)
      ASSERT_TRUE(engine.send_message({"older", MessageInput{.body = "m"}}).ok());
    db.exec(
        "DROP TRIGGER sqs_messages_counted_insert; DROP TRIGGER sqs_messages_counted_delete;"
        "DROP TABLE sqs_counts; DROP TABLE sqs_storage; DROP TABLE sqs_cleanup;");
    db.set_schema_version("queue", 1);
  }
  {
    store::Database db(dir / "state.db");
    QueueEngine engine(db);
    EXPECT_EQ(db.schema_version("queue"), 2);
    auto a = engine.get_queue_attributes({"older", {"ApproximateNumberOfMessages"}});
    EXPECT_EQ(a->attributes.at("ApproximateNumberOfMessages"), "7");
    auto e = engine.get_queue_attributes({"empty", {"ApproximateNumberOfMessages"}});
    EXPECT_EQ(e->attributes.at("ApproximateNumberOfMessages"), "0");
    ASSERT_TRUE(engine.send_message({"empty", MessageInput{.body = "m"}}).ok());
    e = engine.get_queue_attributes({"empty", {"ApproximateNumberOfMessages"}});
    EXPECT_EQ(e->attributes.at("ApproximateNumberOfMessages"), "1");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serverlite::queue
