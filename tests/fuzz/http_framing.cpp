// libFuzzer target for HTTP: HTTP/1.1 framing by Beast's request parser configured as the server
// configures it (emulator/http/server.cpp: 64 KiB of header, the body limit, eager), fed in two
// pieces, with each request read as the services read it; HTTP/2 framing by the server's own
// connection (h2_connection.cpp, nghttp2's server session) over a socket pair; and the Lambda
// API's REST-JSON routes (paths, percent-decoded parameters, query strings, headers) and the
// Runtime API's paths; and the decoding of compressed request bodies (content_coding.cpp: gzip and
// deflate streams, bounded, and any Content-Encoding header). The first byte picks the layer, the
// rest is the bytes a client sends.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "emulator/http/content_coding.hpp"
#include "emulator/http/h2_connection.hpp"
#include "emulator/http/message.hpp"
#include "emulator/http/route_matcher.hpp"

namespace http = serverlite::http;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kBodyLimit = 16 * 1024 * 1024;  // ServerOptions::body_limit's default

// What the Lambda API (services/functions/api.cpp) and the Runtime API (worker.cpp) read of a
// request: the route and its decoded parameter, the query, the headers they look at.
void read_as_services_do(const http::Request& request) {
  static const http::RouteMatcher lambda_routes = [] {
    http::RouteMatcher m;
    m.add("POST", "/2015-03-31/functions/{FunctionName}/invocations", 0);
    m.add("GET", "/2015-03-31/functions", 1);
    m.add("GET", "/2015-03-31/functions/{FunctionName}", 2);
    m.add("GET", "/2015-03-31/functions/{FunctionName}/configuration", 3);
    m.add("GET", "/2018-06-01/runtime/invocation/next", 4);
    m.add("POST", "/2018-06-01/runtime/invocation/{RequestId}/response", 5);
    m.add("POST", "/2018-06-01/runtime/invocation/{RequestId}/error", 6);
    m.add("POST", "/2018-06-01/runtime/init/error", 7);
    m.add("ANY", "/{proxy+}", 8);
    return m;
  }();
  auto match = lambda_routes.match(request.method, request.path());
  for (const auto& [name, value] : match.params) (void)name, (void)value;
  (void)lambda_routes.match_path(request.path());
  for (const auto& [name, value] : http::parse_query(request.query())) (void)name, (void)value;
  (void)http::percent_decode(request.path(), true);
  for (std::string_view name : {"X-Amz-Target", "X-Amz-Invocation-Type", "Content-Type",
                                "Authorization", "Lambda-Runtime-Function-Error-Type"})
    (void)request.header(name);
  // The AWS endpoint decodes a compressed body first (aws/router.cpp); a smaller limit here
  // keeps runs fast, the bound is the same code.
  http::Request decoded = request;
  if (!http::decode_request_body(decoded, 1 << 20)) {
    if (decoded.header("Content-Encoding")) __builtin_trap();  // a decoded body is plain
  }
  if (auto accept = request.header("Accept-Encoding")) (void)http::accepts_gzip(*accept);
}

// A compressed body on its own: the second byte picks gzip or deflate and the limit, the rest is
// the stream. Whatever decodes stays within the limit; and gzip's output decodes to its input.
void coding(std::string_view bytes) {
  if (bytes.empty()) return;
  auto how = static_cast<unsigned char>(bytes.front());
  bytes.remove_prefix(1);
  auto kind = (how & 1) ? http::Coding::deflate : http::Coding::gzip;
  std::size_t limit = std::size_t{1} << (4 + (how >> 1) % 17);  // 16 bytes to 1 MiB
  std::string out;
  if (http::inflate_bounded(bytes, kind, limit, out) == http::Inflated::ok && out.size() > limit)
    __builtin_trap();
  std::string packed = http::gzip(bytes);
  std::string back;
  if (http::inflate_bounded(packed, http::Coding::gzip, bytes.size(), back) != http::Inflated::ok ||
      back != bytes)
    __builtin_trap();
}

void http1(std::string_view bytes, std::size_t split) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(kBodyLimit);
  parser.header_limit(64 * 1024);
  parser.eager(true);
  boost::beast::flat_buffer buffer;
  for (std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
    if (piece.empty()) continue;
    auto room = buffer.prepare(piece.size());
    std::memcpy(room.data(), piece.data(), piece.size());
    buffer.commit(piece.size());
    while (buffer.size() > 0) {
      boost::beast::error_code ec;
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return;
      if (parser.is_done()) {
        auto msg = parser.release();
        http::Request req;
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        req.version = static_cast<int>(msg.version());
        for (const auto& field : msg)
          req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        req.body = std::move(msg.body());
        read_as_services_do(req);
        return;
      }
      if (used == 0) break;
    }
  }
}

void http2(std::string_view bytes) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return;
  boost::asio::io_context io;
  auto handler = std::make_shared<const http::Handler>([](http::Request req, http::Responder r) {
    read_as_services_do(req);
    http::Response res = http::Response::json(200, req.body.substr(0, 64));
    r(std::move(res));
  });
  std::string sent(http::h2_preface);
  sent.append(bytes);
  // The connection starts from what the server sniffed (the preface); the rest comes by socket.
  auto connection = http::start_h2_connection(io, fds[0], sent.substr(0, http::h2_preface.size()),
                                              handler, http::H2Options{.body_limit = 1 << 16});
  std::string_view rest = std::string_view(sent).substr(http::h2_preface.size());
  char sink[65536];
  for (int round = 0; round < 1000 && !io.stopped(); ++round) {
    if (!rest.empty()) {
      auto n = ::send(fds[1], rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n > 0) rest.remove_prefix(static_cast<std::size_t>(n));
      if (rest.empty()) ::shutdown(fds[1], SHUT_WR);
    }
    io.poll();
    while (::recv(fds[1], sink, sizeof sink, 0) > 0) {
    }
    if (!connection->is_open()) break;
  }
  connection->stop();
  io.poll();
  ::close(fds[1]);
  io.run_for(std::chrono::milliseconds(200));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      http1(input, input.empty() ? 0 : data[0] % input.size());
      break;
    case 1:
      http2(input);
      break;
    case 2: {
      auto split = input.find('\n');
      http::Request req;
      req.method = std::string(input.substr(0, std::min(split, input.size())));
      req.target = split == std::string_view::npos ? "/" : std::string(input.substr(split + 1));
      req.headers.push_back({"X-Amz-Invocation-Type", req.target});
      read_as_services_do(req);
      break;
    }
    case 3:
      coding(input);
      break;
  }
  return 0;
}
