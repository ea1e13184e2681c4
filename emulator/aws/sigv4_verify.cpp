#include "emulator/aws/sigv4_verify.hpp"

#include <cctype>
#include <ctime>

#include <nlohmann/json.hpp>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/cbor.hpp"
#include "emulator/aws/query_protocol.hpp"
#include "emulator/aws/sigv4.hpp"
#include "emulator/utf8.hpp"
#include "emulator/ascii.hpp"

namespace serverlite::aws {

namespace {

using Clock = std::chrono::system_clock;
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// How far X-Amz-Date may be from now, either way (AWS: 15 minutes).
constexpr auto kSkew = std::chrono::minutes(15);

constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string format_amz_date(std::chrono::sys_seconds t) {
  std::time_t seconds = t.time_since_epoch().count();
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The message quotes the request (its Authorization header, its dates), which may hold any bytes:
// it goes into JSON, CBOR and XML answers as UTF-8.
AuthError error(AuthFailure failure, std::string message) {
  return {failure, to_valid_utf8(message)};
}

// The window check of a signature made at `date`: valid from `date` - 15 min until `date` +
// `valid_for`. Worded as AWS words it. In whole seconds: X-Amz-Date may name any year to 9999,
// which a time_point of nanoseconds cannot hold.
std::optional<AuthError> check_time(std::string_view amz_date, std::chrono::sys_seconds date,
                                    std::chrono::seconds valid_for, std::string_view valid_for_text,
                                    Clock::time_point now_precise) {
  auto now = std::chrono::floor<std::chrono::seconds>(now_precise);
  if (now - date > valid_for)
    return error(AuthFailure::Expired,
                 "Signature expired: " + std::string(amz_date) + " is now earlier than " +
                     format_amz_date(now - valid_for) + " (" + format_amz_date(now) + " - " +
                     std::string(valid_for_text) + ")");
  if (date - now > kSkew)
    return error(AuthFailure::Expired, "Signature not yet current: " + std::string(amz_date) +
                                           " is still later than " + format_amz_date(now + kSkew) +
                                           " (" + format_amz_date(now) + " + 15 min.)");
  return std::nullopt;
}

std::vector<std::string> split_signed_headers(std::string_view list) {
  std::vector<std::string> names;
  while (!list.empty()) {
    auto semi = list.find(';');
    std::string name = ascii_lower(trim(list.substr(0, semi)));
    if (!name.empty()) names.push_back(std::move(name));
    list = semi == std::string_view::npos ? std::string_view{} : list.substr(semi + 1);
  }
  return names;
}

// What header and query signing have in common once their parts are read.
struct Parts {
  std::string_view credential, signed_headers, signature, amz_date;
};

}  // namespace

std::optional<std::chrono::sys_seconds> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  int year = number(0, 4), month = number(4, 2), day = number(6, 2);
  int hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                  std::chrono::day(day)};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::sys_days(ymd)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second);
}

SignatureVerifier::SignatureVerifier(std::map<std::string, std::string, std::less<>> secrets)
    : secrets_(std::move(secrets)) {}

std::optional<AuthError> SignatureVerifier::verify(const http::Request& request,
                                                   Clock::time_point now) const {
  Parts parts;
  bool presigned = false;
  std::optional<std::string> expires_text;
  std::vector<std::pair<std::string, std::string>> query;  // kept alive for `parts`

  if (auto auth = request.header("Authorization")) {
    std::string_view header = trim(*auth);
    std::optional<std::string_view> credential, signed_headers, signature;
    if (header.starts_with(kAlgorithm) && header.size() > kAlgorithm.size() &&
        (header[kAlgorithm.size()] == ' ' || header[kAlgorithm.size()] == '\t')) {
      std::string_view rest = header.substr(kAlgorithm.size());
      while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view part = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        auto eq = part.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view name = trim(part.substr(0, eq)), value = trim(part.substr(eq + 1));
        if (name == "Credential") credential = value;
        else if (name == "SignedHeaders") signed_headers = value;
        else if (name == "Signature") signature = value;
      }
    }
    auto amz_date = request.header("X-Amz-Date");
    std::string missing;
    if (!credential || credential->empty())
      missing += "Authorization header requires 'Credential' parameter. ";
    if (!signature || signature->empty())
      missing += "Authorization header requires 'Signature' parameter. ";
    if (!signed_headers || signed_headers->empty())
      missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!amz_date)
      missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                 "header. ";
    if (!missing.empty())
      return error(AuthFailure::Incomplete, missing + "Authorization=" + std::string(header));
    parts = {*credential, *signed_headers, *signature, *amz_date};
  } else {
    query = http::parse_query(request.query());
    auto param = [&](std::string_view name) -> std::optional<std::string_view> {
      for (const auto& [n, v] : query)
        if (n == name) return std::string_view(v);
      return std::nullopt;
    };
    auto algorithm = param("X-Amz-Algorithm"), credential = param("X-Amz-Credential"),
         signature = param("X-Amz-Signature"), signed_headers = param("X-Amz-SignedHeaders"),
         amz_date = param("X-Amz-Date");
    if (!algorithm && !credential && !signature)
      return error(AuthFailure::Missing, "Request is missing Authentication Token");
    if (algorithm != kAlgorithm || !credential || !signature || !signed_headers || !amz_date)
      return error(AuthFailure::Incomplete,
                   "AWS query-string parameters must include 'X-Amz-Algorithm', "
                   "'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. "
                   "Re-examine the query-string parameters.");
    parts = {*credential, *signed_headers, *signature, *amz_date};
    presigned = true;
    if (auto e = param("X-Amz-Expires")) expires_text = std::string(*e);
  }

  auto credential = parse_sigv4_credential(parts.credential);
  if (!credential)
    return error(AuthFailure::Incomplete,
                 "Credential should be scoped to a valid region, service and date: "
                 "ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request, not '" +
                     std::string(parts.credential) + "'.");
  auto secret = secrets_.find(credential->access_key);
  if (secret == secrets_.end())
    return error(AuthFailure::UnknownKey, "The security token included in the request is invalid.");

  auto date = parse_amz_date(parts.amz_date);
  if (!date)
    return error(AuthFailure::Incomplete,
                 "X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z', not '" +
                     std::string(parts.amz_date) + "'.");
  if (parts.amz_date.substr(0, 8) != credential->date)
    return error(AuthFailure::BadSignature,
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                 "from HTTP: '" + credential->date + "' != '" +
                     std::string(parts.amz_date.substr(0, 8)) + "', from '" +
                     std::string(parts.amz_date) + "'.");
  if (presigned && expires_text) {
    long seconds = -1;
    try {
      std::size_t used = 0;
      seconds = std::stol(*expires_text, &used);
      if (used != expires_text->size()) seconds = -1;
    } catch (const std::exception&) {
    }
    if (seconds < 1 || seconds > 604800)
      return error(AuthFailure::Incomplete,
                   "X-Amz-Expires must be a number of seconds from 1 to 604800 (a week), not '" +
                       *expires_text + "'.");
    if (auto e = check_time(parts.amz_date, *date, std::chrono::seconds(seconds),
                            std::to_string(seconds) + " sec.", now))
      return e;
  } else if (auto e = check_time(parts.amz_date, *date, kSkew, "15 min.", now)) {
    return e;
  }

  SigningRequest signing;
  signing.method = request.method;
  signing.canonical_uri = canonical_uri(request.path());
  signing.canonical_query = canonical_query(request.query(), presigned);
  signing.headers = request.headers;
  signing.signed_headers = split_signed_headers(parts.signed_headers);
  bool host_signed = false;
  for (const auto& name : signing.signed_headers) host_signed |= name == "host";
  if (!host_signed)
    return error(AuthFailure::BadSignature,
                 "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  // The payload: what x-amz-content-sha256 says when it declares the body unsigned, else the
  // body's hash (a header claiming another hash makes the signature differ). Presigned URLs
  // may have been signed either way; both are tried.
  std::vector<std::string> payload_hashes;
  auto content_sha = request.header("X-Amz-Content-Sha256");
  if (content_sha && (*content_sha == kUnsignedPayload || content_sha->starts_with("STREAMING-")))
    payload_hashes.emplace_back(*content_sha);
  else
    payload_hashes.push_back(sha256_hex(request.body));
  if (presigned && !content_sha) payload_hashes.emplace_back(kUnsignedPayload);

  for (const auto& hash : payload_hashes) {
    signing.payload_hash = hash;
    if (signature(secret->second, *credential, parts.amz_date, canonical_request(signing)) ==
        parts.signature)
      return std::nullopt;
  }
  signing.payload_hash = payload_hashes.front();
  auto mismatch = error(AuthFailure::BadSignature, std::string(kSignatureMismatch));
  mismatch.canonical_request = canonical_request(signing);
  return mismatch;
}

http::Response render_auth_error(const http::Request& request, const AuthError& error) {
  struct Codes {
    int status;
    const char* code;
  };
  // AWS JSON and REST-JSON name them alike (REST with 403s); the query protocol has its own.
  auto json_code = [](AuthFailure f) -> const char* {
    switch (f) {
      case AuthFailure::Missing: return "MissingAuthenticationTokenException";
      case AuthFailure::Incomplete: return "IncompleteSignatureException";
      case AuthFailure::UnknownKey: return "UnrecognizedClientException";
      case AuthFailure::BadSignature:
      case AuthFailure::Expired: return "InvalidSignatureException";
    }
    return "";
  };
  auto query_code = [](AuthFailure f) -> Codes {
    switch (f) {
      case AuthFailure::Missing: return {403, "MissingAuthenticationToken"};
      case AuthFailure::Incomplete: return {400, "IncompleteSignature"};
      case AuthFailure::UnknownKey: return {403, "InvalidClientTokenId"};
      case AuthFailure::BadSignature:
      case AuthFailure::Expired: return {403, "SignatureDoesNotMatch"};
    }
    return {403, ""};
  };

  if (auto target = request.header("X-Amz-Target")) {
    std::string message = error.failure == AuthFailure::Missing
                              ? "Request is missing Authentication Token"
                              : error.message;
    nlohmann::json body = {{"__type", json_code(error.failure)}, {"message", message}};
    http::Response res;
    res.status = 400;
    res.add_header("x-amzn-RequestId", new_request_id());
    auto content_type = request.header("Content-Type").value_or("");
    if (content_type.find("cbor") != std::string_view::npos) {
      res.add_header("Content-Type", std::string(kCborContentType));
      res.body = cbor_encode(body);
    } else {
      res.add_header("Content-Type", content_type.starts_with("application/x-amz-json-1.")
                                         ? std::string(content_type)
                                         : std::string("application/x-amz-json-1.0"));
      res.body = body.dump();
    }
    // SQS speaks JSON and the query protocol: its SDKs take the query protocol's code from this
    // header, so a client sees the same code through both.
    if (target->starts_with("AmazonSQS."))
      res.add_header("x-amzn-query-error",
                     std::string(query_code(error.failure).code) + ";Sender");
    return res;
  }
  if (query_action(request)) {
    auto [status, code] = query_code(error.failure);
    std::string message = error.failure == AuthFailure::Missing
                              ? "The request must contain either a valid (registered) AWS access "
                                "key ID or X.509 certificate."
                              : error.message;
    return render_query_error(ApiError(status, code, message), kSqsXmlNamespace);
  }
  std::string message =
      error.failure == AuthFailure::Missing ? "Missing Authentication Token" : error.message;
  return render_rest_json_error(ApiError(403, json_code(error.failure), message));
}

}  // namespace serverlite::aws
