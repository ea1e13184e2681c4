// libFuzzer target for the AWS protocols' request decoding: the JSON 1.0/1.1 body (simdjson, the
// nlohmann fallback and the typed accessors), CBOR (decode, and encode of what it decoded), the
// query protocol's forms (flattened lists, maps and structures) and SigV4's Authorization header
// and credential scope. The first byte picks the decoder, the rest is its input. Any input must be
// answered or refused with ApiError; nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/cbor.hpp"
#include "emulator/aws/json_protocol.hpp"
#include "emulator/aws/query_protocol.hpp"
#include "emulator/aws/sigv4.hpp"
#include "emulator/http/message.hpp"

namespace aws = serverlite::aws;
namespace http = serverlite::http;

namespace {

// What the services ask of a decoded body: every accessor on every member.
void read_members(const nlohmann::json& body) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    std::string name = it.key();
    try { (void)aws::optional_string(body, name); } catch (const aws::ApiError&) {}
    try { (void)aws::optional_int(body, name); } catch (const aws::ApiError&) {}
    try { (void)aws::optional_bool(body, name); } catch (const aws::ApiError&) {}
    try { (void)aws::string_list(body, name); } catch (const aws::ApiError&) {}
    try { (void)aws::string_map(body, name); } catch (const aws::ApiError&) {}
    (void)aws::optional_object(body, name);
    (void)aws::optional_array(body, name);
  }
  (void)aws::dump_json(body);
}

void query(std::string_view form) {
  auto params = aws::QueryParams::parse(form);
  (void)params.action();
  for (const auto& name : params.names()) {
    std::string_view base(name);
    base = base.substr(0, base.find('.'));
    try { (void)params.get_int(name); } catch (const aws::ApiError&) {}
    try { (void)params.get_bool(name); } catch (const aws::ApiError&) {}
    (void)params.list(base);
    for (const auto& s : params.structs(base)) (void)s.names();
    try { (void)params.map(base); } catch (const aws::ApiError&) {}
    (void)params.scope(base).names();
  }
  http::Request request;
  request.method = "POST";
  request.target = "/?" + std::string(form.substr(0, form.size() / 2));
  request.body = std::string(form.substr(form.size() / 2));
  (void)aws::query_action(request);
}

void sigv4(std::string_view text) {
  (void)aws::parse_sigv4_credential(text);
  (void)aws::parse_sigv4_authorization(text);
  http::Request request;
  request.method = "GET";
  request.target = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + std::string(text);
  (void)aws::sigv4_credential(request);
  request.headers.push_back({"Authorization", std::string(text)});
  (void)aws::sigv4_credential(request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      try { read_members(aws::parse_json_body(input)); } catch (const aws::ApiError&) {}
      break;
    case 1:
      try {
        auto body = aws::cbor_decode(input);
        read_members(body);
        (void)aws::cbor_encode(body);
      } catch (const aws::ApiError&) {
      }
      break;
    case 2:
      query(input);
      break;
    case 3:
      sigv4(input);
      break;
  }
  return 0;
}
