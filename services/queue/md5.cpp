#include "services/queue/md5.hpp"

#include "emulator/md5.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <stdexcept>

namespace serverlite::queue {

namespace {

std::string hex_of(const unsigned char* out, unsigned int size) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    text.push_back(hex[out[i] >> 4]);
    text.push_back(hex[out[i] & 0xf]);
  }
  return text;
}

std::string digest_hex(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out, &size, md, nullptr) != 1)
    throw std::runtime_error("digest failed");
  return hex_of(out, size);
}

void append_length_prefixed(std::string& out, std::string_view bytes) {
  auto n = static_cast<std::uint32_t>(bytes.size());
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(bytes);
}

}  // namespace

std::string md5_hex(std::string_view bytes) {
  Md5 digest = md5(bytes);
  return hex_of(digest.data(), static_cast<unsigned int>(digest.size()));
}

std::string sha256_hex(std::string_view bytes) { return digest_hex(EVP_sha256(), bytes); }

std::string md5_of_message_body(std::string_view body) { return md5_hex(body); }

std::string md5_of_message_attributes(const MessageAttributes& attributes) {
  if (attributes.empty()) return {};
  std::string buffer;
  for (const auto& [name, value] : attributes) {  // std::map: ascending byte order of names
    append_length_prefixed(buffer, name);
    append_length_prefixed(buffer, value.data_type);
    bool binary = value.is_binary();
    buffer.push_back(binary ? 2 : 1);
    append_length_prefixed(buffer, binary ? value.binary_value : value.string_value);
  }
  return md5_hex(buffer);
}

}  // namespace serverlite::queue
