// AWS Signature Version 4: reading a request's credential scope, and computing signatures.
// By default serverlite accepts any key and signature, as a local emulator should (it checks
// only that a request carries a well-formed Authorization header or presigned query, as AWS
// does before anything else: auth_form.hpp); it reads the
// scope to learn which service and region a client addressed, e.g. to route a form-encoded
// `Action=` request. With `up --verify-signatures` the signature is computed again from the
// request (sigv4_verify.hpp) with the functions below, which follow AWS's documented algorithm:
//   canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
//                       signed headers \n payload hash
//   string to sign    = AWS4-HMAC-SHA256 \n X-Amz-Date \n scope \n hex(sha256(canonical request))
//   signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"
//   signature         = hex(HMAC(signing key, string to sign))
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/http/message.hpp"

namespace serverlite::aws {

// The credential scope: `AKID/20240101/us-east-1/sqs/aws4_request`.
struct SigV4Credential {
  std::string access_key;  // "AKIDEXAMPLE"
  std::string date;        // "20240101" (YYYYMMDD, digits only)
  std::string region;      // "us-east-1"
  std::string service;     // "sqs"
};

// Parses `AKID/DATE/REGION/SERVICE/aws4_request`. nullopt unless there are exactly five non-empty
// parts, DATE is eight digits and the terminator is `aws4_request`.
std::optional<SigV4Credential> parse_sigv4_credential(std::string_view scope);

// Parses an Authorization header value:
//   AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request,
//     SignedHeaders=host;x-amz-date, Signature=abc123
// Components may come in any order, with or without spaces after the commas (the SDKs write
// ", ", some hand-rolled clients ","). nullopt when the algorithm is not AWS4-HMAC-SHA256, when
// Credential, SignedHeaders or Signature is missing or empty, or when the scope is malformed.
std::optional<SigV4Credential> parse_sigv4_authorization(std::string_view header);

// The credential of a request: the Authorization header when it is SigV4, else a presigned URL's
// `X-Amz-Credential` query parameter (with `X-Amz-Algorithm=AWS4-HMAC-SHA256`). nullopt when
// neither is present and well formed.
std::optional<SigV4Credential> sigv4_credential(const http::Request& request);

// ---- signing ----------------------------------------------------------------------------------

// Lower-case hex of bytes; SHA-256 as hex; raw HMAC-SHA256 (32 bytes).
std::string to_hex(std::string_view bytes);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

// RFC 3986 encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ are kept, every other byte is %XX
// (upper-case hex); '/' is kept when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);

// The canonical URI of a path as received (still percent-encoded): every service but S3 signs the
// encoded path encoded once more ("/a%3Ab" -> "/a%253Ab"). An empty path is "/".
std::string canonical_uri(std::string_view raw_path);

// The canonical query string: each name and value decoded, then encoded with uri_encode, sorted by
// name then value, joined as `name=value&...`. `X-Amz-Signature` is left out when `drop_signature`
// (presigned URLs sign every parameter but that one).
std::string canonical_query(std::string_view raw_query, bool drop_signature);

// The canonical headers block for `signed_headers` (lower-case names, in the order given, which
// SigV4 requires to be sorted): `name:value\n` each, the value being every header of that name
// in arrival order, trimmed, runs of spaces collapsed, joined with ','.
std::string canonical_headers(const std::vector<http::Header>& headers,
                              const std::vector<std::string>& signed_headers);

struct SigningRequest {
  std::string method;
  std::string canonical_uri;
  std::string canonical_query;
  std::vector<http::Header> headers;       // as received
  std::vector<std::string> signed_headers;  // lower case, sorted
  std::string payload_hash;                // hex SHA-256 of the body, or UNSIGNED-PAYLOAD
};

std::string canonical_request(const SigningRequest& request);
// `amz_date` is YYYYMMDD'T'HHMMSS'Z'; `scope` is DATE/REGION/SERVICE/aws4_request.
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
// hex(HMAC(signing_key(...), string_to_sign)).
std::string signature(std::string_view secret, const SigV4Credential& credential,
                      std::string_view amz_date, std::string_view canonical_request);

}  // namespace serverlite::aws
