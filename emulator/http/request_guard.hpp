// What keeps web pages from driving serverlite through its user's browser.
//
// - Host: a page can make the browser send requests to 127.0.0.1 (a form POST, a "simple"
//   fetch), and with DNS rebinding (its own name made to resolve to 127.0.0.1) read the answers
//   too. The Host of such requests is the page's own name, so every listener serves only names
//   that point here: localhost, *.localhost, IP addresses (127.0.0.1, [::1] ...; rebinding needs a
//   name), and the names the user adds (`up --host NAME`, `--allow-host NAME`). For HTTP/2 the
//   server turns `:authority` into Host, so it is checked the same way.
// - Origin: browsers mark every cross-site request with Origin, and no SDK outside a browser sends
//   it. The AWS endpoint refuses requests that carry one unless the user allowed that origin
//   (`--allow-origin URL`, or `*`); allowed origins get CORS answers, so a browser SDK app can be
//   allowed on purpose. The gateway serves the app's own CORS configuration instead.
//
// Nothing here knows Beast or Asio; the emulator and the Runtime API call it before routing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/http/message.hpp"

namespace serverlite::http {

struct GuardOptions {
  // Host names served besides the local ones: exact names, "*.example.com" (its subdomains), or
  // "*" (any Host: the check is off).
  std::vector<std::string> hosts;
  // Origins allowed on the AWS endpoint: "https://app.example.com", or "*" (any).
  std::vector<std::string> origins;
};

// A refused request: the answer to send and a line for the log.
struct Refusal {
  Response response;
  std::string log;
  std::string key;  // what repeats of it share ("origin https://x.example"), for log_refusal
};

// The name a Host header value names, lower case, without port, brackets or a trailing dot:
// "LocalHost:4566" -> "localhost", "[::1]:80" -> "::1".
std::string host_name(std::string_view host);

// localhost, *.localhost, or an IPv4 / IPv6 address.
bool is_local_name(std::string_view name);

class RequestGuard {
 public:
  explicit RequestGuard(GuardOptions options = {}, std::string listener = "AWS endpoint");

  // A Host (every Host header) that names nothing here. Requests without Host pass (HTTP/1.0;
  // browsers always send one).
  std::optional<Refusal> check_host(const Request& request) const;
  // An Origin header whose origin is not allowed.
  std::optional<Refusal> check_origin(const Request& request) const;
  // A browser's CORS preflight (OPTIONS with Origin) from an allowed origin: the answer allowing
  // the method and headers it asks for. nullopt for anything else.
  std::optional<Response> preflight(const Request& request) const;
  // The CORS headers of an answer to a request from `origin` (its Origin header; none when
  // empty or not allowed).
  void add_cors(std::string_view origin, Response& response) const;

  bool origin_allowed(std::string_view origin) const;
  bool host_allowed(std::string_view host_header) const;

 private:
  void set_allow_origin(std::string_view origin, Response& response) const;

  GuardOptions options_;
  std::string listener_;
};

// Writes a refusal's log line to stderr; a flood of the same refusal is shortened to every
// 1,000th after the first 10 (a hostile page may repeat it in a loop). Io thread only.
void log_refusal(const Refusal& refusal);

}  // namespace serverlite::http
