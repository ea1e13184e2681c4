#include "emulator/replay/expect.hpp"
#include "emulator/replay/redact.hpp"

#include <algorithm>
#include <cctype>

namespace serverlite::replay {

using nlohmann::json;

namespace {

// A long value or line, cut so a mismatch stays one readable line.
std::string shorten(const std::string& s, std::size_t max = 60) {
  return s.size() <= max ? s : s.substr(0, max - 3) + "...";
}

std::string show(const json& v) {
  return shorten(v.dump(-1, ' ', false, json::error_handler_t::replace));
}

bool identifier(const std::string& key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  return std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_';
  });
}

std::string member_path(const std::string& path, const std::string& key) {
  if (identifier(key)) return path + "." + key;
  return path + "[" + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + "]";
}

void diff(const json& e, const json& a, bool subset, const std::string& path,
          std::vector<std::string>& out) {
  if (e.is_object() && a.is_object()) {
    for (const auto& [k, ev] : e.items()) {
      auto it = a.find(k);
      if (it == a.end()) out.push_back(member_path(path, k) + ": missing");
      else diff(ev, *it, subset, member_path(path, k), out);
    }
    if (!subset)
      for (const auto& [k, _] : a.items())
        if (!e.contains(k)) out.push_back(member_path(path, k) + ": not expected");
    return;
  }
  if (e.is_array() && a.is_array()) {
    std::size_t n = std::min(e.size(), a.size());
    for (std::size_t i = 0; i < n; ++i)
      diff(e[i], a[i], subset, path + "[" + std::to_string(i) + "]", out);
    for (std::size_t i = n; i < e.size(); ++i)
      out.push_back(path + "[" + std::to_string(i) + "]: missing");
    for (std::size_t i = n; i < a.size(); ++i)
      out.push_back(path + "[" + std::to_string(i) + "]: not expected");
    return;
  }
  // A secret the recording redacted ("<redacted>", emulator/replay/redact.hpp) stands for any
  // value: the replayed handler may well make a new one (a token it issues).
  if (e.is_string() && e.get_ref<const std::string&>() == kRedacted) return;
  // Scalars, or values of different kinds. nlohmann compares numbers by value (3 == 3.0).
  if (e != a) out.push_back(path + ": expected " + show(e) + ", got " + show(a));
}

std::optional<json> parse_json(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Appends `lines` under `prefix`, at most `limit` of them, then a count of the rest.
void append(std::vector<std::string>& out, const std::string& prefix,
            const std::vector<std::string>& lines, std::size_t limit = 20) {
  for (std::size_t i = 0; i < lines.size() && i < limit; ++i) out.push_back(prefix + lines[i]);
  if (lines.size() > limit)
    out.push_back(prefix + "... and " + std::to_string(lines.size() - limit) +
                  " more differences");
}

std::string line_at(const std::string& text, std::size_t line_start) {
  auto end = text.find('\n', line_start);
  return text.substr(line_start, end == std::string::npos ? std::string::npos : end - line_start);
}

std::string failure(const Observed& o) {
  return *o.error_type + (o.error_message.empty() ? "" : ": " + shorten(o.error_message, 200));
}

void check_body(const Expect& e, const Observed& o, std::vector<std::string>& out) {
  if (!o.body) {
    out.push_back("body: expected a response body, got no HTTP response");
    return;
  }
  bool subset = e.match == MatchMode::Subset;
  bool expected_json = !e.body->is_string();
  std::string expected_text = expected_json ? e.body->dump() : e.body->get<std::string>();
  std::optional<json> ej = expected_json ? std::optional<json>(*e.body) : parse_json(expected_text);
  auto aj = parse_json(*o.body);
  if (ej && aj) return append(out, "body: ", json_diff(*ej, *aj, subset));
  if (expected_json) {
    out.push_back("body: expected JSON, got text: " + show(json(*o.body)));
    return;
  }
  append(out, "body: ", text_diff(expected_text, *o.body, subset));
}

void check_side_effect(const ExpectedSideEffect& e, const SideEffectObservation& o,
                       const std::string& prefix, std::vector<std::string>& out) {
  if (e.kind == ExpectedSideEffect::Kind::Queue) {
    std::string queue = "queue \"" + e.queue + "\"";
    if (o.messages.empty()) {
      out.push_back(prefix + "no message was sent to " + queue);
      return;
    }
    if (!e.message) return;
    std::vector<std::vector<std::string>> diffs;
    for (const auto& body : o.messages) {
      std::vector<std::string> d;
      if (e.message->is_string()) {
        d = text_diff(e.message->get<std::string>(), body, false);
      } else if (auto j = parse_json(body)) {
        d = json_diff(*e.message, *j, true);
      } else {
        d = {"expected JSON, got text: " + show(json(body))};
      }
      if (d.empty()) return;
      diffs.push_back(std::move(d));
    }
    out.push_back(prefix + "no message on " + queue + " matches " + show(*e.message) + " (" +
                  std::to_string(o.messages.size()) + " sent)");
    // The first few messages, with why each is not the one: usually the nearest shows the bug.
    for (std::size_t i = 0; i < diffs.size() && i < 3; ++i)
      append(out, prefix + "message " + std::to_string(i + 1) + ": ", diffs[i], 5);
    return;
  }
  std::string where = "table \"" + e.table + "\" key " + show(e.key);
  if (e.absent) {
    if (o.item) out.push_back(prefix + where + ": expected no item, found " + show(*o.item));
    return;
  }
  if (!o.item) {
    out.push_back(prefix + where + ": no item");
    return;
  }
  if (e.item) append(out, prefix + where + ": ", json_diff(*e.item, *o.item, true));
}

}  // namespace

std::vector<std::string> json_diff(const json& expected, const json& actual, bool subset) {
  std::vector<std::string> out;
  diff(expected, actual, subset, "$", out);
  return out;
}

std::vector<std::string> text_diff(const std::string& expected, const std::string& actual,
                                   bool contains) {
  if (contains ? actual.find(expected) != std::string::npos : expected == actual) return {};
  if (contains) return {"expected the text to contain " + show(json(expected)) + ", got " +
                        show(json(actual))};
  auto mismatch = std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
  std::size_t at = static_cast<std::size_t>(mismatch.first - expected.begin());
  std::size_t line = 1 + static_cast<std::size_t>(std::count(expected.begin(),
                                                             expected.begin() + at, '\n'));
  std::size_t line_start = expected.rfind('\n', at == 0 ? 0 : at - 1);
  line_start = (line_start == std::string::npos || at == 0) ? 0 : line_start + 1;
  std::string where = "line " + std::to_string(line) + ", column " +
                      std::to_string(at - line_start + 1);
  if (at == expected.size())
    return {"the text goes on after the expected end (" + where + "): " +
            show(json(actual.substr(at)))};
  if (at == actual.size())
    return {"the text ends early (" + where + "); expected more: " +
            show(json(expected.substr(at)))};
  return {"first difference at " + where + ": expected " +
          show(json(line_at(expected, line_start))) + ", got " +
          show(json(line_at(actual, line_start)))};
}

std::vector<std::string> check(const Expect& e, const Observed& o) {
  std::vector<std::string> out;
  if (e.status) {
    if (!o.status)
      out.push_back("status: expected " + std::to_string(*e.status) + ", got no HTTP response");
    else if (*o.status != *e.status)
      out.push_back("status: expected " + std::to_string(*e.status) + ", got " +
                    std::to_string(*o.status));
  }
  if (e.body) check_body(e, o, out);
  if (e.result) {
    if (o.error_type && !e.error)
      out.push_back("result: the function failed: " + failure(o));
    else if (!o.error_type && !o.result)
      out.push_back("result: the function returned no result");
    else if (o.result)
      append(out, "result: ", json_diff(*e.result, *o.result, e.match == MatchMode::Subset));
  }
  if (e.error) {
    if (!o.error_type)
      out.push_back("error: expected the function to fail with " + *e.error +
                    ", but it succeeded");
    else if (*o.error_type != *e.error)
      out.push_back("error: expected " + *e.error + ", got " + failure(o));
  } else if (o.error_type && !e.status && !e.result && !e.error_message) {
    // Reported once: the result check above already names an unexpected failure.
    out.push_back("error: the function failed: " + failure(o));
  }
  if (e.error_message) {
    if (!o.error_type)
      out.push_back("errorMessage: expected the function to fail, but it succeeded");
    else if (o.error_message.find(*e.error_message) == std::string::npos)
      out.push_back("errorMessage: expected it to contain " + show(json(*e.error_message)) +
                    ", got " + show(json(o.error_message)));
  }
  if (e.max_duration_ms && o.duration_ms > static_cast<double>(*e.max_duration_ms))
    out.push_back("duration: " + std::to_string(static_cast<long long>(o.duration_ms + 0.5)) +
                  " ms, more than maxDurationMs " + std::to_string(*e.max_duration_ms));
  for (std::size_t i = 0; i < e.side_effects.size(); ++i) {
    std::string prefix = "sideEffects[" + std::to_string(i) + "]: ";
    if (i >= o.side_effects.size()) {
      out.push_back(prefix + "not observed");
      continue;
    }
    check_side_effect(e.side_effects[i], o.side_effects[i], prefix, out);
  }
  return out;
}

}  // namespace serverlite::replay
