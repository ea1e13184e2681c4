// A table of HTTP routes with path templates, matched the way API Gateway selects a route.
// Generic: the gateway (REST and HTTP API routes) and the Lambda REST API both use it; it knows
// nothing of AWS events and holds an opaque index per route.
//
// Templates: "/" or "/seg/seg..." where a segment is static text, "{name}" (exactly one non-empty
// segment) or, last only, "{name+}" (greedy: one or more segments).
//
// Selection, as API Gateway documents it for HTTP APIs ("routes are matched from the most specific
// to the least"): among the routes whose method fits (the same method, or ANY) and whose template
// matches the path, the most specific template wins, compared segment by segment from the left:
// a static segment beats "{param}", which beats "{proxy+}". Between equally specific templates an
// exact method beats ANY.
//
// Threading: immutable after the last add(); match() may be called from any thread then.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace serverlite::http {

enum class MatchStatus {
  Found,           // a route fits both path and method
  NoPath,          // no template matches the path
  MethodMismatch,  // some template matches the path, but none with this method (or ANY)
};

struct RouteMatch {
  MatchStatus status = MatchStatus::NoPath;
  std::size_t value = 0;      // Found: the index given to add()
  std::string method;         // Found: the route's method as added ("GET", "ANY" ...)
  std::string path_template;  // Found: the route's template as added
  // Found: path parameters in template order, percent-decoded ('+' stays '+'). A greedy
  // parameter holds the rest of the path without its leading '/': "a/b c" for "/x/a/b%20c".
  std::vector<std::pair<std::string, std::string>> params;
  // MethodMismatch: the methods of the routes whose template matches the path, sorted, unique.
  std::vector<std::string> allowed_methods;
};

class RouteMatcher {
 public:
  static constexpr std::string_view kAnyMethod = "ANY";

  // Adds a route. `method` is upper case or "ANY". Throws std::invalid_argument when the template
  // is malformed (no leading '/', an empty or partial "{...}" segment, a greedy segment that is
  // not last, a parameter name used twice).
  void add(std::string method, std::string path_template, std::size_t value);

  // `path` is the request path as received (percent-encoded, no query). A trailing '/' is ignored
  // ("/a/" matches "/a"); "" is treated as "/".
  RouteMatch match(std::string_view method, std::string_view path) const;

  // The values of every route whose template matches `path`, whatever its method, most specific
  // first (for CORS preflight, which answers for all methods of a path).
  std::vector<std::size_t> match_path(std::string_view path) const;

  bool empty() const { return routes_.empty(); }
  std::size_t size() const { return routes_.size(); }

 private:
  enum class SegmentKind { Static, Param, Greedy };  // in order of decreasing specificity
  struct Segment {
    SegmentKind kind;
    std::string text;  // static text (decoded), or the parameter name
  };
  struct Route {
    std::string method;
    std::string path_template;
    std::vector<Segment> segments;
    std::size_t value;
  };

  // True when `route` matches the already split and decoded segments; fills params if given.
  static bool matches(const Route& route, const std::vector<std::string>& raw_segments,
                      std::vector<std::pair<std::string, std::string>>* params);
  // Negative when a is more specific than b, 0 when equal, positive otherwise.
  static int compare_specificity(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace serverlite::http
