#include "emulator/aws/auth_form.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/aws/router.hpp"

namespace serverlite::aws {
namespace {

http::Request make(std::string target, std::vector<http::Header> headers) {
  http::Request r;
  r.method = "POST";
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

constexpr const char* kGood =
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abc";

TEST(AuthForm, AWellFormedHeaderOrQueryPasses) {
  EXPECT_FALSE(check_auth_form(make("/", {{"Authorization", kGood}, {"X-Amz-Date", "x"}})));
  // A Date header stands for X-Amz-Date; blanks or commas separate the parameters.
  EXPECT_FALSE(check_auth_form(
      make("/", {{"Authorization", "AWS4-X Credential=a,Signature=b SignedHeaders=c"},
                 {"Date", "a"}})));
  EXPECT_FALSE(check_auth_form(make(
      "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-SignedHeaders=d&"
      "X-Amz-Date=e",
      {})));
}

TEST(AuthForm, MissingBothOrForeign) {
  auto none = check_auth_form(make("/", {}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->failure, AuthFailure::Missing);
  // Query parameters without X-Amz-Algorithm are no presigned query.
  auto partial = check_auth_form(make("/?X-Amz-Credential=a&X-Amz-Signature=b", {}));
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->failure, AuthFailure::Missing);
  // A header that is not SigV4: DynamoDB's "missing", Kinesis's "incomplete".
  auto foreign = check_auth_form(make("/", {{"Authorization", "Basic abc"}}));
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->failure, AuthFailure::Missing);
  auto kinesis = check_auth_form(make("/", {{"Authorization", "X"}}),
                                 {.foreign_header_is_missing = false});
  ASSERT_TRUE(kinesis);
  EXPECT_EQ(kinesis->failure, AuthFailure::Incomplete);
  EXPECT_EQ(kinesis->message,
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            "Authorization=X");
}

TEST(AuthForm, BothHeaderAndQuery) {
  auto both = check_auth_form(make("/?X-Amz-Algorithm", {{"Authorization", "X"}}));
  ASSERT_TRUE(both);
  EXPECT_EQ(both->failure, AuthFailure::BadSignature);
  EXPECT_EQ(both->message,
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP "
            "header.");
}

TEST(AuthForm, IncompleteNamesWhatIsMissing) {
  auto header = check_auth_form(
      make("/", {{"Authorization", "AWS4- Signature=b, Credential=a"}, {"Date", "a"}}));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->failure, AuthFailure::Incomplete);
  EXPECT_EQ(header->message,
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=AWS4- Signature=b, Credential=a");
  auto query = check_auth_form(
      make("/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d", {}));
  ASSERT_TRUE(query);
  EXPECT_EQ(query->message,
            "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the "
            "query-string parameters.");
}

TEST(AuthForm, ScopeService) {
  EXPECT_EQ(scope_service(make("/", {{"Authorization", kGood}})), "dynamodb");
  EXPECT_EQ(scope_service(make("/?X-Amz-Credential=A%2F20240101%2Feu-west-1%2Fkinesis%2Faws4_request", {})),
            "kinesis");
  EXPECT_EQ(scope_service(make("/", {{"Authorization", "AWS4-HMAC-SHA256 Credential=A/2024/r//x"}})),
            "");
  EXPECT_EQ(scope_service(make("/", {{"Authorization", "garbage"}})), "");
  EXPECT_EQ(scope_service(make("/", {})), "");
}

// The router checks the authentication after what does not depend on the caller: an unknown
// operation or an unreadable body is answered first, and the service sees only signed calls.
TEST(AuthForm, RouterChecksAfterTheOperationAndTheBody) {
  Router router;
  int hits = 0;
  router.add_target_prefix("DynamoDB_20120810.", [&](http::Request, http::Responder) { ++hits; },
                           {JsonFront::DynamoDB, {"ListTables"}});
  auto answer = [&](http::Request r) {
    http::Response res;
    router.handle(std::move(r), [&](http::Response got) { res = std::move(got); },
                  /*check_auth=*/true);
    return std::pair{res.status, nlohmann::json::parse(res.body.empty() ? "null" : res.body)};
  };
  auto [status, body] = answer(make("/", {{"X-Amz-Target", "DynamoDB_20120810.ListTable"}}));
  EXPECT_EQ(body["__type"], "com.amazon.coral.service#UnknownOperationException");
  std::tie(status, body) = answer(make("/", {{"X-Amz-Target", "DynamoDB_20120810.ListTables"}}));
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["__type"], "com.amazon.coral.service#MissingAuthenticationTokenException");
  EXPECT_EQ(hits, 0);
  // A body it cannot read goes to the service, which answers its SerializationException.
  auto unreadable = make("/", {{"X-Amz-Target", "DynamoDB_20120810.ListTables"},
                               {"Content-Type", "application/x-amz-json-1.0"}});
  unreadable.body = "{";
  router.handle(unreadable, [](http::Response) {}, true);
  EXPECT_EQ(hits, 1);
  router.handle(make("/", {{"X-Amz-Target", "DynamoDB_20120810.ListTables"},
                           {"Authorization", kGood}, {"X-Amz-Date", "x"}}),
                [](http::Response) {}, true);
  EXPECT_EQ(hits, 2);
  // Unchecked (calls made in-process): no signature needed.
  router.handle(make("/", {{"X-Amz-Target", "DynamoDB_20120810.ListTables"}}),
                [](http::Response) {}, false);
  EXPECT_EQ(hits, 3);
}

}  // namespace
}  // namespace serverlite::aws
