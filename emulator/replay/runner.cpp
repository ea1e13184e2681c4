#include "emulator/replay/runner.hpp"

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "emulator/app/intrinsics.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/http/base64.hpp"
#include "emulator/replay/cases.hpp"
#include "emulator/replay/expect.hpp"
#include "emulator/replay/junit.hpp"
#include "emulator/replay/shapes.hpp"

namespace serverlite::replay {

namespace asio = boost::asio;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kSettleQuiet = std::chrono::milliseconds(500);
constexpr auto kSettleMax = std::chrono::seconds(15);
constexpr auto kCallTimeout = std::chrono::seconds(120);

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A running emulator on its own io thread, and blocking calls into it from the runner's thread.
class Harness {
 public:
  Harness(app::AppSpec& app, const UpOptions& options) : app_(app), emulator_(io_, app, options) {}

  std::vector<std::string> start() {
    auto warnings = emulator_.start();
    started_ = true;
    emulator_.set_invocation_observer(
        [this](Emulator::InvocationSource source, const invoker::InvokeRequest& req,
               const invoker::InvokeResult& res) {
          if (source != Emulator::InvocationSource::Trigger) return;
          std::lock_guard lock(mutex_);
          triggered_.push_back({req.function, res.status, res.payload, res.error_type});
          last_end_ = Clock::now();
          changed_.notify_all();
        });
    thread_ = std::thread([this] { io_.run(); });
    return warnings;
  }

  ~Harness() {
    if (!started_) return;
    std::promise<void> stopped;
    asio::post(io_, [&] { emulator_.shutdown([&] { stopped.set_value(); }); });
    stopped.get_future().wait_for(std::chrono::seconds(30));
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    io_.restart();
    io_.poll();
  }

  http::Response aws(http::Request request) { return serve(std::move(request), false); }
  http::Response gateway(http::Request request) { return serve(std::move(request), true); }

  // An AWS JSON call: X-Amz-Target `target`, body `body`; throws with the error when not 200.
  json aws_json(const std::string& target, const std::string& content_type, const json& body) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"X-Amz-Target", target}, {"Content-Type", content_type}};
    r.body = body.dump();
    http::Response res = aws(std::move(r));
    json out = json::parse(res.body, nullptr, false);
    if (res.status != 200) {
      std::string message = out.is_object() ? out.value("message", out.value("Message", res.body))
                                            : res.body;
      std::string type = out.is_object() ? out.value("__type", "") : "";
      throw std::runtime_error(target + ": " + (type.empty() ? "" : type + ": ") + message);
    }
    return out;
  }

  std::string evaluate_arn(const std::string& json_text, const std::string& key) {
    std::promise<std::string> result;
    asio::post(io_, [&] {
      try {
        result.set_value(emulator_.evaluate_arn(json_text, key));
      } catch (...) {
        result.set_exception(std::current_exception());
      }
    });
    return result.get_future().get();
  }

  // Moves the virtual clock to `epoch_ms` (when later than its time) and waits until what fell
  // due has run.
  void advance_clock(std::int64_t epoch_ms) {
    std::promise<std::string> result;
    asio::post(io_, [&] {
      auto to = std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms));
      if (to <= emulator_.clock().now()) return result.set_value("");
      emulator_.advance_clock(to, [&](std::string error) { result.set_value(error); });
    });
    auto error = result.get_future().get();
    if (!error.empty()) throw std::runtime_error("moving the clock: " + error);
  }

  struct Triggered {
    std::string function;
    invoker::InvokeStatus status;
    std::string payload;
    std::string error_type;
  };

  std::size_t triggered_count() {
    std::lock_guard lock(mutex_);
    return triggered_.size();
  }

  // The triggered invocations that ended since `from`, once they settle: at least `at_least`
  // of them, then none for kSettleQuiet (kSettleMax at most).
  std::vector<Triggered> settle(std::size_t from, std::size_t at_least) {
    std::unique_lock lock(mutex_);
    auto deadline = Clock::now() + kSettleMax;
    auto started = Clock::now();
    for (;;) {
      auto quiet_since = std::max(last_end_, started);
      bool enough = triggered_.size() >= from + at_least;
      if (enough && Clock::now() - quiet_since >= kSettleQuiet) break;
      if (Clock::now() >= deadline) break;
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
    return {triggered_.begin() + static_cast<std::ptrdiff_t>(from), triggered_.end()};
  }

 private:
  http::Response serve(http::Request request, bool to_gateway) {
    auto answer = std::make_shared<std::promise<http::Response>>();
    auto future = answer->get_future();
    asio::post(io_, [this, answer, to_gateway, request = std::move(request)]() mutable {
      auto respond = [answer](http::Response r) { answer->set_value(std::move(r)); };
      if (to_gateway) emulator_.handle_gateway(std::move(request), respond);
      else emulator_.handle_aws(std::move(request), respond);
    });
    if (future.wait_for(kCallTimeout) != std::future_status::ready)
      throw std::runtime_error("no answer within 120 s");
    return future.get();
  }

  app::AppSpec& app_;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  Emulator emulator_;
  bool started_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Triggered> triggered_;
  Clock::time_point last_end_ = Clock::now();
};

constexpr const char* kSqs = "application/x-amz-json-1.0";
constexpr const char* kKinesis = "application/x-amz-json-1.1";
constexpr const char* kDynamo = "application/x-amz-json-1.0";

std::string queue_url(Harness& h, const std::string& queue) {
  return h.aws_json("AmazonSQS.GetQueueUrl", kSqs, {{"QueueName", queue}})["QueueUrl"];
}

void send_messages(Harness& h, const std::string& queue, const std::vector<QueueMessage>& list) {
  std::string url = queue_url(h, queue);
  for (const auto& m : list) {
    json body = {{"QueueUrl", url}, {"MessageBody", m.body}};
    if (!m.attributes.empty()) body["MessageAttributes"] = m.attributes;
    if (m.group_id) body["MessageGroupId"] = *m.group_id;
    if (m.deduplication_id) body["MessageDeduplicationId"] = *m.deduplication_id;
    if (m.delay_seconds) body["DelaySeconds"] = *m.delay_seconds;
    h.aws_json("AmazonSQS.SendMessage", kSqs, body);
  }
}

void put_records(Harness& h, const std::string& stream, const std::vector<StreamRecord>& list) {
  for (const auto& r : list) {
    json body = {{"StreamName", stream},
                 {"Data", http::base64_encode(r.data)},
                 {"PartitionKey", r.partition_key}};
    if (r.explicit_hash_key) body["ExplicitHashKey"] = *r.explicit_hash_key;
    h.aws_json("Kinesis_20131202.PutRecord", kKinesis, body);
  }
}

void write_table(Harness& h, const std::string& table, const std::vector<TableWrite>& writes) {
  for (const auto& w : writes) {
    if (w.op == TableWrite::Op::Put)
      h.aws_json("DynamoDB_20120810.PutItem", kDynamo, {{"TableName", table}, {"Item", w.value}});
    else
      h.aws_json("DynamoDB_20120810.DeleteItem", kDynamo, {{"TableName", table}, {"Key", w.value}});
  }
}

// Through the Lambda API, as a client would invoke the function.
void invoke(Harness& h, const std::string& function, const json& event, Observed& seen) {
  http::Request r;
  r.method = "POST";
  r.target = "/2015-03-31/functions/" + function + "/invocations";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = event.dump();
  http::Response res = h.aws(std::move(r));
  json payload = json::parse(res.body, nullptr, false);
  if (res.status != 200 && !res.header("X-Amz-Function-Error")) {
    std::string message = payload.is_object() ? payload.value("message", res.body) : res.body;
    throw std::runtime_error("Invoke " + function + ": " + message);
  }
  if (res.header("X-Amz-Function-Error")) {
    seen.error_type = payload.is_object() ? payload.value("errorType", "Error") : "Error";
    seen.error_message = payload.is_object() ? payload.value("errorMessage", "") : res.body;
  }
  seen.result = payload.is_discarded() ? json(res.body) : payload;
}

// What the triggered invocations say, for a case through a service: the last result, or the
// first error.
void take_triggered(const std::vector<Harness::Triggered>& runs, Observed& seen) {
  for (const auto& t : runs) {
    json payload = json::parse(t.payload, nullptr, false);
    if (t.status != invoker::InvokeStatus::Ok && !seen.error_type) {
      seen.error_type = t.error_type.empty() ? "Error" : t.error_type;
      seen.error_message = payload.is_object() ? payload.value("errorMessage", "") : t.payload;
    }
    seen.result = payload.is_discarded() ? json(t.payload) : payload;
  }
}

void observe_side_effects(Harness& h, const Expect& expect, Observed& seen) {
  for (const auto& effect : expect.side_effects) {
    SideEffectObservation o;
    if (effect.kind == ExpectedSideEffect::Kind::Queue) {
      // Looked at without taking them: visible again at once.
      std::string url = queue_url(h, effect.queue);
      std::set<std::string> ids;
      for (int round = 0; round < 10; ++round) {
        json got = h.aws_json("AmazonSQS.ReceiveMessage", kSqs,
                              {{"QueueUrl", url}, {"MaxNumberOfMessages", 10},
                               {"VisibilityTimeout", 0}, {"WaitTimeSeconds", 0}});
        bool added = false;
        for (const auto& m : got.value("Messages", json::array()))
          if (ids.insert(m.value("MessageId", "")).second) {
            o.messages.push_back(m.value("Body", ""));
            added = true;
          }
        if (!added) break;
      }
    } else {
      json got = h.aws_json("DynamoDB_20120810.GetItem", kDynamo,
                            {{"TableName", effect.table},
                             {"Key", to_wire_item(effect.key)},
                             {"ConsistentRead", true}});
      if (got.contains("Item")) o.item = from_wire_item(got["Item"]);
    }
    seen.side_effects.push_back(std::move(o));
  }
}

http::Request to_request(const HttpRequestSpec& spec) {
  http::Request r;
  r.method = spec.method;
  r.target = spec.target();
  for (const auto& [name, value] : spec.headers) r.headers.push_back({name, value});
  r.body = spec.body;
  r.remote_address = "127.0.0.1";
  return r;
}

bool expects_invocation_outcome(const std::optional<Expect>& e) {
  return e && (e->result || e->error || e->error_message);
}

}  // namespace

int run_replay(app::AppSpec& app, const ReplayOptions& options, std::ostream& out,
               std::ostream& err) {
  std::vector<Case> cases;
  try {
    for (const auto& input : options.inputs) {
      auto loaded = load_cases(input);
      cases.insert(cases.end(), loaded.begin(), loaded.end());
    }
  } catch (const CaseError& e) {
    err << "serverlite: error: " << e.what() << "\n";
    return 2;
  }
  if (cases.empty()) {
    err << "serverlite: error: no cases to replay\n";
    return 2;
  }

  UpOptions up = options.up;
  up.aws_port = 0;
  up.gateway_port = 0;
  // Cases with timestamps run on the virtual clock, moved to each case's time before it runs:
  // what serverlite stamps (events, records, attributes) carries the recorded times, and what
  // falls due between two cases (visibility timeouts, TTL, expiry) runs in time order.
  for (const Case& c : cases)
    if (c.timestamp_ms) {
      up.virtual_clock =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(*c.timestamp_ms));
      break;
    }
  Harness h(app, up);
  try {
    for (const auto& w : h.start()) err << "serverlite: warning: " << w << "\n";
  } catch (const app::ConfigError& e) {
    err << "serverlite: error: " << e.what() << "\n";
    return 2;
  }

  std::vector<CaseResult> results;
  std::size_t passed = 0, failed = 0;
  std::optional<std::int64_t> previous_time;
  auto run_start = Clock::now();
  for (const Case& c : cases) {
    if (options.real_time && c.timestamp_ms) {
      if (previous_time && *c.timestamp_ms > *previous_time)
        std::this_thread::sleep_for(std::chrono::milliseconds(*c.timestamp_ms - *previous_time));
      previous_time = c.timestamp_ms;
    }
    CaseResult result;
    result.name = c.name;
    result.classname = c.source.substr(0, c.source.rfind(':'));
    Observed seen;
    std::string problem;
    auto start = Clock::now();
    try {
      if (c.timestamp_ms) h.advance_clock(*c.timestamp_ms);
      std::size_t before = h.triggered_count();
      bool through_service = false;
      switch (c.kind) {
        case CaseKind::Invoke:
          invoke(h, c.function, c.event, seen);
          break;
        case CaseKind::Event: {
          auto routed = route(c.event, app, [&](const std::string& arn_json,
                                                const std::string& key) {
            return h.evaluate_arn(arn_json, key);
          });
          if (auto why = route_problem(routed, app)) throw std::runtime_error(*why);
          invoke(h, routed.candidates.front().function->key, c.event, seen);
          break;
        }
        case CaseKind::Http: {
          http::Response res = h.gateway(to_request(c.http));
          seen.status = res.status;
          seen.body = res.body;
          break;
        }
        case CaseKind::Queue:
          send_messages(h, c.target, c.messages);
          through_service = true;
          break;
        case CaseKind::Stream:
          put_records(h, c.target, c.records);
          through_service = true;
          break;
        case CaseKind::Table:
          write_table(h, c.target, c.writes);
          through_service = true;
          break;
      }
      seen.duration_ms = ms_since(start);
      if (through_service && !c.seed) {
        auto runs = h.settle(before, expects_invocation_outcome(c.expect) ? 1 : 0);
        take_triggered(runs, seen);
      }
      if (c.expect) observe_side_effects(h, *c.expect, seen);
    } catch (const std::exception& e) {
      problem = e.what();
    }
    result.time_s = ms_since(start) / 1000;
    char took[32];
    std::snprintf(took, sizeof took, " (%.0f ms)", ms_since(start));
    if (c.seed) {
      if (!problem.empty()) {
        out << "ERROR " << c.source << " seed: " << problem << "\n";
        result.error = problem;
        ++failed;
        results.push_back(std::move(result));
      }
      continue;
    }
    if (!problem.empty()) {
      out << "ERROR " << c.name << took << "\n      " << problem << "\n";
      result.error = problem;
      ++failed;
    } else {
      auto mismatches = check(c.expect.value_or(Expect{}), seen);
      if (mismatches.empty()) {
        out << "PASS  " << c.name << took << "\n";
        ++passed;
      } else {
        out << "FAIL  " << c.name << took << "\n";
        for (const auto& m : mismatches) {
          out << "      " << m << "\n";
          result.failure_details += m + "\n";
        }
        result.failure = mismatches.front();
        ++failed;
      }
    }
    out.flush();
    results.push_back(std::move(result));
  }
  out << passed << " passed, " << failed << " failed (" << static_cast<long>(ms_since(run_start))
      << " ms)\n";
  if (options.junit) {
    std::ofstream xml(*options.junit, std::ios::binary | std::ios::trunc);
    xml << junit_xml("serverlite replay", results);
    if (!xml) {
      err << "serverlite: error: cannot write " << options.junit->string() << "\n";
      return 2;
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace serverlite::replay
