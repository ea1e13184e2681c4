// `up --verify-signatures`: checks each AWS request's Signature Version 4 against the configured
// credentials, so that unsigned or wrongly signed calls fail locally as they would on AWS. Both
// forms are checked: the Authorization header, and presigned URLs (X-Amz-Signature in the query,
// valid for X-Amz-Expires seconds). Refusals carry AWS's codes and messages in the protocol of the
// request: AWS JSON (X-Amz-Target; CBOR for CBOR clients), the query protocol (SQS's XML) and
// REST-JSON (Lambda).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "emulator/http/message.hpp"

namespace serverlite::aws {

enum class AuthFailure {
  Missing,       // no Authorization header and no presigned query
  Incomplete,    // an Authorization header or presigned query missing parts
  UnknownKey,    // an access key that is not configured
  BadSignature,  // the signature differs from the one computed with the key's secret
  Expired,       // X-Amz-Date more than 15 minutes away from now, or a presigned URL expired
};

struct AuthError {
  AuthFailure failure;
  std::string message;
  // For BadSignature: the canonical request serverlite computed, for the log (a client's own
  // debug log shows the one it signed).
  std::string canonical_request;
};

class SignatureVerifier {
 public:
  // `secrets`: access key id -> secret access key.
  explicit SignatureVerifier(std::map<std::string, std::string, std::less<>> secrets);

  // nullopt when the request is signed by a configured key; `now` is the real time (clients
  // sign with their wall clock, whatever serverlite's virtual clock says).
  std::optional<AuthError> verify(const http::Request& request,
                                  std::chrono::system_clock::time_point now) const;

 private:
  std::map<std::string, std::string, std::less<>> secrets_;
};

// The refusal as the service the request addressed words it, e.g. for AWS JSON:
//   400 {"__type":"UnrecognizedClientException","message":"The security token included ..."}
// for the query protocol: 403 <ErrorResponse>...<Code>InvalidClientTokenId</Code>...
// for REST-JSON: 403 with X-Amzn-ErrorType: UnrecognizedClientException.
http::Response render_auth_error(const http::Request& request, const AuthError& error);

// "YYYYMMDDTHHMMSSZ" as a time (any year from 1970 to 9999), or nullopt when it is not one.
std::optional<std::chrono::sys_seconds> parse_amz_date(std::string_view text);

}  // namespace serverlite::aws
