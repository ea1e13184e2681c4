// `serverlite invoke`: runs one function once per event and prints each result on a line of
// stdout (logs go to stderr). The app's services (DynamoDB, Kinesis, SQS, Lambda) run in this
// process, in memory or on a state directory, on a free local port that the handler's
// AWS_ENDPOINT_URL names, so a handler that calls them works without `serverlite up`. With
// --aws-endpoint, nothing is started and the handler is pointed at that endpoint instead (a
// running `serverlite up`, say).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "emulator/app/app_spec.hpp"

namespace serverlite {

struct InvokeCommandOptions {
  std::string function;    // key under `functions:` or deployed name
  std::string event_path;  // empty: one event, {}
  std::string aws_endpoint;  // non-empty: start no services, hand this URL to the handler
  std::optional<std::filesystem::path> state_dir;  // the services' state; nullopt: in memory
  bool quiet = false;      // no access lines for the handler's AWS calls
};

// The events `invoke --event` names: a JSON file (one event), a JSON Lines file (one event per
// non-blank line), a directory (its *.json and *.jsonl files in name order), or - (stdin, JSON
// or JSON Lines). Throws std::runtime_error naming the file (and line) of what is not JSON.
std::vector<std::string> read_events(const std::string& path);

// Exit status: 0 every invocation succeeded, 1 one failed (or the services could not start),
// 2 bad configuration or usage. Messages go to stderr.
int run_invoke_command(app::AppSpec& spec, const InvokeCommandOptions& options);

}  // namespace serverlite
