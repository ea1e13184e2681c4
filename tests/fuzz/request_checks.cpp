// libFuzzer target for what checks a request before any service reads it, and for what serverlite
// reads back from its own files and /proc: the Host and Origin guard (request_guard.cpp), SigV4
// verification (sigv4_verify.cpp: the Authorization header, presigned queries, X-Amz-Date and
// X-Amz-Expires), and the leftovers' parsers (the state directory's `run` file, /proc/PID/stat and
// /proc/PID/environ). The first byte picks the check; the rest is split into lines: the method,
// the request target, then `Name: value` headers, a line `--` then the body.
//
// Besides never crashing: a request signed with the project's signing functions, whatever its
// method, path, query, headers and body, must be accepted by the verifier; and a run record that
// parses must read back the same once formatted.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/aws/sigv4.hpp"
#include "emulator/aws/sigv4_verify.hpp"
#include "emulator/http/message.hpp"
#include "emulator/http/request_guard.hpp"
#include "emulator/invoker/leftovers.hpp"

namespace aws = serverlite::aws;
namespace http = serverlite::http;
namespace invoker = serverlite::invoker;

namespace {

http::Request parse_request(std::string_view text) {
  http::Request request;
  int line_number = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line_number == 0) request.method = line;
    else if (line_number == 1) request.target = line;
    else if (line == "--") {
      request.body = text;
      break;
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      if (value.starts_with(' ')) value.remove_prefix(1);
      request.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
    }
    ++line_number;
  }
  return request;
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1704067200));
constexpr std::string_view kAmzDate = "20240101T000000Z";  // kNow

void guard(const http::Request& request) {
  static const http::RequestGuard local;
  static const http::RequestGuard allowing(
      {{"*.example.com", "app.test"}, {"https://app.example.com", "http://localhost:3000"}},
      "gateway");
  for (const auto* g : {&local, &allowing}) {
    (void)g->check_host(request);
    (void)g->check_origin(request);
    (void)g->preflight(request);
    http::Response response;
    g->add_cors(request.header("Origin").value_or(""), response);
  }
  for (const auto& header : request.headers) {
    std::string name = http::host_name(header.value);
    (void)http::is_local_name(name);
    (void)allowing.host_allowed(header.value);
    (void)allowing.origin_allowed(header.value);
  }
}

const aws::SignatureVerifier& verifier() {
  static const aws::SignatureVerifier v({{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}});
  return v;
}

void verify_any(const http::Request& request) {
  for (const auto& header : request.headers) (void)aws::parse_amz_date(header.value);
  if (auto error = verifier().verify(request, kNow)) (void)aws::render_auth_error(request, *error);
}

// Signs the request as an SDK would (every header signed), then verifies it: it must pass.
void sign_then_verify(http::Request request) {
  std::vector<http::Header> headers;
  for (auto& header : request.headers) {
    std::string name;
    for (char c : header.name) {
      c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') name += c;
    }
    // What the signer sets itself, and a declared payload hash (which the verifier would take
    // in place of the body's), are left out.
    if (name.empty() || name == "authorization" || name == "x-amz-date" || name == "host" ||
        name == "x-amz-content-sha256")
      continue;
    std::erase(header.value, '\r');
    headers.push_back({name, header.value});
  }
  headers.push_back({"host", "localhost:4566"});
  headers.push_back({"x-amz-date", std::string(kAmzDate)});
  request.headers = headers;

  aws::SigningRequest signing;
  signing.method = request.method;
  signing.canonical_uri = aws::canonical_uri(request.path());
  signing.canonical_query = aws::canonical_query(request.query(), false);
  signing.headers = request.headers;
  for (const auto& header : request.headers) signing.signed_headers.push_back(header.name);
  std::sort(signing.signed_headers.begin(), signing.signed_headers.end());
  signing.signed_headers.erase(
      std::unique(signing.signed_headers.begin(), signing.signed_headers.end()),
      signing.signed_headers.end());
  signing.payload_hash = aws::sha256_hex(request.body);
  aws::SigV4Credential credential{"AKIDEXAMPLE", "20240101", "us-east-1", "sqs"};
  std::string signed_names;
  for (const auto& name : signing.signed_headers)
    signed_names += (signed_names.empty() ? "" : ";") + name;
  std::string sig = aws::signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", credential, kAmzDate,
                                   aws::canonical_request(signing));
  request.headers.push_back(
      {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sqs/"
                        "aws4_request, SignedHeaders=" + signed_names + ", Signature=" + sig});
  if (auto error = verifier().verify(request, kNow)) __builtin_trap();
}

void leftovers(std::string_view text) {
  (void)invoker::parse_stat_fields(text);
  std::string block(text);
  (void)invoker::environ_has(block, "SERVERLITE_RUN=abc");
  block.push_back('\0');
  block += "SERVERLITE_RUN=abc";
  if (!invoker::environ_has(block, "SERVERLITE_RUN=abc")) __builtin_trap();
  if (auto record = invoker::parse_run_record(text)) {
    auto again = invoker::parse_run_record(invoker::format_run_record(*record));
    if (!again || again->marker != record->marker || again->pid != record->pid ||
        again->start_time != record->start_time)
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: guard(parse_request(text)); break;
    case 1: verify_any(parse_request(text)); break;
    case 2: sign_then_verify(parse_request(text)); break;
    default: leftovers(text); break;
  }
  return 0;
}
