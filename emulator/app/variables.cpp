#include "emulator/app/variables.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/yaml_json.hpp"

namespace serverlite::app {
namespace {

using Json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// Parsing: a string → the variables in it, each a list of sources tried in order.

struct Variable;

// Text that may itself hold variables (an address or a param), or a quoted literal that may not.
struct Text {
  std::string raw;
  bool quoted = false;
};

struct Source {
  enum class Kind { Typed, Literal, Nested };
  Kind kind = Kind::Typed;
  std::string type;                  // Typed: "self", "env", "file" ...
  std::vector<Text> params;          // Typed: file(./x.yml)
  std::optional<Text> address;       // Typed: after ':'
  Json literal;                      // Literal
  std::shared_ptr<Variable> nested;  // Nested: a whole ${...} used as a fallback
};

struct Variable {
  std::size_t begin = 0, end = 0;  // [begin, end) in the parsed string
  std::string text;                // as written, for messages
  std::vector<Source> sources;
};

struct SyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Bounds on recursion: variables written inside variables (${self:a.${opt:b}}), and chains of
// values that refer to further values (a: ${self:b}, b: ${self:c}, ...), each resolved while the
// one that needs it waits.
constexpr int kMaxVariableNesting = 32;
constexpr std::size_t kMaxReferenceChain = 256;

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  std::vector<Variable> variables() {
    std::vector<Variable> out;
    std::size_t pos = 0;
    while ((pos = s_.find("${", pos)) != std::string::npos) {
      if (auto v = variable(pos)) {
        pos = v->end;
        out.push_back(std::move(*v));
      } else {
        pos += 2;  // not ours (CloudFormation's ${AWS::Region}, ...): leave it alone
      }
    }
    return out;
  }

 private:
  char at(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  void skip_spaces(std::size_t& i) const {
    while (at(i) == ' ') ++i;
  }

  // Like the Serverless Framework, only `${lowercaseType:` and `${lowercaseType(` start a
  // variable; anything else after "${" is foreign text.
  std::optional<Variable> variable(std::size_t start) {
    std::size_t i = start + 2;
    if (!is_lower(at(i))) return std::nullopt;
    std::size_t j = i;
    while (is_alnum(at(j))) ++j;
    if (at(j) != ':' && at(j) != '(') return std::nullopt;
    // Each variable inside another is parsed (and later resolved) one level deeper.
    if (depth_ >= kMaxVariableNesting)
      throw SyntaxError("variables nested more than " + std::to_string(kMaxVariableNesting) +
                        " deep");
    struct Level {
      int& depth;
      explicit Level(int& d) : depth(++d) {}
      ~Level() { --depth; }
    } level(depth_);

    Variable v;
    v.begin = start;
    for (;;) {
      skip_spaces(i);
      v.sources.push_back(source(i));
      skip_spaces(i);
      if (at(i) == ',') {
        ++i;
        continue;
      }
      if (at(i) == '}') break;
      if (i >= s_.size()) throw SyntaxError("missing closing '}'");
      throw SyntaxError("unexpected '" + std::string(1, at(i)) + "' at index " + std::to_string(i));
    }
    v.end = i + 1;
    v.text = s_.substr(v.begin, v.end - v.begin);
    return v;
  }

  Source source(std::size_t& i) {
    Source src;
    if (at(i) == '$' && at(i + 1) == '{') {
      auto nested = variable(i);
      if (!nested) throw SyntaxError("invalid variable at index " + std::to_string(i));
      src.kind = Source::Kind::Nested;
      i = nested->end;
      src.nested = std::make_shared<Variable>(std::move(*nested));
      return src;
    }
    if (at(i) == '\'' || at(i) == '"') {
      src.kind = Source::Kind::Literal;
      src.literal = quoted(i);
      return src;
    }
    std::size_t start = i;
    while (is_alnum(at(i)) || at(i) == '.' || at(i) == '-' || at(i) == '+' || at(i) == '_') ++i;
    std::string token = s_.substr(start, i - start);
    if ((at(i) == ':' || at(i) == '(') && !token.empty() && is_lower(token[0]) &&
        token.find_first_of(".-+_") == std::string::npos) {
      src.type = token;
      if (at(i) == '(') {
        ++i;
        params(i, src.params);
      }
      if (at(i) == ':') {
        ++i;
        skip_spaces(i);
        if (at(i) == '\'' || at(i) == '"') {
          src.address = Text{quoted(i), true};
        } else {
          src.address = Text{raw_until(i, ",}"), false};
        }
      }
      return src;
    }
    src.kind = Source::Kind::Literal;
    src.literal = literal(token, start);
    return src;
  }

  void params(std::size_t& i, std::vector<Text>& out) {
    for (;;) {
      skip_spaces(i);
      if (at(i) == ')') {
        ++i;
        return;
      }
      if (at(i) == '\'' || at(i) == '"') {
        out.push_back(Text{quoted(i), true});
      } else {
        out.push_back(Text{raw_until(i, ",)"), false});
      }
      skip_spaces(i);
      if (at(i) == ',') {
        ++i;
      } else if (at(i) != ')') {
        throw SyntaxError("missing ')' after the parameters");
      }
    }
  }

  // Up to the first of `stops` outside nested ${...}, trimmed.
  std::string raw_until(std::size_t& i, std::string_view stops) {
    std::size_t start = i;
    int depth = 0;
    while (i < s_.size()) {
      char c = s_[i];
      if (c == '$' && at(i + 1) == '{') {
        ++depth;
        i += 2;
        continue;
      }
      if (depth > 0 && c == '}') {
        --depth;
      } else if (depth == 0 && stops.find(c) != std::string_view::npos) {
        break;
      }
      ++i;
    }
    if (i >= s_.size()) throw SyntaxError("missing closing '}'");
    std::string text = s_.substr(start, i - start);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
  }

  std::string quoted(std::size_t& i) {
    char quote = s_[i++];
    std::string out;
    while (i < s_.size() && s_[i] != quote) {
      if (quote == '"' && s_[i] == '\\' && i + 1 < s_.size()) ++i;
      out += s_[i++];
    }
    if (i >= s_.size()) throw SyntaxError("unterminated quoted string");
    ++i;
    return out;
  }

  Json literal(const std::string& token, std::size_t where) {
    if (token == "true") return true;
    if (token == "false") return false;
    if (token == "null") return nullptr;
    if (!token.empty()) {
      char* end = nullptr;
      double d = std::strtod(token.c_str(), &end);
      if (end == token.c_str() + token.size()) {
        if (token.find_first_of(".eE") == std::string::npos) {
          return static_cast<std::int64_t>(std::strtoll(token.c_str(), nullptr, 10));
        }
        return d;
      }
    }
    throw SyntaxError("invalid source or fallback '" + token + "' at index " +
                      std::to_string(where) + " (quote literal strings)");
  }

  const std::string& s_;
  int depth_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Resolution.

// A source that fails for a reason other than "no value" (unsupported, circular, bad file).
struct SourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Outcome {
  std::optional<Json> value;  // nullopt: no value here, try the next source
  std::string reason;         // why there is no value
};

std::string pointer_escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> split_address(const std::string& address) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto dot = address.find('.', start);
    out.push_back(address.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string type_name(const Json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "a list";
  return "a " + std::string(v.type_name());
}

std::string new_instance_id() {
  // Only has to stay the same within one load and differ between runs.
  std::mt19937_64 rng{
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

// A document that variables can point into: serverless.yml itself, or a file read by file().
struct Root {
  std::string id;            // "self" or "file:/abs/path"; prefixes in-progress keys
  std::string label_prefix;  // "" for self; "file(./x.yml):" for files
  bool is_main = false;
};

class Resolver {
 public:
  Resolver(Json& document, const VariableContext& context)
      : doc_(document), ctx_(context), self_{"self", "", true} {}

  void run() { resolve_deep(doc_, self_, "", ""); }

 private:
  // One string being resolved: its in-progress key and its label for messages.
  struct Frame {
    std::string key;
    std::string label;
    bool is_main;
  };

  [[noreturn]] void fail(const std::string& problem) const {
    throw ConfigError(ctx_.file_label, error_path(), problem);
  }

  // The key path errors name: the innermost value of serverless.yml being resolved (values in
  // included files are reported at the serverless.yml value that included them).
  std::string error_path() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->is_main) return it->label;
    }
    return "";
  }

  static std::string child_label(const Root& root, const std::string& label,
                                 const std::string& key) {
    if (!root.is_main && label == root.label_prefix) return label + key;
    return key_path_child(label, key);
  }

  void resolve_deep(Json& node, const Root& root, const std::string& pointer,
                    const std::string& label) {
    if (node.is_string()) {
      resolve_string_node(node, root, pointer, label);
    } else if (node.is_object()) {
      for (auto& [key, value] : node.items()) {
        resolve_deep(value, root, pointer + "/" + pointer_escape(key),
                     child_label(root, label, key));
      }
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        resolve_deep(node[i], root, pointer + "/" + std::to_string(i), key_path_index(label, i));
      }
    }
  }

  // Replaces a string holding variables by its value. The node is replaced in place, so the
  // document ends up fully resolved and each string is resolved at most once.
  void resolve_string_node(Json& node, const Root& root, const std::string& pointer,
                           const std::string& label) {
    std::string key = root.id + "#" + pointer;
    if (done_.contains(key)) return;
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      if (stack_[i].key != key) continue;
      std::string chain;
      for (std::size_t j = i; j < stack_.size(); ++j) chain += stack_[j].label + " -> ";
      throw SourceError("circular reference: " + chain + label);
    }
    if (stack_.size() >= kMaxReferenceChain)
      throw SourceError("more than " + std::to_string(kMaxReferenceChain) +
                        " values refer one to the next");
    std::string text = node.get<std::string>();
    std::vector<Variable> vars;
    stack_.push_back({key, label, root.is_main});
    try {
      vars = Parser(text).variables();
    } catch (const SyntaxError& e) {
      fail("invalid variable syntax in \"" + text + "\": " + e.what());
    }
    if (!vars.empty()) {
      node = evaluate_string(text, vars);
      mark_done(node, key);
    }
    stack_.pop_back();
    done_.insert(key);
  }

  // A value that came from a variable is final: text in it that looks like a variable (say, from
  // an environment variable) must not be resolved again when a later ${self:} walks through it.
  void mark_done(const Json& node, const std::string& key) {
    if (node.is_string()) {
      done_.insert(key);
    } else if (node.is_object()) {
      for (const auto& [k, v] : node.items()) mark_done(v, key + "/" + pointer_escape(k));
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        mark_done(node[i], key + "/" + std::to_string(i));
      }
    }
  }

  Json evaluate_string(const std::string& text, const std::vector<Variable>& vars) {
    if (vars.size() == 1 && vars[0].begin == 0 && vars[0].end == text.size()) {
      return evaluate_required(vars[0]);
    }
    std::string out;
    std::size_t pos = 0;
    for (const auto& v : vars) {
      out.append(text, pos, v.begin - pos);
      Json value = evaluate_required(v);
      if (value.is_object() || value.is_array() || value.is_null()) {
        fail("cannot resolve " + v.text + ": it resolves to " + type_name(value) +
             ", which cannot be part of a longer string");
      }
      out += json_scalar_text(value);
      pos = v.end;
    }
    out.append(text, pos);
    return out;
  }

  Json evaluate_required(const Variable& v) {
    Outcome o = evaluate(v);
    if (o.value) return std::move(*o.value);
    fail("cannot resolve " + v.text + ": " + o.reason +
         (v.sources.size() == 1 ? " and has no default" : ", and no fallback has a value"));
  }

  Outcome evaluate(const Variable& v) {
    Outcome first;
    for (std::size_t i = 0; i < v.sources.size(); ++i) {
      Outcome o;
      try {
        o = evaluate_source(v.sources[i]);
      } catch (const SourceError& e) {
        fail("cannot resolve " + v.text + ": " + e.what());
      }
      if (o.value) return o;
      if (i == 0) first = std::move(o);
    }
    return first;
  }

  // The text of an address or param, with its own variables resolved.
  std::string text_of(const Text& t) {
    if (t.quoted) return t.raw;
    std::vector<Variable> vars;
    try {
      vars = Parser(t.raw).variables();
    } catch (const SyntaxError& e) {
      fail("invalid variable syntax in \"" + t.raw + "\": " + e.what());
    }
    if (vars.empty()) return t.raw;
    Json value = evaluate_string(t.raw, vars);
    if (value.is_object() || value.is_array() || value.is_null()) {
      fail("cannot resolve \"" + t.raw + "\": it resolves to " + type_name(value) +
           " where a name is needed");
    }
    return json_scalar_text(value);
  }

  Outcome evaluate_source(const Source& src) {
    switch (src.kind) {
      case Source::Kind::Literal:
        return {src.literal, ""};
      case Source::Kind::Nested: {
        Outcome o = evaluate(*src.nested);
        if (o.value && o.value->is_null()) return {std::nullopt, o.reason};
        return o;
      }
      case Source::Kind::Typed:
        break;
    }
    std::string address = src.address ? text_of(*src.address) : "";
    Outcome o;
    if (src.type == "self") {
      o = self_source(address);
    } else if (src.type == "env") {
      o = env_source(address);
    } else if (src.type == "opt") {
      o = opt_source(address);
    } else if (src.type == "sls") {
      o = sls_source(address);
    } else if (src.type == "aws") {
      o = aws_source(address);
    } else if (src.type == "file") {
      o = file_source(src, address);
    } else {
      throw SourceError("variable source '" + src.type + "' is not supported");
    }
    // A null value counts as no value, so that fallbacks apply (`key: ~` then ${self:key, 1}).
    if (o.value && o.value->is_null()) o.value.reset();
    return o;
  }

  Outcome self_source(const std::string& address) {
    if (address.empty()) throw SourceError("the self source needs an address");
    auto value = walk(doc_, self_, address);
    if (!value) return {std::nullopt, ctx_.file_label + " has no value at " + address};
    return {std::move(value), ""};
  }

  Outcome env_source(const std::string& name) {
    if (name.empty()) throw SourceError("the env source needs a variable name");
    std::optional<std::string> value;
    if (ctx_.getenv) {
      value = ctx_.getenv(name);
    } else if (const char* v = std::getenv(name.c_str())) {
      value = v;
    }
    // As in the Serverless Framework, an empty variable is no value.
    if (!value || value->empty()) {
      return {std::nullopt, "environment variable " + name + " is not set"};
    }
    return {Json(*value), ""};
  }

  Outcome opt_source(const std::string& name) {
    std::optional<std::string> value;
    if (name == "stage") {
      value = ctx_.stage;
    } else if (name == "region") {
      value = ctx_.region;
    } else if (auto it = ctx_.options.find(name); it != ctx_.options.end()) {
      value = it->second;
    }
    if (!value) return {std::nullopt, "option --" + name + " was not given"};
    return {Json(*value), ""};
  }

  Outcome sls_source(const std::string& name) {
    if (name == "stage") return {Json(stage()), ""};
    if (name == "instanceId") {
      if (instance_id_.empty()) instance_id_ = new_instance_id();
      return {Json(instance_id_), ""};
    }
    throw SourceError("unknown sls variable '" + name + "' (supported: stage, instanceId)");
  }

  Outcome aws_source(const std::string& name) {
    if (name == "region") return {Json(provider_setting("region", ctx_.region, "us-east-1")), ""};
    if (name == "accountId") return {Json(std::string(kAccountId)), ""};
    throw SourceError("unknown aws variable '" + name + "' (supported: region, accountId)");
  }

  std::string stage() { return provider_setting("stage", ctx_.stage, "dev"); }

  // --stage / --region, else provider.stage / provider.region, else the default; the same rule
  // as load_app() uses, so ${sls:stage} always equals the stage the app runs as.
  std::string provider_setting(const std::string& key, const std::optional<std::string>& option,
                               const std::string& fallback) {
    if (option && !option->empty()) return *option;
    auto value = walk(doc_, self_, "provider." + key);
    if (!value || value->is_null()) return fallback;
    if (value->is_object() || value->is_array()) {
      fail("provider." + key + " must be a string, not " + type_name(*value));
    }
    std::string text = json_scalar_text(*value);
    return text.empty() ? fallback : text;
  }

  Outcome file_source(const Source& src, const std::string& address) {
    if (src.params.empty()) throw SourceError("file() needs a path");
    std::string rel = text_of(src.params[0]);
    std::filesystem::path path = std::filesystem::path(rel);
    if (path.is_relative()) path = ctx_.service_dir / path;
    path = path.lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      return {std::nullopt, "file " + rel + " does not exist"};
    }
    std::string id = "file:" + path.string();
    auto cached = files_.find(id);
    if (cached == files_.end()) {
      cached = files_.emplace(id, read_file(path, rel)).first;
    }
    Root root{id, "file(" + rel + "):", false};
    if (address.empty()) {
      resolve_deep(cached->second, root, "", root.label_prefix);
      return {cached->second, ""};
    }
    auto value = walk(cached->second, root, address);
    if (!value) return {std::nullopt, "file " + rel + " has no value at " + address};
    return {std::move(value), ""};
  }

  static Json read_file(const std::filesystem::path& path, const std::string& rel) {
    std::string ext = path.extension().string();
    try {
      if (ext == ".yml" || ext == ".yaml") return load_yaml_file(path, rel);
      if (ext == ".json") {
        std::ifstream in(path, std::ios::binary);
        return Json::parse(in);
      }
    } catch (const ConfigError& e) {
      throw SourceError(e.what());
    } catch (const nlohmann::json::exception& e) {
      throw SourceError(rel + ": invalid JSON: " + e.what());
    }
    throw SourceError("file " + rel + ": only .yml, .yaml and .json files can be read");
  }

  // The fully resolved value at `address` in `root_doc`, resolving strings on the way (a step
  // may go through a value that is itself a variable, e.g. `custom: ${file(./c.yml)}`).
  std::optional<Json> walk(Json& root_doc, const Root& root, const std::string& address) {
    Json* node = &root_doc;
    std::string pointer;
    std::string label = root.label_prefix;
    for (const auto& segment : split_address(address)) {
      if (node->is_string()) resolve_string_node(*node, root, pointer, label);
      if (node->is_object()) {
        auto it = node->find(segment);
        if (it == node->end()) return std::nullopt;
        node = &*it;
        pointer += "/" + pointer_escape(segment);
        label = child_label(root, label, segment);
      } else if (node->is_array()) {
        std::size_t index = 0;
        auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
        if (ec != std::errc() || end != segment.data() + segment.size() || index >= node->size()) {
          return std::nullopt;
        }
        node = &(*node)[index];
        pointer += "/" + segment;
        label = key_path_index(label, index);
      } else {
        return std::nullopt;
      }
    }
    resolve_deep(*node, root, pointer, label);
    return *node;
  }

  Json& doc_;
  const VariableContext& ctx_;
  Root self_;
  std::vector<Frame> stack_;           // strings being resolved, outermost first
  std::set<std::string> done_;         // strings already replaced by their value
  std::map<std::string, Json> files_;  // by Root::id; std::map keeps references stable
  std::string instance_id_;
};

}  // namespace

void resolve_variables(nlohmann::ordered_json& document, const VariableContext& context) {
  Resolver(document, context).run();
}

}  // namespace serverlite::app
