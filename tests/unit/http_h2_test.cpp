// In-process tests of HTTP/2 with prior knowledge (h2c) on the HTTP server, with real clients:
// an nghttp2 client session over a plain socket, and curl and node when installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include "emulator/http/h2_connection.hpp"
#include "emulator/http/limits.hpp"
#include "emulator/http/server.hpp"

namespace serverlite::http {
namespace {

int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;  // without it, small WINDOW_UPDATE frames wait on Nagle and delayed ACKs
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

struct Reply {
  int status = 0;
  std::vector<Header> headers;
  std::string body;
  bool done = false;
  std::uint32_t reset_code = 0;

  std::string header(std::string_view name) const {
    for (const auto& h : headers)
      if (h.name == name) return h.value;
    return {};
  }
};

// A blocking HTTP/2 client on one connection, driven from a test thread: submit() queues
// requests, run_until_done() exchanges frames until every stream ended.
class H2Client {
 public:
  explicit H2Client(std::uint16_t port) : fd_(connect_to(port)) {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, &H2Client::on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &H2Client::on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &H2Client::on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &H2Client::on_frame);
    nghttp2_session_client_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    // nghttp2 sends the 24-byte preface itself before this SETTINGS frame.
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }

  ~H2Client() {
    nghttp2_session_del(session_);
    if (fd_ >= 0) close(fd_);
  }

  bool connected() const { return fd_ >= 0; }

  std::int32_t submit(const std::string& method, const std::string& path,
                      std::vector<Header> headers = {}, std::string body = {}) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", method}, {":scheme", "http"}, {":authority", "example.test"}, {":path", path}};
    for (auto& h : headers) fields.emplace_back(h.name, h.value);
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : fields)
      nva.push_back({reinterpret_cast<std::uint8_t*>(n.data()),
                     reinterpret_cast<std::uint8_t*>(v.data()), n.size(), v.size(),
                     NGHTTP2_NV_FLAG_NONE});
    nghttp2_data_provider provider{};
    provider.read_callback = &H2Client::read_body;
    auto id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                     body.empty() ? nullptr : &provider, nullptr);
    bodies_[id] = {std::move(body), 0};
    replies[id];
    return id;
  }

  // Exchanges frames until every submitted stream closed. False on timeout or EOF first.
  bool run_until_done() {
    while (true) {
      if (!send_pending()) return false;
      bool all = true;
      for (auto& [id, r] : replies) all = all && r.done;
      if (all) return true;
      if (!receive()) return false;
    }
  }

  // Exchanges frames until the server closes the connection. False on timeout.
  bool run_until_eof() {
    while (true) {
      send_pending();
      char buf[16384];
      auto n = recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      nghttp2_session_mem_recv(session_, reinterpret_cast<std::uint8_t*>(buf),
                               static_cast<std::size_t>(n));
    }
  }

  // Sends what is queued, waits for `flag`, then closes the socket.
  void disconnect_when(const std::atomic<bool>& flag) {
    send_pending();
    while (!flag) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    close(fd_);
    fd_ = -1;
  }

  std::map<std::int32_t, Reply> replies;
  std::vector<std::int32_t> completion_order;
  bool goaway = false;

 private:
  bool send_pending() {
    while (true) {
      const std::uint8_t* data = nullptr;
      auto n = nghttp2_session_mem_send(session_, &data);
      if (n <= 0) return n == 0;
      if (send(fd_, data, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) return false;
    }
  }

  bool receive() {
    char buf[16384];
    auto n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    return nghttp2_session_mem_recv(session_, reinterpret_cast<std::uint8_t*>(buf),
                                    static_cast<std::size_t>(n)) >= 0;
  }

  static H2Client& self_of(void* p) { return *static_cast<H2Client*>(p); }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t, void* user) {
    auto& r = self_of(user).replies[frame->hd.stream_id];
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status")
      r.status = std::stoi(v);
    else
      r.headers.push_back({std::move(n), std::move(v)});
    return 0;
  }

  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                     std::size_t len, void* user) {
    self_of(user).replies[id].body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_close(nghttp2_session*, std::int32_t id, std::uint32_t code, void* user) {
    auto& self = self_of(user);
    self.replies[id].done = true;
    self.replies[id].reset_code = code;
    self.completion_order.push_back(id);
    return 0;
  }

  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) self_of(user).goaway = true;
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf,
                           std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                           void* user) {
    auto& [body, sent] = self_of(user).bodies_[id];
    auto n = std::min(length, body.size() - sent);
    std::memcpy(buf, body.data() + sent, n);
    sent += n;
    if (sent == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  int fd_;
  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, std::pair<std::string, std::size_t>> bodies_;
};

// Runs a shell command, returning its standard output.
std::string run_command(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
  }
  return out;
}

bool have_tool(const std::string& probe) { return std::system(probe.c_str()) == 0; }

struct H2Fixture : ::testing::Test {
  boost::asio::io_context io;

  template <typename F>
  auto run_client(F client) {
    auto fut = std::async(std::launch::async, client);
    while (fut.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
      io.run_for(std::chrono::milliseconds(5));
      io.restart();
    }
    return fut.get();
  }
};

Response echo(const Request& req) {
  std::string seen = req.method + " " + req.target + " v" + std::to_string(req.version) +
                     " host=" + std::string(req.header("Host").value_or("-")) +
                     " x=" + std::string(req.header("X-Test").value_or("-")) + " body=" + req.body;
  return Response::text(200, seen).set_header("X-Echo", "yes").set_header("Connection", "close");
}

TEST_F(H2Fixture, GetAndPostBecomeRequestsForTheHandler) {
  Server server(io, [&](Request req, Responder respond) {
    EXPECT_EQ(req.remote_address, "127.0.0.1");
    respond(echo(req));
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  ASSERT_TRUE(client.connected());
  auto get = client.submit("GET", "/a?b=1", {{"x-test", "yes"}});
  auto post = client.submit("POST", "/p", {{"content-type", "application/json"}}, R"({"k":1})");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));

  const auto& g = client.replies[get];
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "GET /a?b=1 v20 host=example.test x=yes body=");
  EXPECT_EQ(g.header("x-echo"), "yes");  // names go out lower case
  EXPECT_EQ(g.header("content-length"), std::to_string(g.body.size()));
  EXPECT_EQ(g.header("connection"), "");  // connection-specific: not allowed in HTTP/2
  const auto& p = client.replies[post];
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.body, R"(POST /p v20 host=example.test x=- body={"k":1})");
}

TEST_F(H2Fixture, HeadAndSplitCookies) {
  Server server(io, [&](Request req, Responder respond) {
    respond(Response::text(200, "cookie=" + std::string(req.header("cookie").value_or("-"))));
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  // HTTP/2 clients may send each cookie as its own field; RFC 9113 §8.2.3 joins them with "; ".
  auto get = client.submit("GET", "/", {{"cookie", "a=1"}, {"cookie", "b=2"}});
  auto head = client.submit("HEAD", "/", {{"cookie", "c=3"}});
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[get].body, "cookie=a=1; b=2");
  EXPECT_EQ(client.replies[head].status, 200);
  EXPECT_EQ(client.replies[head].body, "");
  EXPECT_EQ(client.replies[head].header("content-length"), "10");  // what GET would send
}

// A handler that answers HEAD with no body may declare the GET's length itself.
TEST_F(H2Fixture, HeadKeepsTheLengthTheHandlerDeclares) {
  Server server(io, [&](Request, Responder respond) {
    Response res = Response::text(200, "");
    res.add_header("Content-Length", "1234");
    respond(std::move(res));
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto head = client.submit("HEAD", "/");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[head].status, 200);
  EXPECT_EQ(client.replies[head].header("content-length"), "1234");
}

TEST_F(H2Fixture, LargeBodiesBothWays) {
  // A Kinesis PutRecords body may be 5 MB; it must pass the flow-control windows.
  std::string big(5 * 1024 * 1024 + 7, 'k');
  for (std::size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
  Server server(io, [&](Request req, Responder respond) {
    EXPECT_TRUE(req.body == big);
    respond(Response::text(200, req.target == "/echo" ? req.body : "got it"));
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto up = client.submit("POST", "/up", {}, big);
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[up].body, "got it");
  auto echo = client.submit("POST", "/echo", {}, big);
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[echo].status, 200);
  EXPECT_TRUE(client.replies[echo].body == big);
}

TEST_F(H2Fixture, ConcurrentStreamsAreAnsweredOutOfOrder) {
  // The first request is answered only once the second arrived, on the same connection: an
  // HTTP/1-style "one request at a time" would deadlock here.
  Responder first;
  Server server(io, [&](Request req, Responder respond) {
    if (req.target == "/first") {
      first = respond;
      return;
    }
    respond(Response::text(200, "second"));
    first(Response::text(200, "first"));
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto a = client.submit("GET", "/first");
  auto b = client.submit("GET", "/second");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[a].body, "first");
  EXPECT_EQ(client.replies[b].body, "second");
  EXPECT_EQ(client.completion_order, (std::vector<std::int32_t>{b, a}));
}

TEST_F(H2Fixture, ARespondentMayAnswerLater) {
  boost::asio::steady_timer timer(io);
  Server server(io, [&](Request, Responder respond) {
    timer.expires_after(std::chrono::milliseconds(50));
    timer.async_wait([respond](auto) { respond(Response::json(201, R"({"late":true})")); });
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto id = client.submit("GET", "/");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[id].status, 201);
  EXPECT_EQ(client.replies[id].header("content-type"), "application/json");
  EXPECT_EQ(client.replies[id].body, R"({"late":true})");
}

TEST_F(H2Fixture, AnAnswerAfterTheClientLeftIsIgnored) {
  Responder held;
  std::atomic<bool> arrived = false;
  Server server(io, [&](Request, Responder respond) {
    held = respond;
    arrived = true;
  });
  server.listen("127.0.0.1", 0);
  run_client([&] {
    H2Client client(server.port());
    client.submit("GET", "/poll");
    client.disconnect_when(arrived);
    return 0;
  });
  for (int i = 0; i < 200 && (!held || server.open_connections() > 0); ++i) {
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  ASSERT_TRUE(held);
  EXPECT_EQ(server.open_connections(), 0u);
  held(Response::text(200, "nobody listens"));  // must neither crash nor write
  io.run_for(std::chrono::milliseconds(20));
}

TEST_F(H2Fixture, BodiesOverTheLimitGet413) {
  int calls = 0;
  Server server(io, [&](Request, Responder respond) {
    ++calls;
    respond(Response::text(200, "ok"));
  }, ServerOptions{.body_limit = 10});
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto declared = client.submit("POST", "/", {{"content-length", "20"}}, std::string(20, 'x'));
  auto undeclared = client.submit("POST", "/", {}, std::string(20, 'y'));
  auto fits = client.submit("POST", "/", {}, std::string(10, 'z'));
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[declared].status, 413);
  EXPECT_EQ(client.replies[undeclared].status, 413);
  EXPECT_EQ(client.replies[fits].status, 200);
  EXPECT_EQ(calls, 1);
}

TEST_F(H2Fixture, AHandlerThatThrowsGets500AndTheConnectionServesOn) {
  Server server(io, [&](Request req, Responder respond) {
    if (req.target == "/bug") throw std::runtime_error("handler bug");
    respond(Response::text(200, "fine"));
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto bug = client.submit("GET", "/bug");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  auto fine = client.submit("GET", "/ok");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[bug].status, 500);
  EXPECT_EQ(client.replies[bug].body, R"({"message":"Internal server error"})");
  EXPECT_EQ(client.replies[fine].body, "fine");
}

TEST_F(H2Fixture, StopSendsGoawayAndClosesAnIdleConnection) {
  Server server(io, [&](Request, Responder respond) { respond(Response::text(200, "hi")); });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  client.submit("GET", "/");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(server.open_connections(), 1u);

  std::atomic<bool> stopped = false;
  auto eof = std::async(std::launch::async, [&] {
    while (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return client.run_until_eof();
  });
  server.stop();
  stopped = true;
  while (eof.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  EXPECT_TRUE(eof.get());
  EXPECT_TRUE(client.goaway);
  EXPECT_EQ(server.open_connections(), 0u);
}

TEST_F(H2Fixture, StopLetsABusyStreamFinishFirst) {
  Responder held;
  Server server(io, [&](Request, Responder respond) { held = respond; });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto id = client.submit("GET", "/slow");
  auto done = std::async(std::launch::async, [&] { return client.run_until_done(); });
  while (!held) {
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  server.stop();
  io.run_for(std::chrono::milliseconds(20));
  io.restart();
  EXPECT_EQ(server.open_connections(), 1u);  // still waiting for the answer
  held(Response::text(200, "last words"));
  while (done.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  EXPECT_TRUE(done.get());
  EXPECT_EQ(client.replies[id].body, "last words");
  for (int i = 0; i < 200 && server.open_connections() > 0; ++i) {
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  EXPECT_EQ(server.open_connections(), 0u);
}

TEST_F(H2Fixture, Http11StillWorksOnTheSamePort) {
  int calls = 0;
  Server server(io, [&](Request req, Responder respond) {
    ++calls;
    respond(Response::text(200, req.method + " " + req.target + " v" +
                                    std::to_string(req.version) + " " + req.body));
  });
  server.listen("127.0.0.1", 0);
  H2Client h2(server.port());
  auto id = h2.submit("GET", "/over-h2");
  ASSERT_TRUE(run_client([&] { return h2.run_until_done(); }));
  EXPECT_EQ(h2.replies[id].body, "GET /over-h2 v20 ");

  // "P" first, as the preface begins, and a request line the preface shares a prefix with.
  auto got = run_client([&] {
    int fd = connect_to(server.port());
    std::string raw =
        "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        "PRI /b HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /c HTTP/1.1\r\nHost: h\r\n\r\n";
    send(fd, raw.data(), 1, 0);  // the sniffer must wait for more than one byte
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    send(fd, raw.data() + 1, raw.size() - 1, 0);
    std::string all;
    char buf[4096];
    while (all.find("GET /c v11") == std::string::npos) {
      auto n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      all.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    return all;
  });
  EXPECT_NE(got.find("POST /a v11 abc"), std::string::npos);
  EXPECT_NE(got.find("PRI /b v11 "), std::string::npos);
  EXPECT_NE(got.find("GET /c v11 "), std::string::npos);
  EXPECT_EQ(calls, 4);
}

TEST_F(H2Fixture, CurlWithPriorKnowledge) {
  if (!have_tool("curl --version 2>/dev/null | grep -q HTTP2"))
    GTEST_SKIP() << "no curl with HTTP/2";
  Server server(io, [&](Request req, Responder respond) { respond(echo(req)); });
  server.listen("127.0.0.1", 0);
  auto url = "http://127.0.0.1:" + std::to_string(server.port());
  auto out = run_client([&] {
    return run_command("curl -sS --http2-prior-knowledge -H 'X-Test: c' -d 'hello' "
                       "-w ' %{http_version}' '" + url + "/x?y=1' 2>&1");
  });
  EXPECT_EQ(out, "POST /x?y=1 v20 host=127.0.0.1:" + std::to_string(server.port()) +
                     " x=c body=hello 2");
}

TEST_F(H2Fixture, NodeHttp2Client) {
  if (!have_tool("node -e 'require(\"http2\")' 2>/dev/null")) GTEST_SKIP() << "no node";
  Server server(io, [&](Request req, Responder respond) { respond(echo(req)); });
  server.listen("127.0.0.1", 0);
  // Two requests on one session, as the AWS SDK's NodeHttp2Handler sends them.
  std::string script =
      "const h=require('http2');const s=h.connect('http://127.0.0.1:" +
      std::to_string(server.port()) +
      "');const go=(p,b)=>new Promise(r=>{const q=s.request({':method':'POST',':path':p,"
      "'x-test':'n'});let d='';q.setEncoding('utf8');q.on('response',x=>d+=x[':status']+' ');"
      "q.on('data',c=>d+=c);q.on('end',()=>r(d));q.end(b);});"
      "Promise.all([go('/1','a'),go('/2','b')]).then(v=>{console.log(v.join('|'));s.close();});";
  auto out = run_client([&] { return run_command("node -e \"" + script + "\" 2>&1"); });
  auto host = "127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(out, "200 POST /1 v20 host=" + host + " x=n body=a|200 POST /2 v20 host=" + host +
                     " x=n body=b\n");
}

ServerOptions short_timeouts() {
  using std::chrono::milliseconds;
  return ServerOptions{.header_timeout = milliseconds(300),
                       .body_timeout = milliseconds(300),
                       .idle_timeout = milliseconds(300)};
}

// One HTTP/2 frame, written by hand (the client library would not leave a request half sent).
std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                  const std::string& payload) {
  std::string f;
  auto n = payload.size();
  f += static_cast<char>((n >> 16) & 0xff);
  f += static_cast<char>((n >> 8) & 0xff);
  f += static_cast<char>(n & 0xff);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>((stream >> shift) & 0xff);
  return f + payload;
}

// Sends `raw` after the preface and an empty SETTINGS frame, then reads until the server closes:
// seconds that took, or -1 when it did not close within 5 s.
double h2_seconds_until_closed(std::uint16_t port, const std::string& raw) {
  int fd = connect_to(port);
  std::string all = std::string(h2_preface) + frame(0x4, 0, 0, "") + raw;
  send(fd, all.data(), all.size(), 0);
  auto begin = std::chrono::steady_clock::now();
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - begin;
  close(fd);
  return n == 0 || (n < 0 && errno == ECONNRESET) ? took.count() : -1;
}

TEST_F(H2Fixture, StalledConnectionsAreClosedAfterTheirTimeout) {
  int calls = 0;
  Server server(io, [&](Request, Responder respond) {
    ++calls;
    respond(Response::text(200, "ok"));
  }, short_timeouts());
  server.listen("127.0.0.1", 0);
  // HPACK, static table only: :method POST, :scheme http, :path /.
  const std::string block = "\x83\x86\x84";
  const std::vector<std::pair<std::string, std::string>> stalls = {
      {"nothing after the preface", ""},
      {"half a header (no END_HEADERS)", frame(0x1, 0x0, 1, block)},
      {"half a body (no END_STREAM)", frame(0x1, 0x4, 1, block) + frame(0x0, 0x0, 1, "abc")},
  };
  for (const auto& [what, raw] : stalls) {
    double took = run_client([&] { return h2_seconds_until_closed(server.port(), raw); });
    EXPECT_GE(took, 0.25) << what;
    EXPECT_LT(took, 2.0) << what;
  }
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(server.open_connections(), 0u);
}

TEST_F(H2Fixture, AnIdleConnectionGetsGoawayAfterTheIdleTimeout) {
  Server server(io, [&](Request, Responder respond) { respond(Response::text(200, "hi")); },
                short_timeouts());
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto id = client.submit("GET", "/");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[id].status, 200);
  auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(run_client([&] { return client.run_until_eof(); }));
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - begin;
  EXPECT_TRUE(client.goaway);
  EXPECT_GE(took.count(), 0.2);
  EXPECT_LT(took.count(), 2.0);
}

TEST_F(H2Fixture, ASlowHandlerIsNotCut) {
  boost::asio::steady_timer timer(io);
  Server server(io, [&](Request, Responder respond) {
    timer.expires_after(std::chrono::milliseconds(1000));
    timer.async_wait([respond](auto) { respond(Response::text(200, "late")); });
  }, short_timeouts());
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto id = client.submit("GET", "/next");
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  EXPECT_EQ(client.replies[id].status, 200);
  EXPECT_EQ(client.replies[id].body, "late");
}

TEST_F(H2Fixture, BodiesBeyondTheBudgetGet503AndTheBudgetIsGivenBack) {
  Limits saved = default_limits();
  Limits small = saved;
  small.body_memory = 1024 * 1024;
  set_default_limits(small);
  int calls = 0;
  Server server(io, [&](Request req, Responder respond) {
    ++calls;
    respond(Response::text(200, std::to_string(req.body.size())));
  });
  server.listen("127.0.0.1", 0);
  H2Client client(server.port());
  auto big = client.submit("POST", "/", {}, std::string(3000000, 'x'));
  auto fits = client.submit("POST", "/", {}, std::string(1000, 'y'));
  ASSERT_TRUE(run_client([&] { return client.run_until_done(); }));
  set_default_limits(saved);
  EXPECT_EQ(client.replies[big].status, 503);
  EXPECT_EQ(client.replies[big].header("retry-after"), "1");
  EXPECT_EQ(client.replies[fits].status, 200);
  EXPECT_EQ(client.replies[fits].body, "1000");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(body_memory_in_use(), 0u);
}

}  // namespace
}  // namespace serverlite::http
