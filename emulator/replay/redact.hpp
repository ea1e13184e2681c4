// Redaction of secrets in recorded events, for `serverlite up --record`: recorded cases end up
// in repositories, so credentials must not. Values are replaced by "<redacted>"; names and the
// structure stay, so a recorded case still replays (with the secret gone).
// Names are compared case-insensitively (HTTP header names are; JSON keys such as "Password"
// and "password" are meant alike). No other normalisation: "access_token" is not "accessToken".
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace serverlite::replay {

inline constexpr const char* kRedacted = "<redacted>";

// authorization, cookie, set-cookie, x-amz-security-token, x-api-key, proxy-authorization.
const std::set<std::string>& default_redacted_headers();
// password, secret, token, accessToken, refreshToken, apiKey, clientSecret, privateKey.
const std::set<std::string>& default_redacted_fields();

// `headers`: an object of name -> text (or -> array of texts, as multiValueHeaders). Each
// header named in `names` gets "<redacted>" (each element of an array). Anything else is
// returned unchanged.
nlohmann::json redact_headers(nlohmann::json headers, const std::set<std::string>& names);

// Every object member, at any depth (inside arrays too), whose key is in `names` gets
// "<redacted>" as its value, whatever that value was.
nlohmann::json redact_fields(nlohmann::json value, const std::set<std::string>& names);

// An API Gateway event (REST proxy 1.0 or HTTP API 2.0) or an SQS event, redacted:
//  - headers and multiValueHeaders by `headers`;
//  - the v2 `cookies` array, when "cookie" is in `headers`: "name=<redacted>" (the names stay,
//    for handlers that branch on which cookies are present);
//  - queryStringParameters, multiValueQueryStringParameters, and the parameters of v2's
//    rawQueryString, by `fields`; requestContext by `fields` (identity.apiKey, authorizer
//    claims);
//  - the body by `fields` when it is JSON text (not base64); it stays text, re-serialised;
//    an SQS event's record bodies likewise.
// Other members, and events of other kinds, are left as they are.
nlohmann::json redact_event(nlohmann::json event,
                            const std::set<std::string>& headers = default_redacted_headers(),
                            const std::set<std::string>& fields = default_redacted_fields());

// A request target ("/path?query") with the query parameters named in `fields` redacted.
std::string redact_target(const std::string& target, const std::set<std::string>& fields);

// The secrets a redaction removed: every text of `original` that its redacted copy (`redacted`,
// from the functions above) has replaced by "<redacted>", also inside JSON bodies kept as text,
// query strings and cookies. Values that are not texts are added as their JSON.
void collect_redacted(const nlohmann::json& original, const nlohmann::json& redacted,
                      std::set<std::string>& secrets);

// `value` with every occurrence of a secret in its texts (at any depth) replaced by
// "<redacted>": how a recorded answer that echoes a request's secret is made to match what the
// replayed request, which carries "<redacted>", gets back. A secret shorter than 4 characters
// is replaced only where it is the whole text.
nlohmann::json redact_values(nlohmann::json value, const std::set<std::string>& secrets);

}  // namespace serverlite::replay
