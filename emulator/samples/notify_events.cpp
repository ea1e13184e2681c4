// The event builders of the sources serverlite does not deliver itself yet: EventBridge
// (schedule and rule events), SNS and S3. The option table and builder table are in samples.cpp.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "emulator/http/base64.hpp"
#include "emulator/samples/samples_internal.hpp"
#include "services/queue/md5.hpp"

namespace serverlite::samples::detail {

// ---- EventBridge ------------------------------------------------------------------------------

namespace {

// The envelope every EventBridge event has ("Amazon EventBridge events" in the user guide):
// version "0", a UUID id, time in whole seconds (UTC, 'Z').
Json eventbridge_event(const Context& c, const std::string& source,
                       const std::string& detail_type, Json resources, Json detail) {
  return {
      {"version", "0"},
      {"id", c.ids.uuid()},
      {"detail-type", detail_type},
      {"source", source},
      {"account", kAccount},
      {"time", iso_time(c.time, false, "Z")},
      {"region", c.region},
      {"resources", std::move(resources)},
      {"detail", std::move(detail)},
  };
}

}  // namespace

Json schedule(const Context& c) {
  std::string rule = c.options.name_like("rule", "-_.", 64);
  std::string arn = "arn:aws:events:" + c.region + ":" + kAccount + ":rule/" + rule;
  return eventbridge_event(c, "aws.events", "Scheduled Event", Json::array({arn}),
                           Json::object());
}

Json eventbridge(const Context& c) {
  const Options& o = c.options;
  std::string source = o.text("source");
  if (source.empty() || source.size() > 256) o.fail("source", "must be 1-256 characters");
  std::string detail_type = o.text("detail-type");
  if (detail_type.empty() || detail_type.size() > 128)
    o.fail("detail-type", "must be 1-128 characters");
  Json resources = Json::array();
  std::string list = o.text("resources");
  for (std::size_t start = 0; start < list.size();) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string arn = trim(std::string_view(list).substr(start, comma - start));
    if (!arn.empty()) resources.push_back(arn);
    start = comma + 1;
  }
  return eventbridge_event(c, source, detail_type, std::move(resources), o.object("detail"));
}

// ---- SNS --------------------------------------------------------------------------------------

Json sns(const Context& c) {
  const Options& o = c.options;
  std::string topic = o.name_like("topic", "-_", 256);
  std::string message = o.text("message");
  std::string subject = o.text("subject");
  Json attributes = Json::object();
  Json given = o.object("message-attributes");  // items() does not keep a temporary alive
  for (const auto& [key, value] : given.items()) {
    if (value.is_string())
      attributes[key] = {{"Type", "String"}, {"Value", value}};
    else if (value.is_number())
      attributes[key] = {{"Type", "Number"}, {"Value", value.dump()}};
    else if (value.is_array())
      attributes[key] = {{"Type", "String.Array"}, {"Value", value.dump()}};
    else
      o.fail("message-attributes", "attribute '" + key + "' must be a string, number or array");
  }
  std::string topic_arn = "arn:aws:sns:" + c.region + ":" + kAccount + ":" + topic;
  std::string subscription_arn = topic_arn + ":" + c.ids.uuid();
  std::string endpoint = "https://sns." + c.region + ".amazonaws.com";
  // Lambda's SNS record spells the URLs SigningCertUrl / UnsubscribeUrl (SNS's own JSON says
  // ...URL); Subject is null when the publisher gave none.
  Json sns = {
      {"Type", "Notification"},
      {"MessageId", c.ids.uuid()},
      {"TopicArn", topic_arn},
      {"Subject", subject.empty() ? Json(nullptr) : Json(subject)},
      {"Message", message},
      {"Timestamp", iso_time(c.time, true, "Z")},
      {"SignatureVersion", "1"},
      // An RSA-2048 signature's size; serverlite signs nothing, so this verifies against nothing.
      {"Signature", http::base64_encode(c.ids.bytes(256))},
      {"SigningCertUrl", endpoint + "/SimpleNotificationService-" + c.ids.hex(32) + ".pem"},
      {"UnsubscribeUrl",
       endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + subscription_arn},
      {"MessageAttributes", attributes},
  };
  Json record = {
      {"EventSource", "aws:sns"},
      {"EventVersion", "1.0"},
      {"EventSubscriptionArn", subscription_arn},
      {"Sns", std::move(sns)},
  };
  return {{"Records", Json::array({std::move(record)})}};
}

// ---- S3 ---------------------------------------------------------------------------------------

namespace {

// S3 writes the key URL-encoded in events: form encoding (space as '+'), '/' left as is.
std::string s3_event_key(std::string_view key) {
  std::string out;
  for (unsigned char ch : key) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '*' || ch == '/') {
      out += static_cast<char>(ch);
    } else if (ch == ' ') {
      out += '+';
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", ch);
      out += buffer;
    }
  }
  return out;
}

}  // namespace

Json s3(const Context& c) {
  const Options& o = c.options;
  std::string bucket = o.text("bucket");
  bool bucket_ok = bucket.size() >= 3 && bucket.size() <= 63 &&
                   std::isalnum(static_cast<unsigned char>(bucket.front())) &&
                   std::isalnum(static_cast<unsigned char>(bucket.back())) &&
                   std::all_of(bucket.begin(), bucket.end(), [](char ch) {
                     return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                            ch == '.';
                   });
  if (!bucket_ok)
    o.fail("bucket", "'" + bucket + "' is not a bucket name (3-63 lower-case letters, digits, "
                                    "'-' or '.')");
  std::string key = o.text("key");
  if (key.empty() || key.size() > 1024) o.fail("key", "must be 1-1024 bytes");
  std::string event_name = o.text("event-name");
  if (event_name.starts_with("s3:")) event_name.erase(0, 3);
  static const std::vector<std::string> kCreated = {"ObjectCreated:Put", "ObjectCreated:Post",
                                                    "ObjectCreated:Copy",
                                                    "ObjectCreated:CompleteMultipartUpload"};
  static const std::vector<std::string> kRemoved = {"ObjectRemoved:Delete",
                                                    "ObjectRemoved:DeleteMarkerCreated"};
  bool created = std::find(kCreated.begin(), kCreated.end(), event_name) != kCreated.end();
  bool removed = std::find(kRemoved.begin(), kRemoved.end(), event_name) != kRemoved.end();
  if (!created && !removed)
    o.fail("event-name", "'" + o.text("event-name") +
                             "' is not one of ObjectCreated:Put, ObjectCreated:Post, "
                             "ObjectCreated:Copy, ObjectCreated:CompleteMultipartUpload, "
                             "ObjectRemoved:Delete, ObjectRemoved:DeleteMarkerCreated");
  auto size = o.integer("size", 0, 5LL * 1024 * 1024 * 1024 * 1024);
  std::string version_id = o.text("version-id");
  // A delete marker is a version: the event names it even when no version id was given.
  if (version_id.empty() && event_name == "ObjectRemoved:DeleteMarkerCreated")
    version_id = c.ids.alnum(32);
  std::string source_ip = o.text("source-ip");
  if (source_ip.empty()) o.fail("source-ip", "must not be empty");

  Json object = {{"key", s3_event_key(key)}};
  if (created) {
    object["size"] = size;
    std::string etag = o.text("etag");
    object["eTag"] = etag.empty() ? queue::md5_hex(bucket + "/" + key + "/" + std::to_string(size))
                                  : etag;
  }
  if (!version_id.empty()) object["versionId"] = version_id;
  // Sequencers order the events of one key: hex, growing with time.
  char sequencer[24];
  std::snprintf(sequencer, sizeof sequencer, "00%016llX",
                static_cast<unsigned long long>(epoch_ms(c.time)) * 1000ULL);
  object["sequencer"] = sequencer;

  Json record = {
      // 2.1 for object-created and object-removed events (the S3 guide, "Event message
      // structure"); 2.2 and 2.3 are for replication, lifecycle, tagging and ACL events.
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", c.region},
      {"eventTime", iso_time(c.time, true, "Z")},
      {"eventName", event_name},
      {"userIdentity", {{"principalId", std::string("AWS:") + kCallerId}}},
      {"requestParameters", {{"sourceIPAddress", source_ip}}},
      {"responseElements",
       {{"x-amz-request-id", c.ids.hex(16, true)},
        {"x-amz-id-2", http::base64_encode(c.ids.bytes(57))}}},
      {"s3",
       {{"s3SchemaVersion", "1.0"},
        {"configurationId", c.ids.uuid()},
        {"bucket",
         {{"name", bucket},
          {"ownerIdentity", {{"principalId", "A3NL1KOZZKEXAM"}}},
          {"arn", "arn:aws:s3:::" + bucket}}},
        {"object", std::move(object)}}},
  };
  return {{"Records", Json::array({std::move(record)})}};
}

}  // namespace serverlite::samples::detail
