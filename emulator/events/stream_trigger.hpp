// A stream as a function's trigger: Lambda's event source mapping for Kinesis streams and
// DynamoDB table streams, over any ShardSource (shard_source.hpp).
//
// As on AWS: each shard is read in order and one batch per shard (per parallelization slot) is
// in flight at a time; a child shard is read only once its parents are read to their end; a
// failing batch is retried and blocks its shard until it succeeds, its records expire
// (maximumRecordAgeInSeconds) or the retries run out (maximumRetryAttempts), optionally halving
// the batch on each failure (bisectBatchOnFunctionError); then a record of the batch goes to the
// on-failure destination and the shard moves on. With ReportBatchItemFailures the checkpoint
// moves to just before the lowest reported sequence number. Records no filter pattern matches
// are skipped. The checkpoint of each shard is kept in SQLite after every batch done, so a
// restart with the same state resumes where the mapping stopped.
//
// Threading: owned by the io thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "emulator/app/app_spec.hpp"
#include "emulator/events/shard_source.hpp"
#include "emulator/invoker/invoker.hpp"
#include "emulator/store/database.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::events {

struct StreamTriggerSpec {
  std::string function_key;  // key under `functions:`, what the invoker runs
  std::string function_arn;  // requestContext.functionArn of failure records
  std::string region;
  app::StreamEventSpec event;
  // The on-failure destination's ARN, evaluated; empty when none.
  std::string on_failure_arn;
  // The service clock: record ages and failure records' timestamps (the system clock if unset).
  // The trigger's own pacing (polls, backoff, batching windows) stays on real time.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Delivers a failure record (JSON text) to a destination ARN (an SQS queue). Returns false, with
// the reason in `error`, when it cannot.
using FailureSink = std::function<bool(const std::string& destination_arn, const std::string& body,
                                       std::string& error)>;

class StreamTrigger : public std::enable_shared_from_this<StreamTrigger> {
 public:
  // Creates its checkpoint table in `db` when missing. `db` outlives the trigger.
  StreamTrigger(boost::asio::io_context& io, store::Database& db,
                std::unique_ptr<ShardSource> source, invoker::Invoker& invoker,
                StreamTriggerSpec spec, FailureSink on_failure);
  ~StreamTrigger();

  void start();
  // After stop() the trigger touches neither the source, the database nor the invoker again; a
  // batch in flight is not checkpointed, so it is delivered again after a restart.
  void stop();
  // The source got new records: idle shards read again now rather than at their next poll.
  void wake();
  // The source's ARN, to route wakes.
  std::string source_arn() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serverlite::events
