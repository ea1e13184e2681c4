// The checks AWS makes of a request's authentication before anything else it needs to know about
// the caller: that there is an Authorization header or a presigned query (not both), and that the
// one given has every part SigV4 needs. The signature itself is not computed here (that is
// `up --verify-signatures`, sigv4_verify.hpp); a well-formed header with any key and any
// signature passes, as a local emulator should accept any credentials.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "emulator/aws/sigv4_verify.hpp"
#include "emulator/http/message.hpp"

namespace serverlite::aws {

struct AuthFormOptions {
  // An Authorization header that does not start with "AWS4-": DynamoDB answers it as if there
  // were none (MissingAuthenticationToken), Kinesis as an incomplete SigV4 header.
  bool foreign_header_is_missing = true;
};

// nullopt when the request carries a well-formed SigV4 Authorization header or presigned query.
// Otherwise the failure, worded as AWS words it:
//   Missing     "Request is missing Authentication Token" (each protocol has its own wording)
//   BadSignature "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as
//               HTTP header."
//   Incomplete  "Authorization header requires 'Credential' parameter. ... Authorization=<header>"
//               or "AWS query-string parameters must include 'X-Amz-Algorithm'. ...
//               Re-examine the query-string parameters."
std::optional<AuthError> check_auth_form(const http::Request& request,
                                         AuthFormOptions options = {});

// The service named in the credential scope of the Authorization header or X-Amz-Credential
// query parameter ("dynamodb", "kinesis"), read leniently: "" when there is none.
std::string scope_service(const http::Request& request);

}  // namespace serverlite::aws
