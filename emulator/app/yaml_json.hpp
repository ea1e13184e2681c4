// YAML → JSON for serverless.yml and the YAML files it includes with ${file(...)}.
//
// Typing follows the YAML 1.2 core schema, as js-yaml (the Serverless Framework's parser) does:
// plain (unquoted) scalars that read as integers, floats, booleans or null become those JSON
// types; quoted scalars and `!!str` always stay strings. Merge keys (`<<: *anchor`) are applied.
// CloudFormation short-form tags become their long form, as the Serverless Framework reads them:
// `!Ref X` → {"Ref": "X"}, `!GetAtt A.B` → {"Fn::GetAtt": ["A", "B"]}, `!Condition C` →
// {"Condition": "C"}, any other `!Name v` → {"Fn::Name": v}.
//
// Objects keep the file's key order (ordered_json), so "in file order" means what the user sees.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace serverlite::app {

// Parses one YAML document. An empty document is JSON null. A syntax error throws
// ConfigError(file_label, "", "YAML syntax error at LINE:COLUMN: ...") with 1-based numbers.
nlohmann::ordered_json yaml_to_json(const std::string& text, const std::string& file_label);

// Reads `path` and parses it with yaml_to_json. A file that cannot be read throws
// ConfigError(file_label, "", "cannot read the file (...)").
nlohmann::ordered_json load_yaml_file(const std::filesystem::path& path,
                                      const std::string& file_label);

// The text of a scalar where a string is needed (environment values, interpolation): strings as
// they are, booleans "true"/"false", numbers as JavaScript prints them (1.0 → "1"). Objects and
// arrays give their JSON text; callers reject them first where that matters.
std::string json_scalar_text(const nlohmann::ordered_json& value);

// Key paths as messages show them: "functions.hello.events[0].http.path".
std::string key_path_child(const std::string& parent, const std::string& key);
std::string key_path_index(const std::string& parent, std::size_t index);

}  // namespace serverlite::app
