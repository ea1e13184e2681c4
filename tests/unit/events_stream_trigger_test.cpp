// StreamTrigger (emulator/events/stream_trigger.cpp) over a fake ShardSource and a fake Invoker,
// with the checkpoints in an in-memory database.
#include "emulator/events/stream_trigger.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace serverlite::events {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kArn = "arn:aws:kinesis:us-east-1:000000000000:stream/orders";

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The stream the fake source reads; tests keep a pointer and change it while the trigger runs.
struct FakeStream {
  struct FakeShard {
    SourceShard shard;
    std::vector<SourceRecord> records;
  };
  bool exists = true;
  std::vector<FakeShard> shards;
  std::int64_t next_position = 1;
  int reads = 0;

  FakeShard& shard(const std::string& id) {
    for (auto& s : shards)
      if (s.shard.shard_id == id) return s;
    throw std::runtime_error("no shard " + id);
  }
  void add_shard(const std::string& id, std::optional<std::string> parent = std::nullopt) {
    shards.push_back({{id, parent, std::nullopt, false}, {}});
  }
  // Adds a record with sequence number "s<position>" and data {"n": position, ...extra}.
  std::string put(const std::string& shard_id, const std::string& key, Json extra = Json::object(),
                  std::int64_t arrival_ms = 0, std::size_t size_bytes = 0) {
    std::int64_t pos = next_position++;
    SourceRecord r;
    r.position = pos;
    r.sequence_number = "s" + std::to_string(pos);
    r.arrival_ms = arrival_ms ? arrival_ms : epoch_ms();
    r.size_bytes = size_bytes;
    Json data = extra;
    data["n"] = pos;
    r.lambda_record = {{"kinesis", {{"partitionKey", key}, {"sequenceNumber", r.sequence_number}}},
                       {"eventSource", "aws:kinesis"},
                       {"eventID", shard_id + ":" + r.sequence_number}};
    r.filter_document = {{"partitionKey", key}, {"data", data}};
    shard(shard_id).records.push_back(r);
    return r.sequence_number;
  }
};

class FakeSource : public ShardSource {
 public:
  explicit FakeSource(std::shared_ptr<FakeStream> stream) : stream_(std::move(stream)) {}
  std::string arn() const override { return kArn; }
  std::string batch_info_key() const override { return "KinesisBatchInfo"; }
  std::optional<std::vector<SourceShard>> shards() override {
    if (!stream_->exists) return std::nullopt;
    std::vector<SourceShard> out;
    for (const auto& s : stream_->shards) out.push_back(s.shard);
    return out;
  }
  ShardRead read(const std::string& shard_id, std::int64_t after, int limit) override {
    ++stream_->reads;
    auto& s = stream_->shard(shard_id);
    ShardRead out;
    std::size_t i = 0;
    while (i < s.records.size() && s.records[i].position <= after) ++i;
    for (; i < s.records.size() && static_cast<int>(out.records.size()) < limit; ++i)
      out.records.push_back(s.records[i]);
    out.end_of_shard = s.shard.closed && i == s.records.size();
    return out;
  }
  std::int64_t starting_checkpoint(const std::string& shard_id, StartingPosition position,
                                   std::int64_t timestamp_ms) override {
    auto& s = stream_->shard(shard_id);
    switch (position) {
      case StartingPosition::TrimHorizon:
        return 0;
      case StartingPosition::Latest:
        return s.records.empty() ? 0 : s.records.back().position;
      case StartingPosition::AtTimestamp:
        for (const auto& r : s.records)
          if (r.arrival_ms >= timestamp_ms) return r.position - 1;
        return s.records.empty() ? 0 : s.records.back().position;
    }
    return 0;
  }

 private:
  std::shared_ptr<FakeStream> stream_;
};

// Records every invocation; answers with `respond` (Ok with "null" by default), asynchronously
// like the real invoker, or holds the answer while `hold` is set.
class FakeInvoker : public invoker::Invoker {
 public:
  explicit FakeInvoker(boost::asio::io_context& io) : io_(io) {}

  struct Call {
    std::vector<std::string> seqs;  // sequence numbers of the batch, in order
    std::vector<std::string> keys;  // partition keys
  };

  void invoke(invoker::InvokeRequest request, invoker::InvokeCallback done) override {
    Json event = Json::parse(request.payload);
    Call call;
    for (const auto& r : event["Records"]) {
      call.seqs.push_back(r["kinesis"]["sequenceNumber"]);
      call.keys.push_back(r["kinesis"]["partitionKey"]);
    }
    calls.push_back(call);
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    invoker::InvokeResult result;
    result.request_id = "req-" + std::to_string(calls.size());
    if (respond) respond(call, result);
    auto finish = [this, result, done = std::move(done)]() mutable {
      --in_flight;
      done(std::move(result));
    };
    if (hold) held.push_back(std::move(finish));
    else boost::asio::post(io_, std::move(finish));
  }

  void release() {
    auto all = std::move(held);
    held.clear();
    for (auto& f : all) boost::asio::post(io_, std::move(f));
  }

  std::function<void(const Call&, invoker::InvokeResult&)> respond;
  std::vector<Call> calls;
  bool hold = false;
  std::vector<std::function<void()>> held;
  int in_flight = 0;
  int max_in_flight = 0;

 private:
  boost::asio::io_context& io_;
};

void fail_with_error(invoker::InvokeResult& r) {
  r.status = invoker::InvokeStatus::FunctionError;
  r.error_type = "Error";
  r.payload = R"({"errorType":"Error","errorMessage":"boom"})";
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class StreamTriggerTest : public ::testing::Test {
 protected:
  StreamTriggerTest() : db(std::nullopt), invoker(io) {
    stream = std::make_shared<FakeStream>();
    spec.function_key = "worker";
    spec.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:svc-dev-worker";
    spec.region = "us-east-1";
    spec.event.batch_size = 10;
  }

  std::shared_ptr<StreamTrigger> make_trigger() {
    auto t = std::make_shared<StreamTrigger>(
        io, db, std::make_unique<FakeSource>(stream), invoker, spec,
        [this](const std::string& dest, const std::string& body, std::string&) {
          failures.push_back({dest, Json::parse(body)});
          return true;
        });
    t->start();
    return t;
  }

  // Runs the io context until `done` holds, at most `limit`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 3000ms) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= end) return false;
      io.restart();
      io.run_for(5ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  // The stored checkpoint of a shard, -1 when none.
  std::int64_t checkpoint(const std::string& shard_id, bool* finished = nullptr) {
    auto st = db.prepare(
        "SELECT position, finished FROM stream_checkpoints WHERE mapping = ? AND shard_id = ?");
    st->bind(1, "worker|" + kArn).bind(2, shard_id);
    if (!st->step()) return -1;
    if (finished) *finished = st->column_int(1) != 0;
    return st->column_int(0);
  }

  std::vector<std::string> delivered() const {
    std::vector<std::string> out;
    for (const auto& c : invoker.calls) out.insert(out.end(), c.seqs.begin(), c.seqs.end());
    return out;
  }

  boost::asio::io_context io;
  store::Database db;
  FakeInvoker invoker;
  std::shared_ptr<FakeStream> stream;
  StreamTriggerSpec spec;
  struct Failure {
    std::string destination;
    Json record;
  };
  std::vector<Failure> failures;
};

TEST_F(StreamTriggerTest, DeliversEachShardInOrderInBatches) {
  stream->add_shard("shardId-000000000000");
  stream->add_shard("shardId-000000000001");
  for (int i = 0; i < 5; ++i) {
    stream->put("shardId-000000000000", "a");
    stream->put("shardId-000000000001", "b");
  }
  spec.event.batch_size = 2;
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return delivered().size() == 10; }));
  // Batches hold records of one shard, at most batchSize, in order.
  std::map<std::string, std::vector<std::string>> per_shard;
  for (const auto& c : invoker.calls) {
    ASSERT_LE(c.seqs.size(), 2u);
    for (const auto& k : c.keys) EXPECT_EQ(k, c.keys[0]);
    for (const auto& s : c.seqs) per_shard[c.keys[0]].push_back(s);
  }
  EXPECT_EQ(per_shard["a"], (std::vector<std::string>{"s1", "s3", "s5", "s7", "s9"}));
  EXPECT_EQ(per_shard["b"], (std::vector<std::string>{"s2", "s4", "s6", "s8", "s10"}));
  EXPECT_EQ(invoker.calls.size(), 6u);  // 2 + 2 + 1 per shard
  run_for(50ms);
  EXPECT_EQ(checkpoint("shardId-000000000000"), 9);
  EXPECT_EQ(checkpoint("shardId-000000000001"), 10);
}

TEST_F(StreamTriggerTest, NewRecordsAreDeliveredAfterWake) {
  stream->add_shard("shardId-000000000000");
  auto t = make_trigger();
  run_for(50ms);
  EXPECT_TRUE(invoker.calls.empty());
  stream->put("shardId-000000000000", "a");
  t->wake();
  // Well before the 1 s idle poll.
  ASSERT_TRUE(run_until([&] { return delivered().size() == 1; }, 500ms));
}

TEST_F(StreamTriggerTest, BatchingWindowWaitsForAFullBatch) {
  stream->add_shard("shardId-000000000000");
  spec.event.batch_size = 3;
  spec.event.maximum_batching_window_seconds = 1;
  stream->put("shardId-000000000000", "a");
  auto started = std::chrono::steady_clock::now();
  auto t = make_trigger();
  run_for(200ms);
  EXPECT_TRUE(invoker.calls.empty()) << "the window is still open";
  stream->put("shardId-000000000000", "a");
  stream->put("shardId-000000000000", "a");
  t->wake();
  // Now full: it goes at once.
  ASSERT_TRUE(run_until([&] { return invoker.calls.size() == 1; }, 300ms));
  EXPECT_EQ(invoker.calls[0].seqs, (std::vector<std::string>{"s1", "s2", "s3"}));
  // A lone record waits for the window to end.
  stream->put("shardId-000000000000", "a");
  t->wake();
  auto put_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return invoker.calls.size() == 2; }, 2000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - put_at, 900ms);
  (void)started;
}

TEST_F(StreamTriggerTest, PayloadLimitSplitsBatches) {
  stream->add_shard("shardId-000000000000");
  for (int i = 0; i < 3; ++i) stream->put("shardId-000000000000", "a", {}, 0, 4'000'000);
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return delivered().size() == 3; }));
  EXPECT_EQ(invoker.calls.size(), 3u) << "two 4 MB records would exceed the 6 MB payload";
}

TEST_F(StreamTriggerTest, FailingBatchIsRetriedAndBlocksItsShard) {
  stream->add_shard("shardId-000000000000");
  for (int i = 0; i < 4; ++i) stream->put("shardId-000000000000", "a");
  spec.event.batch_size = 2;
  int failures_left = 2;
  invoker.respond = [&](const FakeInvoker::Call& c, invoker::InvokeResult& r) {
    if (c.seqs[0] == "s1" && failures_left-- > 0) fail_with_error(r);
  };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return invoker.calls.size() == 4; }));
  std::vector<std::vector<std::string>> batches;
  for (const auto& c : invoker.calls) batches.push_back(c.seqs);
  using V = std::vector<std::string>;
  EXPECT_EQ(batches, (std::vector<V>{{"s1", "s2"}, {"s1", "s2"}, {"s1", "s2"}, {"s3", "s4"}}));
  EXPECT_TRUE(failures.empty());
}

TEST_F(StreamTriggerTest, ExhaustedRetriesSendTheFailureRecordAndMoveOn) {
  stream->add_shard("shardId-000000000000");
  std::int64_t t1 = 1'700'000'000'123, t3 = 1'700'000'005'456;
  stream->put("shardId-000000000000", "a", {}, t1);
  stream->put("shardId-000000000000", "a", {}, t1 + 1000);
  stream->put("shardId-000000000000", "a", {}, t3);
  spec.event.batch_size = 3;
  spec.event.maximum_retry_attempts = 2;
  spec.on_failure_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  invoker.respond = [&](const FakeInvoker::Call& c, invoker::InvokeResult& r) {
    if (contains(c.seqs, "s1")) fail_with_error(r);
  };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return failures.size() == 1; }));
  EXPECT_EQ(invoker.calls.size(), 3u) << "one invocation and two retries";
  const Failure& f = failures[0];
  EXPECT_EQ(f.destination, "arn:aws:sqs:us-east-1:000000000000:dlq");
  Json rec = f.record;
  std::string timestamp = rec["timestamp"];
  EXPECT_TRUE(std::regex_match(timestamp,
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << timestamp;
  rec.erase("timestamp");
  Json expected = {
      {"requestContext",
       {{"requestId", "req-3"},
        {"functionArn", "arn:aws:lambda:us-east-1:000000000000:function:svc-dev-worker"},
        {"condition", "RetryAttemptsExhausted"},
        {"approximateInvokeCount", 3}}},
      {"responseContext",
       {{"statusCode", 200}, {"executedVersion", "$LATEST"}, {"functionError", "Unhandled"}}},
      {"version", "1.0"},
      {"KinesisBatchInfo",
       {{"shardId", "shardId-000000000000"},
        {"startSequenceNumber", "s1"},
        {"endSequenceNumber", "s3"},
        {"approximateArrivalOfFirstRecord", "2023-11-14T22:13:20.123Z"},
        {"approximateArrivalOfLastRecord", "2023-11-14T22:13:25.456Z"},
        {"batchSize", 3},
        {"streamArn", kArn}}},
  };
  EXPECT_EQ(rec, expected) << rec.dump(2);
  // The shard moves on past the batch.
  run_for(30ms);
  EXPECT_EQ(checkpoint("shardId-000000000000"), 3);
  stream->put("shardId-000000000000", "a");
  t->wake();
  ASSERT_TRUE(run_until([&] { return invoker.calls.size() == 4; }));
  EXPECT_EQ(invoker.calls[3].seqs, (std::vector<std::string>{"s4"}));
}

TEST_F(StreamTriggerTest, ZeroRetriesGivesUpAfterTheFirstFailureWithoutDestination) {
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a");
  spec.event.maximum_retry_attempts = 0;
  invoker.respond = [&](const FakeInvoker::Call&, invoker::InvokeResult& r) { fail_with_error(r); };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 1; }));
  EXPECT_EQ(invoker.calls.size(), 1u);
  EXPECT_TRUE(failures.empty()) << "no on-failure destination configured";
}

TEST_F(StreamTriggerTest, BisectIsolatesTheFailingRecord) {
  stream->add_shard("shardId-000000000000");
  for (int i = 0; i < 4; ++i) stream->put("shardId-000000000000", "a");
  spec.event.bisect_batch_on_function_error = true;
  spec.event.maximum_retry_attempts = 0;
  spec.on_failure_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  invoker.respond = [&](const FakeInvoker::Call& c, invoker::InvokeResult& r) {
    if (contains(c.seqs, "s3")) fail_with_error(r);
  };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 4; }));
  std::vector<std::vector<std::string>> batches;
  for (const auto& c : invoker.calls) batches.push_back(c.seqs);
  using V = std::vector<std::string>;
  // Splits do not use up the retry quota; only the lone bad record does.
  EXPECT_EQ(batches, (std::vector<V>{{"s1", "s2", "s3", "s4"}, {"s1", "s2"}, {"s3", "s4"},
                                     {"s3"}, {"s4"}}));
  ASSERT_EQ(failures.size(), 1u);
  const Json& info = failures[0].record["KinesisBatchInfo"];
  EXPECT_EQ(info["startSequenceNumber"], "s3");
  EXPECT_EQ(info["endSequenceNumber"], "s3");
  EXPECT_EQ(info["batchSize"], 1);
}

TEST_F(StreamTriggerTest, ReportBatchItemFailuresRetriesFromTheLowestReported) {
  stream->add_shard("shardId-000000000000");
  for (int i = 0; i < 4; ++i) stream->put("shardId-000000000000", "a");
  spec.event.report_batch_item_failures = true;
  invoker.respond = [&](const FakeInvoker::Call&, invoker::InvokeResult& r) {
    switch (invoker.calls.size()) {
      case 1:
        r.payload = R"({"batchItemFailures":[{"itemIdentifier":"s4"},{"itemIdentifier":"s3"}]})";
        break;
      case 2:  // an identifier not in the batch: the whole batch failed
        r.payload = R"({"batchItemFailures":[{"itemIdentifier":"nope"}]})";
        break;
      case 3:
        r.payload = R"({"batchItemFailures":[{"itemIdentifier":""}]})";
        break;
      default:
        r.payload = R"({"batchItemFailures":[]})";
    }
  };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 4; }));
  std::vector<std::vector<std::string>> batches;
  for (const auto& c : invoker.calls) batches.push_back(c.seqs);
  using V = std::vector<std::string>;
  EXPECT_EQ(batches, (std::vector<V>{{"s1", "s2", "s3", "s4"}, {"s3", "s4"}, {"s3", "s4"},
                                     {"s3", "s4"}}));
}

TEST_F(StreamTriggerTest, ReportBatchItemFailuresTreatsNullAndEmptyAsSuccess) {
  stream->add_shard("shardId-000000000000");
  for (int i = 0; i < 3; ++i) stream->put("shardId-000000000000", "k" + std::to_string(i));
  spec.event.batch_size = 1;
  spec.event.report_batch_item_failures = true;
  const std::vector<std::string> answers = {"null", "{}", R"({"batchItemFailures":null})"};
  invoker.respond = [&](const FakeInvoker::Call&, invoker::InvokeResult& r) {
    r.payload = answers[(invoker.calls.size() - 1) % answers.size()];
  };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 3; }));
  EXPECT_EQ(invoker.calls.size(), 3u);
}

TEST_F(StreamTriggerTest, ThrottlingIsRetriedWithoutCounting) {
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a");
  spec.event.maximum_retry_attempts = 0;
  invoker.respond = [&](const FakeInvoker::Call&, invoker::InvokeResult& r) {
    if (invoker.calls.size() == 1) r.status = invoker::InvokeStatus::Throttled;
  };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 1; }, 3000ms));
  EXPECT_EQ(invoker.calls.size(), 2u);
  EXPECT_TRUE(failures.empty());
}

TEST_F(StreamTriggerTest, RecordsOlderThanTheMaximumAgeAreNotSent) {
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a", {}, epoch_ms() - 120'000);
  spec.event.maximum_record_age_seconds = 60;
  spec.on_failure_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return failures.size() == 1; }));
  EXPECT_TRUE(invoker.calls.empty());
  EXPECT_EQ(failures[0].record["requestContext"]["condition"], "RecordAgeExceeded");
  EXPECT_EQ(failures[0].record["requestContext"]["approximateInvokeCount"], 0);
  run_for(20ms);
  EXPECT_EQ(checkpoint("shardId-000000000000"), 1);
}

TEST_F(StreamTriggerTest, FilteredRecordsAreSkippedAndCheckpointed) {
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a", {{"keep", false}});
  stream->put("shardId-000000000000", "a", {{"keep", true}});
  stream->put("shardId-000000000000", "a", {{"keep", false}});
  spec.event.filter_patterns = {R"({"data":{"keep":[true]}})"};
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 3; }));
  EXPECT_EQ(delivered(), (std::vector<std::string>{"s2"}));
  // A read where nothing matches still moves the checkpoint.
  stream->put("shardId-000000000000", "a", {{"keep", false}});
  t->wake();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 4; }));
  EXPECT_EQ(invoker.calls.size(), 1u);
}

TEST_F(StreamTriggerTest, ANewTriggerResumesFromTheStoredCheckpoint) {
  stream->add_shard("shardId-000000000000");
  for (int i = 0; i < 3; ++i) stream->put("shardId-000000000000", "a");
  {
    auto t = make_trigger();
    ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 3; }));
    t->stop();
  }
  stream->put("shardId-000000000000", "a");
  stream->put("shardId-000000000000", "a");
  invoker.calls.clear();
  // The stored checkpoint wins over the starting position.
  spec.event.starting_position = app::StreamEventSpec::Start::Latest;
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return delivered().size() == 2; }));
  EXPECT_EQ(delivered(), (std::vector<std::string>{"s4", "s5"}));
  EXPECT_EQ(db.schema_version("stream_trigger"), 1);
}

TEST_F(StreamTriggerTest, LatestStartsAfterTheRecordsAlreadyThere) {
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a");
  spec.event.starting_position = app::StreamEventSpec::Start::Latest;
  auto t = make_trigger();
  run_for(50ms);
  EXPECT_TRUE(invoker.calls.empty());
  EXPECT_EQ(checkpoint("shardId-000000000000"), 1);
  stream->put("shardId-000000000000", "a");
  t->wake();
  ASSERT_TRUE(run_until([&] { return delivered().size() == 1; }));
  EXPECT_EQ(delivered(), (std::vector<std::string>{"s2"}));
}

TEST_F(StreamTriggerTest, ParentsAreReadToTheirEndBeforeChildren) {
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a");
  spec.event.starting_position = app::StreamEventSpec::Start::Latest;
  spec.event.batch_size = 1;
  auto t = make_trigger();
  run_for(30ms);
  // While running: more records, then a split; the children get records before the parent's
  // last ones are delivered (the parent's invocations are held).
  invoker.hold = true;
  stream->put("shardId-000000000000", "a");
  stream->put("shardId-000000000000", "a");
  t->wake();
  ASSERT_TRUE(run_until([&] { return invoker.calls.size() == 1; }));
  stream->shard("shardId-000000000000").shard.closed = true;
  stream->add_shard("shardId-000000000001", "shardId-000000000000");
  stream->put("shardId-000000000001", "b");
  t->wake();
  run_for(50ms);
  EXPECT_EQ(invoker.calls.size(), 1u);
  invoker.hold = false;
  invoker.release();
  // The child starts at its beginning although the mapping started at LATEST.
  ASSERT_TRUE(run_until([&] { return delivered().size() == 3; }));
  EXPECT_EQ(delivered(), (std::vector<std::string>{"s2", "s3", "s4"}));
  bool finished = false;
  run_for(30ms);
  EXPECT_EQ(checkpoint("shardId-000000000000", &finished), 3);
  EXPECT_TRUE(finished);
  EXPECT_EQ(checkpoint("shardId-000000000001", &finished), 4);
  EXPECT_FALSE(finished);
}

TEST_F(StreamTriggerTest, ChildrenWaitForParentsSeenAtTheStart) {
  stream->add_shard("shardId-000000000000");
  for (int i = 0; i < 3; ++i) stream->put("shardId-000000000000", "a");
  stream->shard("shardId-000000000000").shard.closed = true;
  stream->add_shard("shardId-000000000001", "shardId-000000000000");
  stream->put("shardId-000000000001", "b");
  spec.event.batch_size = 1;
  int failures_left = 2;
  invoker.respond = [&](const FakeInvoker::Call& c, invoker::InvokeResult& r) {
    if (c.seqs[0] == "s2" && failures_left-- > 0) fail_with_error(r);
  };
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return contains(delivered(), "s4"); }));
  EXPECT_EQ(delivered(), (std::vector<std::string>{"s1", "s2", "s2", "s2", "s3", "s4"}));
}

TEST_F(StreamTriggerTest, ParallelizationKeepsOrderPerKeyAndCheckpointsTheLowestUndone) {
  stream->add_shard("shardId-000000000000");
  // Keys that land in three different lanes of three.
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 3 && i < 100; ++i) {
    std::string k = "key" + std::to_string(i);
    std::uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : k) h = (h ^ c) * 1099511628211ULL;
    bool taken = false;
    for (const auto& other : keys) {
      std::uint64_t g = 14695981039346656037ULL;
      for (unsigned char c : other) g = (g ^ c) * 1099511628211ULL;
      taken |= g % 3 == h % 3;
    }
    if (!taken) keys.push_back(k);
  }
  ASSERT_EQ(keys.size(), 3u);
  for (int round = 0; round < 3; ++round)
    for (const auto& k : keys) stream->put("shardId-000000000000", k);  // s1..s9
  spec.event.parallelization_factor = 3;
  spec.event.batch_size = 2;
  // The first key's first batch fails once; the others go on meanwhile.
  bool failed_once = false;
  invoker.respond = [&](const FakeInvoker::Call& c, invoker::InvokeResult& r) {
    if (c.keys[0] == keys[0] && !failed_once) {
      failed_once = true;
      fail_with_error(r);
    }
  };
  invoker.hold = true;
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return invoker.calls.size() == 3; }));
  EXPECT_EQ(invoker.max_in_flight, 3) << "one batch per lane in flight";
  for (const auto& c : invoker.calls)
    for (const auto& k : c.keys) EXPECT_EQ(k, c.keys[0]) << "a batch holds one lane's records";
  invoker.release();
  // The other two lanes finish their first batches; the first lane retries, so the checkpoint
  // stays before its first record.
  run_for(30ms);
  EXPECT_EQ(checkpoint("shardId-000000000000"), 0);
  invoker.hold = false;
  invoker.release();
  ASSERT_TRUE(run_until([&] { return checkpoint("shardId-000000000000") == 9; }));
  std::map<std::string, std::vector<std::string>> per_key;
  for (const auto& c : invoker.calls)
    for (std::size_t i = 0; i < c.seqs.size(); ++i) per_key[c.keys[i]].push_back(c.seqs[i]);
  EXPECT_EQ(per_key[keys[1]], (std::vector<std::string>{"s2", "s5", "s8"}));
  EXPECT_EQ(per_key[keys[2]], (std::vector<std::string>{"s3", "s6", "s9"}));
  EXPECT_EQ(per_key[keys[0]], (std::vector<std::string>{"s1", "s4", "s1", "s4", "s7"}));
}

TEST_F(StreamTriggerTest, AMissingStreamIsWaitedFor) {
  stream->exists = false;
  auto t = make_trigger();
  run_for(50ms);
  stream->exists = true;
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a");
  ASSERT_TRUE(run_until([&] { return delivered().size() == 1; }, 2500ms));
}

TEST_F(StreamTriggerTest, StopLeavesTheBatchInFlightUncheckpointed) {
  stream->add_shard("shardId-000000000000");
  stream->put("shardId-000000000000", "a");
  invoker.hold = true;
  auto t = make_trigger();
  ASSERT_TRUE(run_until([&] { return invoker.calls.size() == 1; }));
  t->stop();
  invoker.release();
  run_for(30ms);
  EXPECT_EQ(checkpoint("shardId-000000000000"), 0);
  EXPECT_EQ(t->source_arn(), kArn);
}

}  // namespace
}  // namespace serverlite::events
