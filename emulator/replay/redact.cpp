#include "emulator/replay/redact.hpp"

#include <algorithm>
#include <cctype>

#include "emulator/http/message.hpp"

namespace serverlite::replay {

using nlohmann::json;

namespace {

bool named(const std::set<std::string>& names, const std::string& key) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return http::iequals(n, key); });
}

// A JSON body redacted in place; anything that is not a JSON object or array stays as is.
void redact_body(json& holder, const char* member, const std::set<std::string>& fields) {
  auto it = holder.find(member);
  if (it == holder.end() || !it->is_string()) return;
  auto parsed = json::parse(it->get<std::string>(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_structured()) return;
  auto redacted = redact_fields(parsed, fields);
  if (redacted != parsed) *it = redacted.dump();
}

// "a=1&token=x" -> "a=1&token=%3Credacted%3E" for the names in `fields`.
std::string redact_query(const std::string& query, const std::set<std::string>& fields) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos
                                                                    : amp - start);
    auto eq = pair.find('=');
    std::string name = http::percent_decode(pair.substr(0, eq), true);
    if (eq != std::string::npos && named(fields, name))
      pair = pair.substr(0, eq + 1) + "%3Credacted%3E";
    out += pair;
    if (amp == std::string::npos) break;
    out += '&';
    start = amp + 1;
  }
  return out;
}

}  // namespace

const std::set<std::string>& default_redacted_headers() {
  static const std::set<std::string> names = {"authorization",        "cookie",
                                              "set-cookie",           "x-amz-security-token",
                                              "x-api-key",            "proxy-authorization"};
  return names;
}

const std::set<std::string>& default_redacted_fields() {
  static const std::set<std::string> names = {"password",     "secret", "token",
                                              "accessToken",  "refreshToken", "apiKey",
                                              "clientSecret", "privateKey"};
  return names;
}

json redact_headers(json headers, const std::set<std::string>& names) {
  if (!headers.is_object()) return headers;
  for (auto& [name, value] : headers.items()) {
    if (!named(names, name)) continue;
    if (value.is_array()) {
      for (auto& v : value) v = kRedacted;
    } else if (!value.is_null()) {
      value = kRedacted;
    }
  }
  return headers;
}

json redact_fields(json value, const std::set<std::string>& names) {
  if (value.is_object()) {
    for (auto& [key, v] : value.items())
      v = named(names, key) ? json(kRedacted) : redact_fields(std::move(v), names);
  } else if (value.is_array()) {
    for (auto& v : value) v = redact_fields(std::move(v), names);
  }
  return value;
}

json redact_event(json event, const std::set<std::string>& headers,
                  const std::set<std::string>& fields) {
  if (!event.is_object()) return event;
  for (const char* member : {"headers", "multiValueHeaders"})
    if (event.contains(member)) event[member] = redact_headers(event[member], headers);
  if (named(headers, "cookie") && event.contains("cookies") && event["cookies"].is_array()) {
    for (auto& c : event["cookies"]) {
      if (!c.is_string()) continue;
      auto text = c.get<std::string>();
      auto eq = text.find('=');
      c = (eq == std::string::npos ? text : text.substr(0, eq)) + "=" + kRedacted;
    }
  }
  // Query parameters keep their shape (a list stays a list of the same length), as headers do.
  for (const char* member : {"queryStringParameters", "multiValueQueryStringParameters"})
    if (event.contains(member)) event[member] = redact_headers(event[member], fields);
  if (event.contains("requestContext"))
    event["requestContext"] = redact_fields(event["requestContext"], fields);
  if (event.contains("rawQueryString") && event["rawQueryString"].is_string())
    event["rawQueryString"] = redact_query(event["rawQueryString"].get<std::string>(), fields);
  auto base64 = event.find("isBase64Encoded");
  if (base64 == event.end() || *base64 != true) redact_body(event, "body", fields);
  if (auto records = event.find("Records"); records != event.end() && records->is_array())
    for (auto& r : *records)
      if (r.is_object() && r.contains("eventSource") && r["eventSource"] == "aws:sqs")
        redact_body(r, "body", fields);
  return event;
}

std::string redact_target(const std::string& target, const std::set<std::string>& fields) {
  auto q = target.find('?');
  if (q == std::string::npos) return target;
  return target.substr(0, q + 1) + redact_query(target.substr(q + 1), fields);
}

namespace {

constexpr std::string_view kMarkers[] = {kRedacted, "%3Credacted%3E"};

// Aligns a text with its redacted copy: where the copy has a marker, the original has a secret
// that runs up to the character the copy has after the marker (or to the end).
void collect_from_text(const std::string& original, const std::string& redacted,
                       std::set<std::string>& secrets) {
  std::size_t i = 0, j = 0;
  while (j < redacted.size() && i <= original.size()) {
    std::size_t marker = 0;
    for (auto m : kMarkers)
      if (redacted.compare(j, m.size(), m) == 0) marker = m.size();
    if (marker == 0 || original.compare(i, marker, redacted, j, marker) == 0) {
      ++i, ++j;
      continue;
    }
    std::size_t next = j + marker;
    std::size_t stop = next < redacted.size() ? original.find(redacted[next], i) : original.size();
    if (stop == std::string::npos) stop = original.size();
    if (stop > i) secrets.insert(original.substr(i, stop - i));
    i = stop, j = next;
  }
}

}  // namespace

void collect_redacted(const json& original, const json& redacted,
                      std::set<std::string>& secrets) {
  if (original == redacted) return;
  if (original.is_object() && redacted.is_object()) {
    for (const auto& [key, value] : original.items())
      if (auto it = redacted.find(key); it != redacted.end()) collect_redacted(value, *it, secrets);
    return;
  }
  if (original.is_array() && redacted.is_array()) {
    for (std::size_t i = 0; i < std::min(original.size(), redacted.size()); ++i)
      collect_redacted(original[i], redacted[i], secrets);
    return;
  }
  if (!redacted.is_string()) return;
  const auto& copy = redacted.get_ref<const std::string&>();
  if (!original.is_string()) {
    if (copy == kRedacted) secrets.insert(original.dump());
    return;
  }
  const auto& text = original.get_ref<const std::string&>();
  if (copy == kRedacted) {
    if (!text.empty()) secrets.insert(text);
    return;
  }
  // A JSON body kept as text, redacted and serialised again: compared as JSON.
  auto a = json::parse(text, nullptr, false), b = json::parse(copy, nullptr, false);
  if (!a.is_discarded() && !b.is_discarded() && a.is_structured())
    return collect_redacted(a, b, secrets);
  collect_from_text(text, copy, secrets);
}

json redact_values(json value, const std::set<std::string>& secrets) {
  if (secrets.empty()) return value;
  if (value.is_object() || value.is_array()) {
    for (auto& v : value) v = redact_values(std::move(v), secrets);
    return value;
  }
  if (!value.is_string()) {
    if (secrets.count(value.dump())) return json(kRedacted);
    return value;
  }
  std::string text = value.get<std::string>();
  if (secrets.count(text)) return json(kRedacted);
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + std::string_view(kRedacted).size()))
      text.replace(at, secret.size(), kRedacted);
  }
  return json(std::move(text));
}

}  // namespace serverlite::replay
