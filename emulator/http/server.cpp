#include "emulator/http/server.hpp"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <set>
#include <system_error>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "emulator/http/h2_connection.hpp"

namespace serverlite::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Connection;

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, Handler h, ServerOptions o)
      : io(io), acceptor(io), handler(std::move(h)), options(o) {}

  asio::io_context& io;
  tcp::acceptor acceptor;
  Handler handler;
  ServerOptions options;
  bool stopped = false;
  // Open connections, not owned: each is owned by its pending operations and responders, and
  // removes itself here when destroyed. (Owning them here would make a cycle, since a connection
  // keeps the server alive.)
  std::set<Connection*> connections;
  // HTTP/2 connections handed over by a Connection; each owns itself, as above.
  std::vector<std::weak_ptr<H2Connection>> h2_connections;

  void accept();
};

namespace {

// One client connection. Owned by Server::Impl::connections while open; a pending Responder holds
// it alive too, so a late answer still finds its socket.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    if (server_->options.screen) {
      auto local = stream_.socket().local_endpoint(ec);
      refusal_ = server_->options.screen(ep.port(), ec ? 0 : local.port());
    }
  }

  ~Connection() { server_->connections.erase(this); }

  void start() { sniff(); }

  bool is_open() const { return !closed_; }

  // Close now if idle; otherwise after the response in flight.
  void stop() {
    closing_ = true;
    if (!busy_) close();
  }

 private:
  // HTTP/2 with prior knowledge (RFC 9113 §3.3), which the AWS SDK for JavaScript v3 uses for
  // Kinesis, opens with a fixed preface that no HTTP/1 request line begins with. Read until the
  // bytes leave the preface (HTTP/1.1: Beast parses them from buffer_ first) or complete it.
  void sniff() {
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_sniff(ec, n);
                            });
  }

  void on_sniff(beast::error_code ec, std::size_t n) {
    if (ec) return fail(ec);
    buffer_.commit(n);
    std::string_view got(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    auto k = std::min(got.size(), h2_preface.size());
    if (got.substr(0, k) != h2_preface.substr(0, k)) return read_request();
    if (got.size() < h2_preface.size()) return sniff();
    if (refusal_) return close();
    hand_over_to_h2(got);
  }

  void hand_over_to_h2(std::string_view already_read) {
    // From here the socket belongs to the HTTP/2 connection; this object only winds down.
    closed_ = true;
    beast::error_code ec;
    int fd = stream_.socket().release(ec);
    if (ec) {
      stream_.socket().close(ec);
      return;
    }
    auto& server = *server_;
    auto h2 = start_h2_connection(
        server.io, fd, already_read, std::shared_ptr<const Handler>(server_, &server.handler),
        H2Options{.body_limit = server.options.body_limit, .remote_address = remote_});
    std::erase_if(server.h2_connections, [](const auto& w) { return w.expired(); });
    server.h2_connections.push_back(h2);
  }

  // Reads the next request: what is buffered is parsed at once (the body usually comes with the
  // header), and the socket is read only when the parser needs more. Beast's async_read did the
  // same through two composed operations, each completion posted once more to the io loop.
  void read_request() {
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(64 * 1024);
    parser_->eager(true);
    header_seen_ = false;
    parse_buffered();
  }

  void parse_buffered() {
    while (buffer_.size() > 0) {
      beast::error_code ec;
      std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) break;
      // A declared Content-Length over the limit is refused before the body is read.
      if (ec == bhttp::error::body_limit) return refuse_too_large();
      if (ec) return fail(ec);
      if (parser_->is_done()) return on_request();
      if (parser_->is_header_done() && !header_seen_) {
        header_seen_ = true;
        busy_ = true;
        if (expects_continue()) return;
      }
      if (used == 0) break;
    }
    read_more();
  }

  void read_more() {
    auto room = beast::read_size(buffer_, 65536);
    if (room == 0) return fail(bhttp::error::buffer_overflow);
    stream_.async_read_some(buffer_.prepare(room),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->fail(ec);  // EOF included: no request ends there
                              self->buffer_.commit(n);
                              self->parse_buffered();
                            });
  }

  // curl and others wait up to a second for "100 Continue" before sending a body. True when it
  // is being written (reading resumes after it).
  bool expects_continue() {
    auto& req = parser_->get();
    auto it = req.find(bhttp::field::expect);
    if (it == req.end() || !beast::iequals(it->value(), "100-continue")) return false;
    auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       req.version());
    bhttp::async_write(stream_, *cont,
                       [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail(ec);
                         self->parse_buffered();
                       });
    return true;
  }

  void on_request() {
    busy_ = true;
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.version = static_cast<int>(msg.version());
    req.headers.reserve(std::distance(msg.begin(), msg.end()));
    for (const auto& field : msg)
      req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    req.body = std::move(msg.body());
    req.remote_address = remote_;
    if (refusal_) {
      keep_alive_ = false;
      return write(*refusal_);
    }

    auto self = shared_from_this();
    auto answered = std::make_shared<bool>(false);
    Responder respond = [self, answered](Response res) {
      if (*answered) return;  // a responder answers once; later calls are a bug we absorb
      *answered = true;
      self->write(std::move(res));
    };
    // The last line of defence: a handler's exception must not escape into the event loop,
    // where it would end serverlite.
    try {
      server_->handler(std::move(req), respond);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "serverlite: internal error: %s\n", e.what());
      respond(Response::json(500, R"({"message":"Internal server error"})"));
    } catch (...) {
      std::fprintf(stderr, "serverlite: internal error\n");
      respond(Response::json(500, R"({"message":"Internal server error"})"));
    }
  }

  void refuse_too_large() {
    keep_alive_ = false;
    head_ = false;
    write(Response::json(413, R"({"message":"Request Entity Too Large"})"));
  }

  // The head is written by append_response_head, not Beast's serializer: its buffer sequences
  // cost about a tenth of a small request's CPU. Head and body go out in one gather write.
  void write(Response res) {
    bool keep = keep_alive_ && !closing_;
    out_head_.clear();
    append_response_head(res, keep, out_head_, head_);
    out_body_ = std::move(res.body);
    // A HEAD answer keeps the Content-Length a GET would get (see content_length), no body.
    if (head_ || !response_has_body(res.status)) out_body_.clear();
    std::array<asio::const_buffer, 2> buffers{asio::buffer(out_head_), asio::buffer(out_body_)};
    asio::async_write(stream_, buffers,
                      [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                        self->busy_ = false;
                        if (ec) return self->fail(ec);
                        if (!keep || self->closing_) return self->close();
                        self->read_request();
                      });
  }

  void fail(beast::error_code) { close(); }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Server::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  std::optional<Response> refusal_;  // from ServerOptions::screen
  std::string out_head_, out_body_;  // the answer being written (one at a time)
  bool keep_alive_ = true;
  bool header_seen_ = false;  // of the request being read
  bool head_ = false;         // the request being answered is a HEAD
  bool busy_ = false;
  bool closing_ = false;
  bool closed_ = false;

  friend struct serverlite::http::Server::Impl;
};

}  // namespace

namespace {

bool is_token_char(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

void append_response_head(const Response& res, bool keep_alive, std::string& out, bool head) {
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(res.status)));
  out += "\r\n";
  for (const auto& h : res.headers) {
    if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), is_token_char)) continue;
    if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding") ||
        iequals(h.name, "Connection"))
      continue;
    out += h.name;
    out += ": ";
    std::size_t at = out.size();
    out += h.value;
    std::replace_if(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(),
                    [](char c) { return c == '\r' || c == '\n'; }, ' ');
    out += "\r\n";
  }
  if (response_has_body(res.status)) {
    out += "Content-Length: ";
    out += content_length(res, head);
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      // No handler process may inherit a connection (nor the listener, below).
      ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
      socket.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_shared<Connection>(std::move(socket), self);
      self->connections.insert(conn.get());
      conn->start();
    }
    self->accept();
  });
}

Server::Server(asio::io_context& io, Handler handler, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), options)) {}

Server::~Server() { stop(); }

void Server::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::system_error(ec, "invalid listen address '" + host + "'");
  tcp::endpoint endpoint(address, port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) ::fcntl(a.native_handle(), F_SETFD, FD_CLOEXEC);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    a.close(ignored);
    throw std::system_error(ec, "cannot listen on " + host + ":" + std::to_string(port));
  }
  impl_->accept();
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  std::vector<std::shared_ptr<Connection>> open;  // keep each alive while it is told to stop
  for (auto* c : impl_->connections) open.push_back(c->shared_from_this());
  for (auto& c : open) c->stop();
  for (auto& w : impl_->h2_connections)
    if (auto h2 = w.lock()) h2->stop();
}

std::size_t Server::open_connections() const {
  std::size_t n = 0;
  for (auto* c : impl_->connections) n += c->is_open();
  for (auto& w : impl_->h2_connections)
    if (auto h2 = w.lock()) n += h2->is_open();
  return n;
}

}  // namespace serverlite::http
