// Delivery by ARN: every service claims the ARNs it owns (arn:aws:sqs:…, arn:aws:lambda:…,
// arn:aws:kinesis:…), and anything that sends to an ARN (a stream trigger's onFailure destination
// today; SNS subscriptions, EventBridge targets, S3 notifications, Step Functions tasks and Lambda
// destinations next) hands its message to the owner through deliver(), which applies that
// service's own semantics: SQS sends a message, Lambda invokes asynchronously, Kinesis puts a
// record. An ARN no service owns is an error, never a silent drop.
//
// Threading: owned by the io thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace serverlite::platform {

// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (S3's have an empty region and account).
struct Arn {
  std::string partition, service, region, account, resource;
  static std::optional<Arn> parse(std::string_view text);
  std::string str() const;
};

struct Message {
  std::string body;
  // String message attributes (SQS message attributes of type String); owners that have none
  // ignore them.
  std::map<std::string, std::string> attributes;
  std::optional<std::string> group_id;          // FIFO queues: MessageGroupId
  std::optional<std::string> deduplication_id;  // FIFO queues: MessageDeduplicationId
  std::optional<std::string> partition_key;     // Kinesis: else a random one
};

// What a delivery did: `error` empty when the owner took the message.
struct Delivered {
  std::string error;
  std::string id;  // the owner's id for it (MessageId, SequenceNumber, RequestId), when it has one
  explicit operator bool() const { return error.empty(); }
};

class Delivery {
 public:
  using Deliver = std::function<Delivered(const Arn& arn, const Message& message)>;
  // Whether the resource behind an ARN the service owns exists now.
  using Exists = std::function<bool(const Arn& arn)>;

  Delivery(std::string region, std::string account_id)
      : region_(std::move(region)), account_id_(std::move(account_id)) {}

  // `service` is the ARN's service part ("sqs", "lambda", ...). `global`: its ARNs have no region
  // and account (S3). One owner per service part.
  void claim(std::string service, Deliver deliver, Exists exists = {}, bool global = false);

  // Why no service of this serverlite takes `arn` (not an ARN, another region or account, a
  // service that claims none); nullopt when one does.
  std::optional<std::string> unowned(std::string_view arn) const;
  // The owner's service part; nullopt when unowned.
  std::optional<std::string> owner(std::string_view arn) const;
  // Whether the resource exists (true when its owner cannot tell).
  bool exists(std::string_view arn) const;

  Delivered deliver(std::string_view arn, const Message& message) const;

 private:
  struct Owner {
    Deliver deliver;
    Exists exists;
    bool global;
  };
  const Owner* find(const Arn& arn, std::string* why) const;

  std::string region_, account_id_;
  std::map<std::string, Owner, std::less<>> owners_;
};

}  // namespace serverlite::platform
