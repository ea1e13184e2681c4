#include "emulator/aws/sigv4.hpp"

#include <algorithm>
#include <array>

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
    // buy nothing for an emulator that does not verify.
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

}  // namespace serverlite::aws
