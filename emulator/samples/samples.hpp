// Sample events for `serverlite generate-event SOURCE`: the JSON a Lambda function receives from
// each event source serverlite emulates, to feed `serverlite invoke -e` or a unit test.
//
// Contract:
// - Each event has exactly the shape AWS documents for that source. Where serverlite itself
//   builds the event (API Gateway REST and HTTP API, SQS, Kinesis, DynamoDB streams), the
//   sample is made by the same builders, so it is exactly what serverlite delivers.
// - Options are strings by name, as sources() lists them; an option left out takes its default.
//   An unknown source, an unknown option or a bad value throws SampleError naming it.
// - Pure apart from ids and timestamps: with `fixed_clock` those are fixed too (2024-01-01
//   12:00:00 UTC and ids from a fixed seed), so the same call gives the same event, byte for
//   byte. Without it, time is now and ids are random.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace serverlite::samples {

struct OptionInfo {
  std::string name;           // "method", "body", ...
  std::string help;           // one line, for `--help`
  std::string default_value;  // as text; "" when the option is unset by default
};

struct SourceInfo {
  std::string name;  // "apigateway-rest", "sqs", ...
  std::string help;  // one line
  std::vector<OptionInfo> options;
};

struct SampleError : std::runtime_error {
  using runtime_error::runtime_error;
};

// Every source, in a fixed order: apigateway-rest, apigateway-http, sqs, kinesis,
// dynamodb-stream, schedule, eventbridge, sns, s3. Each has a "region" option (us-east-1);
// the account is always 000000000000, as everywhere in serverlite.
const std::vector<SourceInfo>& sources();

// The event `source` delivers to a function. `options` maps option names (as in sources()) to
// values; numbers are decimal text, JSON options JSON text, and the apigateway `header` option
// one "Name: value" per line.
nlohmann::json generate(std::string_view source, const std::map<std::string, std::string>& options,
                        bool fixed_clock = false);

}  // namespace serverlite::samples
