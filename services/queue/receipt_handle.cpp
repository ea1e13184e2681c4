#include "services/queue/receipt_handle.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "emulator/http/base64.hpp"

namespace serverlite::queue {

namespace {

// A version tag first, so a handle format change can still recognise (and reject) old handles.
constexpr std::string_view kMagic = "slq1";

}  // namespace

std::string encode_receipt_handle(const ReceiptHandle& handle) {
  std::string raw;
  raw.append(kMagic).push_back('\n');
  raw.append(handle.queue_name).push_back('\n');
  raw.append(handle.message_id).push_back('\n');
  raw.append(handle.receive_token);
  return http::base64_encode(raw);
}

std::optional<ReceiptHandle> decode_receipt_handle(std::string_view text) {
  auto raw = http::base64_decode(text);
  if (!raw) return std::nullopt;
  std::string_view rest = *raw;
  std::string parts[4];
  for (int i = 0; i < 3; ++i) {
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    parts[i] = std::string(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (rest.find('\n') != std::string_view::npos) return std::nullopt;
  parts[3] = std::string(rest);
  if (parts[0] != kMagic || parts[1].empty() || parts[2].empty() || parts[3].empty())
    return std::nullopt;
  return ReceiptHandle{parts[1], parts[2], parts[3]};
}

std::string new_receive_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token.push_back(hex[b >> 4]);
    token.push_back(hex[b & 0xf]);
  }
  return token;
}

}  // namespace serverlite::queue
