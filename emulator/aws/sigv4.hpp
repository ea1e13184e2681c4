// Reading the credential scope of AWS Signature Version 4 requests. serverlite does not verify
// signatures (any key is accepted, as a local emulator should); it reads the scope to learn which
// service and region a client addressed, e.g. to route a form-encoded `Action=` request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

}  // namespace serverlite::aws
