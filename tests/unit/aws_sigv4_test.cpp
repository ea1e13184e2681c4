#include "emulator/aws/sigv4.hpp"

#include <gtest/gtest.h>

namespace serverlite::aws {
namespace {

http::Request request(std::string target, std::vector<http::Header> headers = {}) {
  http::Request r;
  r.method = "POST";
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

TEST(SigV4, ParsesTheHeaderBotocoreSends) {
  auto c = parse_sigv4_authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sqs/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, "
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key, "AKIDEXAMPLE");
  EXPECT_EQ(c->date, "20240101");
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->service, "sqs");
}

TEST(SigV4, AcceptsSpacingAndOrderVariants) {
  // No space after commas (the JavaScript SDK v2 and many hand-written signers).
  auto a = parse_sigv4_authorization(
      "AWS4-HMAC-SHA256 Credential=test/20211009/eu-west-2/sqs/aws4_request,"
      "SignedHeaders=host,Signature=abc");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->region, "eu-west-2");
  // Extra spaces everywhere and components out of order.
  auto b = parse_sigv4_authorization(
      "  AWS4-HMAC-SHA256   Signature = abc ,  SignedHeaders=host ,"
      " Credential= key/20240229/ap-south-1/kinesis/aws4_request  ");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->access_key, "key");
  EXPECT_EQ(b->service, "kinesis");
}

TEST(SigV4, RejectsMalformedHeaders) {
  const char* bad[] = {
      "",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256Credential=k/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, "
      "Signature=abc",
      // Other algorithms and SigV2.
      "AWS4-ECDSA-P256-SHA256 Credential=k/20240101/us-east-1/sqs/aws4_request, "
      "SignedHeaders=host, Signature=abc",
      "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
      "Bearer abc",
      // Missing or empty parts.
      "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/sqs/aws4_request, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host",
      "AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, "
      "Signature=",
      "AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/sqs/aws4_request, SignedHeaders, "
      "Signature=abc",
      // Malformed scopes.
      "AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/aws4_request, SignedHeaders=host, "
      "Signature=abc",
      "AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/sqs/aws4_request/x, SignedHeaders=host, "
      "Signature=abc",
  };
  for (const char* header : bad) EXPECT_FALSE(parse_sigv4_authorization(header)) << header;
}

TEST(SigV4, ValidatesTheCredentialScope) {
  EXPECT_TRUE(parse_sigv4_credential("k/20240101/us-east-1/sqs/aws4_request"));
  EXPECT_FALSE(parse_sigv4_credential("k/2024-01-01/us-east-1/sqs/aws4_request"));
  EXPECT_FALSE(parse_sigv4_credential("k/2024010/us-east-1/sqs/aws4_request"));
  EXPECT_FALSE(parse_sigv4_credential("k/20240101/us-east-1/sqs/aws5_request"));
  EXPECT_FALSE(parse_sigv4_credential("/20240101/us-east-1/sqs/aws4_request"));
  EXPECT_FALSE(parse_sigv4_credential("k/20240101//sqs/aws4_request"));
  EXPECT_FALSE(parse_sigv4_credential("k/20240101/us-east-1/sqs/aws4_request/"));
  EXPECT_FALSE(parse_sigv4_credential(""));
}

TEST(SigV4, ReadsTheAuthorizationHeaderOfARequest) {
  auto c = sigv4_credential(
      request("/", {{"authorization",
                     "AWS4-HMAC-SHA256 Credential=k/20240101/us-west-2/sqs/aws4_request, "
                     "SignedHeaders=host, Signature=abc"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->region, "us-west-2");
}

TEST(SigV4, ReadsPresignedQueryParameters) {
  // A presigned URL as botocore's generate_presigned_url writes it: the scope percent-encoded.
  auto c = sigv4_credential(
      request("/000000000000/q?Action=ReceiveMessage&X-Amz-Algorithm=AWS4-HMAC-SHA256"
              "&X-Amz-Credential=AKID%2F20240101%2Feu-central-1%2Fsqs%2Faws4_request"
              "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
              "&X-Amz-Signature=abc"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key, "AKID");
  EXPECT_EQ(c->region, "eu-central-1");
  EXPECT_EQ(c->service, "sqs");
  // Without the algorithm, or with another one, the parameter is not a SigV4 credential.
  EXPECT_FALSE(sigv4_credential(
      request("/?X-Amz-Credential=AKID%2F20240101%2Feu-central-1%2Fsqs%2Faws4_request")));
  EXPECT_FALSE(
      sigv4_credential(request("/?X-Amz-Algorithm=HMAC&X-Amz-Credential=AKID%2F20240101%2Feu-"
                               "central-1%2Fsqs%2Faws4_request")));
}

TEST(SigV4, NoCredentialWhenUnsignedOrMalformed) {
  EXPECT_FALSE(sigv4_credential(request("/?Action=ListQueues")));
  EXPECT_FALSE(sigv4_credential(request("/", {{"Authorization", "AWS4-HMAC-SHA256 nonsense"}})));
}

}  // namespace
}  // namespace serverlite::aws
