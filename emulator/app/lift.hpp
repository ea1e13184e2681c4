// serverless-lift's constructs as serverlite builds them (plugins.cpp) and as `${construct:...}`
// names them (variables.cpp). Lift generates CloudFormation with the AWS CDK; locally a queue
// construct is two resources.Resources queues with these logical ids and Lift's queue names.
#pragma once

#include <string>

namespace serverlite::app::lift {

// "my-queue" → "myqueue" + suffix: the logical id of a construct's resource.
inline std::string logical_id(const std::string& construct_id, const std::string& suffix) {
  std::string out;
  for (char c : construct_id) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out += c;
  }
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return "Lift" + out + suffix;
}

inline std::string queue_id(const std::string& construct_id) {
  return logical_id(construct_id, "Queue");
}
inline std::string dlq_id(const std::string& construct_id) {
  return logical_id(construct_id, "Dlq");
}

// The name the bucket of a storage construct gets here: "{service}-{stage}-{id}" in S3's
// alphabet (lower case, digits, '-', '.'), at most 63 characters. Lift lets CloudFormation pick
// a random name; a stable one keeps state across runs.
inline std::string bucket_name(const std::string& service, const std::string& stage,
                               const std::string& construct_id) {
  std::string out;
  for (char c : service + "-" + stage + "-" + construct_id) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    out += ok ? c : '-';
    if (out.size() == 63) break;
  }
  while (out.size() < 3) out += '0';
  return out;
}

}  // namespace serverlite::app::lift
