#include "emulator/aws/router.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"

namespace serverlite::aws {
namespace {

http::Request make(std::string method, std::string target, std::vector<http::Header> headers = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

TEST(AwsRouter, DispatchesByTargetPrefixThenPath) {
  Router router;
  std::string hit;
  router.add_target_prefix("AmazonSQS.", [&](http::Request, http::Responder) { hit = "sqs"; });
  router.add_path_prefix("/2015-03-31/functions", [&](http::Request, http::Responder) { hit = "lambda"; });
  router.handle(make("POST", "/", {{"X-Amz-Target", "AmazonSQS.SendMessage"}}), [](auto) {});
  EXPECT_EQ(hit, "sqs");
  router.handle(make("GET", "/2015-03-31/functions/f/configuration"), [](auto) {});
  EXPECT_EQ(hit, "lambda");
  router.handle(make("GET", "/2015-03-31/functions?MaxItems=1"), [](auto) {});
  EXPECT_EQ(hit, "lambda");
}

TEST(AwsRouter, PathPrefixesMatchWholeSegments) {
  Router router;
  bool hit = false;
  router.add_path_prefix("/2015-03-31/functions", [&](http::Request, http::Responder) { hit = true; });
  http::Response res;
  router.handle(make("GET", "/2015-03-31/functionsX"), [&](http::Response r) { res = r; });
  EXPECT_FALSE(hit);
  EXPECT_EQ(res.status, 404);
}

TEST(AwsRouter, UnknownTargetIsUnknownOperation) {
  Router router;
  http::Response res;
  router.handle(make("POST", "/", {{"X-Amz-Target", "Nope_2020.Do"}}), [&](http::Response r) { res = r; });
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(nlohmann::json::parse(res.body)["__type"], "UnknownOperationException");
}

TEST(ApiErrorRendering, RestJsonCarriesTheCodeInAHeader) {
  auto res = render_rest_json_error(ApiError(404, "ResourceNotFoundException", "Function not found: x"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.header("X-Amzn-ErrorType").value_or(""), "ResourceNotFoundException");
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["message"], "Function not found: x");
}

TEST(ApiErrorRendering, RequestIdsAreVersion4Uuids) {
  auto id = new_request_id();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  EXPECT_NE(new_request_id(), id);
}

}  // namespace
}  // namespace serverlite::aws
