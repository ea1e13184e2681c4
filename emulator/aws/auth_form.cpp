#include "emulator/aws/auth_form.hpp"

#include <map>
#include <vector>

#include "emulator/utf8.hpp"

namespace serverlite::aws {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The parameters of an Authorization header: the words after the first, split at commas and
// blanks, each `name=value` (a word without '=' names a parameter with no value).
std::map<std::string_view, std::string_view> header_params(std::string_view header) {
  std::map<std::string_view, std::string_view> params;
  header = trim(header);
  auto first = header.find_first_of(" ,\t");
  if (first == std::string_view::npos) return params;
  std::string_view rest = header.substr(first);
  while (!rest.empty()) {
    auto end = rest.find_first_of(" ,\t");
    std::string_view word = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (word.empty()) continue;
    auto eq = word.find('=');
    std::string_view name = word.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : word.substr(eq + 1);
    // A second '=' ends the value ("a=b=c" is a=b), as AWS's parser splits.
    value = value.substr(0, value.find('='));
    params[name] = value;
  }
  return params;
}

const std::string* query_param(const std::vector<std::pair<std::string, std::string>>& query,
                               std::string_view name) {
  for (const auto& [n, v] : query)
    if (n == name) return &v;
  return nullptr;
}

AuthError failure(AuthFailure kind, std::string message) {
  return {kind, to_valid_utf8(message), {}};
}

}  // namespace

std::optional<AuthError> check_auth_form(const http::Request& request, AuthFormOptions options) {
  auto header = request.header("Authorization");
  auto query = http::parse_query(request.query());
  bool presigned = query_param(query, "X-Amz-Algorithm") != nullptr;
  if (header && presigned)
    return failure(AuthFailure::BadSignature,
                   "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as "
                   "HTTP header.");
  if (!header && !presigned)
    return failure(AuthFailure::Missing, "Request is missing Authentication Token");
  std::string missing;
  if (header) {
    if (options.foreign_header_is_missing && !trim(*header).starts_with("AWS4-"))
      return failure(AuthFailure::Missing, "Request is missing Authentication Token");
    auto params = header_params(*header);
    for (std::string_view name : {"Credential", "Signature", "SignedHeaders"}) {
      auto it = params.find(name);
      if (it == params.end() || it->second.empty())
        missing += "Authorization header requires '" + std::string(name) + "' parameter. ";
    }
    if (!request.header("X-Amz-Date") && !request.header("Date"))
      missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                 "header. ";
    if (!missing.empty()) missing += "Authorization=" + std::string(*header);
  } else {
    for (std::string_view name :
         {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders",
          "X-Amz-Date"}) {
      const std::string* value = query_param(query, name);
      if (!value || value->empty())
        missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
    }
    if (!missing.empty()) missing += "Re-examine the query-string parameters.";
  }
  if (!missing.empty()) return failure(AuthFailure::Incomplete, std::move(missing));
  return std::nullopt;
}

std::string scope_service(const http::Request& request) {
  std::string_view credential;
  std::vector<std::pair<std::string, std::string>> query;
  if (auto header = request.header("Authorization")) {
    auto params = header_params(*header);
    if (auto it = params.find("Credential"); it != params.end()) credential = it->second;
  } else {
    query = http::parse_query(request.query());
    if (const std::string* value = query_param(query, "X-Amz-Credential")) credential = *value;
  }
  // ACCESS_KEY/DATE/REGION/SERVICE/aws4_request
  for (int slash = 0; slash < 3; ++slash) {
    auto at = credential.find('/');
    if (at == std::string_view::npos) return "";
    credential.remove_prefix(at + 1);
  }
  return std::string(credential.substr(0, credential.find('/')));
}

}  // namespace serverlite::aws
