#include "emulator/md5.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace serverlite {

namespace {

struct Md5Context {
  Md5Context() : algorithm(EVP_MD_fetch(nullptr, "MD5", nullptr)), context(EVP_MD_CTX_new()) {
    if (!algorithm || !context) throw std::runtime_error("OpenSSL's MD5 is not available");
  }
  ~Md5Context() {
    EVP_MD_CTX_free(context);
    EVP_MD_free(algorithm);
  }
  Md5Context(const Md5Context&) = delete;
  Md5Context& operator=(const Md5Context&) = delete;

  EVP_MD* algorithm;
  EVP_MD_CTX* context;
};

}  // namespace

Md5 md5(std::string_view bytes) {
  thread_local Md5Context md;
  Md5 out{};
  unsigned int size = 0;
  if (EVP_DigestInit_ex2(md.context, md.algorithm, nullptr) != 1 ||
      EVP_DigestUpdate(md.context, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(md.context, out.data(), &size) != 1 || size != out.size())
    throw std::runtime_error("MD5 failed");
  return out;
}

}  // namespace serverlite
