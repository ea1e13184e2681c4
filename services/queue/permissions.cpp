// AddPermission and RemovePermission: SQS writes the queue's access policy for the caller, one
// statement per label, and keeps it in the Policy attribute (which SetQueueAttributes can also
// set, and GetQueueAttributes shows).
//
// What SQS checks, in its order: the queue, the label (1 to 80 alphanumeric characters, hyphens
// or underscores), the accounts and actions present, each action one SQS shares (at most 7 per
// statement), and no statement of that label already there. A label RemovePermission cannot find
// is an InvalidParameterValue; when the last statement goes, so does the Policy attribute.
#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

#include "services/queue/engine.hpp"
#include "services/queue/engine_internal.hpp"

namespace serverlite::queue {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxActions = 7;

// The actions a permission may share (AddPermission's API reference), "*" for all of them.
constexpr std::string_view kShareable[] = {"*",
                                           "SendMessage",
                                           "ReceiveMessage",
                                           "DeleteMessage",
                                           "ChangeMessageVisibility",
                                           "GetQueueAttributes",
                                           "GetQueueUrl",
                                           "ListDeadLetterSourceQueues",
                                           "PurgeQueue",
                                           "ListQueueTags"};

// A label has a queue name's characters (is_name_char) and length.
bool valid_label(std::string_view label) {
  return !label.empty() && label.size() <= 80 && std::all_of(label.begin(), label.end(), is_name_char);
}

bool valid_account(std::string_view id) {
  return id.size() == 12 && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One value as a string, several as a list: how SQS writes Principal.AWS and Action.
Json one_or_list(const std::vector<std::string>& values) {
  if (values.size() == 1) return values.front();
  return Json(values);
}

// The statements of a stored policy; a policy that is not JSON (SetQueueAttributes stores what
// it is given) is treated as holding none.
Json parse_policy(const QueueAttributes& attributes) {
  auto it = attributes.find("Policy");
  if (it == attributes.end()) return nullptr;
  Json policy = Json::parse(it->second, nullptr, false);
  if (!policy.is_object()) return nullptr;
  if (!policy.contains("Statement") || !policy["Statement"].is_array())
    policy["Statement"] = Json::array();
  return policy;
}

bool has_label(const Json& policy, std::string_view label) {
  if (policy.is_null()) return false;
  for (const auto& statement : policy["Statement"])
    if (statement.is_object() && statement.value("Sid", "") == label) return true;
  return false;
}

}  // namespace

Result<Empty> QueueEngine::add_permission(const AddPermissionRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (request.label.empty()) return error(ErrorCode::MissingParameter,
                                          "The request must contain the parameter Label.");
  if (!valid_label(request.label))
    return invalid_parameter("Label", request.label,
                             "Can only include alphanumeric characters, hyphens, or underscores. "
                             "1 to 80 in length");
  if (request.account_ids.empty())
    return error(ErrorCode::MissingParameter,
                 "The request must contain the parameter AWSAccountIds.");
  if (request.actions.empty())
    return error(ErrorCode::MissingParameter, "The request must contain the parameter Actions.");
  for (const auto& id : request.account_ids)
    if (!valid_account(id))
      return invalid_parameter("PrincipalId", id, "Unable to verify.");
  for (const auto& action : request.actions)
    if (std::find(std::begin(kShareable), std::end(kShareable), action) == std::end(kShareable))
      return invalid_parameter("ActionName", action,
                               "Please refer to the appropriate WSDL for a list of valid actions.");
  if (request.actions.size() > kMaxActions)
    return error(ErrorCode::OverLimit,
                 std::to_string(request.actions.size()) +
                     " Actions were found, maximum allowed is " + std::to_string(kMaxActions) + ".");
  Json policy = parse_policy(q->attributes);
  if (has_label(policy, request.label))
    return invalid_parameter("Label", request.label, "Already exists.");

  std::string arn = queue_arn(q->name);
  if (policy.is_null())
    policy = {{"Version", "2012-10-17"}, {"Id", arn + "/SQSDefaultPolicy"},
              {"Statement", Json::array()}};
  std::vector<std::string> principals, actions;
  for (const auto& id : request.account_ids) principals.push_back("arn:aws:iam::" + id + ":root");
  for (const auto& action : request.actions) actions.push_back("SQS:" + action);
  policy["Statement"].push_back({{"Sid", request.label},
                                 {"Effect", "Allow"},
                                 {"Principal", {{"AWS", one_or_list(principals)}}},
                                 {"Action", one_or_list(actions)},
                                 {"Resource", arn}});
  SetQueueAttributesRequest set{q->name, {{"Policy", policy.dump()}}};
  return set_queue_attributes(set);
}

Result<Empty> QueueEngine::remove_permission(const RemovePermissionRequest& request) {
  Queue* q = find(request.queue_name);
  if (!q) return non_existent_queue();
  if (request.label.empty()) return error(ErrorCode::MissingParameter,
                                          "The request must contain the parameter Label.");
  Json policy = parse_policy(q->attributes);
  if (!has_label(policy, request.label))
    return invalid_parameter("Label", request.label, "can't find label on existing policy.");
  auto& statements = policy["Statement"];
  statements.erase(std::remove_if(statements.begin(), statements.end(),
                                  [&](const Json& s) {
                                    return s.is_object() && s.value("Sid", "") == request.label;
                                  }),
                   statements.end());
  // An empty value removes the attribute (as SetQueueAttributes with Policy "" does).
  std::string value = statements.empty() ? "" : policy.dump();
  return set_queue_attributes({q->name, {{"Policy", value}}});
}

}  // namespace serverlite::queue
