// A randomized test of the queue engine against a trivial in-memory model (in the manner of
// LevelDB's ModelDB): thousands of random sends, receives, deletes, visibility changes and clock
// moves, after each of which the visible / in-flight / delayed counts must agree, and every
// receive must return exactly the messages, in exactly the order, the model predicts: for FIFO
// queues that is order within a group and one batch of a group in flight at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "services/queue/engine.hpp"

namespace serverlite::queue {
namespace {

using namespace std::chrono_literals;

struct ModelMessage {
  std::int64_t seq;
  std::string body;
  std::string group;
  std::string message_id;  // as the engine assigned it
  std::int64_t visible_at;
  int receive_count = 0;
};

struct IssuedHandle {
  std::string handle;
  std::string body;
  int receive_number;  // the message's receive count when this handle was issued
};

class Model {
 public:
  explicit Model(bool fifo) : fifo(fifo) {}

  bool fifo;
  std::int64_t next_seq = 0;
  std::map<std::string, ModelMessage> messages;                       // by body (bodies are unique)
  std::map<std::string, std::pair<std::int64_t, std::string>> dedup;  // id -> (expiry, body)

  std::vector<ModelMessage*> receivable(std::int64_t now, int max) {
    std::vector<ModelMessage*> visible;
    for (auto& [body, m] : messages)
      if (m.visible_at <= now) visible.push_back(&m);
    if (!fifo) {
      std::sort(visible.begin(), visible.end(), [](auto* a, auto* b) {
        return std::tie(a->visible_at, a->seq) < std::tie(b->visible_at, b->seq);
      });
    } else {
      std::map<std::string, std::pair<std::int64_t, bool>> hidden;  // group -> (min seq, in flight)
      for (auto& [body, m] : messages) {
        if (m.visible_at <= now) continue;
        auto [it, fresh] = hidden.try_emplace(m.group, m.seq, m.receive_count > 0);
        if (!fresh) {
          it->second.first = std::min(it->second.first, m.seq);
          it->second.second = it->second.second || m.receive_count > 0;
        }
      }
      std::erase_if(visible, [&](ModelMessage* m) {
        auto g = hidden.find(m->group);
        return g != hidden.end() && (g->second.second || m->seq > g->second.first);
      });
      std::sort(visible.begin(), visible.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
    }
    if (visible.size() > static_cast<std::size_t>(max)) visible.resize(max);
    return visible;
  }

  int count_visible(std::int64_t now) const {
    return static_cast<int>(std::count_if(messages.begin(), messages.end(),
                                          [&](auto& e) { return e.second.visible_at <= now; }));
  }
  int count_in_flight(std::int64_t now) const {
    return static_cast<int>(std::count_if(messages.begin(), messages.end(), [&](auto& e) {
      return e.second.visible_at > now && e.second.receive_count > 0;
    }));
  }
  int count_delayed(std::int64_t now) const {
    return static_cast<int>(std::count_if(messages.begin(), messages.end(), [&](auto& e) {
      return e.second.visible_at > now && e.second.receive_count == 0;
    }));
  }
};

void run_random_operations(bool fifo, unsigned seed, int operations) {
  SCOPED_TRACE(std::string(fifo ? "fifo" : "standard") + " seed " + std::to_string(seed));
  store::Database db(std::nullopt);
  TimePoint clock_now = TimePoint(1700000000000ms);
  QueueEngine engine(db, {}, [&] { return clock_now; });
  auto now_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_now.time_since_epoch())
        .count();
  };
  const std::string queue = fifo ? "model.fifo" : "model";
  QueueAttributes attributes{{"VisibilityTimeout", "3"}};
  if (fifo) attributes["FifoQueue"] = "true";
  ASSERT_TRUE(engine.create_queue({queue, attributes, {}}).ok());

  Model model(fifo);
  std::vector<IssuedHandle> handles;
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* groups[] = {"A", "B", "C"};

  for (int op = 0; op < operations; ++op) {
    int kind = pick(100);
    std::int64_t now = now_ms();
    if (kind < 35) {  // send
      MessageInput m;
      m.body = "m" + std::to_string(op);
      if (fifo) {
        m.message_group_id = groups[pick(3)];
        // Deduplication ids from a small pool, so duplicates inside the window happen.
        m.message_deduplication_id = "d" + std::to_string(pick(40));
      } else if (pick(4) == 0) {
        m.delay_seconds = pick(6);
      }
      auto r = engine.send_message({queue, m});
      ASSERT_TRUE(r.ok()) << r.error().message;
      if (fifo) {
        auto d = model.dedup.find(*m.message_deduplication_id);
        if (d != model.dedup.end() && d->second.first > now) {
          // A duplicate: accepted, answered with the first message's id, not enqueued.
          auto original = std::find_if(model.messages.begin(), model.messages.end(),
                                       [&](auto& e) { return e.first == d->second.second; });
          if (original != model.messages.end()) {
            EXPECT_EQ(r->message_id, original->second.message_id);
          }
          continue;
        }
        model.dedup[*m.message_deduplication_id] = {now + 300000, m.body};
      }
      int delay = m.delay_seconds.value_or(0);
      model.messages[m.body] = {
          model.next_seq++,     m.body, m.message_group_id.value_or(""), r->message_id,
          now + delay * 1000LL, 0};
    } else if (kind < 60) {  // receive
      int max = 1 + pick(10);
      std::optional<int> visibility;
      if (pick(3) == 0) visibility = pick(5);
      auto expected = model.receivable(now, max);
      auto r = engine.receive_message(
          {.queue_name = queue, .max_number_of_messages = max, .visibility_timeout = visibility});
      ASSERT_TRUE(r.ok()) << r.error().message;
      ASSERT_EQ(r->messages.size(), expected.size()) << "operation " << op;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(r->messages[i].body, expected[i]->body) << "operation " << op << " #" << i;
        ModelMessage& m = *expected[i];
        m.receive_count += 1;
        m.visible_at = now + visibility.value_or(3) * 1000LL;
        handles.push_back({r->messages[i].receipt_handle, m.body, m.receive_count});
      }
    } else if (kind < 75 && !handles.empty()) {  // delete, with a recent or an older handle
      const IssuedHandle& h =
          handles[handles.size() - 1 - pick(std::min<int>(8, static_cast<int>(handles.size())))];
      auto r = engine.delete_message({queue, h.handle});
      auto it = model.messages.find(h.body);
      if (it == model.messages.end()) {
        EXPECT_TRUE(r.ok());  // already deleted: success
      } else if (!fifo) {
        EXPECT_TRUE(r.ok());  // standard queues accept earlier handles
        model.messages.erase(it);
      } else if (it->second.receive_count == h.receive_number && it->second.visible_at > now) {
        EXPECT_TRUE(r.ok()) << r.error().message;
        model.messages.erase(it);
      } else {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::InvalidParameterValue);
      }
    } else if (kind < 85 && !handles.empty()) {  // change visibility
      const IssuedHandle& h =
          handles[handles.size() - 1 - pick(std::min<int>(8, static_cast<int>(handles.size())))];
      int visibility = pick(5);
      auto r = engine.change_message_visibility({queue, h.handle, visibility});
      auto it = model.messages.find(h.body);
      if (it == model.messages.end() || it->second.receive_count != h.receive_number) {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::InvalidParameterValue);
      } else {
        EXPECT_TRUE(r.ok()) << r.error().message;
        if (it->second.visible_at > now) it->second.visible_at = now + visibility * 1000LL;
      }
    } else {  // time passes
      clock_now += std::chrono::milliseconds(pick(2500));
    }

    now = now_ms();
    auto counts = engine.get_queue_attributes(
        {queue,
         {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed"}});
    ASSERT_TRUE(counts.ok());
    ASSERT_EQ(std::stoi(counts->attributes.at("ApproximateNumberOfMessages")),
              model.count_visible(now))
        << "operation " << op;
    ASSERT_EQ(std::stoi(counts->attributes.at("ApproximateNumberOfMessagesNotVisible")),
              model.count_in_flight(now))
        << "operation " << op;
    ASSERT_EQ(std::stoi(counts->attributes.at("ApproximateNumberOfMessagesDelayed")),
              model.count_delayed(now))
        << "operation " << op;
  }
}

TEST(QueueModel, StandardQueueMatchesTheModel) {
  for (unsigned seed : {1u, 2u, 3u}) run_random_operations(false, seed, 3000);
}

TEST(QueueModel, FifoQueueMatchesTheModel) {
  for (unsigned seed : {1u, 2u, 3u}) run_random_operations(true, seed, 3000);
}

}  // namespace
}  // namespace serverlite::queue
