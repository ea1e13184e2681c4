// What `serverlite up` is told on its command line, as every part of it reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace serverlite {

struct UpOptions {
  std::string host = "127.0.0.1";
  std::uint16_t aws_port = 4566;
  std::uint16_t gateway_port = 3000;
  std::optional<std::filesystem::path> state_dir;  // nullopt: in memory (--ephemeral)
  std::chrono::milliseconds gateway_timeout{29000};
  std::chrono::milliseconds shutdown_grace{3000};
  // Invocations of one function that run at once (its warm workers), and how many may wait for
  // one of them; see invoker::InvokerOptions.
  int function_concurrency = 10;
  std::size_t function_queue_limit = 10000;
  // Kinesis's per-shard throughput limits (ProvisionedThroughputExceededException); off unless
  // `up --stream-throughput-limits`.
  bool stream_throughput_limits = false;
  // How long a Kinesis stream stays CREATING after CreateStream, UPDATING after a resharding and
  // DELETING after DeleteStream, in ms of the service clock (`--create-stream-ms`,
  // `--update-stream-ms`, `--delete-stream-ms`); 0: the change is immediate.
  std::int64_t create_stream_ms = 0;
  std::int64_t update_stream_ms = 0;
  std::int64_t delete_stream_ms = 0;
  // How long a DynamoDB table stays CREATING, UPDATING or DELETING (and a new index CREATING)
  // after the request, by the service's clock (`--create-table-ms` ...); 0: ACTIVE (or gone) at
  // once.
  std::chrono::milliseconds create_table_time{0};
  std::chrono::milliseconds update_table_time{0};
  std::chrono::milliseconds delete_table_time{0};
  // How long a group of writes may wait for the io loop to run dry (Emulator::enable_idle_flush).
  std::chrono::microseconds group_commit_cap{500};
  // `--clock virtual[=TIME]`: the virtual clock, starting at this time (the real time when the
  // option names none). nullopt: the real clock.
  std::optional<std::chrono::system_clock::time_point> virtual_clock;
  // Host names served besides local ones and `host` (`--allow-host`), and browser origins allowed
  // on the AWS endpoint (`--allow-origin`): http::RequestGuard.
  std::vector<std::string> allow_hosts;
  std::vector<std::string> allow_origins;
  // `--verify-signatures`: SigV4 checked against `credentials` (access key id, secret).
  bool verify_signatures = false;
  std::vector<std::pair<std::string, std::string>> credentials;
  // `--durability full`: SQLite synchronous=FULL (commits survive power loss) instead of NORMAL.
  bool durability_full = false;
  // One line on stderr per request from the network, to the gateway and the AWS endpoint
  // (emulator/access_log.hpp); `up` turns it on unless `--quiet`.
  bool access_log = false;
  // `up`: the service directory is watched; a function's warm workers are replaced when its code
  // changes, and a change to serverless.yml is reported (`--no-watch`: off). See invoker/watch.hpp.
  bool watch = true;
};

}  // namespace serverlite
