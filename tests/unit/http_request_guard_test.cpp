// The Host and Origin checks that keep web pages from driving serverlite.
#include "emulator/http/request_guard.hpp"

#include <gtest/gtest.h>

namespace serverlite::http {
namespace {

Request with_headers(std::vector<Header> headers, std::string method = "POST") {
  Request r;
  r.method = std::move(method);
  r.target = "/";
  r.headers = std::move(headers);
  return r;
}

TEST(RequestGuard, HostNameDropsPortBracketsAndCase) {
  EXPECT_EQ(host_name("LocalHost:4566"), "localhost");
  EXPECT_EQ(host_name("[::1]:4566"), "::1");
  EXPECT_EQ(host_name("[::1]"), "::1");
  EXPECT_EQ(host_name("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(host_name("localhost.:80"), "localhost");
}

TEST(RequestGuard, ServesLocalNamesOnAnyPort) {
  RequestGuard guard;
  for (const char* host : {"localhost", "localhost:4566", "127.0.0.1:3000", "[::1]:4566",
                           "app.localhost:3000", "LOCALHOST", "0.0.0.0:4566", "192.168.1.5"})
    EXPECT_FALSE(guard.check_host(with_headers({{"Host", host}}))) << host;
  EXPECT_FALSE(guard.check_host(with_headers({})));  // HTTP/1.0 without Host
}

TEST(RequestGuard, RefusesOtherNames) {
  RequestGuard guard;
  for (const char* host : {"evil.example", "evil.example:4566", "localhost.evil.example",
                           "127.0.0.1.nip.io"}) {
    auto refusal = guard.check_host(with_headers({{"Host", host}}));
    ASSERT_TRUE(refusal) << host;
    EXPECT_EQ(refusal->response.status, 403);
    EXPECT_NE(refusal->response.body.find("--allow-host"), std::string::npos);
  }
  // Every Host header counts, not only the first.
  EXPECT_TRUE(guard.check_host(with_headers({{"Host", "localhost"}, {"Host", "evil.example"}})));
}

TEST(RequestGuard, ServesAllowedNames) {
  RequestGuard guard({.hosts = {"serverlite", "*.corp.example", "My-Host.Lan"}});
  EXPECT_FALSE(guard.check_host(with_headers({{"Host", "serverlite:4566"}})));
  EXPECT_FALSE(guard.check_host(with_headers({{"Host", "a.corp.example"}})));
  EXPECT_FALSE(guard.check_host(with_headers({{"Host", "my-host.lan:80"}})));
  EXPECT_TRUE(guard.check_host(with_headers({{"Host", "corp.example.evil"}})));
  RequestGuard any({.hosts = {"*"}});
  EXPECT_FALSE(any.check_host(with_headers({{"Host", "evil.example"}})));
}

TEST(RequestGuard, RefusesBrowserOriginsUnlessAllowed) {
  RequestGuard guard;
  auto refusal = guard.check_origin(with_headers({{"Origin", "https://evil.example"}}));
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->response.status, 403);
  EXPECT_NE(refusal->response.body.find("--allow-origin https://evil.example"),
            std::string::npos);
  EXPECT_EQ(refusal->response.header("X-Amzn-ErrorType").value_or(""), "AccessDeniedException");
  EXPECT_TRUE(guard.check_origin(with_headers({{"Origin", "null"}})));
  EXPECT_FALSE(guard.check_origin(with_headers({})));  // SDKs and the CLI send no Origin

  RequestGuard allowing({.origins = {"http://localhost:5173/"}});
  EXPECT_FALSE(allowing.check_origin(with_headers({{"Origin", "http://localhost:5173"}})));
  EXPECT_TRUE(allowing.check_origin(with_headers({{"Origin", "http://localhost:5174"}})));
  RequestGuard any({.origins = {"*"}});
  EXPECT_FALSE(any.check_origin(with_headers({{"Origin", "https://anything.example"}})));
}

// The refusal names what was sent, which may be any bytes: an Origin of "\xff" made the JSON
// encoding throw, and the client got a 500.
TEST(RequestGuard, RefusesHostsAndOriginsThatAreNotUtf8) {
  RequestGuard guard;
  auto origin = guard.check_origin(with_headers({{"Origin", "\xff"}}));
  ASSERT_TRUE(origin);
  EXPECT_EQ(origin->response.status, 403);
  EXPECT_NE(origin->response.body.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
  auto host = guard.check_host(with_headers({{"Host", "evil\xc3(.example"}}));
  ASSERT_TRUE(host);
  EXPECT_EQ(host->response.status, 403);
}

TEST(RequestGuard, AnswersPreflightsOfAllowedOrigins) {
  RequestGuard guard({.origins = {"http://localhost:5173"}});
  auto request = with_headers({{"Origin", "http://localhost:5173"},
                               {"Access-Control-Request-Method", "POST"},
                               {"Access-Control-Request-Headers", "authorization,x-amz-target"}},
                              "OPTIONS");
  auto answer = guard.preflight(request);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->header("Access-Control-Allow-Origin").value_or(""), "http://localhost:5173");
  EXPECT_EQ(answer->header("Access-Control-Allow-Headers").value_or(""),
            "authorization,x-amz-target");
  EXPECT_NE(answer->header("Access-Control-Allow-Methods").value_or("").find("POST"),
            std::string::npos);
  EXPECT_EQ(answer->header("Access-Control-Max-Age").value_or(""), "172800");
  EXPECT_EQ(answer->header("Vary").value_or(""), "Origin");
  // An OPTIONS with an Origin is answered as AWS does, asking for no method or header...
  auto bare = guard.preflight(with_headers({{"Origin", "http://localhost:5173"}}, "OPTIONS"));
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->header("Access-Control-Allow-Methods"));
  EXPECT_FALSE(bare->header("Access-Control-Allow-Headers"));
  // ...but not one without Origin, another method, or an origin not allowed.
  EXPECT_FALSE(guard.preflight(with_headers({}, "OPTIONS")));
  EXPECT_FALSE(guard.preflight(with_headers({{"Origin", "https://evil.example"}}, "OPTIONS")));
  EXPECT_FALSE(guard.preflight(with_headers(
      {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "POST"}})));

  Response res;
  guard.add_cors("http://localhost:5173", res);
  EXPECT_EQ(res.header("Access-Control-Allow-Origin").value_or(""), "http://localhost:5173");
  EXPECT_NE(res.header("Access-Control-Expose-Headers").value_or("").find("x-amzn-RequestId"),
            std::string::npos);
  Response none;
  guard.add_cors("https://evil.example", none);
  guard.add_cors("", none);
  EXPECT_FALSE(none.header("Access-Control-Allow-Origin"));
}

// --allow-origin '*': AWS's answer, "*" whatever the origin (and nothing varies with it).
TEST(RequestGuard, AnyOriginIsAnsweredWithAStar) {
  RequestGuard guard({.origins = {"*"}});
  auto answer = guard.preflight(with_headers({{"Origin", "whatever"}}, "OPTIONS"));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->header("Access-Control-Allow-Origin").value_or(""), "*");
  EXPECT_FALSE(answer->header("Vary"));
  Response res;
  guard.add_cors("https://app.example", res);
  EXPECT_EQ(res.header("Access-Control-Allow-Origin").value_or(""), "*");
}

}  // namespace
}  // namespace serverlite::http
