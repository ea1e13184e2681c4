#include "emulator/http/message.hpp"
#include "emulator/loop_holds.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace serverlite::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

static std::optional<std::string_view> find_header(const std::vector<Header>& headers,
                                                   std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  return find_header(headers, name);
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  return find_header(headers, name);
}

Response& Response::set_header(std::string name, std::string value) {
  std::erase_if(headers, [&](const Header& h) { return iequals(h.name, name); });
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

Response& Response::add_header(std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

std::string http_date(std::int64_t epoch_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  if (!::gmtime_r(&t, &tm)) return "Thu, 01 Jan 1970 00:00:00 GMT";
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

const std::string& http_date_now() {
  thread_local std::int64_t second = -1;
  thread_local std::string text;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (now != second) {
    second = now;
    text = http_date(now);
  }
  return text;
}

bool response_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

std::string content_length(const Response& res, bool head) {
  if (auto declared = res.header("Content-Length");
      head && declared && !declared->empty() &&
      std::all_of(declared->begin(), declared->end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::string(*declared);
  return std::to_string(res.body.size());
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(body);
  return r;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    out.emplace_back(percent_decode(name, true), percent_decode(value, true));
  }
  return out;
}

std::size_t request_label(char* out, std::size_t size, const Request& request) {
  std::size_t n = 0;
  auto put = [&](std::string_view text) {
    std::size_t k = std::min(text.size(), size - n);
    std::memcpy(out + n, text.data(), k);
    n += k;
  };
  if (size == 0) return 0;
  put(request.method);
  put(" ");
  put(request.path().substr(0, 64));
  if (auto target = request.header("x-amz-target")) {
    put(" ");
    put(*target);
  }
  return n;
}

void run_handler(const Handler& handler, Request request, const Responder& respond) {
  char label[128];
  std::size_t label_size = request_label(label, sizeof label, request);
  HoldMeter meter(HoldMeter::Detail::Wall);
  try {
    handler(std::move(request), respond);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serverlite: internal error: %s\n", e.what());
    respond(Response::json(500, R"({"message":"Internal server error"})"));
  } catch (...) {
    std::fprintf(stderr, "serverlite: internal error\n");
    respond(Response::json(500, R"({"message":"Internal server error"})"));
  }
  meter.finish(std::string_view(label, label_size));
}

}  // namespace serverlite::http
