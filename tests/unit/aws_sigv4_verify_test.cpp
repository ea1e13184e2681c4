// The SigV4 signer on AWS's documented examples, and the verifier behind --verify-signatures.
#include "emulator/aws/sigv4_verify.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator/aws/sigv4.hpp"

namespace serverlite::aws {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// ---- the signer on AWS's examples -------------------------------------------------------------

TEST(SigV4Signer, Sha256OfNothing) { EXPECT_EQ(sha256_hex(""), kEmptyHash); }

// The signing key of AWS's documented example (secret above, 20150830, us-east-1, iam).
TEST(SigV4Signer, SigningKeyOfTheDocumentedExample) {
  EXPECT_EQ(to_hex(signing_key(kSecret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

// The test suite's get-vanilla: GET / with Host and X-Amz-Date, service "service".
TEST(SigV4Signer, GetVanilla) {
  SigningRequest r;
  r.method = "GET";
  r.canonical_uri = canonical_uri("/");
  r.canonical_query = canonical_query("", false);
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.signed_headers = {"host", "x-amz-date"};
  r.payload_hash = sha256_hex("");
  std::string creq = canonical_request(r);
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" + std::string(kEmptyHash));
  EXPECT_EQ(sha256_hex(creq), "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  SigV4Credential c{"AKIDEXAMPLE", "20150830", "us-east-1", "service"};
  EXPECT_EQ(signature(kSecret, c, "20150830T123600Z", creq),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// The IAM ListUsers example of AWS's signing documentation, with a query string.
TEST(SigV4Signer, IamListUsersExample) {
  SigningRequest r;
  r.method = "GET";
  r.canonical_uri = canonical_uri("/");
  r.canonical_query = canonical_query("Version=2010-05-08&Action=ListUsers", false);
  EXPECT_EQ(r.canonical_query, "Action=ListUsers&Version=2010-05-08");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Host", "iam.amazonaws.com"},
               {"X-Amz-Date", "20150830T123600Z"}};
  r.signed_headers = {"content-type", "host", "x-amz-date"};
  r.payload_hash = sha256_hex("");
  std::string creq = canonical_request(r);
  EXPECT_EQ(sha256_hex(creq), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  SigV4Credential c{"AKIDEXAMPLE", "20150830", "us-east-1", "iam"};
  EXPECT_EQ(signature(kSecret, c, "20150830T123600Z", creq),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4Signer, CanonicalUriEncodesTheEncodedPathAgain) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations"),
            "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations");
}

TEST(SigV4Signer, CanonicalQueryDecodesEncodesAndSorts) {
  // Spaces, '+', '/' and '=' in values; names sorted by their encoded form; empty values kept.
  EXPECT_EQ(canonical_query("b=x%20y&a=1+2&c&a=0&X-Amz-Signature=abc&k=%2F%3D", true),
            "a=0&a=1%2B2&b=x%20y&c=&k=%2F%3D");
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc", false), "X-Amz-Signature=abc");
}

TEST(SigV4Signer, CanonicalHeadersTrimAndJoinValues) {
  std::vector<http::Header> headers = {
      {"My-Header1", "  a   b   c  "}, {"X-Multi", "one"}, {"x-multi", "two"}};
  EXPECT_EQ(canonical_headers(headers, {"my-header1", "x-multi"}),
            "my-header1:a b c\nx-multi:one,two\n");
}

// ---- the verifier ---------------------------------------------------------------------------

using Clock = std::chrono::system_clock;
const Clock::time_point kNow = *parse_amz_date("20240102T030405Z");

// A request signed as botocore signs it.
http::Request signed_request(std::string_view key, std::string_view secret,
                             std::string amz_date = "20240102T030405Z",
                             std::string body = R"({"TableName":"t"})") {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.body = std::move(body);
  r.headers = {{"Host", "127.0.0.1:4566"},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "DynamoDB_20120810.DescribeTable"},
               {"X-Amz-Date", amz_date}};
  SigV4Credential c{std::string(key), amz_date.substr(0, 8), "us-east-1", "dynamodb"};
  SigningRequest s{"POST", "/", "", r.headers, {"content-type", "host", "x-amz-date", "x-amz-target"},
                   sha256_hex(r.body)};
  std::string sig = signature(secret, c, amz_date, canonical_request(s));
  r.headers.push_back(
      {"Authorization", "AWS4-HMAC-SHA256 Credential=" + std::string(key) + "/" + c.date +
                            "/us-east-1/dynamodb/aws4_request, "
                            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" +
                            sig});
  return r;
}

SignatureVerifier verifier() { return SignatureVerifier({{"test", "test"}, {"AKID2", "s3cr3t"}}); }

TEST(SigV4Verifier, AcceptsTheRightSecret) {
  EXPECT_FALSE(verifier().verify(signed_request("test", "test"), kNow));
  EXPECT_FALSE(verifier().verify(signed_request("AKID2", "s3cr3t"), kNow));
}

TEST(SigV4Verifier, RefusesAWrongSecret) {
  auto e = verifier().verify(signed_request("test", "wrong"), kNow);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->failure, AuthFailure::BadSignature);
  EXPECT_TRUE(e->message.starts_with("The request signature we calculated does not match"));
  EXPECT_TRUE(e->canonical_request.starts_with("POST\n/\n\ncontent-type:"));
}

TEST(SigV4Verifier, RefusesAChangedBody) {
  auto r = signed_request("test", "test");
  r.body = R"({"TableName":"other"})";
  auto e = verifier().verify(r, kNow);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->failure, AuthFailure::BadSignature);
}

// x-amz-content-sha256: UNSIGNED-PAYLOAD signs that word instead of the body's hash; a header
// claiming another body's hash does not make a changed body pass.
TEST(SigV4Verifier, HonoursUnsignedPayloadAndChecksDeclaredHashes) {
  auto sign = [](std::string declared) {
    http::Request r;
    r.method = "POST";
    r.target = "/2015-03-31/functions/f/invocations?Qualifier=%24LATEST";
    r.body = "{}";
    r.headers = {{"Host", "localhost:4566"},
                 {"X-Amz-Date", "20240102T030405Z"},
                 {"X-Amz-Content-Sha256", declared},
                 {"X-Amz-Security-Token", "session"}};
    SigV4Credential c{"test", "20240102", "us-east-1", "lambda"};
    SigningRequest s{"POST",
                     canonical_uri(r.path()),
                     canonical_query(r.query(), false),
                     r.headers,
                     {"host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"},
                     declared};
    r.headers.push_back(
        {"Authorization",
         "AWS4-HMAC-SHA256 Credential=test/20240102/us-east-1/lambda/aws4_request,"
         "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,Signature=" +
             signature("test", c, "20240102T030405Z", canonical_request(s))});
    return r;
  };
  EXPECT_FALSE(verifier().verify(sign("UNSIGNED-PAYLOAD"), kNow));
  EXPECT_FALSE(verifier().verify(sign(sha256_hex("{}")), kNow));
  auto lying = verifier().verify(sign(sha256_hex("{\"other\":1}")), kNow);
  ASSERT_TRUE(lying);
  EXPECT_EQ(lying->failure, AuthFailure::BadSignature);
}

TEST(SigV4Verifier, RefusesAnUnknownKey) {
  auto e = verifier().verify(signed_request("nobody", "test"), kNow);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->failure, AuthFailure::UnknownKey);
  EXPECT_EQ(e->message, "The security token included in the request is invalid.");
}

TEST(SigV4Verifier, RefusesAnUnsignedRequest) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Host", "localhost"}};
  auto e = verifier().verify(r, kNow);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->failure, AuthFailure::Missing);
}

TEST(SigV4Verifier, RefusesAnIncompleteHeader) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Host", "localhost"}, {"Authorization", "Bearer abc"}};
  auto e = verifier().verify(r, kNow);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->failure, AuthFailure::Incomplete);
  EXPECT_NE(e->message.find("requires 'Credential' parameter"), std::string::npos);
}

TEST(SigV4Verifier, RefusesSignaturesOutsideFifteenMinutes) {
  auto old = verifier().verify(signed_request("test", "test", "20240102T024800Z"), kNow);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->failure, AuthFailure::Expired);
  EXPECT_EQ(old->message,
            "Signature expired: 20240102T024800Z is now earlier than 20240102T024905Z "
            "(20240102T030405Z - 15 min.)");
  auto future = verifier().verify(signed_request("test", "test", "20240102T032000Z"), kNow);
  ASSERT_TRUE(future);
  EXPECT_EQ(future->message,
            "Signature not yet current: 20240102T032000Z is still later than 20240102T031905Z "
            "(20240102T030405Z + 15 min.)");
  // 14 minutes either way is fine.
  EXPECT_FALSE(verifier().verify(signed_request("test", "test", "20240102T025005Z"), kNow));
  EXPECT_FALSE(verifier().verify(signed_request("test", "test", "20240102T031805Z"), kNow));
}

// A year past what nanoseconds since 1970 can hold (2262) overflowed the time arithmetic (found
// by the request_checks fuzz target): it is only a date far in the future.
TEST(SigV4Verifier, DatesOfAnyYearAreCompared) {
  auto far = verifier().verify(signed_request("test", "test", "40480202T000000Z"), kNow);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->failure, AuthFailure::Expired);
  EXPECT_EQ(far->message,
            "Signature not yet current: 40480202T000000Z is still later than 20240102T031905Z "
            "(20240102T030405Z + 15 min.)");
  ASSERT_TRUE(parse_amz_date("99991231T235959Z"));
}

// The refusal quotes the Authorization header, which may hold any bytes: the answer is still
// UTF-8 JSON (it threw nlohmann's type_error 316; found by the request_checks fuzz target).
TEST(SigV4Errors, AnAuthorizationHeaderOfAnyBytesIsQuotedAsUtf8) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Host", "localhost"},
               {"X-Amz-Target", "DynamoDB_20120810.ListTables"},
               {"Authorization", "AWS4-HMAC-SHA256 Credential=AK\xAE\xB3"}};
  auto failure = verifier().verify(r, kNow);
  ASSERT_TRUE(failure);
  auto res = render_auth_error(r, *failure);
  auto body = nlohmann::json::parse(res.body);
  EXPECT_NE(body["message"].get<std::string>().find("Credential=AK\xEF\xBF\xBD\xEF\xBF\xBD"),
            std::string::npos)
      << res.body;
}

// A presigned GET: every query parameter but X-Amz-Signature is signed, valid X-Amz-Expires.
http::Request presigned(std::string_view secret, std::string expires) {
  std::string query =
      "Action=ListQueues&Version=2012-11-05&X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=test%2F20240102%2Fus-east-1%2Fsqs%2Faws4_request"
      "&X-Amz-Date=20240102T030405Z&X-Amz-Expires=" + expires + "&X-Amz-SignedHeaders=host";
  http::Request r;
  r.method = "GET";
  r.headers = {{"Host", "localhost:4566"}};
  SigningRequest s{"GET", "/", canonical_query(query, true), r.headers, {"host"}, sha256_hex("")};
  SigV4Credential c{"test", "20240102", "us-east-1", "sqs"};
  r.target = "/?" + query + "&X-Amz-Signature=" +
             signature(secret, c, "20240102T030405Z", canonical_request(s));
  return r;
}

TEST(SigV4Verifier, ChecksPresignedUrls) {
  EXPECT_FALSE(verifier().verify(presigned("test", "300"), kNow + std::chrono::seconds(299)));
  auto wrong = verifier().verify(presigned("nope", "300"), kNow);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->failure, AuthFailure::BadSignature);
  auto expired = verifier().verify(presigned("test", "300"), kNow + std::chrono::seconds(301));
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->failure, AuthFailure::Expired);
  auto bad = verifier().verify(presigned("test", "soon"), kNow);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->failure, AuthFailure::Incomplete);
}

// ---- the errors, per protocol ---------------------------------------------------------------

TEST(SigV4Errors, JsonServicesAnswer400WithTheExceptionName) {
  auto r = signed_request("nobody", "x");
  auto res = render_auth_error(r, {AuthFailure::UnknownKey, "The security token included in the "
                                                            "request is invalid."});
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body,
            R"({"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."})");
}

TEST(SigV4Errors, SqsJsonAlsoNamesTheQueryCode) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"X-Amz-Target", "AmazonSQS.ListQueues"},
               {"Content-Type", "application/x-amz-json-1.0"}};
  auto res = render_auth_error(r, {AuthFailure::BadSignature, "m"});
  EXPECT_EQ(res.header("x-amzn-query-error").value_or(""), "SignatureDoesNotMatch;Sender");
  EXPECT_NE(res.body.find("InvalidSignatureException"), std::string::npos);
}

TEST(SigV4Errors, QueryProtocolAnswersXml) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = "Action=ListQueues&Version=2012-11-05";
  auto res = render_auth_error(r, {AuthFailure::UnknownKey, "The security token included in the "
                                                            "request is invalid."});
  EXPECT_EQ(res.status, 403);
  EXPECT_NE(res.body.find("<Code>InvalidClientTokenId</Code>"), std::string::npos);
  auto missing = render_auth_error(r, {AuthFailure::Missing, ""});
  EXPECT_NE(missing.body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos);
}

TEST(SigV4Errors, LambdaAnswers403WithTheErrorTypeHeader) {
  http::Request r;
  r.method = "POST";
  r.target = "/2015-03-31/functions/f/invocations";
  auto res = render_auth_error(r, {AuthFailure::BadSignature, "m"});
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.header("X-Amzn-ErrorType").value_or(""), "InvalidSignatureException");
  auto missing = render_auth_error(r, {AuthFailure::Missing, ""});
  EXPECT_EQ(missing.header("X-Amzn-ErrorType").value_or(""),
            "MissingAuthenticationTokenException");
  EXPECT_NE(missing.body.find("Missing Authentication Token"), std::string::npos);
}

}  // namespace
}  // namespace serverlite::aws
