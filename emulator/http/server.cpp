#include "emulator/http/server.hpp"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <set>
#include <system_error>
#include <vector>

#include <cerrno>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
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
      : io(io), acceptor(io), retry(io), handler(std::move(h)), options(o) {}

  asio::io_context& io;
  tcp::acceptor acceptor;
  asio::steady_timer retry;  // accept again after running out of descriptors
  Handler handler;
  ServerOptions options;
  bool stopped = false;
  bool paused = false;  // not accepting for now (said so on stderr); reset once accept succeeds
  // Open connections, not owned: each is owned by its pending operations and responders, and
  // removes itself here when destroyed. (Owning them here would make a cycle, since a connection
  // keeps the server alive.)
  std::set<Connection*> connections;
  // HTTP/2 connections handed over by a Connection; each owns itself, as above.
  std::vector<std::weak_ptr<H2Connection>> h2_connections;

  void accept();
  void on_accept_error(const beast::error_code& ec);
  void pause_accepting(int code);
  std::uint16_t port() const;
};

namespace {

// A request body that grows as it arrives and holds its share of the request body budget.
// (Beast's string_body reserves the whole declared Content-Length before the first byte.)
struct BudgetedBody {
  struct value_type {
    std::string data;
    BodyCharge charge;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
      declared_ = length ? static_cast<std::size_t>(*length) : 0;  // body_limit bounds it
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      auto& data = body_.data;
      std::size_t n = asio::buffer_size(buffers);
      std::size_t size = data.size() + n;
      if (size > data.capacity()) {
        // Doubling, but not past a declared length. The budget counts the capacity.
        std::size_t want = std::max(size, 2 * data.capacity());
        if (declared_ > 0) want = std::max(size, std::min(want, declared_));
        if (!body_.charge.hold(want)) {
          ec = boost::system::errc::make_error_code(boost::system::errc::not_enough_memory);
          return 0;
        }
        // A fresh string gets exactly `want` (reserve on a full one would double at least).
        std::string grown;
        grown.reserve(want);
        grown.append(data);
        data.swap(grown);
      }
      std::size_t at = data.size();
      data.resize(size);
      asio::buffer_copy(asio::buffer(data.data() + at, n), buffers);
      ec = {};
      return n;
    }

    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
    std::size_t declared_ = 0;
  };
};

using RequestParser = bhttp::request_parser<BudgetedBody>;

// Why a request is refused, besides Beast's errors: its target is over max_request_target.
const beast::error_code uri_too_long =
    boost::system::errc::make_error_code(boost::system::errc::filename_too_long);

// One client connection. Owned by Server::Impl::connections while open; a pending Responder holds
// it alive too, so a late answer still finds its socket.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(std::move(server)) {
    beast::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    if (server_->options.screen) {
      auto local = socket_.local_endpoint(ec);
      refusal_ = server_->options.screen(ep.port(), ec ? 0 : local.port());
    }
  }

  ~Connection() { server_->connections.erase(this); }

  void start() {
    arm(Wait::header);  // a client that connects and sends nothing
    sniff();
  }

  bool is_open() const { return !closed_; }

  // Close now if idle; otherwise after the response in flight.
  void stop() {
    closing_ = true;
    if (!busy_) close();
  }

 private:
  // What the connection waits for, and so which timeout applies.
  enum class Wait { none, header, body, idle, drain };

  // HTTP/2 with prior knowledge (RFC 9113 §3.3), which the AWS SDK for JavaScript v3 uses for
  // Kinesis, opens with a fixed preface that no HTTP/1 request line begins with. Read until the
  // bytes leave the preface (HTTP/1.1: Beast parses them from buffer_ first) or complete it.
  void sniff() {
    socket_.async_read_some(buffer_.prepare(4096),
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
    timer_.cancel();
    beast::error_code ec;
    int fd = socket_.release(ec);
    if (ec) {
      socket_.close(ec);
      return;
    }
    auto& server = *server_;
    const auto& o = server.options;
    auto h2 = start_h2_connection(
        server.io, fd, already_read, std::shared_ptr<const Handler>(server_, &server.handler),
        H2Options{.body_limit = o.body_limit,
                  .remote_address = remote_,
                  .header_timeout = o.header_timeout,
                  .body_timeout = o.body_timeout,
                  .idle_timeout = o.idle_timeout,
                  .slot = std::move(slot_)});
    std::erase_if(server.h2_connections, [](const auto& w) { return w.expired(); });
    server.h2_connections.push_back(h2);
  }

  // Reads the next request: what is buffered is parsed at once (the body usually comes with the
  // header), and the socket is read only when the parser needs more. Beast's async_read did the
  // same through two composed operations, each completion posted once more to the io loop.
  void read_request() {
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(max_header_section);
    parser_->eager(true);
    header_seen_ = false;
    parsed_ = 0;
    // The header timeout runs from the request's first byte; before it, the idle timeout.
    if (wait_ != Wait::header) arm(buffer_.size() > 0 ? Wait::header : Wait::idle);
    parse_buffered();
  }

  void parse_buffered() {
    while (buffer_.size() > 0) {
      beast::error_code ec;
      std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      parsed_ += used;
      if (ec == bhttp::error::need_more) break;
      if (ec) return refuse(ec);
      // A request's length is unknowable when chunked is not its last transfer coding (RFC 9112
      // §6.3): Beast would read its body until the client closes.
      if (!header_seen_ && parser_->is_header_done() && !parser_->chunked() &&
          parser_->get().count(bhttp::field::transfer_encoding) > 0)
        return refuse(bhttp::error::bad_transfer_encoding);
      if (parser_->is_header_done() && !header_seen_ &&
          parser_->get().target().size() > max_request_target)
        return refuse(uri_too_long);
      if (parser_->is_done()) return on_request();
      if (parser_->is_header_done() && !header_seen_) {
        header_seen_ = true;
        busy_ = true;
        arm(Wait::body);
        if (expects_continue()) return;
      }
      if (used == 0) break;
    }
    read_more();
  }

  void read_more() {
    auto room = beast::read_size(buffer_, 65536);
    if (room == 0) return refuse(bhttp::error::header_limit);
    socket_.async_read_some(buffer_.prepare(room),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
      // A client that sent part of a request and then shut down its side still gets an answer;
      // one that closes between requests is simply gone.
      bool partial = parser_ && (parser_->got_some() || buffer_.size() > 0);
      if (ec == asio::error::eof && partial) return refuse(bhttp::error::partial_message);
      return fail(ec);
    }
    buffer_.commit(n);
    if (wait_ == Wait::idle) arm(Wait::header);
    else if (wait_ == Wait::body) arm(Wait::body);  // the body timeout is the longest pause
    parse_buffered();
  }

  // curl and others wait up to a second for "100 Continue" before sending a body. True when it
  // is being written (reading resumes after it).
  bool expects_continue() {
    auto& req = parser_->get();
    auto it = req.find(bhttp::field::expect);
    if (it == req.end() || !beast::iequals(it->value(), "100-continue")) return false;
    auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       req.version());
    bhttp::async_write(socket_, *cont,
                       [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail(ec);
                         self->parse_buffered();
                       });
    return true;
  }

  void on_request() {
    busy_ = true;
    disarm();  // the handler takes as long as it takes (a long poll, an invocation)
    auto msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.version = static_cast<int>(msg.version());
    req.headers.reserve(std::distance(msg.begin(), msg.end()));
    for (const auto& field : msg)
      req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    // Once handed to the handler, the body is no longer a request being received.
    msg.body().charge.release();
    req.body = std::move(msg.body().data);
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
    run_handler(server_->handler, std::move(req), respond);
  }

  // A request that cannot be served: answered with "Connection: close", then the connection
  // closes once the client has had time to read the answer.
  void refuse(beast::error_code why) {
    Response res;
    // Beast takes in the request line once it is whole: a header over the limit before any
    // byte was taken in is a request line too long on its own.
    if (why == bhttp::error::header_limit && parsed_ == 0) why = uri_too_long;
    if (why == bhttp::error::body_limit) {
      res = Response::json(413, R"({"message":"Request Entity Too Large"})");
    } else if (why == uri_too_long) {
      res = Response::json(414, R"({"message":"URI Too Long"})");
    } else if (why == bhttp::error::header_limit) {
      res = Response::json(431, R"({"message":"Request Header Fields Too Large"})");
    } else if (why == boost::system::errc::not_enough_memory) {
      res = Response::json(503, R"({"message":"Too many request bodies in flight, retry"})");
      res.set_header("Retry-After", "1");
    } else {
      res = Response::json(400, R"({"message":"Bad Request"})");
    }
    parser_.reset();  // the partial body goes, and its share of the budget with it
    disarm();
    busy_ = true;
    keep_alive_ = false;
    head_ = false;
    refused_ = true;
    write(std::move(res));
  }

  // The head is written by append_response_head, not Beast's serializer: its buffer sequences
  // cost about a tenth of a small request's CPU. Head and body go out in one gather write.
  void write(Response res) {
    if (closed_) return;
    bool keep = keep_alive_ && !closing_;
    out_head_.clear();
    append_response_head(res, keep, out_head_, head_);
    out_body_ = std::move(res.body);
    // A HEAD answer keeps the Content-Length a GET would get (see content_length), no body.
    if (head_ || !response_has_body(res.status)) out_body_.clear();
    std::array<asio::const_buffer, 2> buffers{asio::buffer(out_head_), asio::buffer(out_body_)};
    asio::async_write(socket_, buffers,
                      [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                        self->busy_ = false;
                        if (ec) return self->fail(ec);
                        if (self->refused_) return self->drain();
                        if (!keep || self->closing_) return self->close();
                        self->read_request();
                      });
  }

  // After a refusal the client may still be sending the request: closing with unread bytes
  // would reset the connection, and the client could lose the answer. Say we are done writing,
  // then read and drop what comes until the client closes, for two seconds at most.
  void drain() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    arm(Wait::drain);
    drain_more();
  }

  void drain_more() {
    buffer_.clear();
    socket_.async_read_some(buffer_.prepare(65536),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain_more();
                            });
  }

  std::chrono::milliseconds timeout_of(Wait w) const {
    const auto& o = server_->options;
    switch (w) {
      case Wait::header: return o.header_timeout;
      case Wait::body: return o.body_timeout;
      case Wait::idle: return o.idle_timeout;
      case Wait::drain: return std::chrono::milliseconds(2000);
      case Wait::none: break;
    }
    return std::chrono::milliseconds(0);
  }

  // One timer per connection, waiting for deadline_. Moving the deadline later does not touch
  // the timer (when it fires early it waits again), so the usual request costs no timer calls.
  void arm(Wait w) {
    auto d = timeout_of(w);
    wait_ = d.count() > 0 ? w : Wait::none;
    if (wait_ == Wait::none) return;
    deadline_ = std::chrono::steady_clock::now() + d;
    if (!timer_pending_ || deadline_ < timer_.expiry()) start_timer();
  }

  void disarm() { wait_ = Wait::none; }

  void start_timer() {
    timer_pending_ = true;
    timer_.expires_at(deadline_);  // a wait already pending ends with operation_aborted
    timer_.async_wait([weak = weak_from_this(), generation = ++timer_generation_](
                          beast::error_code) {
      auto self = weak.lock();
      if (!self || generation != self->timer_generation_) return;
      self->timer_pending_ = false;
      if (self->closed_ || self->wait_ == Wait::none) return;
      if (std::chrono::steady_clock::now() < self->deadline_) return self->start_timer();
      self->close();  // a stalled client gets no answer: it would not read it either
    });
  }

  void fail(beast::error_code) { close(); }

  void close() {
    if (closed_) return;
    closed_ = true;
    wait_ = Wait::none;
    parser_.reset();
    beast::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    slot_.release();
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<Server::Impl> server_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string remote_;
  std::optional<Response> refusal_;  // from ServerOptions::screen
  std::string out_head_, out_body_;  // the answer being written (one at a time)
  Wait wait_ = Wait::none;
  std::chrono::steady_clock::time_point deadline_;
  std::uint64_t timer_generation_ = 0;
  bool timer_pending_ = false;
  bool keep_alive_ = true;
  bool header_seen_ = false;  // of the request being read
  std::size_t parsed_ = 0;    // bytes of the request being read that the parser took in
  bool head_ = false;         // the request being answered is a HEAD
  bool busy_ = false;
  bool refused_ = false;      // the answer being written refuses the request
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
  // Every answer says when it was made (RFC 9110 §6.6.1), unless its handler did.
  if (!res.header("Date")) {
    out += "Date: ";
    out += http_date_now();
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
  if (connection_slots_left() == 0) return pause_accepting(0);
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (ec) return self->on_accept_error(ec);
    if (self->paused) {
      self->paused = false;
      std::fprintf(stderr, "serverlite: accepting connections again on port %u\n",
                   static_cast<unsigned>(self->port()));
    }
    // No handler process may inherit a connection (nor the listener).
    ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(std::move(socket), self);
    self->connections.insert(conn.get());
    conn->start();
    self->accept();
  });
}

// Accepting again at once after EMFILE fails again at once: the pending connection stays in the
// backlog, and the loop spins. Wait a little instead: descriptors free as connections close.
// Only the errno is read here: no virtual call on the error's category, which UBSan would check
// (see ConnectionSlot).
void Server::Impl::on_accept_error(const beast::error_code& ec) {
  int code = ec.value();
  if (code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM)
    return pause_accepting(code);
  accept();  // ECONNABORTED and the like: that client is gone
}

// Leaves new connections in the backlog, says so once, and tries again in 100 ms. `code`: the
// errno accept failed with, or 0 when the connections open reached connection_cap().
void Server::Impl::pause_accepting(int code) {
  if (!paused) {
    paused = true;
    if (code == 0)
      std::fprintf(stderr,
                   "serverlite: %zu connections open, near the limit of %zu open files: new "
                   "connections on port %u wait until some close\n",
                   connection_cap(), open_files_limit(), static_cast<unsigned>(port()));
    else
      std::fprintf(stderr,
                   "serverlite: cannot accept connections on port %u: %s; new connections wait "
                   "until some close\n",
                   static_cast<unsigned>(port()),
                   code == EMFILE   ? "too many open files (EMFILE)"
                   : code == ENFILE ? "too many open files in the system (ENFILE)"
                                    : "out of memory for sockets");
  }
  retry.expires_after(std::chrono::milliseconds(100));
  retry.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (wait_ec || self->stopped) return;
    self->accept();
  });
}

std::uint16_t Server::Impl::port() const {
  beast::error_code ignored;
  auto ep = acceptor.local_endpoint(ignored);
  return ep.port();
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
  impl_->retry.cancel();
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
