// Serverless Framework v3 variables: `${source:address}` anywhere in serverless.yml.
//
// Supported sources:
//   ${self:a.b.0}              any path in the document (list items by index); the address may
//                              itself hold variables: ${self:custom.${opt:stage}.url}
//   ${env:NAME}                the environment; unset or empty counts as no value, as in v3
//   ${opt:NAME}                CLI options: stage, region and LoadOptions::options
//   ${sls:stage}               the resolved stage (--stage, else provider.stage, else "dev")
//   ${sls:instanceId}          an id that stays the same for one load
//   ${aws:region}, ${aws:accountId}   the resolved region and our fixed account id
//   ${param:NAME}              --param NAME=value, else params.<stage>.NAME, else
//                              params.default.NAME (also the older stages.<stage>.params form)
//   ${strToBool(text)}         true for "true" and "1", false for "false" and "0"
//   ${construct:ID.attr}       serverless-lift: a queue's queueUrl, queueArn, dlqUrl, dlqArn
//                              (CloudFormation functions that start-up evaluates) and a storage's
//                              bucketName, bucketArn (lift.hpp)
//   ${file(./x.yml)}           a whole YAML or JSON file, relative to the service directory
//   ${file(./x.yml):a.b}       one property of it
// Fallbacks follow the first source, comma-separated: quoted strings ('x' or "x"), numbers,
// true/false/null, further sources (`self:a`) or whole variables (`${env:B}`). A source with no
// value (unset variable, missing property or file) falls through to the next one.
// Sources serverlite cannot read (ssm, s3, cf, secretsmanager, terraform, vault ...) have no
// value: their fallback is taken, with a warning; without one, they are an error.
// `${opt:stage, self:provider.stage}` (and the same for the region) with neither an option nor
// a provider.stage takes the effective stage (dev) and says so in a warning, rather than failing;
// a bare `${opt:stage}` without --stage stays an error, as in the Framework.
// A variable that is the whole scalar keeps the type of its value (object, number ...); inside a
// longer string, values are interpolated as text and objects are an error.
// `${...}` forms that are not Serverless variables (`${AWS::Region}`, `${Foo}` for Fn::Sub) are
// left as they are, as the Serverless Framework leaves them.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace serverlite::app {

struct VariableContext {
  std::filesystem::path service_dir;           // base of ${file(...)} paths
  std::string file_label = "serverless.yml";   // file name used in error messages
  std::optional<std::string> stage;            // --stage
  std::optional<std::string> region;           // --region
  std::map<std::string, std::string> options;  // further ${opt:NAME} values
  std::map<std::string, std::string> params;   // --param NAME=value, for ${param:NAME}
  // ${env:NAME} lookup; when empty, the process environment.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Where warnings go ("serverless.yml: key.path: problem"); none are kept when null.
  std::vector<std::string>* warnings = nullptr;
};

// Resolves every variable in `document` in place. Throws ConfigError naming the key path of each
// value that cannot be resolved (all of them: config_error_messages()), e.g. "serverless.yml: provider.environment.TOKEN: cannot resolve
// ${env:TOKEN}: environment variable TOKEN is not set and has no default". Circular references
// (`a: ${self:b}`, `b: ${self:a}`) and unsupported sources (`${ssm:...}`) are errors too.
void resolve_variables(nlohmann::ordered_json& document, const VariableContext& context);

}  // namespace serverlite::app
