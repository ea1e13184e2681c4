#include "emulator/aws/sigv4.hpp"

#include <algorithm>
#include <array>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace serverlite::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<SigV4Credential> parse_sigv4_credential(std::string_view scope) {
  std::array<std::string_view, 5> parts;
  std::size_t n = 0;
  while (true) {
    auto slash = scope.find('/');
    if (n == parts.size()) return std::nullopt;  // a sixth part
    parts[n++] = scope.substr(0, slash);
    if (slash == std::string_view::npos) break;
    scope.remove_prefix(slash + 1);
  }
  if (n != parts.size()) return std::nullopt;
  for (auto part : parts)
    if (part.empty()) return std::nullopt;
  if (parts[1].size() != 8 ||
      !std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  if (parts[4] != "aws4_request") return std::nullopt;
  return SigV4Credential{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                         std::string(parts[3])};
}

std::optional<SigV4Credential> parse_sigv4_authorization(std::string_view header) {
  header = trim(header);
  if (!header.starts_with(kAlgorithm)) return std::nullopt;
  header.remove_prefix(kAlgorithm.size());
  // The algorithm is separated from the components by at least one space.
  if (header.empty() || (header.front() != ' ' && header.front() != '\t')) return std::nullopt;
  std::optional<std::string_view> credential, signed_headers, signature;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view part = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view name = trim(part.substr(0, eq)), value = trim(part.substr(eq + 1));
    if (name == "Credential")
      credential = value;
    else if (name == "SignedHeaders")
      signed_headers = value;
    else if (name == "Signature")
      signature = value;
    // Unknown components are ignored: the format reserves no others, but rejecting them would
    // buy nothing (the verifier, sigv4_verify.cpp, reads the header again itself).
  }
  if (!credential || !signed_headers || !signature || signed_headers->empty() || signature->empty())
    return std::nullopt;
  return parse_sigv4_credential(*credential);
}

std::optional<SigV4Credential> sigv4_credential(const http::Request& request) {
  if (auto auth = request.header("Authorization"))
    if (auto credential = parse_sigv4_authorization(*auth)) return credential;
  std::optional<std::string> algorithm, credential;
  for (auto& [name, value] : http::parse_query(request.query())) {
    if (name == "X-Amz-Algorithm" && !algorithm)
      algorithm = value;
    else if (name == "X-Amz-Credential" && !credential)
      credential = value;
  }
  if (algorithm != kAlgorithm || !credential) return std::nullopt;
  return parse_sigv4_credential(*credential);
}

// ---- signing ----------------------------------------------------------------------------------

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string canonical_uri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  return uri_encode(raw_path, true);
}

std::string canonical_query(std::string_view raw_query, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!raw_query.empty()) {
    auto amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name = http::percent_decode(pair.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? std::string() : http::percent_decode(pair.substr(eq + 1));
    if (drop_signature && name == "X-Amz-Signature") continue;
    pairs.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string canonical_headers(const std::vector<http::Header>& headers,
                              const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const auto& name : signed_headers) {
    out += name;
    out.push_back(':');
    bool first = true;
    for (const auto& header : headers) {
      if (!http::iequals(header.name, name)) continue;
      if (!first) out.push_back(',');
      first = false;
      // Trimmed, with each run of spaces inside the value made one space.
      std::string_view value = trim(header.value);
      bool in_space = false;
      for (char c : value) {
        bool space = c == ' ' || c == '\t';
        if (space && in_space) continue;
        in_space = space;
        out.push_back(space ? ' ' : c);
      }
    }
    out.push_back('\n');
  }
  return out;
}

std::string canonical_request(const SigningRequest& request) {
  std::string signed_list;
  for (const auto& name : request.signed_headers) {
    if (!signed_list.empty()) signed_list.push_back(';');
    signed_list += name;
  }
  return request.method + "\n" + request.canonical_uri + "\n" + request.canonical_query + "\n" +
         canonical_headers(request.headers, request.signed_headers) + "\n" + signed_list + "\n" +
         request.payload_hash;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) +
         "\n" + sha256_hex(canonical_request);
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string key = hmac_sha256("AWS4" + std::string(secret), date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  return hmac_sha256(key, "aws4_request");
}

std::string signature(std::string_view secret, const SigV4Credential& credential,
                      std::string_view amz_date, std::string_view canonical_request) {
  std::string scope = credential.date + "/" + credential.region + "/" + credential.service +
                      "/aws4_request";
  return to_hex(hmac_sha256(
      signing_key(secret, credential.date, credential.region, credential.service),
      string_to_sign(amz_date, scope, canonical_request)));
}

}  // namespace serverlite::aws
