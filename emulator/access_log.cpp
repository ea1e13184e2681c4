#include "emulator/access_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>

namespace serverlite {

namespace {

// Appends `text` to `out`, keeping within its capacity; a cut ends in "...".
void append(AccessLog::Summary& out, std::string_view text) {
  std::size_t room = out.text.size() - out.size;
  if (text.size() > room) {
    text = text.substr(0, room >= 3 ? room - 3 : 0);
    std::copy(text.begin(), text.end(), out.text.begin() + out.size);
    out.size += text.size();
    while (out.size < out.text.size()) out.text[out.size++] = '.';
    return;
  }
  std::copy(text.begin(), text.end(), out.text.begin() + out.size);
  out.size += text.size();
}

// The value of `Action=` in a form body or query string, without decoding (action names are
// plain letters); empty when there is none.
std::string_view find_action(std::string_view form) {
  std::size_t at = 0;
  while (at < form.size()) {
    std::size_t end = form.find('&', at);
    if (end == std::string_view::npos) end = form.size();
    std::string_view pair = form.substr(at, end - at);
    if (pair.starts_with("Action=")) return pair.substr(7);
    at = end + 1;
  }
  return {};
}

// The signing name in the request's credential scope ("sqs"), read without allocating: the
// fourth `/`-separated part after "Credential=".
std::string_view scope_name(const http::Request& request) {
  auto auth = request.header("Authorization");
  if (!auth) return {};
  auto at = auth->find("Credential=");
  if (at == std::string_view::npos) return {};
  std::string_view rest = auth->substr(at + 11);
  for (int i = 0; i < 3; ++i) {
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return {};
    rest.remove_prefix(slash + 1);
  }
  return rest.substr(0, std::min(rest.find('/'), rest.size()));
}

bool is_form(const http::Request& request) {
  auto type = request.header("Content-Type");
  return type && type->starts_with("application/x-www-form-urlencoded");
}

}  // namespace

AccessLog::AccessLog(int fd) : fd_(fd) { buffer_.reserve(kFlushAt + 512); }

AccessLog::~AccessLog() { flush(); }

bool AccessLog::flush() {
  if (buffer_.empty()) return false;
  std::string_view rest = buffer_;
  while (!rest.empty()) {
    auto n = ::write(fd_, rest.data(), rest.size());
    if (n <= 0) break;  // stderr gone: the lines are dropped, never the requests
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  buffer_.clear();
  return true;
}

AccessLog::Summary AccessLog::describe(Listener listener, const http::Request& request) {
  Summary out;
  if (listener == Listener::Aws) {
    if (auto target = request.header("X-Amz-Target")) {
      // "DynamoDB_20120810.PutItem" -> "DynamoDB.PutItem"; "AmazonSQS.SendMessage" -> "SQS...".
      std::string_view t = *target;
      auto dot = t.find('.');
      std::string_view api = t.substr(0, dot);
      if (api.starts_with("Amazon") && api.size() > 6) api.remove_prefix(6);
      if (auto underscore = api.find('_'); underscore != std::string_view::npos)
        api = api.substr(0, underscore);
      append(out, api);
      if (dot != std::string_view::npos) append(out, t.substr(dot));
      return out;
    }
    std::string_view action = find_action(request.query());
    if (action.empty() && request.method == "POST" && is_form(request))
      action = find_action(request.body);
    if (!action.empty()) {
      std::string_view service = scope_name(request);
      for (char c : service.substr(0, 24)) {
        char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        append(out, std::string_view(&upper, 1));
      }
      if (!service.empty()) append(out, ".");
      append(out, action);
      return out;
    }
  }
  append(out, request.method);
  append(out, " ");
  append(out, request.path());
  return out;
}

std::string_view AccessLog::error_code(const http::Response& response) {
  if (response.status < 400) return {};
  if (auto type = response.header("x-amzn-ErrorType")) return type->substr(0, type->find(':'));
  std::string_view body = std::string_view(response.body).substr(0, 1024);
  if (auto at = body.find("\"__type\""); at != std::string_view::npos) {
    auto open = body.find('"', body.find(':', at + 8));
    auto close = open == std::string_view::npos ? open : body.find('"', open + 1);
    if (close == std::string_view::npos) return {};
    std::string_view type = body.substr(open + 1, close - open - 1);
    if (auto hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
    return type;
  }
  if (auto at = body.find("<Code>"); at != std::string_view::npos) {
    auto end = body.find("</Code>", at);
    if (end != std::string_view::npos) return body.substr(at + 6, end - at - 6);
  }
  return {};
}

void AccessLog::add(Listener listener, std::string_view what, int status, std::string_view error,
                    std::chrono::steady_clock::duration took, std::string_view served_by) {
  buffer_ += listener == Listener::Gateway ? "[gateway] " : "[aws] ";
  buffer_ += what;
  char number[32];
  buffer_ += ' ';
  auto end = std::to_chars(number, number + sizeof number, status).ptr;
  buffer_.append(number, end);
  buffer_ += ' ';
  // Milliseconds with one decimal (two below 1 ms): "12.4 ms", "0.36 ms".
  double ms = std::chrono::duration<double, std::milli>(took).count();
  end = std::to_chars(number, number + sizeof number, ms, std::chars_format::fixed,
                      ms < 1 ? 2 : 1)
            .ptr;
  buffer_.append(number, end);
  buffer_ += " ms";
  if (!error.empty()) {
    buffer_ += ' ';
    buffer_ += error.substr(0, 100);
  }
  if (!served_by.empty()) {
    buffer_ += " -> ";
    buffer_ += served_by.substr(0, 100);
  }
  buffer_ += '\n';
  if (!batched_ || buffer_.size() >= kFlushAt) flush();
}

http::Responder AccessLog::wrap(std::shared_ptr<AccessLog> log, Listener listener,
                                const http::Request& request, http::Responder respond) {
  return [log = std::move(log), listener, summary = describe(listener, request),
          start = std::chrono::steady_clock::now(),
          respond = std::move(respond)](http::Response response) {
    log->add(listener, summary.view(), response.status,
             listener == Listener::Aws ? error_code(response) : std::string_view{},
             std::chrono::steady_clock::now() - start, response.served_by);
    respond(std::move(response));
  };
}

}  // namespace serverlite
