#include "emulator/aws/query_protocol.hpp"

#include <algorithm>
#include <charconv>

namespace serverlite::aws {

namespace {

// A collection index: a positive decimal integer without sign or leading zeros, small enough
// for any real request (SQS batches hold 10 entries, attribute lists a few dozen).
std::optional<std::uint32_t> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 9 || s.front() == '0') return std::nullopt;
  std::uint32_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value;
}

bool is_form_encoded(const http::Request& request) {
  auto type = request.header("Content-Type");
  if (!type) return true;  // some hand-written clients omit it; the body is then taken as a form
  std::string_view mime = type->substr(0, type->find(';'));
  while (!mime.empty() && mime.back() == ' ') mime.remove_suffix(1);
  return http::iequals(mime, "application/x-www-form-urlencoded");
}

std::string sender_or_receiver(const ApiError& error) {
  return error.http_status >= 500 ? "Receiver" : "Sender";
}

}  // namespace

QueryParams::QueryParams() : params_(std::make_shared<const Map>()) {}

QueryParams QueryParams::parse(std::string_view form) {
  auto params = std::make_shared<Map>();
  for (auto& [name, value] : http::parse_query(form)) (*params)[std::move(name)] = std::move(value);
  return QueryParams(std::move(params), "");
}

QueryParams QueryParams::from_request(const http::Request& request) {
  auto params = std::make_shared<Map>();
  for (auto& [name, value] : http::parse_query(request.query()))
    (*params)[std::move(name)] = std::move(value);
  if (request.method == "POST" && is_form_encoded(request))
    for (auto& [name, value] : http::parse_query(request.body))
      (*params)[std::move(name)] = std::move(value);
  return QueryParams(std::move(params), "");
}

bool QueryParams::empty() const {
  if (prefix_.empty()) return params_->empty();
  auto it = params_->lower_bound(prefix_);
  return it == params_->end() || !it->first.starts_with(prefix_);
}

bool QueryParams::has(std::string_view name) const {
  return params_->find(prefix_ + std::string(name)) != params_->end();
}

std::optional<std::string> QueryParams::get(std::string_view name) const {
  auto it = params_->find(prefix_ + std::string(name));
  if (it == params_->end()) return std::nullopt;
  return it->second;
}

std::string QueryParams::required(std::string_view name) const {
  auto value = get(name);
  if (!value) throw missing_parameter(prefix_ + std::string(name));
  return std::move(*value);
}

std::optional<std::int64_t> QueryParams::get_int(std::string_view name) const {
  auto value = get(name);
  if (!value) return std::nullopt;
  std::int64_t out = 0;
  const char* first = value->data();
  const char* last = first + value->size();
  if (first != last && *first == '+') ++first;  // from_chars rejects a plus sign
  auto [end, ec] = std::from_chars(first, last, out);
  if (ec != std::errc() || end != last || first == last)
    throw ApiError(400, "InvalidParameterValue",
                   "Value " + *value + " for parameter " + prefix_ + std::string(name) +
                       " is invalid. Reason: Must be an integer.");
  return out;
}

std::optional<bool> QueryParams::get_bool(std::string_view name) const {
  auto value = get(name);
  if (!value) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  throw ApiError(400, "InvalidParameterValue",
                 "Value " + *value + " for parameter " + prefix_ + std::string(name) +
                     " is invalid. Reason: Must be true or false.");
}

std::vector<std::string> QueryParams::indexed(std::string_view name, bool leaves) const {
  // Collects the indices present under `base`, then orders them numerically: the map's lexical
  // order would put "Name.10" before "Name.2".
  auto collect = [&](const std::string& base) {
    std::vector<std::uint32_t> indices;
    for (auto it = params_->lower_bound(base); it != params_->end() && it->first.starts_with(base);
         ++it) {
      std::string_view rest = std::string_view(it->first).substr(base.size());
      auto dot = rest.find('.');
      bool nested = dot != std::string_view::npos;
      if (leaves == nested) continue;  // "Name.1.x" is not a list item, "Name.1" not a structure
      if (auto index = parse_index(rest.substr(0, dot))) indices.push_back(*index);
    }
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::vector<std::string> out;
    out.reserve(indices.size());
    for (auto index : indices) out.push_back(base + std::to_string(index) + (leaves ? "" : "."));
    return out;
  };
  std::string base = prefix_ + std::string(name) + ".";
  // The wrapped form (`Name.member.N`) when the client used it, else the flattened one.
  auto wrapped = collect(base + "member.");
  return wrapped.empty() ? collect(base) : wrapped;
}

std::vector<std::string> QueryParams::list(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& key : indexed(name, true)) out.push_back(params_->find(key)->second);
  return out;
}

std::vector<QueryParams> QueryParams::structs(std::string_view name) const {
  std::vector<QueryParams> out;
  for (auto& element : indexed(name, false))
    out.push_back(QueryParams(params_, std::move(element)));
  return out;
}

std::vector<std::pair<std::string, std::string>> QueryParams::map(
    std::string_view name, std::string_view key_member, std::string_view value_member) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : structs(name))
    out.emplace_back(entry.required(key_member), entry.required(value_member));
  return out;
}

QueryParams QueryParams::scope(std::string_view name) const {
  return QueryParams(params_, prefix_ + std::string(name) + ".");
}

std::vector<std::string> QueryParams::names() const {
  std::vector<std::string> out;
  for (auto it = params_->lower_bound(prefix_);
       it != params_->end() && it->first.starts_with(prefix_); ++it)
    out.push_back(it->first.substr(prefix_.size()));
  return out;
}

std::optional<std::string> query_action(const http::Request& request) {
  if (request.method != "GET" && request.method != "POST") return std::nullopt;
  auto find_action = [](std::string_view form) -> std::optional<std::string> {
    for (auto& [name, value] : http::parse_query(form))
      if (name == "Action") return std::move(value);
    return std::nullopt;
  };
  // The body first, as from_request() lets body values win.
  if (request.method == "POST" && is_form_encoded(request))
    if (auto action = find_action(request.body)) return action;
  return find_action(request.query());
}

http::Response render_query_response(std::string_view action, std::string_view xml_namespace,
                                     const std::function<void(XmlWriter&)>& write_result,
                                     const std::string& request_id) {
  std::string name(action);
  XmlWriter xml;
  xml.declaration().open(name + "Response");
  if (!xml_namespace.empty()) xml.attribute("xmlns", xml_namespace);
  if (write_result) {
    xml.open(name + "Result");
    std::size_t depth = xml.depth();
    write_result(xml);
    // The writer must leave the Result element as it found it; closing it here would hide a bug.
    if (xml.depth() != depth) throw std::logic_error("query result writer left elements open");
    xml.close();
  }
  xml.open("ResponseMetadata").element("RequestId", request_id).close();
  http::Response res;
  res.status = 200;
  res.add_header("Content-Type", "text/xml");
  res.add_header("x-amzn-RequestId", request_id);
  res.body = std::move(xml).str();
  return res;
}

http::Response render_query_error(const ApiError& error, std::string_view xml_namespace,
                                  const std::string& request_id) {
  XmlWriter xml;
  xml.declaration().open("ErrorResponse");
  if (!xml_namespace.empty()) xml.attribute("xmlns", xml_namespace);
  xml.open("Error")
      .element("Type", sender_or_receiver(error))
      .element("Code", error.code)
      .element("Message", error.message())
      .element("Detail", "")
      .close();
  xml.element("RequestId", request_id);
  http::Response res;
  res.status = error.http_status;
  res.add_header("Content-Type", "text/xml");
  res.add_header("x-amzn-RequestId", request_id);
  res.body = std::move(xml).str();
  return res;
}

}  // namespace serverlite::aws
