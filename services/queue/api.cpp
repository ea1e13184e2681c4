#include "services/queue/api.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "emulator/aws/query_protocol.hpp"
#include "emulator/http/base64.hpp"

namespace serverlite::queue {

namespace asio = boost::asio;
using Json = nlohmann::json;
using aws::ApiError;

// ---- decoding: one interface over both protocols ---------------------------------------------

// What an operation reads from its request. Names are the JSON protocol's; where the query
// protocol flattens differently (AttributeName.N, Attribute.N.Name/Value, MessageAttribute.N ...),
// the caller gives that name too.
class QueueApi::Input {
 public:
  virtual ~Input() = default;
  virtual std::optional<std::string> string(std::string_view name) const = 0;
  virtual std::optional<std::int64_t> integer(std::string_view name) const = 0;
  virtual std::vector<std::string> strings(std::string_view json_name,
                                           std::string_view query_name) const = 0;
  // A map of strings: JSON `{k: v}`; query `Name.N.<key>` / `Name.N.<value>`.
  virtual std::map<std::string, std::string> string_map(std::string_view json_name,
                                                        std::string_view query_name,
                                                        std::string_view key_member,
                                                        std::string_view value_member) const = 0;
  virtual std::vector<std::unique_ptr<Input>> entries(std::string_view json_name,
                                                      std::string_view query_name) const = 0;
  virtual MessageAttributes message_attributes(std::string_view json_name,
                                               std::string_view query_name) const = 0;

  std::string required(std::string_view name) const {
    auto v = string(name);
    if (!v) throw aws::missing_parameter(name);
    return *v;
  }
  std::optional<int> optional_int(std::string_view name) const {
    auto v = integer(name);
    if (!v) return std::nullopt;
    if (*v < INT32_MIN || *v > INT32_MAX)
      throw ApiError(400, "InvalidParameterValue",
                     "Value " + std::to_string(*v) + " for parameter " + std::string(name) +
                         " is invalid. Reason: Must be between -2147483648 and 2147483647.");
    return static_cast<int>(*v);
  }
};

namespace {

// A binary attribute value arrives base64-encoded in both protocols.
std::string decode_binary(const std::string& text, std::string_view where) {
  auto bytes = http::base64_decode(text);
  if (!bytes)
    throw ApiError(400, "InvalidParameterValue",
                   "The message attribute '" + std::string(where) +
                       "' has an invalid binary value: it is not valid base64.");
  return *bytes;
}

MessageAttributeValue attribute_value(std::string data_type, std::optional<std::string> string_value,
                                      std::optional<std::string> binary_value,
                                      const std::string& name) {
  MessageAttributeValue v;
  v.data_type = std::move(data_type);
  if (string_value) v.string_value = *string_value;
  if (binary_value) v.binary_value = decode_binary(*binary_value, name);
  return v;
}

class JsonInput : public QueueApi::Input {
 public:
  explicit JsonInput(const Json& obj) : obj_(obj) {}

  std::optional<std::string> string(std::string_view name) const override {
    return aws::optional_string(obj_, name);
  }
  std::optional<std::int64_t> integer(std::string_view name) const override {
    return aws::optional_int(obj_, name);
  }
  std::vector<std::string> strings(std::string_view json_name, std::string_view) const override {
    return aws::string_list(obj_, json_name);
  }
  std::map<std::string, std::string> string_map(std::string_view json_name, std::string_view,
                                                std::string_view, std::string_view) const override {
    return aws::string_map(obj_, json_name);
  }
  std::vector<std::unique_ptr<Input>> entries(std::string_view json_name,
                                              std::string_view) const override {
    std::vector<std::unique_ptr<Input>> out;
    if (const Json* list = aws::optional_array(obj_, json_name))
      for (const auto& e : *list) {
        if (!e.is_object())
          throw ApiError(400, std::string(aws::kSerializationException),
                         std::string(json_name) + " must hold objects");
        out.push_back(std::make_unique<JsonInput>(e));
      }
    return out;
  }
  MessageAttributes message_attributes(std::string_view json_name,
                                       std::string_view) const override {
    MessageAttributes out;
    const Json* map = aws::optional_object(obj_, json_name);
    if (!map) return out;
    for (const auto& [name, v] : map->items()) {
      if (!v.is_object())
        throw ApiError(400, std::string(aws::kSerializationException),
                       "message attribute " + name + " must be an object");
      out[name] = attribute_value(aws::optional_string(v, "DataType").value_or(""),
                                  aws::optional_string(v, "StringValue"),
                                  aws::optional_string(v, "BinaryValue"), name);
    }
    return out;
  }

 private:
  const Json& obj_;
};

class QueryInput : public QueueApi::Input {
 public:
  explicit QueryInput(aws::QueryParams params) : p_(std::move(params)) {}

  std::optional<std::string> string(std::string_view name) const override { return p_.get(name); }
  std::optional<std::int64_t> integer(std::string_view name) const override {
    return p_.get_int(name);
  }
  std::vector<std::string> strings(std::string_view, std::string_view query_name) const override {
    return p_.list(query_name);
  }
  std::map<std::string, std::string> string_map(std::string_view, std::string_view query_name,
                                                std::string_view key_member,
                                                std::string_view value_member) const override {
    std::map<std::string, std::string> out;
    for (auto& [k, v] : p_.map(query_name, key_member, value_member)) out[k] = v;
    return out;
  }
  std::vector<std::unique_ptr<Input>> entries(std::string_view,
                                              std::string_view query_name) const override {
    std::vector<std::unique_ptr<Input>> out;
    for (auto& s : p_.structs(query_name)) out.push_back(std::make_unique<QueryInput>(s));
    return out;
  }
  MessageAttributes message_attributes(std::string_view,
                                       std::string_view query_name) const override {
    MessageAttributes out;
    for (auto& entry : p_.structs(query_name)) {
      std::string name = entry.required("Name");
      auto value = entry.scope("Value");
      out[name] = attribute_value(value.get("DataType").value_or(""), value.get("StringValue"),
                                  value.get("BinaryValue"), name);
    }
    return out;
  }

 private:
  aws::QueryParams p_;
};

MessageInput message_input(const QueueApi::Input& in) {
  MessageInput m;
  m.body = in.required("MessageBody");
  m.delay_seconds = in.optional_int("DelaySeconds");
  m.message_attributes = in.message_attributes("MessageAttributes", "MessageAttribute");
  m.message_system_attributes =
      in.message_attributes("MessageSystemAttributes", "MessageSystemAttribute");
  m.message_group_id = in.string("MessageGroupId");
  m.message_deduplication_id = in.string("MessageDeduplicationId");
  return m;
}

// ---- encoding ---------------------------------------------------------------------------------

Json attributes_json(const MessageAttributes& attrs) {
  Json out = Json::object();
  for (const auto& [name, v] : attrs) {
    Json a = {{"DataType", v.data_type}};
    if (v.is_binary()) a["BinaryValue"] = http::base64_encode(v.binary_value);
    else a["StringValue"] = v.string_value;
    out[name] = a;
  }
  return out;
}

Json send_result_json(const SendMessageResult& r) {
  Json out = {{"MessageId", r.message_id}, {"MD5OfMessageBody", r.md5_of_message_body}};
  if (r.md5_of_message_attributes) out["MD5OfMessageAttributes"] = *r.md5_of_message_attributes;
  if (r.md5_of_message_system_attributes)
    out["MD5OfMessageSystemAttributes"] = *r.md5_of_message_system_attributes;
  if (r.sequence_number) out["SequenceNumber"] = *r.sequence_number;
  return out;
}

Json batch_errors_json(const std::vector<BatchResultError>& failed) {
  Json out = Json::array();
  for (const auto& f : failed)
    out.push_back({{"Id", f.id},
                   {"SenderFault", f.sender_fault},
                   {"Code", std::string(error_code_name(f.code))},
                   {"Message", f.message}});
  return out;
}

// DeleteMessageBatch and ChangeMessageVisibilityBatch answer the same shape.
Json batch_result_json(const BatchResult& res) {
  Json ok = Json::array();
  for (const auto& id : res.successful) ok.push_back({{"Id", id}});
  return {{"Successful", ok}, {"Failed", batch_errors_json(res.failed)}};
}

// How the query protocol writes the members that are not scalars (botocore's flattened shapes).
struct XmlRule {
  const char* element;  // the element each item or entry gets
  const char* key;      // maps: the key member ("Name", "Key"); lists: nullptr
  const char* value;    // maps: the value member
};

const XmlRule* xml_rule(const std::string& member) {
  static const std::map<std::string, XmlRule> rules = {
      {"QueueUrls", {"QueueUrl", nullptr, nullptr}},
      {"queueUrls", {"QueueUrl", nullptr, nullptr}},
      {"Messages", {"Message", nullptr, nullptr}},
      {"Failed", {"BatchResultErrorEntry", nullptr, nullptr}},
      {"Attributes", {"Attribute", "Name", "Value"}},
      {"MessageAttributes", {"MessageAttribute", "Name", "Value"}},
      {"Tags", {"Tag", "Key", "Value"}},
      {"Results", {"ListMessageMoveTasksResultEntry", nullptr, nullptr}},
  };
  auto it = rules.find(member);
  return it == rules.end() ? nullptr : &it->second;
}

void write_xml(aws::XmlWriter& w, const Json& obj, const std::string& action);

void write_scalar(aws::XmlWriter& w, const std::string& name, const Json& v,
                  const std::string& action) {
  if (v.is_object()) {
    w.open(name);
    write_xml(w, v, action);
    w.close();
  } else if (v.is_string()) {
    w.element(name, v.get<std::string>());
  } else if (v.is_boolean()) {
    w.element(name, v.get<bool>() ? "true" : "false");
  } else {
    w.element(name, v.dump());
  }
}

void write_xml(aws::XmlWriter& w, const Json& obj, const std::string& action) {
  for (const auto& [name, v] : obj.items()) {
    if (name == "Successful") {  // SendMessageBatchResultEntry, DeleteMessageBatchResultEntry ...
      for (const auto& item : v) write_scalar(w, action + "ResultEntry", item, action);
      continue;
    }
    const XmlRule* rule = xml_rule(name);
    if (rule && v.is_array()) {
      for (const auto& item : v) write_scalar(w, rule->element, item, action);
    } else if (rule && rule->key && v.is_object()) {
      for (const auto& [k, item] : v.items()) {
        w.open(rule->element);
        w.element(rule->key, k);
        write_scalar(w, rule->value, item, action);
        w.close();
      }
    } else {
      write_scalar(w, name, v, action);
    }
  }
}

const aws::JsonProtocol& json_protocol() {
  static const aws::JsonProtocol protocol = [] {
    aws::JsonProtocol p;
    p.content_type = "application/x-amz-json-1.0";
    p.type_prefix = "com.amazonaws.sqs#";
    p.query_compatible = true;
    for (int c = 0; c <= static_cast<int>(ErrorCode::UnsupportedOperation); ++c) {
      auto code = static_cast<ErrorCode>(c);
      p.json_types[std::string(error_code_name(code))] = std::string(json_error_type(code));
    }
    p.json_types["MissingParameter"] = "MissingParameter";
    return p;
  }();
  return protocol;
}

}  // namespace

// ---- calls and dispatch -----------------------------------------------------------------------

struct QueueApi::Call {
  http::Request request;
  http::Responder respond;
  bool json = false;
  std::string action;
  Json body;  // JSON protocol: the parsed body (Input refers to it)
  std::unique_ptr<Input> input;
  std::weak_ptr<Call> self;  // for operations that answer later (long polling)
};

// The dispatch table: every SQS action serverlite answers, in both protocols.
const std::map<std::string, QueueApi::Operation, std::less<>>& QueueApi::routes() {
  static const std::map<std::string, Operation, std::less<>> table = {
      {"CreateQueue", &QueueApi::create_queue},
      {"GetQueueUrl", &QueueApi::get_queue_url},
      {"ListQueues", &QueueApi::list_queues},
      {"DeleteQueue", &QueueApi::delete_queue},
      {"GetQueueAttributes", &QueueApi::get_queue_attributes},
      {"SetQueueAttributes", &QueueApi::set_queue_attributes},
      {"PurgeQueue", &QueueApi::purge_queue},
      {"TagQueue", &QueueApi::tag_queue},
      {"UntagQueue", &QueueApi::untag_queue},
      {"ListQueueTags", &QueueApi::list_queue_tags},
      {"ListDeadLetterSourceQueues", &QueueApi::list_dead_letter_source_queues},
      {"AddPermission", &QueueApi::add_permission},
      {"RemovePermission", &QueueApi::remove_permission},
      {"StartMessageMoveTask", &QueueApi::start_message_move_task},
      {"ListMessageMoveTasks", &QueueApi::list_message_move_tasks},
      {"CancelMessageMoveTask", &QueueApi::cancel_message_move_task},
      {"SendMessage", &QueueApi::send_message},
      {"SendMessageBatch", &QueueApi::send_message_batch},
      {"ReceiveMessage", &QueueApi::receive_message},
      {"DeleteMessage", &QueueApi::delete_message},
      {"DeleteMessageBatch", &QueueApi::delete_message_batch},
      {"ChangeMessageVisibility", &QueueApi::change_message_visibility},
      {"ChangeMessageVisibilityBatch", &QueueApi::change_message_visibility_batch},
  };
  return table;
}

std::vector<std::string> QueueApi::action_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : routes()) names.push_back(name);
  return names;
}

QueueApi::QueueApi(platform::Clock& clock, QueueEngine& engine, std::string endpoint_url)
    : clock_(clock), engine_(engine), endpoint_url_(std::move(endpoint_url)) {}

QueueApi::~QueueApi() = default;

std::string QueueApi::queue_url(const std::string& queue_name) const {
  return endpoint_url_ + "/" + engine_.options().account_id + "/" + queue_name;
}

void QueueApi::handle_json(http::Request request, http::Responder respond) {
  auto call = std::make_shared<Call>();
  call->json = true;
  call->respond = std::move(respond);
  call->request = std::move(request);
  std::string target(call->request.header("X-Amz-Target").value_or(""));
  std::string action = target.substr(target.find('.') + 1);
  try {
    call->body = aws::parse_json_body(call->request.body);
    call->input = std::make_unique<JsonInput>(call->body);
  } catch (const ApiError& e) {
    return call->respond(aws::render_json_error(e, json_protocol()));
  }
  dispatch(call, action);
}

void QueueApi::handle_query(http::Request request, http::Responder respond) {
  auto call = std::make_shared<Call>();
  call->respond = std::move(respond);
  call->request = std::move(request);
  auto params = aws::QueryParams::from_request(call->request);
  std::string action = params.action();
  call->input = std::make_unique<QueryInput>(std::move(params));
  dispatch(call, action);
}

void QueueApi::respond_error(Call& call, const ApiError& error) {
  call.respond(call.json ? aws::render_json_error(error, json_protocol())
                         : aws::render_query_error(error, aws::kSqsXmlNamespace));
}

void QueueApi::dispatch(std::shared_ptr<Call> call, const std::string& action) {
  call->action = action;
  call->self = call;
  // One catch site: ApiError renders in the caller's protocol; anything else is a logged 500.
  try {
    auto it = routes().find(action);
    if (it == routes().end()) {
      if (call->json)
        throw ApiError(400, "UnknownOperationException",
                       "The action or operation requested is invalid. Verify that the action is "
                       "typed correctly.");
      throw ApiError(400, "InvalidAction",
                     "The action " + action + " is not valid for this web service.");
    }
    (this->*(it->second))(*call);
  } catch (const ApiError& e) {
    respond_error(*call, e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serverlite: sqs %s failed: %s\n", action.c_str(), e.what());
    respond_error(*call, ApiError(500, "InternalFailure",
                                  "The request processing has failed because of an unknown "
                                  "error, exception or failure."));
  }
}

void QueueApi::finish(Call& call, const Json& result) {
  if (call.json) return call.respond(aws::render_json_response(json_protocol(), result));
  const std::string action = call.action;
  call.respond(aws::render_query_response(action, aws::kSqsXmlNamespace,
                                          [&](aws::XmlWriter& w) { write_xml(w, result, action); }));
}

// The queue a request is for: QueueUrl (a URL, or a bare name as some tools send), else, in the
// query protocol, the request path "/ACCOUNT/NAME".
std::string QueueApi::queue_name_of(Call& call) const {
  std::string url;
  if (auto v = call.input->string("QueueUrl")) {
    url = *v;
  } else if (!call.json && call.request.path().size() > 1) {
    url = std::string(call.request.path());
  } else {
    throw aws::missing_parameter("QueueUrl");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto slash = url.rfind('/');
  return slash == std::string::npos ? url : url.substr(slash + 1);
}

template <class T>
static T& value_or_throw(Result<T>& r) {
  if (!r) {
    const auto& e = r.error();
    throw ApiError(error_http_status(e.code), std::string(error_code_name(e.code)), e.message);
  }
  return r.value();
}

// ---- queues -----------------------------------------------------------------------------------

void QueueApi::create_queue(Call& call) {
  CreateQueueRequest req;
  req.queue_name = call.input->required("QueueName");
  req.attributes = call.input->string_map("Attributes", "Attribute", "Name", "Value");
  req.tags = call.input->string_map("tags", "Tag", "Key", "Value");
  auto r = engine_.create_queue(req);
  finish(call, {{"QueueUrl", queue_url(value_or_throw(r).queue_name)}});
}

void QueueApi::get_queue_url(Call& call) {
  auto r = engine_.get_queue_url({call.input->required("QueueName")});
  finish(call, {{"QueueUrl", queue_url(value_or_throw(r).queue_name)}});
}

void QueueApi::list_queues(Call& call) {
  ListQueuesRequest req;
  req.queue_name_prefix = call.input->string("QueueNamePrefix").value_or("");
  req.max_results = call.input->optional_int("MaxResults");
  req.next_token = call.input->string("NextToken").value_or("");
  auto r = engine_.list_queues(req);
  auto& res = value_or_throw(r);
  Json out = Json::object();
  if (!res.queue_names.empty()) {
    out["QueueUrls"] = Json::array();
    for (const auto& n : res.queue_names) out["QueueUrls"].push_back(queue_url(n));
  }
  if (!res.next_token.empty()) out["NextToken"] = res.next_token;
  finish(call, out);
}

void QueueApi::delete_queue(Call& call) {
  auto r = engine_.delete_queue({queue_name_of(call)});
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::get_queue_attributes(Call& call) {
  GetQueueAttributesRequest req;
  req.queue_name = queue_name_of(call);
  req.attribute_names = call.input->strings("AttributeNames", "AttributeName");
  auto r = engine_.get_queue_attributes(req);
  auto& res = value_or_throw(r);
  Json out = Json::object();
  if (!res.attributes.empty()) out["Attributes"] = res.attributes;
  finish(call, out);
}

void QueueApi::set_queue_attributes(Call& call) {
  SetQueueAttributesRequest req;
  req.queue_name = queue_name_of(call);
  req.attributes = call.input->string_map("Attributes", "Attribute", "Name", "Value");
  auto r = engine_.set_queue_attributes(req);
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::purge_queue(Call& call) {
  auto r = engine_.purge_queue({queue_name_of(call)});
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::tag_queue(Call& call) {
  TagQueueRequest req;
  req.queue_name = queue_name_of(call);
  req.tags = call.input->string_map("Tags", "Tag", "Key", "Value");
  auto r = engine_.tag_queue(req);
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::untag_queue(Call& call) {
  UntagQueueRequest req;
  req.queue_name = queue_name_of(call);
  req.tag_keys = call.input->strings("TagKeys", "TagKey");
  auto r = engine_.untag_queue(req);
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::list_queue_tags(Call& call) {
  auto r = engine_.list_queue_tags({queue_name_of(call)});
  auto& res = value_or_throw(r);
  Json out = Json::object();
  if (!res.tags.empty()) out["Tags"] = res.tags;
  finish(call, out);
}

void QueueApi::add_permission(Call& call) {
  AddPermissionRequest req;
  req.queue_name = queue_name_of(call);
  req.label = call.input->string("Label").value_or("");
  req.account_ids = call.input->strings("AWSAccountIds", "AWSAccountId");
  req.actions = call.input->strings("Actions", "ActionName");
  auto r = engine_.add_permission(req);
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::remove_permission(Call& call) {
  RemovePermissionRequest req;
  req.queue_name = queue_name_of(call);
  req.label = call.input->string("Label").value_or("");
  auto r = engine_.remove_permission(req);
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::start_message_move_task(Call& call) {
  StartMessageMoveTaskRequest req;
  req.source_arn = call.input->string("SourceArn").value_or("");
  req.destination_arn = call.input->string("DestinationArn").value_or("");
  req.max_per_second = call.input->optional_int("MaxNumberOfMessagesPerSecond");
  auto r = engine_.start_message_move_task(req);
  finish(call, {{"TaskHandle", value_or_throw(r)}});
}

void QueueApi::list_message_move_tasks(Call& call) {
  ListMessageMoveTasksRequest req;
  req.source_arn = call.input->string("SourceArn").value_or("");
  req.max_results = call.input->optional_int("MaxResults");
  auto r = engine_.list_message_move_tasks(req);
  Json results = Json::array();
  for (const auto& task : value_or_throw(r)) {
    Json entry = {{"Status", task.status},
                  {"SourceArn", task.source_arn},
                  {"ApproximateNumberOfMessagesMoved", task.moved},
                  {"ApproximateNumberOfMessagesToMove", task.to_move},
                  {"StartedTimestamp", task.started_ms}};
    if (task.status == "RUNNING") entry["TaskHandle"] = task.task_handle;
    if (!task.destination_arn.empty()) entry["DestinationArn"] = task.destination_arn;
    if (task.max_per_second) entry["MaxNumberOfMessagesPerSecond"] = *task.max_per_second;
    if (!task.failure_reason.empty()) entry["FailureReason"] = task.failure_reason;
    results.push_back(std::move(entry));
  }
  finish(call, {{"Results", results}});
}

void QueueApi::cancel_message_move_task(Call& call) {
  auto r = engine_.cancel_message_move_task(call.input->string("TaskHandle").value_or(""));
  finish(call, {{"ApproximateNumberOfMessagesMoved", value_or_throw(r)}});
}

void QueueApi::list_dead_letter_source_queues(Call& call) {
  ListDeadLetterSourceQueuesRequest req;
  req.queue_name = queue_name_of(call);
  req.max_results = call.input->optional_int("MaxResults");
  req.next_token = call.input->string("NextToken").value_or("");
  auto r = engine_.list_dead_letter_source_queues(req);
  auto& res = value_or_throw(r);
  Json out = {{"queueUrls", Json::array()}};
  for (const auto& n : res.queue_names) out["queueUrls"].push_back(queue_url(n));
  if (!res.next_token.empty()) out["NextToken"] = res.next_token;
  finish(call, out);
}

// ---- messages ---------------------------------------------------------------------------------

void QueueApi::send_message(Call& call) {
  SendMessageRequest req;
  req.queue_name = queue_name_of(call);
  req.message = message_input(*call.input);
  auto r = engine_.send_message(req);
  finish(call, send_result_json(value_or_throw(r)));
}

void QueueApi::send_message_batch(Call& call) {
  SendMessageBatchRequest req;
  req.queue_name = queue_name_of(call);
  for (auto& e : call.input->entries("Entries", "SendMessageBatchRequestEntry"))
    req.entries.push_back({e->required("Id"), message_input(*e)});
  auto r = engine_.send_message_batch(req);
  auto& res = value_or_throw(r);
  Json ok = Json::array();
  for (const auto& s : res.successful) {
    Json item = send_result_json(s.result);
    item["Id"] = s.id;
    ok.push_back(item);
  }
  finish(call, {{"Successful", ok}, {"Failed", batch_errors_json(res.failed)}});
}

void QueueApi::delete_message(Call& call) {
  auto r = engine_.delete_message({queue_name_of(call), call.input->required("ReceiptHandle")});
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::delete_message_batch(Call& call) {
  DeleteMessageBatchRequest req;
  req.queue_name = queue_name_of(call);
  for (auto& e : call.input->entries("Entries", "DeleteMessageBatchRequestEntry"))
    req.entries.push_back({e->required("Id"), e->required("ReceiptHandle")});
  auto r = engine_.delete_message_batch(req);
  finish(call, batch_result_json(value_or_throw(r)));
}

void QueueApi::change_message_visibility(Call& call) {
  ChangeMessageVisibilityRequest req;
  req.queue_name = queue_name_of(call);
  req.receipt_handle = call.input->required("ReceiptHandle");
  auto timeout = call.input->optional_int("VisibilityTimeout");
  if (!timeout) throw aws::missing_parameter("VisibilityTimeout");
  req.visibility_timeout = *timeout;
  auto r = engine_.change_message_visibility(req);
  value_or_throw(r);
  finish(call, Json::object());
}

void QueueApi::change_message_visibility_batch(Call& call) {
  ChangeMessageVisibilityBatchRequest req;
  req.queue_name = queue_name_of(call);
  for (auto& e : call.input->entries("Entries", "ChangeMessageVisibilityBatchRequestEntry")) {
    auto timeout = e->optional_int("VisibilityTimeout");
    if (!timeout) throw aws::missing_parameter("VisibilityTimeout");
    req.entries.push_back({e->required("Id"), e->required("ReceiptHandle"), *timeout});
  }
  auto r = engine_.change_message_visibility_batch(req);
  finish(call, batch_result_json(value_or_throw(r)));
}

// ---- receive and long polling -----------------------------------------------------------------

namespace {

Json received_json(const ReceiveMessageResult& res) {
  Json out = Json::object();
  if (res.messages.empty()) return out;
  Json list = Json::array();
  for (const auto& m : res.messages) {
    Json j = {{"MessageId", m.message_id},
              {"ReceiptHandle", m.receipt_handle},
              {"MD5OfBody", m.md5_of_body},
              {"Body", m.body}};
    if (!m.attributes.empty()) j["Attributes"] = m.attributes;
    if (m.md5_of_message_attributes) j["MD5OfMessageAttributes"] = *m.md5_of_message_attributes;
    if (!m.message_attributes.empty()) j["MessageAttributes"] = attributes_json(m.message_attributes);
    list.push_back(j);
  }
  out["Messages"] = list;
  return out;
}

}  // namespace

// A ReceiveMessage that found nothing and may wait: it is retried when the engine says a message
// of its queue became receivable, when the next delayed or in-flight one is due, and at its end.
struct QueueApi::Waiter {
  Waiter(platform::Clock& clock, std::shared_ptr<Call> call, ReceiveMessageRequest request,
         std::chrono::steady_clock::time_point deadline)
      : call(std::move(call)), request(std::move(request)), deadline(deadline),
        deadline_timer(clock.io()), visible_timer(clock) {}
  std::shared_ptr<Call> call;
  ReceiveMessageRequest request;
  // WaitTimeSeconds is how long the client's connection stays open: real seconds, whichever
  // clock the queue runs on. A message becoming visible is queue time: the service clock.
  std::chrono::steady_clock::time_point deadline;
  asio::steady_timer deadline_timer;
  platform::ClockTimer visible_timer;
  bool done = false;
};

void QueueApi::receive_message(Call& call) {
  ReceiveMessageRequest req;
  req.queue_name = queue_name_of(call);
  req.max_number_of_messages = call.input->optional_int("MaxNumberOfMessages").value_or(1);
  req.visibility_timeout = call.input->optional_int("VisibilityTimeout");
  req.wait_time_seconds = call.input->optional_int("WaitTimeSeconds");
  req.attribute_names = call.input->strings("AttributeNames", "AttributeName");
  for (auto& n : call.input->strings("MessageSystemAttributeNames", "MessageSystemAttributeName"))
    req.attribute_names.push_back(n);
  req.message_attribute_names = call.input->strings("MessageAttributeNames", "MessageAttributeName");
  req.receive_request_attempt_id = call.input->string("ReceiveRequestAttemptId");

  // Without WaitTimeSeconds the queue's ReceiveMessageWaitTimeSeconds applies.
  int wait = req.wait_time_seconds ? *req.wait_time_seconds
                                    : engine_.default_wait_time_seconds(req.queue_name).value_or(0);
  auto r = engine_.receive_message(req);
  auto& res = value_or_throw(r);
  if (!res.messages.empty() || wait <= 0) return finish(call, received_json(res));

  auto waiter = std::make_shared<Waiter>(
      clock_, call.self.lock(), req, std::chrono::steady_clock::now() + std::chrono::seconds(wait));
  waiters_[req.queue_name].push_back(waiter);
  // Runs on expiry and on cancel (wake): either way, try again. `done` is checked first, so a
  // waiter that outlives the API (shutdown) never touches it.
  waiter->deadline_timer.expires_at(waiter->deadline);
  waiter->deadline_timer.async_wait([this, waiter](boost::system::error_code) {
    if (!waiter->done) retry(waiter);
  });
  schedule(waiter);
}

void QueueApi::schedule(const std::shared_ptr<Waiter>& waiter) {
  auto next = engine_.next_visible_at(waiter->request.queue_name);
  if (!next) return;  // the deadline, or a wake from the engine, retries it
  waiter->visible_timer.expires_at(*next);
  waiter->visible_timer.async_wait([this, waiter](bool cancelled) {
    if (!cancelled && !waiter->done) retry(waiter);
  });
}

void QueueApi::retry(const std::shared_ptr<Waiter>& waiter) {
  auto result = engine_.receive_message(waiter->request);
  bool expired = std::chrono::steady_clock::now() >= waiter->deadline;
  if (result && result->messages.empty() && !expired) return schedule(waiter);
  waiter->done = true;
  waiter->visible_timer.cancel();
  waiter->deadline_timer.cancel();
  std::erase(waiters_[waiter->request.queue_name], waiter);
  if (!result) {
    const auto& e = result.error();
    return respond_error(*waiter->call, ApiError(error_http_status(e.code),
                                                 std::string(error_code_name(e.code)), e.message));
  }
  finish(*waiter->call, received_json(result.value()));
}

void QueueApi::wake(const std::string& queue_name) {
  auto it = waiters_.find(queue_name);
  if (it == waiters_.end()) return;
  // Each retries, after the work queued now (as a cancelled timer's handler would).
  for (auto& w : it->second) w->deadline_timer.cancel();
}

void QueueApi::shutdown() {
  auto all = std::move(waiters_);
  waiters_.clear();
  for (auto& [_, list] : all)
    for (auto& w : list) {
      if (w->done) continue;
      w->done = true;
      w->deadline_timer.cancel();
      w->visible_timer.cancel();
      finish(*w->call, Json::object());  // an empty receive, as when the wait ends
    }
}

}  // namespace serverlite::queue
