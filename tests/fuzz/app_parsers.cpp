// libFuzzer target for the app's text: serverless.yml (YAML to JSON, then every `${...}`
// variable resolved: self, env, opt, sls, aws, file, param, strToBool, construct with
// fallbacks), a variable inside a sample document, Lambda event filter patterns matched against
// a record, and .env files (with their variable expansion). The first byte picks
// the parser, the rest is its input. A bad file is a ConfigError, a bad pattern
// std::invalid_argument (or nlohmann's type error, which the triggers log); nothing may crash,
// hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/dotenv.hpp"
#include "emulator/app/variables.hpp"
#include "emulator/app/yaml_json.hpp"
#include "emulator/events/filter_pattern.hpp"
#include "emulator/fast_json.hpp"

namespace app = serverlite::app;

namespace {

app::VariableContext context() {
  app::VariableContext c;
  // ${file(...)} reads relative to a directory with nothing in it.
  c.service_dir = std::filesystem::temp_directory_path() / "serverlite-fuzz-empty";
  c.stage = "dev";
  c.options = {{"flag", "on"}};
  c.params = {{"tier", "gold"}};
  c.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/home/user";
    return std::nullopt;
  };
  return c;
}

void serverless_yml(const std::string& text) {
  auto document = app::yaml_to_json(text, "serverless.yml");
  app::resolve_variables(document, context());
  (void)document.dump();
}

void variable(std::string_view text) {
  nlohmann::ordered_json document = {
      {"service", "svc"},
      {"custom", {{"name", "n"}, {"list", {1, "two"}}, {"nested", {{"k", "${self:custom.name}"}}}}},
      {"value", std::string(text)}};
  app::resolve_variables(document, context());
}

void filter_pattern(std::string_view text) {
  auto split = text.find('\n');
  if (split == std::string_view::npos) return;
  auto pattern = nlohmann::json::parse(text.substr(0, split), nullptr, false);
  auto record = nlohmann::json::parse(text.substr(split + 1), nullptr, false);
  if (pattern.is_discarded() || record.is_discarded()) return;
  if (serverlite::json_nesting_exceeds(text)) return;  // the triggers refuse deeper documents
  (void)serverlite::events::matches_filter(pattern, record);
}

void dotenv(const std::string& text) {
  auto lookup = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/home/user";
    return std::nullopt;
  };
  std::size_t total = 0;
  for (const auto& [name, value] : app::parse_dotenv(text, lookup)) {
    if (name.empty()) __builtin_trap();
    total += value.size();
  }
  if (total > app::kMaxDotenvExpanded) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        serverless_yml(input);
        break;
      case 1:
        variable(input);
        break;
      case 2:
        filter_pattern(input);
        break;
      case 3:
        dotenv(input);
        break;
    }
  } catch (const app::ConfigError&) {
  } catch (const std::invalid_argument&) {
  } catch (const nlohmann::json::exception&) {
  }
  return 0;
}
