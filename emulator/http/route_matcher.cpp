#include "emulator/http/route_matcher.hpp"

#include <algorithm>
#include <stdexcept>

#include "emulator/http/message.hpp"

namespace serverlite::http {

namespace {

// "/a/b/" -> {"a","b"}; "/" and "" -> {}. Segments stay percent-encoded: a greedy parameter
// must be decoded after joining, and "%2F" inside one segment must not split it.
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  while (true) {
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

void RouteMatcher::add(std::string method, std::string path_template, std::size_t value) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("route template \"" + path_template + "\": " + why);
  };
  if (path_template.empty() || path_template.front() != '/') fail("must begin with '/'");
  Route route{std::move(method), path_template, {}, value};
  std::vector<std::string> names;
  for (auto& seg : split_path(path_template)) {
    if (seg.empty()) fail("empty segment");
    if (!route.segments.empty() && route.segments.back().kind == SegmentKind::Greedy)
      fail("a greedy parameter must be the last segment");
    bool open = seg.find('{') != std::string::npos, close = seg.find('}') != std::string::npos;
    if (!open && !close) {
      route.segments.push_back({SegmentKind::Static, percent_decode(seg)});
      continue;
    }
    if (seg.front() != '{' || seg.back() != '}' || seg.size() < 3)
      fail("a parameter must be a whole segment: \"" + seg + "\"");
    std::string name = seg.substr(1, seg.size() - 2);
    SegmentKind kind = SegmentKind::Param;
    if (name.back() == '+') {
      kind = SegmentKind::Greedy;
      name.pop_back();
    }
    if (name.empty() || name.find_first_of("{}+/") != std::string::npos)
      fail("bad parameter name in \"" + seg + "\"");
    if (std::find(names.begin(), names.end(), name) != names.end())
      fail("parameter \"" + name + "\" appears twice");
    names.push_back(name);
    route.segments.push_back({kind, std::move(name)});
  }
  routes_.push_back(std::move(route));
}

bool RouteMatcher::matches(const Route& route, const std::vector<std::string>& raw_segments,
                           std::vector<std::pair<std::string, std::string>>* params) {
  std::size_t i = 0;
  for (const auto& seg : route.segments) {
    if (seg.kind == SegmentKind::Greedy) {
      if (i >= raw_segments.size()) return false;  // greedy needs at least one segment
      std::string rest;
      for (std::size_t j = i; j < raw_segments.size(); ++j) {
        if (raw_segments[j].empty()) return false;
        if (j > i) rest += '/';
        rest += raw_segments[j];
      }
      if (params) params->emplace_back(seg.text, percent_decode(rest));
      return true;
    }
    if (i >= raw_segments.size() || raw_segments[i].empty()) return false;
    if (seg.kind == SegmentKind::Static) {
      if (percent_decode(raw_segments[i]) != seg.text) return false;
    } else if (params) {
      params->emplace_back(seg.text, percent_decode(raw_segments[i]));
    }
    ++i;
  }
  return i == raw_segments.size();
}

int RouteMatcher::compare_specificity(const Route& a, const Route& b) {
  std::size_t n = std::min(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < n; ++i) {
    int ka = static_cast<int>(a.segments[i].kind), kb = static_cast<int>(b.segments[i].kind);
    if (ka != kb) return ka - kb;
  }
  // Both matched the same path, so with equal kinds up to here they have the same length unless
  // one ends in a greedy segment; the longer one pinned more segments and is more specific.
  return static_cast<int>(b.segments.size()) - static_cast<int>(a.segments.size());
}

RouteMatch RouteMatcher::match(std::string_view method, std::string_view path) const {
  auto raw = split_path(path);
  const Route* best = nullptr;
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    if (!matches(route, raw, nullptr)) continue;
    allowed.push_back(route.method);
    bool exact = route.method == method;
    if (!exact && route.method != kAnyMethod) continue;
    if (!best) {
      best = &route;
      continue;
    }
    int c = compare_specificity(route, *best);
    if (c < 0 || (c == 0 && exact && best->method != method)) best = &route;
  }
  RouteMatch result;
  if (!best) {
    if (!allowed.empty()) {
      std::sort(allowed.begin(), allowed.end());
      allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
      result.status = MatchStatus::MethodMismatch;
      result.allowed_methods = std::move(allowed);
    }
    return result;
  }
  result.status = MatchStatus::Found;
  result.value = best->value;
  result.method = best->method;
  result.path_template = best->path_template;
  matches(*best, raw, &result.params);
  return result;
}

std::vector<std::size_t> RouteMatcher::match_path(std::string_view path) const {
  auto raw = split_path(path);
  std::vector<const Route*> found;
  for (const auto& route : routes_)
    if (matches(route, raw, nullptr)) found.push_back(&route);
  std::stable_sort(found.begin(), found.end(),
                   [](const Route* a, const Route* b) { return compare_specificity(*a, *b) < 0; });
  std::vector<std::size_t> out;
  for (const auto* r : found) out.push_back(r->value);
  return out;
}

}  // namespace serverlite::http
