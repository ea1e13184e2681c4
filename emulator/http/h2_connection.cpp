#include "emulator/http/h2_connection.hpp"
#include "emulator/http/limits.hpp"
#include "emulator/ascii.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <nghttp2/nghttp2.h>

namespace serverlite::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Flow-control windows we announce. nghttp2's defaults (64 KiB) make a client stop every 64 KiB
// to wait for a WINDOW_UPDATE; a 5 MB Kinesis PutRecords body then needs dozens of round trips.
// Bodies are buffered whole, capped by body_limit and by the request body budget (limits.hpp).
constexpr std::int32_t stream_window = 16 * 1024 * 1024;
constexpr std::int32_t connection_window = 64 * 1024 * 1024;
constexpr std::uint32_t max_concurrent_streams = 256;
// How much encoded output to gather before one socket write.
constexpr std::size_t write_chunk = 256 * 1024;


// Headers that only mean something to one HTTP/1.1 connection; RFC 9113 §8.2.2 makes a message
// carrying them malformed, and content-length is computed here from the body.
bool dropped_response_header(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "proxy-connection" || lower_name == "transfer-encoding" ||
         lower_name == "upgrade" || lower_name == "te" || lower_name == "content-length" ||
         lower_name.empty() || lower_name.front() == ':';
}

nghttp2_nv make_nv(const std::string& name, const std::string& value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NONE};
}

// One HTTP/2 connection. Owned by its pending socket operations; responders hold it weakly.
// All state belongs to the io_context's thread.
class Session : public H2Connection, public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, std::shared_ptr<const Handler> handler, H2Options options)
      : socket_(io), timer_(io), handler_(std::move(handler)), options_(std::move(options)),
        read_buffer_(64 * 1024) {}

  ~Session() override {
    if (session_) nghttp2_session_del(session_);
  }

  bool start(int native_socket, std::string_view already_read) {
    // Asio needs the protocol to adopt a descriptor; the socket's own address family says it.
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    if (getsockname(native_socket, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
      ::close(native_socket);
      return false;
    }
    boost::system::error_code ec;
    socket_.assign(local.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), native_socket, ec);
    if (ec) {
      ::close(native_socket);
      return false;
    }
    if (!init_session()) {
      close();
      return false;
    }
    receive(reinterpret_cast<const std::uint8_t*>(already_read.data()), already_read.size());
    if (!closed_) read();
    update_timer(true);
    return true;
  }

  void stop() override {
    if (closed_ || stopping_) return;
    stopping_ = true;
    // A graceful GOAWAY: streams the client already opened still get their answers; nghttp2's
    // want_read() turns false once it is sent and the last of them closed, and flush() closes.
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    flush();
  }

  bool is_open() const override { return !closed_; }

 private:
  struct Stream {
    Request request;
    BodyCharge charge;  // request.body's share of the request body budget
    std::string authority;
    std::vector<std::string> cookies;
    bool refused = false;  // answered 413 or 503 while the body was still arriving
    bool head = false;
    bool header_done = false;
    bool complete = false;  // the request has all arrived, or was refused
    std::string body;      // the response body being sent
    std::size_t sent = 0;
  };

  bool init_session() {
    nghttp2_session_callbacks* cb = nullptr;
    if (nghttp2_session_callbacks_new(&cb) != 0) return false;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, &Session::on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, &Session::on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &Session::on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &Session::on_frame_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, &Session::on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &Session::on_stream_close);
    int rv = nghttp2_session_server_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    if (rv != 0) return false;

    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(stream_window)},
    };
    if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings)) != 0)
      return false;
    // The connection window is not a setting: it grows by a WINDOW_UPDATE on stream 0.
    return nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                                 connection_window) == 0;
  }

  // --- socket I/O ---

  void read() {
    socket_.async_read_some(asio::buffer(read_buffer_),
                            [self = shared_from_this()](boost::system::error_code ec,
                                                        std::size_t n) {
                              if (ec) return self->close();
                              self->receive(self->read_buffer_.data(), n);
                              if (self->closed_) return;
                              self->read();
                              self->update_timer(true);
                            });
  }

  void receive(const std::uint8_t* data, std::size_t size) {
    if (closed_) return;
    auto rv = nghttp2_session_mem_recv(session_, data, size);
    // Negative only for what nghttp2 cannot answer with GOAWAY itself (a wrong preface, a
    // flood): drop the connection. Protocol errors it answers return >= 0 and end via flush().
    if (rv < 0) return close();
    dispatch_ready();
    flush();
  }

  void flush() {
    if (closed_ || writing_) return;
    out_.clear();
    while (out_.size() < write_chunk) {
      const std::uint8_t* data = nullptr;
      auto n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) return close();
      if (n == 0) break;
      out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (out_.empty()) {
      if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) close();
      update_timer(false);
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) return self->close();
                        self->flush();
                      });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    ready_.clear();
    streams_.clear();  // their bodies, and their shares of the budget
    options_.slot.release();
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  // --- timeouts ---

  enum class Wait { none, header, body, idle };

  // Which timeout applies now. `progress`: bytes just arrived, which restart the header and
  // body timeouts (the longest pause while a request arrives); the idle timeout runs from when
  // the last stream closed, whatever else (PING, SETTINGS) the client sends.
  void update_timer(bool progress) {
    if (closed_) return;
    Wait w = Wait::none;
    for (const auto& [id, stream] : streams_) {
      if (stream.complete) continue;
      if (!stream.header_done) {
        w = Wait::header;
        break;
      }
      w = Wait::body;
    }
    if (w == Wait::none && streams_.empty() && !writing_) w = Wait::idle;
    auto d = w == Wait::header ? options_.header_timeout
             : w == Wait::body ? options_.body_timeout
             : w == Wait::idle ? options_.idle_timeout
                               : std::chrono::milliseconds(0);
    if (d.count() <= 0) w = Wait::none;
    if (w == wait_ && !(progress && w != Wait::idle)) return;
    wait_ = w;
    if (w == Wait::none) return;
    deadline_ = std::chrono::steady_clock::now() + d;
    if (!timer_pending_ || deadline_ < timer_.expiry()) start_timer();
  }

  // One timer, waiting for deadline_; a later deadline lets it fire early and wait again.
  void start_timer() {
    timer_pending_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait([weak = weak_from_this(), generation = ++timer_generation_](
                          boost::system::error_code) {
      auto self = weak.lock();
      if (!self || generation != self->timer_generation_) return;
      self->timer_pending_ = false;
      if (self->closed_ || self->wait_ == Wait::none) return;
      if (std::chrono::steady_clock::now() < self->deadline_) return self->start_timer();
      if (self->wait_ == Wait::idle) return self->stop();  // GOAWAY, then close
      self->close();
    });
  }

  // --- requests and responses ---

  // Requests completed during one nghttp2_session_mem_recv() are handed to the handler after it
  // returns: a handler may answer at once, and nghttp2 must not be re-entered from its callbacks.
  void dispatch_ready() {
    auto ready = std::move(ready_);
    ready_.clear();
    for (auto id : ready) {
      if (closed_) return;
      auto it = streams_.find(id);
      if (it == streams_.end()) continue;  // reset by the client meanwhile
      it->second.charge.release();  // the handler has the body now
      Request req = std::move(it->second.request);
      Responder respond = [weak = weak_from_this(), id,
                           answered = std::make_shared<bool>(false)](Response res) {
        if (*answered) return;  // a responder answers once; later calls are a bug we absorb
        *answered = true;
        if (auto self = weak.lock()) self->answer(id, std::move(res));
      };
      run_handler(*handler_, std::move(req), respond);
    }
  }

  void answer(std::int32_t id, Response res) {
    if (closed_) return;
    submit(id, std::move(res));
    flush();
  }

  // Queues the response; the caller flushes (or nghttp2 is mid-callback and its caller will).
  void submit(std::int32_t id, Response res) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;  // the client reset the stream; nobody is listening
    auto& stream = it->second;

    std::vector<std::pair<std::string, std::string>> fields;
    fields.reserve(res.headers.size() + 2);
    fields.emplace_back(":status", std::to_string(res.status));
    for (auto& h : res.headers) {
      auto name = ascii_lower(h.name);
      if (dropped_response_header(name)) continue;  // content-length among them: set below
      fields.emplace_back(std::move(name), std::move(h.value));
    }
    if (std::none_of(fields.begin(), fields.end(), [](const auto& f) { return f.first == "date"; }))
      fields.emplace_back("date", http_date_now());
    bool no_content = !response_has_body(res.status);
    if (!no_content) fields.emplace_back("content-length", content_length(res, stream.head));
    if (no_content || stream.head) res.body.clear();

    std::vector<nghttp2_nv> nva;
    nva.reserve(fields.size());
    for (const auto& [name, value] : fields) nva.push_back(make_nv(name, value));

    stream.body = std::move(res.body);
    stream.sent = 0;
    nghttp2_data_provider provider{};
    provider.read_callback = &Session::read_body;
    nghttp2_submit_response(session_, id, nva.data(), nva.size(),
                            stream.body.empty() ? nullptr : &provider);
  }

  void refuse(std::int32_t id, Stream& stream, Response res) {
    stream.refused = true;
    stream.complete = true;
    stream.request.body.clear();
    stream.request.body.shrink_to_fit();
    stream.charge.release();
    submit(id, std::move(res));
  }

  void refuse_too_large(std::int32_t id, Stream& stream) {
    refuse(id, stream, Response::json(413, R"({"message":"Request Entity Too Large"})"));
  }

  void refuse_busy(std::int32_t id, Stream& stream) {
    auto res = Response::json(503, R"({"message":"Too many request bodies in flight, retry"})");
    res.set_header("Retry-After", "1");
    refuse(id, stream, std::move(res));
  }

  // --- nghttp2 callbacks (user_data is the Session) ---

  static Session& self_of(void* user_data) { return *static_cast<Session*>(user_data); }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto& self = self_of(user_data);
    auto& stream = self.streams_[frame->hd.stream_id];
    stream.request.version = 20;
    stream.request.remote_address = self.options_.remote_address;
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t, void* user_data) {
    auto& self = self_of(user_data);
    auto it = self.streams_.find(frame->hd.stream_id);
    if (it == self.streams_.end() || it->second.refused) return 0;
    auto& stream = it->second;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") {
      stream.head = v == "HEAD";
      stream.request.method = std::move(v);
    } else if (n == ":path") {
      stream.request.target = std::move(v);
    } else if (n == ":authority") {
      stream.authority = std::move(v);
    } else if (n == "cookie") {
      stream.cookies.push_back(std::move(v));
    } else if (!n.starts_with(':')) {
      // nghttp2 already refused upper-case names (RFC 9113 §8.2), and trailers land here too.
      stream.request.headers.push_back({std::string(n), std::move(v)});
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                           const std::uint8_t* data, std::size_t len, void* user_data) {
    auto& self = self_of(user_data);
    auto it = self.streams_.find(stream_id);
    if (it == self.streams_.end() || it->second.refused) return 0;
    auto& body = it->second.request.body;
    if (body.size() + len > self.options_.body_limit) {
      self.refuse_too_large(stream_id, it->second);
      return 0;
    }
    if (body.size() + len > body.capacity()) {
      // Grown by doubling, as std::string would; the budget counts the capacity.
      std::size_t want = std::max(body.size() + len, 2 * body.capacity());
      if (!it->second.charge.hold(want)) {
        self.refuse_busy(stream_id, it->second);
        return 0;
      }
      body.reserve(want);
    }
    body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    auto& self = self_of(user_data);
    auto id = frame->hd.stream_id;
    auto it = self.streams_.find(id);
    if (it == self.streams_.end() || it->second.refused) return 0;
    auto& stream = it->second;
    auto& req = stream.request;

    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      stream.header_done = true;
      if (!stream.cookies.empty()) {
        std::string joined;
        for (const auto& c : stream.cookies) joined += (joined.empty() ? "" : "; ") + c;
        req.headers.push_back({"cookie", std::move(joined)});
        stream.cookies.clear();
      }
      if (!stream.authority.empty() && !req.header("host"))
        req.headers.push_back({"host", stream.authority});
      if (req.target.size() > max_request_target) {
        self.refuse(id, stream, Response::json(414, R"({"message":"URI Too Long"})"));
        return 0;
      }
      // A declared length over the limit is refused before the body is read, as over HTTP/1.1.
      if (auto cl = req.header("content-length")) {
        std::size_t declared = 0;
        auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), declared);
        if (ec == std::errc{} && declared > self.options_.body_limit) {
          self.refuse_too_large(id, stream);
          return 0;
        }
      }
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
      stream.complete = true;
      self.ready_.push_back(id);
    }
    return 0;
  }

  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame,
                           void* user_data) {
    // A response sent before the request ended (413): RFC 9113 §8.1 lets the server then ask the
    // client to stop sending with RST_STREAM(NO_ERROR), rather than swallow the rest.
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        nghttp2_session_get_stream_remote_close(session, frame->hd.stream_id) == 0)
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                NGHTTP2_NO_ERROR);
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t,
                             void* user_data) {
    self_of(user_data).streams_.erase(stream_id);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                           std::size_t length, std::uint32_t* data_flags, nghttp2_data_source*,
                           void* user_data) {
    auto& self = self_of(user_data);
    auto it = self.streams_.find(stream_id);
    if (it == self.streams_.end()) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    auto& stream = it->second;
    auto n = std::min(length, stream.body.size() - stream.sent);
    std::memcpy(buf, stream.body.data() + stream.sent, n);
    stream.sent += n;
    if (stream.sent == stream.body.size()) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      std::string().swap(stream.body);
    }
    return static_cast<ssize_t>(n);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<const Handler> handler_;
  H2Options options_;
  nghttp2_session* session_ = nullptr;
  std::vector<std::uint8_t> read_buffer_;
  std::string out_;                         // bytes being written; stable until the write ends
  std::map<std::int32_t, Stream> streams_;  // open streams, by id (never reused)
  std::vector<std::int32_t> ready_;         // complete requests not yet handed to the handler
  Wait wait_ = Wait::none;
  std::chrono::steady_clock::time_point deadline_;
  std::uint64_t timer_generation_ = 0;
  bool timer_pending_ = false;
  bool writing_ = false;
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<H2Connection> start_h2_connection(asio::io_context& io, int native_socket,
                                                  std::string_view already_read,
                                                  std::shared_ptr<const Handler> handler,
                                                  H2Options options) {
  auto session = std::make_shared<Session>(io, std::move(handler), std::move(options));
  session->start(native_socket, already_read);
  return session;
}

}  // namespace serverlite::http
