#include "services/functions/catalog.hpp"

#include <ctime>
#include <regex>

#include <openssl/evp.h>

namespace serverlite::functions {

namespace {

std::string now_lambda_format() {
  // Lambda: "2024-03-21T10:11:12.000+0000"
  char buf[40];
  std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000+0000", std::gmtime(&now));
  return buf;
}

// CodeSha256 is base64 of a SHA-256; we hash what identifies the code locally: the handler.
std::string code_sha256(const app::FunctionSpec& fn) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string input = fn.runtime + ":" + fn.handler;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out(4 * ((len + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(len));
  return out;
}

}  // namespace

Catalog::Catalog(const app::AppSpec& app) : app_(app), last_modified_(now_lambda_format()) {}

Resolution Catalog::resolve(std::string_view function_name, std::string_view qualifier) const {
  // Lambda's FunctionName pattern, less strict on the region and account parts.
  static const std::regex pattern(
      R"(^(arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}(-gov)?-[a-z]+-\d{1}):)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$)");
  std::string name_str(function_name);
  std::smatch m;
  if (function_name.empty() || function_name.size() > 170 ||
      !std::regex_match(name_str, m, pattern)) {
    return InvalidName{"1 validation error detected: Value '" + name_str +
                       "' at 'functionName' failed to satisfy constraint: Member must satisfy "
                       "regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?"
                       "-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|"
                       "[a-zA-Z0-9-_]+))?"};
  }
  std::string name = m[7].str();
  std::string q = m[9].matched ? m[9].str() : std::string(qualifier);
  const app::FunctionSpec* fn = app_.find_function(name);
  std::string arn = "arn:aws:lambda:" + app_.region + ":" + std::string(app::kAccountId) +
                    ":function:" + (fn ? fn->name : name);
  if (!fn) return NotFound{arn};
  if (!q.empty() && q != "$LATEST") return NotFound{arn + ":" + q};
  return fn;
}

nlohmann::json Catalog::configuration(const app::FunctionSpec& fn) const {
  nlohmann::json env_vars = nlohmann::json::object();
  for (const auto& [k, v] : fn.environment) env_vars[k] = v;
  nlohmann::json cfg = {
      {"FunctionName", fn.name},
      {"FunctionArn", app::function_arn(app_, fn)},
      {"Runtime", fn.runtime},
      // The role the Serverless Framework creates for a service.
      {"Role", "arn:aws:iam::" + std::string(app::kAccountId) + ":role/" + app_.service + "-" +
                   app_.stage + "-" + app_.region + "-lambdaRole"},
      {"Handler", fn.handler},
      {"CodeSize", 0},
      {"Description", fn.description},
      {"Timeout", fn.timeout_seconds},
      {"MemorySize", fn.memory_mb},
      {"LastModified", last_modified_},
      {"CodeSha256", code_sha256(fn)},
      {"Version", "$LATEST"},
      {"TracingConfig", {{"Mode", "PassThrough"}}},
      {"RevisionId", "00000000-0000-4000-8000-000000000000"},
      {"State", "Active"},
      {"LastUpdateStatus", "Successful"},
      {"PackageType", "Zip"},
      {"Architectures", {"x86_64"}},
      {"EphemeralStorage", {{"Size", 512}}},
      {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
      {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + fn.name}}},
  };
  if (!env_vars.empty()) cfg["Environment"] = {{"Variables", env_vars}};
  return cfg;
}

}  // namespace serverlite::functions
