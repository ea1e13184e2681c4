// The SQS queue engine, operation by operation, with an injected clock (no sleeping).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "services/queue/engine.hpp"
#include "services/queue/md5.hpp"
#include "services/queue/receipt_handle.hpp"

namespace serverlite::queue {
namespace {

using namespace std::chrono_literals;

class QueueEngineTest : public ::testing::Test {
 protected:
  QueueEngineTest() : db(std::nullopt), engine(db, {}, [this] { return now; }) {}

  void create(const std::string& name, QueueAttributes attributes = {}) {
    auto r = engine.create_queue({name, std::move(attributes), {}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  SendMessageResult send(const std::string& queue, MessageInput message) {
    auto r = engine.send_message({queue, std::move(message)});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : SendMessageResult{};
  }
  SendMessageResult send(const std::string& queue, const std::string& body) {
    return send(queue, MessageInput{.body = body});
  }
  std::vector<ReceivedMessage> receive(const std::string& queue, int max = 10,
                                       std::optional<int> visibility = std::nullopt,
                                       std::vector<std::string> attributes = {"All"}) {
    auto r = engine.receive_message({.queue_name = queue,
                                     .max_number_of_messages = max,
                                     .visibility_timeout = visibility,
                                     .attribute_names = std::move(attributes),
                                     .message_attribute_names = {"All"}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value().messages : std::vector<ReceivedMessage>{};
  }
  std::string attribute(const std::string& queue, const std::string& name) {
    auto r = engine.get_queue_attributes({queue, {name}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() && r->attributes.contains(name) ? r->attributes.at(name) : "<absent>";
  }
  int count(const std::string& queue, const std::string& which = "ApproximateNumberOfMessages") {
    return std::stoi(attribute(queue, which));
  }

  TimePoint now = TimePoint(1700000000000ms);
  store::Database db;
  QueueEngine engine;
};

// A RedrivePolicy value naming `target` in the default region and account.
std::string redrive(const std::string& target, const std::string& count) {
  return R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:)" + target +
         R"(","maxReceiveCount":)" + count + "}";
}

// ---- errors and handles -------------------------------------------------------------------

TEST(QueueErrors, EveryCodeHasSqsNames) {
  EXPECT_EQ(error_code_name(ErrorCode::NonExistentQueue),
            "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(json_error_type(ErrorCode::NonExistentQueue), "QueueDoesNotExist");
  EXPECT_EQ(error_code_name(ErrorCode::QueueAlreadyExists), "QueueAlreadyExists");
  EXPECT_EQ(json_error_type(ErrorCode::QueueAlreadyExists), "QueueNameExists");
  EXPECT_EQ(error_code_name(ErrorCode::ReceiptHandleIsInvalid), "ReceiptHandleIsInvalid");
  EXPECT_EQ(error_code_name(ErrorCode::BatchEntryIdsNotDistinct),
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
  EXPECT_EQ(json_error_type(ErrorCode::TooManyEntriesInBatchRequest),
            "TooManyEntriesInBatchRequest");
  EXPECT_EQ(error_code_name(ErrorCode::PurgeQueueInProgress),
            "AWS.SimpleQueueService.PurgeQueueInProgress");
  for (int c = 0; c <= static_cast<int>(ErrorCode::OverLimit); ++c) {
    auto code = static_cast<ErrorCode>(c);
    EXPECT_NE(error_code_name(code), "InternalFailure");
    EXPECT_NE(json_error_type(code), "InternalFailure");
    EXPECT_EQ(error_http_status(code), 400);
  }
}

TEST(QueueReceiptHandle, RoundTripsAndRejectsGarbage) {
  ReceiptHandle h{"orders.fifo", "6f1c2d4e-0000-4000-8000-000000000001", new_receive_token()};
  std::string text = encode_receipt_handle(h);
  EXPECT_EQ(decode_receipt_handle(text), h);
  EXPECT_EQ(h.receive_token.size(), 32u);
  EXPECT_NE(new_receive_token(), h.receive_token);
  EXPECT_FALSE(decode_receipt_handle("not base64!"));
  EXPECT_FALSE(decode_receipt_handle("aGVsbG8="));  // "hello"
  EXPECT_FALSE(decode_receipt_handle(""));
}

// ---- queues -------------------------------------------------------------------------------

TEST_F(QueueEngineTest, CreateQueueHasSqsDefaults) {
  create("orders");
  auto r = engine.get_queue_attributes({"orders", {"All"}});
  ASSERT_TRUE(r.ok());
  const auto& a = r->attributes;
  EXPECT_EQ(a.at("VisibilityTimeout"), "30");
  EXPECT_EQ(a.at("MaximumMessageSize"), "1048576");  // 1 MiB since 2025
  EXPECT_EQ(a.at("MessageRetentionPeriod"), "345600");
  EXPECT_EQ(a.at("DelaySeconds"), "0");
  EXPECT_EQ(a.at("ReceiveMessageWaitTimeSeconds"), "0");
  EXPECT_EQ(a.at("ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(a.at("ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(a.at("ApproximateNumberOfMessagesDelayed"), "0");
  EXPECT_EQ(a.at("CreatedTimestamp"), "1700000000");
  EXPECT_EQ(a.at("LastModifiedTimestamp"), "1700000000");
  EXPECT_EQ(a.at("QueueArn"), "arn:aws:sqs:us-east-1:000000000000:orders");
  EXPECT_FALSE(a.contains("FifoQueue"));
  EXPECT_FALSE(a.contains("RedrivePolicy"));
}

TEST_F(QueueEngineTest, CreateQueueIsIdempotentOnlyWithTheSameAttributes) {
  create("q", {{"VisibilityTimeout", "60"}});
  EXPECT_TRUE(engine.create_queue({"q", {{"VisibilityTimeout", "60"}}, {}}).ok());
  EXPECT_TRUE(engine.create_queue({"q", {}, {}}).ok());
  auto r = engine.create_queue({"q", {{"VisibilityTimeout", "61"}}, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::QueueAlreadyExists);
  EXPECT_EQ(r.error().message,
            "A queue already exists with the same name and a different value for attribute "
            "VisibilityTimeout");
}

TEST_F(QueueEngineTest, CreateQueueValidatesNamesAndAttributes) {
  auto bad_name = engine.create_queue({"has space", {}, {}});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_FALSE(engine.create_queue({std::string(81, 'a'), {}, {}}).ok());
  EXPECT_TRUE(engine.create_queue({std::string(80, 'a'), {}, {}}).ok());
  // A .fifo name needs FifoQueue=true, and FifoQueue=true needs a .fifo name.
  EXPECT_FALSE(engine.create_queue({"x.fifo", {}, {}}).ok());
  EXPECT_FALSE(engine.create_queue({"x", {{"FifoQueue", "true"}}, {}}).ok());

  auto range = engine.create_queue({"q", {{"VisibilityTimeout", "43201"}}, {}});
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error().code, ErrorCode::InvalidAttributeValue);
  EXPECT_EQ(range.error().message, "Invalid value for the parameter VisibilityTimeout.");
  EXPECT_FALSE(engine.create_queue({"q", {{"DelaySeconds", "901"}}, {}}).ok());
  EXPECT_FALSE(engine.create_queue({"q", {{"MessageRetentionPeriod", "59"}}, {}}).ok());
  EXPECT_FALSE(engine.create_queue({"q", {{"MaximumMessageSize", "1023"}}, {}}).ok());
  EXPECT_FALSE(engine.create_queue({"q", {{"MaximumMessageSize", "1048577"}}, {}}).ok());
  EXPECT_TRUE(engine.create_queue({"max", {{"MaximumMessageSize", "1048576"}}, {}}).ok());
  EXPECT_FALSE(engine.create_queue({"q", {{"ReceiveMessageWaitTimeSeconds", "21"}}, {}}).ok());
  EXPECT_FALSE(engine.create_queue({"q", {{"VisibilityTimeout", "ten"}}, {}}).ok());

  auto unknown = engine.create_queue({"q", {{"Colour", "blue"}}, {}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::InvalidAttributeName);
  EXPECT_EQ(unknown.error().message, "Unknown Attribute Colour.");
  auto fifo_only = engine.create_queue({"q", {{"ContentBasedDeduplication", "true"}}, {}});
  ASSERT_FALSE(fifo_only.ok());
  EXPECT_EQ(fifo_only.error().code, ErrorCode::InvalidAttributeName);
  EXPECT_FALSE(engine.queue_exists("q"));
}

TEST_F(QueueEngineTest, MissingQueueIsNonExistentQueueEverywhere) {
  auto url = engine.get_queue_url({"nope"});
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().code, ErrorCode::NonExistentQueue);
  EXPECT_EQ(url.error().message, "The specified queue does not exist.");
  EXPECT_FALSE(engine.send_message({"nope", {.body = "x"}}).ok());
  EXPECT_FALSE(engine.receive_message({.queue_name = "nope"}).ok());
  EXPECT_FALSE(engine.get_queue_attributes({"nope", {"All"}}).ok());
  EXPECT_FALSE(engine.delete_queue({"nope"}).ok());
  EXPECT_FALSE(engine.purge_queue({"nope"}).ok());
  EXPECT_FALSE(engine.list_queue_tags({"nope"}).ok());
}

TEST_F(QueueEngineTest, ListQueuesFiltersByPrefixAndPaginates) {
  for (auto name : {"a1", "a2", "a3", "b1", "a4"}) create(name);
  auto all = engine.list_queues({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->queue_names, (std::vector<std::string>{"a1", "a2", "a3", "a4", "b1"}));
  EXPECT_TRUE(all->next_token.empty());

  std::vector<std::string> seen;
  ListQueuesRequest request{.queue_name_prefix = "a", .max_results = 3};
  auto page1 = engine.list_queues(request);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->queue_names.size(), 3u);
  ASSERT_FALSE(page1->next_token.empty());
  request.next_token = page1->next_token;
  auto page2 = engine.list_queues(request);
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ(page2->queue_names, (std::vector<std::string>{"a4"}));
  EXPECT_TRUE(page2->next_token.empty());

  auto bad = engine.list_queues({.max_results = 1001});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_FALSE(engine.list_queues({.max_results = 0}).ok());
  EXPECT_FALSE(engine.list_queues({.max_results = 2, .next_token = "!!"}).ok());
}

TEST_F(QueueEngineTest, DeleteQueueDropsItsMessages) {
  create("q");
  send("q", "hello");
  ASSERT_TRUE(engine.delete_queue({"q"}).ok());
  EXPECT_FALSE(engine.queue_exists("q"));
  // SQS: the name is not reusable for 60 seconds after DeleteQueue.
  now += 59s;
  auto early = engine.create_queue({"q", {}, {}});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::QueueDeletedRecently);
  EXPECT_EQ(error_code_name(early.error().code), "AWS.SimpleQueueService.QueueDeletedRecently");
  EXPECT_EQ(engine.get_queue_url({"q"}).error().code, ErrorCode::NonExistentQueue);
  EXPECT_TRUE(engine.create_queue({"other", {}, {}}).ok());  // other names are not held
  now += 1s;
  create("q");
  EXPECT_EQ(count("q"), 0);
  EXPECT_TRUE(receive("q").empty());
}

TEST_F(QueueEngineTest, SetQueueAttributesValidatesAndTouchesLastModified) {
  create("q");
  now += 10s;
  ASSERT_TRUE(engine.set_queue_attributes({"q", {{"VisibilityTimeout", "5"}}}).ok());
  EXPECT_EQ(attribute("q", "VisibilityTimeout"), "5");
  EXPECT_EQ(engine.default_wait_time_seconds("q"), 0);
  ASSERT_TRUE(engine.set_queue_attributes({"q", {{"ReceiveMessageWaitTimeSeconds", "20"}}}).ok());
  EXPECT_EQ(engine.default_wait_time_seconds("q"), 20);
  EXPECT_FALSE(engine.default_wait_time_seconds("nope"));
  EXPECT_EQ(attribute("q", "LastModifiedTimestamp"), "1700000010");
  EXPECT_EQ(attribute("q", "CreatedTimestamp"), "1700000000");
  auto bad = engine.set_queue_attributes({"q", {{"DelaySeconds", "-1"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidAttributeValue);
  auto unknown = engine.get_queue_attributes({"q", {"Nope"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::InvalidAttributeName);
  // The new default visibility applies to the next receive.
  send("q", "m");
  ASSERT_EQ(receive("q").size(), 1u);
  now += 5s;
  EXPECT_EQ(receive("q").size(), 1u);
}

TEST_F(QueueEngineTest, RedrivePolicyIsValidatedNormalisedAndRemovable) {
  create("dlq");
  create("src");
  auto missing = engine.set_queue_attributes({"src", {{"RedrivePolicy", redrive("gone", "3")}}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_FALSE(engine.set_queue_attributes({"src", {{"RedrivePolicy", "{not json"}}}).ok());
  EXPECT_FALSE(engine.set_queue_attributes({"src", {{"RedrivePolicy", redrive("dlq", "0")}}}).ok());
  ASSERT_TRUE(engine
                  .set_queue_attributes(
                      {"src",
                       {{"RedrivePolicy", R"({"maxReceiveCount":"3","deadLetterTargetArn":)"
                                          R"("arn:aws:sqs:us-east-1:000000000000:dlq"})"}}})
                  .ok());
  EXPECT_EQ(attribute("src", "RedrivePolicy"), redrive("dlq", "3"));  // normalised
  auto sources = engine.list_dead_letter_source_queues({"dlq"});
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(sources->queue_names, std::vector<std::string>{"src"});
  ASSERT_TRUE(engine.set_queue_attributes({"src", {{"RedrivePolicy", ""}}}).ok());
  EXPECT_EQ(attribute("src", "RedrivePolicy"), "<absent>");
  EXPECT_TRUE(engine.list_dead_letter_source_queues({"dlq"})->queue_names.empty());
}

TEST_F(QueueEngineTest, TagsAreSetListedAndRemoved) {
  ASSERT_TRUE(engine.create_queue({"q", {}, {{"team", "core"}}}).ok());
  ASSERT_TRUE(engine.tag_queue({"q", {{"env", "dev"}, {"team", "web"}}}).ok());
  EXPECT_EQ(engine.list_queue_tags({"q"})->tags, (Tags{{"env", "dev"}, {"team", "web"}}));
  ASSERT_TRUE(engine.untag_queue({"q", {"team", "absent"}}).ok());
  EXPECT_EQ(engine.list_queue_tags({"q"})->tags, (Tags{{"env", "dev"}}));
}

TEST_F(QueueEngineTest, PurgeDeletesMessagesOncePerMinute) {
  create("q");
  send("q", "a");
  send("q", "b");
  ASSERT_TRUE(engine.purge_queue({"q"}).ok());
  EXPECT_EQ(count("q"), 0);
  now += 59s;
  auto again = engine.purge_queue({"q"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::PurgeQueueInProgress);
  EXPECT_EQ(again.error().message,
            "Only one PurgeQueue operation on q is allowed every 60 seconds.");
  now += 1s;
  EXPECT_TRUE(engine.purge_queue({"q"}).ok());
}

// ---- send and receive ---------------------------------------------------------------------

TEST_F(QueueEngineTest, SendAndReceiveCarryBodyDigestsAndSystemAttributes) {
  create("q");
  auto sent = send("q", "hello");
  EXPECT_EQ(sent.md5_of_message_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(sent.message_id.size(), 36u);
  EXPECT_FALSE(sent.md5_of_message_attributes);
  EXPECT_FALSE(sent.sequence_number);
  now += 2s;
  auto got = receive("q");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_id, sent.message_id);
  EXPECT_EQ(got[0].body, "hello");
  EXPECT_EQ(got[0].md5_of_body, sent.md5_of_message_body);
  EXPECT_EQ(got[0].attributes.at("SentTimestamp"), "1700000000000");
  EXPECT_EQ(got[0].attributes.at("ApproximateFirstReceiveTimestamp"), "1700000002000");
  EXPECT_EQ(got[0].attributes.at("ApproximateReceiveCount"), "1");
  EXPECT_EQ(got[0].attributes.at("SenderId"), "AIDAIT2UOQQY3AUEKVGXU");
  EXPECT_FALSE(got[0].attributes.contains("SequenceNumber"));
}

TEST_F(QueueEngineTest, OnlyRequestedSystemAttributesAreReturned) {
  create("q");
  send("q", "x");
  auto got = receive("q", 1, std::nullopt, {"ApproximateReceiveCount"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attributes,
            (std::map<std::string, std::string>{{"ApproximateReceiveCount", "1"}}));
}

TEST_F(QueueEngineTest, ReceiveValidatesItsParameters) {
  create("q");
  auto too_many = engine.receive_message({.queue_name = "q", .max_number_of_messages = 11});
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_EQ(too_many.error().message,
            "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and "
            "10, if provided.");
  EXPECT_FALSE(engine.receive_message({.queue_name = "q", .max_number_of_messages = 0}).ok());
  EXPECT_FALSE(engine.receive_message({.queue_name = "q", .wait_time_seconds = 21}).ok());
  EXPECT_FALSE(engine.receive_message({.queue_name = "q", .visibility_timeout = 43201}).ok());
}

TEST_F(QueueEngineTest, VisibilityTimeoutHidesAReceivedMessage) {
  create("q", {{"VisibilityTimeout", "30"}});
  send("q", "m");
  auto first = receive("q");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(count("q"), 0);
  EXPECT_EQ(count("q", "ApproximateNumberOfMessagesNotVisible"), 1);
  EXPECT_EQ(engine.next_visible_at("q"), now + 30s);
  now += 29s;
  EXPECT_TRUE(receive("q").empty());
  now += 1s;
  auto second = receive("q", 10, 5);  // per-receive visibility
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attributes.at("ApproximateReceiveCount"), "2");
  EXPECT_EQ(second[0].attributes.at("ApproximateFirstReceiveTimestamp"), "1700000000000");
  EXPECT_NE(second[0].receipt_handle, first[0].receipt_handle);
  now += 5s;
  EXPECT_EQ(receive("q").size(), 1u);
}

TEST_F(QueueEngineTest, ReceiveReturnsAtMostTheMaximum) {
  create("q");
  for (int i = 0; i < 15; ++i) send("q", "m" + std::to_string(i));
  EXPECT_EQ(receive("q", 10).size(), 10u);
  EXPECT_EQ(receive("q", 10).size(), 5u);
  EXPECT_TRUE(receive("q", 10).empty());
}

TEST_F(QueueEngineTest, ChangeMessageVisibilityExtendsShortensAndRejectsStaleHandles) {
  create("q");
  send("q", "m");
  auto got = receive("q");
  ASSERT_EQ(got.size(), 1u);
  std::string handle = got[0].receipt_handle;
  ASSERT_TRUE(engine.change_message_visibility({"q", handle, 100}).ok());
  now += 99s;
  EXPECT_TRUE(receive("q").empty());
  std::vector<std::string> woken;
  engine.set_on_visible([&](const std::string& q) { woken.push_back(q); });
  ASSERT_TRUE(engine.change_message_visibility({"q", handle, 0}).ok());
  EXPECT_EQ(woken, std::vector<std::string>{"q"});
  auto again = receive("q");
  ASSERT_EQ(again.size(), 1u);

  // The first handle is stale now: SQS's answer for a handle of an earlier receive.
  auto stale = engine.change_message_visibility({"q", handle, 10});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_EQ(stale.error().message,
            "Value " + handle +
                " for parameter ReceiptHandle is invalid. Reason: Message does not exist or is "
                "not available for visibility timeout change.");

  auto garbage = engine.change_message_visibility({"q", "garbage", 10});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, ErrorCode::ReceiptHandleIsInvalid);
  EXPECT_EQ(garbage.error().message,
            "The input receipt handle \"garbage\" is not a valid receipt handle.");

  create("other");
  auto foreign = engine.change_message_visibility({"other", again[0].receipt_handle, 10});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::ReceiptHandleIsInvalid);

  // The current handle after its visibility ran out: accepted, nothing changes.
  now += 31s;
  EXPECT_TRUE(engine.change_message_visibility({"q", again[0].receipt_handle, 60}).ok());
  EXPECT_EQ(count("q"), 1);
}

TEST_F(QueueEngineTest, VisibilityCannotExceedTwelveHoursFromTheReceive) {
  create("q");
  send("q", "m");
  auto got = receive("q");
  ASSERT_EQ(got.size(), 1u);
  now += 10s;
  auto over = engine.change_message_visibility({"q", got[0].receipt_handle, 43200});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_TRUE(engine.change_message_visibility({"q", got[0].receipt_handle, 43190}).ok());
  EXPECT_FALSE(engine.change_message_visibility({"q", got[0].receipt_handle, 43201}).ok());
}

TEST_F(QueueEngineTest, DeleteMessageAcceptsOldHandlesAndDeletedMessagesStayDeleted) {
  create("q", {{"VisibilityTimeout", "1"}});
  send("q", "m");
  auto first = receive("q");
  now += 1s;
  auto second = receive("q");
  ASSERT_EQ(second.size(), 1u);
  // SQS: an earlier handle of a standard-queue message still deletes it.
  ASSERT_TRUE(engine.delete_message({"q", first[0].receipt_handle}).ok());
  now += 10s;
  EXPECT_TRUE(receive("q").empty());
  EXPECT_EQ(count("q"), 0);
  EXPECT_EQ(count("q", "ApproximateNumberOfMessagesNotVisible"), 0);
  EXPECT_TRUE(engine.delete_message({"q", second[0].receipt_handle}).ok());
  auto bad = engine.delete_message({"q", "nonsense"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::ReceiptHandleIsInvalid);
  auto missing = engine.delete_message({"q", ""});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::MissingParameter);
}

TEST_F(QueueEngineTest, DelaysCountAsDelayedUntilDue) {
  create("q", {{"DelaySeconds", "10"}});
  std::vector<std::string> woken;
  engine.set_on_visible([&](const std::string& q) { woken.push_back(q); });
  send("q", "queue delay");
  send("q", MessageInput{.body = "no delay", .delay_seconds = 0});
  send("q", MessageInput{.body = "long delay", .delay_seconds = 20});
  EXPECT_EQ(woken.size(), 1u);  // only the message visible at once wakes waiters
  EXPECT_EQ(count("q"), 1);
  EXPECT_EQ(count("q", "ApproximateNumberOfMessagesDelayed"), 2);
  auto first = receive("q");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].body, "no delay");
  EXPECT_EQ(engine.next_visible_at("q"), now + 10s);
  now += 10s;
  auto second = receive("q");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].body, "queue delay");
  now += 10s;
  auto third = receive("q");
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].body, "long delay");

  auto bad = engine.send_message({"q", {.body = "x", .delay_seconds = 901}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 "
            "and <= 900.");
}

TEST_F(QueueEngineTest, NextVisibleAtIsEmptyWithoutWaitingMessages) {
  create("q");
  EXPECT_FALSE(engine.next_visible_at("q"));
  send("q", "visible now");
  EXPECT_FALSE(engine.next_visible_at("q"));
  EXPECT_FALSE(engine.next_visible_at("nope"));
}

TEST_F(QueueEngineTest, MessagesExpireAfterRetention) {
  create("q", {{"MessageRetentionPeriod", "60"}});
  send("q", "old");
  now += 30s;
  send("q", "young");
  now += 30s;
  EXPECT_EQ(count("q"), 1);
  auto got = receive("q");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "young");
}

TEST_F(QueueEngineTest, SizeLimitCountsBodyAndAttributes) {
  create("q");
  std::string body(1048576, 'x');
  EXPECT_TRUE(engine.send_message({"q", {.body = body}}).ok());
  body.push_back('x');
  auto big = engine.send_message({"q", {.body = body}});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_EQ(big.error().message,
            "One or more parameters are invalid. Reason: Message must be shorter than 1048576 "
            "bytes.");
  body.resize(1048576 - 10);
  auto with_attribute = engine.send_message(
      {"q", {.body = body, .message_attributes = {{"name", {"String", "1234567", {}}}}}});
  EXPECT_FALSE(with_attribute.ok());  // 4 + 6 + 7 attribute bytes push it over

  create("small", {{"MaximumMessageSize", "1024"}});
  EXPECT_FALSE(engine.send_message({"small", {.body = std::string(1025, 'y')}}).ok());
}

TEST_F(QueueEngineTest, BodyMustUseSqsCharacters) {
  create("q");
  auto bad = engine.send_message({"q", {.body = std::string("a\x01", 2)}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidMessageContents);
  EXPECT_TRUE(
      engine.send_message({"q", {.body = "tab\tand \xe2\x82\xac and \xf0\x9f\x98\x80"}}).ok());
  auto empty = engine.send_message({"q", {.body = ""}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::MissingParameter);
}

TEST_F(QueueEngineTest, MessageAttributesOfEveryTypeRoundTripWithDigests) {
  create("q");
  MessageAttributes attributes{
      {"s", {"String", "text", {}}},
      {"n", {"Number", "-12.5e3", {}}},
      {"b", {"Binary", {}, std::string("\x00\x01\xff", 3)}},
      {"custom", {"String.json", "{}", {}}},
      {"pic", {"Binary.png", {}, "PNG"}},
  };
  MessageAttributes system{{"AWSTraceHeader", {"String", "Root=1-abc", {}}}};
  auto sent = send("q", MessageInput{.body = "with attributes",
                                     .message_attributes = attributes,
                                     .message_system_attributes = system});
  EXPECT_EQ(sent.md5_of_message_attributes, md5_of_message_attributes(attributes));
  EXPECT_EQ(sent.md5_of_message_system_attributes, md5_of_message_attributes(system));
  auto got = receive("q");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_attributes, attributes);
  EXPECT_EQ(got[0].md5_of_message_attributes, md5_of_message_attributes(attributes));
  EXPECT_EQ(got[0].attributes.at("AWSTraceHeader"), "Root=1-abc");
}

TEST_F(QueueEngineTest, MessageAttributeNamesFilterTheReturnedAttributes) {
  create("q");
  send("q", MessageInput{.body = "x",
                         .message_attributes = {{"order.id", {"String", "1", {}}},
                                                {"order.total", {"Number", "2", {}}},
                                                {"other", {"String", "3", {}}}}});
  auto r = engine.receive_message({.queue_name = "q", .message_attribute_names = {"order.*"}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->messages.size(), 1u);
  MessageAttributes expected{{"order.id", {"String", "1", {}}},
                             {"order.total", {"Number", "2", {}}}};
  EXPECT_EQ(r->messages[0].message_attributes, expected);
  EXPECT_EQ(r->messages[0].md5_of_message_attributes, md5_of_message_attributes(expected));

  send("q", MessageInput{.body = "y", .message_attributes = {{"other", {"String", "3", {}}}}});
  auto none = engine.receive_message({.queue_name = "q"});
  ASSERT_EQ(none->messages.size(), 1u);
  EXPECT_TRUE(none->messages[0].message_attributes.empty());
  EXPECT_FALSE(none->messages[0].md5_of_message_attributes);
}

TEST_F(QueueEngineTest, InvalidMessageAttributesAreRejected) {
  create("q");
  auto send_with = [&](MessageAttributes a) {
    return engine.send_message({"q", {.body = "x", .message_attributes = std::move(a)}});
  };
  EXPECT_FALSE(send_with({{"AWS.reserved", {"String", "v", {}}}}).ok());
  EXPECT_FALSE(send_with({{".dot", {"String", "v", {}}}}).ok());
  EXPECT_FALSE(send_with({{"a..b", {"String", "v", {}}}}).ok());
  EXPECT_FALSE(send_with({{"t", {"Text", "v", {}}}}).ok());
  EXPECT_FALSE(send_with({{"n", {"Number", "twelve", {}}}}).ok());
  auto empty = send_with({{"e", {"String", "", {}}}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message,
            "Message (user) attribute 'e' must contain a non-empty value of type 'String'.");
  MessageAttributes eleven;
  for (int i = 0; i < 11; ++i) eleven["a" + std::to_string(i)] = {"String", "v", {}};
  auto many = send_with(eleven);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().message,
            "Number of message attributes [11] exceeds the allowed maximum [10].");
  EXPECT_FALSE(
      engine
          .send_message(
              {"q", {.body = "x", .message_system_attributes = {{"Other", {"String", "v", {}}}}}})
          .ok());
  EXPECT_FALSE(engine.send_message({"q", {.body = "x", .message_deduplication_id = "d"}}).ok());
}

// ---- batches --------------------------------------------------------------------------------

TEST_F(QueueEngineTest, SendMessageBatchReportsEntriesSeparately) {
  create("q");
  auto r = engine.send_message_batch({"q",
                                      {{"one", {.body = "1"}},
                                       {"bad",
                                        {
                                            .body = "",
                                        }},
                                       {"two", {.body = "2"}}}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->successful.size(), 2u);
  EXPECT_EQ(r->successful[0].id, "one");
  EXPECT_EQ(r->successful[0].result.md5_of_message_body, md5_hex("1"));
  ASSERT_EQ(r->failed.size(), 1u);
  EXPECT_EQ(r->failed[0].id, "bad");
  EXPECT_TRUE(r->failed[0].sender_fault);
  EXPECT_EQ(r->failed[0].code, ErrorCode::MissingParameter);
  EXPECT_EQ(count("q"), 2);
}

TEST_F(QueueEngineTest, BatchRequestErrors) {
  create("q");
  auto empty = engine.send_message_batch({"q", {}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::EmptyBatchRequest);
  EXPECT_EQ(empty.error().message,
            "There should be at least one SendMessageBatchRequestEntry in the request.");

  std::vector<SendMessageBatchEntry> eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back({"e" + std::to_string(i), {.body = "x"}});
  auto many = engine.send_message_batch({"q", eleven});
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().code, ErrorCode::TooManyEntriesInBatchRequest);
  EXPECT_EQ(many.error().message,
            "Maximum number of entries per request are 10. You have sent 11.");

  auto dup = engine.send_message_batch({"q", {{"a", {.body = "x"}}, {"a", {.body = "y"}}}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::BatchEntryIdsNotDistinct);
  EXPECT_EQ(dup.error().message, "Id a repeated.");

  auto bad_id = engine.send_message_batch({"q", {{"no spaces", {.body = "x"}}}});
  ASSERT_FALSE(bad_id.ok());
  EXPECT_EQ(bad_id.error().code, ErrorCode::InvalidBatchEntryId);

  auto big = engine.send_message_batch(
      {"q", {{"a", {.body = std::string(1000000, 'x')}}, {"b", {.body = std::string(48577, 'y')}}}});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::BatchRequestTooLong);
  EXPECT_EQ(big.error().message,
            "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.");
  EXPECT_EQ(count("q"), 0);

  auto del = engine.delete_message_batch({"q", {}});
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().message,
            "There should be at least one DeleteMessageBatchRequestEntry in the request.");
  EXPECT_FALSE(engine.change_message_visibility_batch({"q", {}}).ok());
}

TEST_F(QueueEngineTest, DeleteAndChangeVisibilityBatches) {
  create("q");
  for (int i = 0; i < 3; ++i) send("q", "m" + std::to_string(i));
  auto got = receive("q");
  ASSERT_EQ(got.size(), 3u);
  auto cmv = engine.change_message_visibility_batch(
      {"q", {{"a", got[0].receipt_handle, 0}, {"b", "junk", 0}}});
  ASSERT_TRUE(cmv.ok());
  EXPECT_EQ(cmv->successful, std::vector<std::string>{"a"});
  ASSERT_EQ(cmv->failed.size(), 1u);
  EXPECT_EQ(cmv->failed[0].code, ErrorCode::ReceiptHandleIsInvalid);
  EXPECT_EQ(count("q"), 1);

  auto del = engine.delete_message_batch(
      {"q", {{"x", got[1].receipt_handle}, {"y", got[2].receipt_handle}, {"z", "junk"}}});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->successful, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(del->failed.size(), 1u);
  EXPECT_EQ(del->failed[0].id, "z");
  EXPECT_EQ(count("q", "ApproximateNumberOfMessagesNotVisible"), 0);
  EXPECT_EQ(count("q"), 1);
}

// ---- redrive --------------------------------------------------------------------------------

TEST_F(QueueEngineTest, RedriveMovesAMessageAfterMaxReceiveCount) {
  create("dlq");
  create("src", {{"VisibilityTimeout", "1"}, {"RedrivePolicy", redrive("dlq", "2")}});
  std::vector<std::string> woken;
  engine.set_on_visible([&](const std::string& q) { woken.push_back(q); });
  MessageAttributes attributes{{"k", {"String", "v", {}}}};
  auto sent = send("src", MessageInput{.body = "poison", .message_attributes = attributes});
  EXPECT_EQ(receive("src").size(), 1u);
  now += 1s;
  EXPECT_EQ(receive("src").size(), 1u);
  now += 1s;
  EXPECT_TRUE(receive("src").empty());  // the third receive moves it
  EXPECT_EQ(woken.back(), "dlq");
  EXPECT_EQ(count("src"), 0);
  EXPECT_EQ(count("src", "ApproximateNumberOfMessagesNotVisible"), 0);
  EXPECT_EQ(count("dlq"), 1);
  auto dead = receive("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message_id, sent.message_id);
  EXPECT_EQ(dead[0].body, "poison");
  EXPECT_EQ(dead[0].message_attributes, attributes);
  EXPECT_EQ(dead[0].md5_of_message_attributes, sent.md5_of_message_attributes);
  EXPECT_EQ(dead[0].attributes.at("SentTimestamp"), "1700000000000");
  EXPECT_EQ(dead[0].attributes.at("DeadLetterQueueSourceArn"),
            "arn:aws:sqs:us-east-1:000000000000:src");
}

// ---- FIFO -----------------------------------------------------------------------------------

TEST_F(QueueEngineTest, FifoQueueAttributesAndRequiredParameters) {
  create("f.fifo", {{"FifoQueue", "true"}});
  EXPECT_EQ(attribute("f.fifo", "FifoQueue"), "true");
  EXPECT_EQ(attribute("f.fifo", "ContentBasedDeduplication"), "false");
  auto no_group = engine.send_message({"f.fifo", {.body = "x", .message_deduplication_id = "d"}});
  ASSERT_FALSE(no_group.ok());
  EXPECT_EQ(no_group.error().code, ErrorCode::MissingParameter);
  EXPECT_EQ(no_group.error().message, "The request must contain the parameter MessageGroupId.");
  auto no_dedup = engine.send_message({"f.fifo", {.body = "x", .message_group_id = "g"}});
  ASSERT_FALSE(no_dedup.ok());
  EXPECT_EQ(no_dedup.error().code, ErrorCode::InvalidParameterValue);
  EXPECT_EQ(no_dedup.error().message,
            "The queue should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly");
  auto delay = engine.send_message({"f.fifo",
                                    {.body = "x",
                                     .delay_seconds = 5,
                                     .message_group_id = "g",
                                     .message_deduplication_id = "d"}});
  ASSERT_FALSE(delay.ok());
  EXPECT_EQ(delay.error().code, ErrorCode::InvalidParameterValue);
}

TEST_F(QueueEngineTest, FifoSequenceNumbersGrowAsTwentyDigitStrings) {
  create("f.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  std::string previous;
  for (int i = 0; i < 5; ++i) {
    auto sent =
        send("f.fifo", MessageInput{.body = "m" + std::to_string(i), .message_group_id = "g"});
    ASSERT_TRUE(sent.sequence_number);
    EXPECT_EQ(sent.sequence_number->size(), 20u);
    EXPECT_GT(*sent.sequence_number, previous);
    previous = *sent.sequence_number;
  }
  auto got = receive("f.fifo", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attributes.at("MessageGroupId"), "g");
  EXPECT_EQ(got[0].attributes.at("MessageDeduplicationId"), sha256_hex("m0"));
  EXPECT_EQ(got[0].attributes.at("SequenceNumber").size(), 20u);
}

TEST_F(QueueEngineTest, FifoDeduplicatesWithinFiveMinutes) {
  create("f.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  auto first = send("f.fifo", MessageInput{.body = "same", .message_group_id = "g"});
  now += 299s;
  auto dup = send("f.fifo", MessageInput{.body = "same", .message_group_id = "g"});
  EXPECT_EQ(dup.message_id, first.message_id);
  EXPECT_EQ(dup.sequence_number, first.sequence_number);
  auto explicit_id = send("f.fifo", MessageInput{.body = "other body",
                                                 .message_group_id = "g",
                                                 .message_deduplication_id = "id-1"});
  auto explicit_dup = send("f.fifo", MessageInput{.body = "third body",
                                                  .message_group_id = "h",
                                                  .message_deduplication_id = "id-1"});
  EXPECT_EQ(explicit_dup.message_id, explicit_id.message_id);
  EXPECT_EQ(count("f.fifo"), 2);
  now += 1s;  // 300 s after the first send: the window has closed
  auto later = send("f.fifo", MessageInput{.body = "same", .message_group_id = "g"});
  EXPECT_NE(later.message_id, first.message_id);
  EXPECT_EQ(count("f.fifo"), 3);
}

TEST_F(QueueEngineTest, FifoKeepsOrderAndOneBatchPerGroupInFlight) {
  create("f.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  for (auto [body, group] : std::vector<std::pair<std::string, std::string>>{
           {"a1", "A"}, {"b1", "B"}, {"a2", "A"}, {"b2", "B"}, {"a3", "A"}}) {
    send("f.fifo", MessageInput{.body = body, .message_group_id = group});
  }
  auto first = receive("f.fifo", 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].body, "a1");
  EXPECT_EQ(first[1].body, "b1");
  // Both groups have a message in flight: nothing else is receivable.
  EXPECT_TRUE(receive("f.fifo").empty());
  ASSERT_TRUE(engine.delete_message({"f.fifo", first[0].receipt_handle}).ok());
  auto second = receive("f.fifo");
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].body, "a2");
  EXPECT_EQ(second[1].body, "a3");
  // Group B's message times out and comes back first in its group.
  now += 30s;
  auto third = receive("f.fifo");
  ASSERT_EQ(third.size(), 4u);
  EXPECT_EQ(third[0].body, "b1");
  EXPECT_EQ(third[1].body, "a2");
  EXPECT_EQ(third[2].body, "b2");
  EXPECT_EQ(third[3].body, "a3");
  // A FIFO receipt handle from an earlier receive no longer deletes.
  auto stale = engine.delete_message({"f.fifo", second[0].receipt_handle});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::InvalidParameterValue);
}

TEST_F(QueueEngineTest, FifoRedriveKeepsTheGroup) {
  create("dlq.fifo", {{"FifoQueue", "true"}});
  auto wrong_type = engine.create_queue({"std", {{"RedrivePolicy", redrive("dlq.fifo", "1")}}, {}});
  EXPECT_FALSE(wrong_type.ok());
  create("f.fifo", {{"FifoQueue", "true"},
                    {"ContentBasedDeduplication", "true"},
                    {"RedrivePolicy", redrive("dlq.fifo", "1")}});
  send("f.fifo", MessageInput{.body = "x", .message_group_id = "g"});
  send("f.fifo", MessageInput{.body = "y", .message_group_id = "g"});
  ASSERT_EQ(receive("f.fifo", 1).size(), 1u);
  now += 30s;
  auto next = receive("f.fifo", 1);  // "x" moves to the DLQ, "y" follows in its group
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].body, "y");
  auto dead = receive("dlq.fifo");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].body, "x");
  EXPECT_EQ(dead[0].attributes.at("MessageGroupId"), "g");
}

// ---- hooks and durability -------------------------------------------------------------------

TEST_F(QueueEngineTest, OnVisibleFiresAfterASendThatIsReceivableNow) {
  create("q");
  std::vector<std::string> woken;
  engine.set_on_visible([&](const std::string& q) {
    // The message is committed and receivable when the hook runs.
    EXPECT_EQ(count(q), 1);
    woken.push_back(q);
  });
  send("q", "x");
  EXPECT_EQ(woken, std::vector<std::string>{"q"});
}

TEST(QueueEngineDurability, StateSurvivesReopeningTheDatabase) {
  auto path = std::filesystem::temp_directory_path() /
              ("queue_engine_test_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  TimePoint now = TimePoint(1700000000000ms);
  Clock clock = [&] { return now; };
  std::string kept_id, receipt;
  {
    store::Database db(path);
    QueueEngine engine(db, {}, clock);
    ASSERT_TRUE(engine
                    .create_queue({"f.fifo",
                                   {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}},
                                   {{"t", "v"}}})
                    .ok());
    ASSERT_TRUE(engine.send_message({"f.fifo", {.body = "gone", .message_group_id = "g"}}).ok());
    kept_id =
        engine.send_message({"f.fifo", {.body = "kept", .message_group_id = "h"}})->message_id;
    auto got = engine.receive_message({.queue_name = "f.fifo", .max_number_of_messages = 10});
    ASSERT_EQ(got->messages.size(), 2u);
    ASSERT_TRUE(engine.delete_message({"f.fifo", got->messages[0].receipt_handle}).ok());
    EXPECT_EQ(db.schema_version("queue"), 2);
  }
  {
    store::Database db(path);
    QueueEngine engine(db, {}, clock);
    ASSERT_TRUE(engine.queue_exists("f.fifo"));
    EXPECT_EQ(engine.list_queue_tags({"f.fifo"})->tags, (Tags{{"t", "v"}}));
    EXPECT_EQ(engine.get_queue_attributes({"f.fifo", {"ContentBasedDeduplication"}})
                  ->attributes.at("ContentBasedDeduplication"),
              "true");
    now += 30s;
    auto got = engine.receive_message({.queue_name = "f.fifo", .max_number_of_messages = 10});
    ASSERT_EQ(got->messages.size(), 1u);
    EXPECT_EQ(got->messages[0].message_id, kept_id);
    // The sequence keeps growing after a restart, and deduplication still remembers "kept".
    auto dup = engine.send_message({"f.fifo", {.body = "kept", .message_group_id = "h"}});
    EXPECT_EQ(dup->message_id, kept_id);
    auto next = engine.send_message({"f.fifo", {.body = "new", .message_group_id = "h"}});
    EXPECT_EQ(*next->sequence_number > "10000000000000131072", true);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

}  // namespace
}  // namespace serverlite::queue
