#include "emulator/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace serverlite {
namespace {

http::Request make(std::string method, std::string target, std::vector<http::Header> headers = {},
                   std::string body = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::string describe(AccessLog::Listener l, const http::Request& r) {
  return std::string(AccessLog::describe(l, r).view());
}

TEST(AccessLog, DescribesGatewayRequestsByMethodAndPath) {
  EXPECT_EQ(describe(AccessLog::Listener::Gateway, make("GET", "/dev/items?x=1")),
            "GET /dev/items");
  // A target header means nothing on the gateway.
  EXPECT_EQ(describe(AccessLog::Listener::Gateway,
                     make("POST", "/a", {{"X-Amz-Target", "DynamoDB_20120810.PutItem"}})),
            "POST /a");
}

TEST(AccessLog, DescribesAwsCallsByOperation) {
  using L = AccessLog::Listener;
  EXPECT_EQ(describe(L::Aws, make("POST", "/", {{"X-Amz-Target", "DynamoDB_20120810.PutItem"}})),
            "DynamoDB.PutItem");
  EXPECT_EQ(describe(L::Aws, make("POST", "/", {{"X-Amz-Target", "AmazonSQS.SendMessage"}})),
            "SQS.SendMessage");
  EXPECT_EQ(describe(L::Aws, make("POST", "/", {{"X-Amz-Target", "Kinesis_20131202.PutRecord"}})),
            "Kinesis.PutRecord");
  EXPECT_EQ(describe(L::Aws, make("POST", "/", {{"X-Amz-Target", "NoDot"}})), "NoDot");
  // The query protocol: the signing name and the Action, from the body or the query string.
  http::Header auth{"Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, "
                    "SignedHeaders=host, Signature=0"};
  EXPECT_EQ(describe(L::Aws, make("POST", "/",
                                  {auth, {"Content-Type", "application/x-www-form-urlencoded"}},
                                  "Version=2012-11-05&Action=ListQueues")),
            "SQS.ListQueues");
  EXPECT_EQ(describe(L::Aws, make("GET", "/000000000000/q?Action=ReceiveMessage")),
            "ReceiveMessage");
  // A form body that is not a form is not looked into.
  EXPECT_EQ(describe(L::Aws, make("POST", "/", {{"Content-Type", "application/json"}},
                                  "Action=Publish")),
            "POST /");
  EXPECT_EQ(describe(L::Aws, make("GET", "/2015-03-31/functions")), "GET /2015-03-31/functions");
}

TEST(AccessLog, LongDescriptionsAreCut) {
  std::string path = "/" + std::string(500, 'p');
  auto summary = AccessLog::describe(AccessLog::Listener::Gateway, make("GET", path));
  EXPECT_EQ(summary.size, summary.text.size());
  EXPECT_TRUE(summary.view().ends_with("pp..."));
  EXPECT_TRUE(summary.view().starts_with("GET /pp"));
}

TEST(AccessLog, FindsTheErrorCodeOfAnAnswer) {
  http::Response ok;
  ok.body = R"({"__type":"x"})";
  EXPECT_EQ(AccessLog::error_code(ok), "");  // 200: no error
  http::Response json;
  json.status = 400;
  json.body = R"({"__type":"com.amazon.coral.service#ResourceNotFoundException","message":"m"})";
  EXPECT_EQ(AccessLog::error_code(json), "ResourceNotFoundException");
  http::Response spaced;
  spaced.status = 400;
  spaced.body = R"({"message": "m", "__type" : "ValidationException"})";
  EXPECT_EQ(AccessLog::error_code(spaced), "ValidationException");
  http::Response xml;
  xml.status = 400;
  xml.body = "<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService."
             "NonExistentQueue</Code></Error></ErrorResponse>";
  EXPECT_EQ(AccessLog::error_code(xml), "AWS.SimpleQueueService.NonExistentQueue");
  http::Response rest;
  rest.status = 404;
  rest.add_header("X-Amzn-ErrorType", "ResourceNotFoundException:http://internal");
  EXPECT_EQ(AccessLog::error_code(rest), "ResourceNotFoundException");
  http::Response broken;
  broken.status = 500;
  broken.body = R"({"__type":"unterminated)";
  EXPECT_EQ(AccessLog::error_code(broken), "");
}

// Reads what the log wrote to a pipe.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(AccessLog, WritesOneLinePerRequestAtOnceOrWhenFlushed) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  {
    auto log = std::make_shared<AccessLog>(fds[1]);
    log->add(AccessLog::Listener::Gateway, "GET /a", 200, "", std::chrono::microseconds(12345));
    EXPECT_EQ(drain(fds[0]), "[gateway] GET /a 200 12.3 ms\n");
    log->set_batched(true);
    log->add(AccessLog::Listener::Aws, "DynamoDB.GetItem", 400, "ValidationException",
             std::chrono::microseconds(456));
    EXPECT_EQ(drain(fds[0]), "");  // waits for the loop to run dry
    EXPECT_TRUE(log->flush());
    EXPECT_FALSE(log->flush());
    EXPECT_EQ(drain(fds[0]), "[aws] DynamoDB.GetItem 400 0.46 ms ValidationException\n");
    // A wrapped responder logs when it is called, then passes the answer on.
    int answered = 0;
    auto respond = AccessLog::wrap(log, AccessLog::Listener::Gateway, make("PUT", "/b"),
                                   [&](http::Response r) { answered = r.status; });
    http::Response res;
    res.status = 201;
    respond(std::move(res));
    EXPECT_EQ(answered, 201);
    log->flush();
    EXPECT_TRUE(drain(fds[0]).starts_with("[gateway] PUT /b 201 "));
    // What served it (the function a gateway route ran) ends the line.
    auto routed = AccessLog::wrap(log, AccessLog::Listener::Gateway, make("GET", "/c"),
                                  [](http::Response) {});
    http::Response served;
    served.served_by = "listItems";
    routed(std::move(served));
    log->flush();
    std::string line = drain(fds[0]);
    EXPECT_TRUE(line.starts_with("[gateway] GET /c 200 ")) << line;
    EXPECT_TRUE(line.ends_with(" ms -> listItems\n")) << line;
    log->add(AccessLog::Listener::Aws, "X", 200, "", {});
  }  // what is left is written when the log goes
  EXPECT_EQ(drain(fds[0]), "[aws] X 200 0.00 ms\n");
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace serverlite
