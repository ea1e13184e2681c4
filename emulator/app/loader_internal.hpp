// load_app()'s Builder and what its two source files (loader.cpp, loader_events.cpp) share.
// Private to emulator/app.
#pragma once

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"

namespace serverlite::app {
namespace loader_detail {

using Json = nlohmann::ordered_json;
using KeySet = std::set<std::string_view>;

// The Serverless Framework's default Access-Control-Allow-Headers, the same list for REST
// (`http` events, api-gateway/lib/validate.js getCors) and HTTP APIs (http-api.js defaultCors).
inline const std::vector<std::string> kDefaultCorsHeaders = {
    "Content-Type",         "X-Amz-Date",       "Authorization",  "X-Api-Key",
    "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"};

inline std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      return "a mapping";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "nothing (null)";
    default:
      return "a number";
  }
}

inline bool is_digits(const std::string& s) {
  return !s.empty() && s.size() < 12 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

class Builder {
 public:
  Builder(AppSpec& app, const Json& doc, std::string label, const LoadOptions& options)
      : app_(app), doc_(doc), label_(std::move(label)), options_(options) {}

  void build();

 private:
  // Reading values, the service, the provider, resources and functions (loader.cpp).
  [[noreturn]] void error(const std::string& path, const std::string& problem) const;
  void warn(const std::string& path, const std::string& problem);
  static const Json* member(const Json& object, const std::string& key);
  void expect_mapping(const Json& v, const std::string& path) const;
  void check_keys(const Json& object, const std::string& path, const KeySet& read,
                  const KeySet& silent);
  std::string string_at(const Json& v, const std::string& path) const;
  int int_at(const Json& v, const std::string& path, long long min, long long max) const;
  bool bool_at(const Json& v, const std::string& path) const;
  std::vector<std::string> strings_at(const Json& v, const std::string& path) const;
  void read_service();
  std::string setting(const std::optional<std::string>& option, const std::string& key,
                      const std::string& fallback) const;
  void environment_at(const Json& v, const std::string& path, FunctionSpec& fn);
  static bool is_intrinsic_name(const std::string& key);
  void read_resources();
  void read_http_api_cors();
  void read_function(const std::string& key, const Json& fn_json,
                     std::vector<ConfigError>& errors);
  int int_setting(const Json& fn_json, const std::string& path, const std::string& key,
                  long long min, long long max, int fallback) const;
  void read_runtime(FunctionSpec& fn, const Json& fn_json, const std::string& path) const;
  void read_handler(FunctionSpec& fn, const Json& fn_json, const std::string& path) const;

  // Events (loader_events.cpp).
  void read_event(FunctionSpec& fn, const Json& event, const std::string& path);
  std::optional<NotifyEventSpec> notify_event(const std::string& type, const Json& spec,
                                              const std::string& path);
  QueueEventSpec queue_event(const Json& spec, const std::string& path);
  static std::string stream_arn_type(const std::string& arn);
  StreamEventSpec stream_event(const Json& spec, const std::string& path);
  std::string on_failure_destination(const Json& v, const std::string& path);
  int signed_int_at(const Json& v, const std::string& path, long long min, long long max) const;
  std::string method_at(const Json& v, const std::string& path) const;
  HttpRoute rest_route(const Json& spec, const std::string& path);
  CorsSpec rest_cors(const Json& v, const std::string& path, const HttpRoute& route);
  HttpRoute http_api_route(const Json& spec, const std::string& path);

  AppSpec& app_;
  const Json& doc_;
  const std::string label_;
  const LoadOptions& options_;
  const Json* provider_ = nullptr;
  CorsSpec http_api_cors_;
  std::set<std::string> warned_;
};

}  // namespace loader_detail

// The loader's source files use the names above unqualified.
using namespace loader_detail;

}  // namespace serverlite::app
