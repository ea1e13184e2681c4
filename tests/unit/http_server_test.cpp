// In-process tests of the HTTP server on an ephemeral port, with a plain socket client.
#include "emulator/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

namespace serverlite::http {
namespace {

// Sends raw bytes and reads until `responses` complete HTTP responses (by Content-Length; the
// first `bodiless` of them answer HEAD requests, so their Content-Length announces no body).
// A blocking client socket connected to 127.0.0.1:port (reads time out after 5 s), or -1.
int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  close(fd);
  return -1;
}

std::string exchange(std::uint16_t port, const std::string& raw, int responses = 1,
                     const std::string& after_first_read = {}, int bodiless = 0) {
  int fd = connect_to(port);
  if (fd < 0) return "connect failed";
  send(fd, raw.data(), raw.size(), 0);
  std::string got;
  int complete = 0;
  bool sent_rest = after_first_read.empty();
  char buf[4096];
  while (complete < responses) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
    if (!sent_rest && got.find("100 Continue") != std::string::npos) {
      send(fd, after_first_read.data(), after_first_read.size(), 0);
      sent_rest = true;
    }
    // Count complete responses.
    complete = 0;
    std::size_t pos = 0;
    while (true) {
      auto head_end = got.find("\r\n\r\n", pos);
      if (head_end == std::string::npos) break;
      auto head = got.substr(pos, head_end - pos);
      if (head.starts_with("HTTP/1.1 100")) {
        pos = head_end + 4;
        continue;
      }
      auto cl = head.find("Content-Length: ");
      std::size_t len = cl == std::string::npos || complete < bodiless
                            ? 0
                            : std::stoul(head.substr(cl + 16));
      if (got.size() < head_end + 4 + len) break;
      pos = head_end + 4 + len;
      ++complete;
    }
  }
  close(fd);
  return got;
}

struct ServerFixture : ::testing::Test {
  boost::asio::io_context io;

  std::string run_client(std::function<std::string()> client) {
    auto fut = std::async(std::launch::async, client);
    while (fut.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
      io.run_for(std::chrono::milliseconds(5));
      io.restart();
    }
    return fut.get();
  }
};

TEST_F(ServerFixture, AnswersAndKeepsTheConnectionAlive) {
  int calls = 0;
  Server server(io, [&](Request req, Responder respond) {
    ++calls;
    EXPECT_EQ(req.remote_address, "127.0.0.1");
    EXPECT_EQ(req.header("x-test").value_or(""), "yes");
    respond(Response::text(200, req.method + " " + std::string(req.path()) + " " +
                                    std::string(req.query()) + " " + req.body));
  });
  server.listen("127.0.0.1", 0);
  ASSERT_NE(server.port(), 0);
  auto got = run_client([&] {
    return exchange(server.port(),
                    "POST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Test: yes\r\nContent-Length: 3\r\n\r\nabc"
                    "GET /c HTTP/1.1\r\nHost: h\r\nX-Test: yes\r\n\r\n",
                    2);
  });
  EXPECT_EQ(calls, 2);
  EXPECT_NE(got.find("POST /a/b x=1 abc"), std::string::npos);
  EXPECT_NE(got.find("GET /c  "), std::string::npos);
}

// The answer's head, byte for byte: status line with its reason, the handler's headers in order,
// the server's own framing, and nothing a handler could use to split the answer.
TEST(ResponseHead, FramesTheAnswer) {
  Response res = Response::json(200, R"({"a":1})");
  res.add_header("x-amz-crc32", "123");
  std::string out;
  append_response_head(res, true, out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-amz-crc32: 123\r\n"
            "Content-Length: 7\r\n\r\n");

  out.clear();
  append_response_head(Response::text(404, ""), false, out);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n");

  Response framed = Response::text(500, "body");
  framed.add_header("Content-Length", "999");
  framed.add_header("transfer-encoding", "chunked");
  framed.add_header("Connection", "keep-alive");
  framed.add_header("Bad Name", "x");
  framed.add_header("X-Split", "a\r\nInjected: yes");
  out.clear();
  append_response_head(framed, true, out);
  EXPECT_EQ(out,
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "X-Split: a  Injected: yes\r\nContent-Length: 4\r\n\r\n");
}

// An answer to HEAD may declare the length of the GET it stands for; a declared length that is
// not a number, or one on an answer to anything else, gives way to the body's size.
TEST(ResponseHead, AHeadAnswerKeepsTheLengthItDeclares) {
  Response declared = Response::text(200, "");
  declared.add_header("Content-Length", "42");
  std::string out;
  append_response_head(declared, true, out, /*head=*/true);
  EXPECT_NE(out.find("\r\nContent-Length: 42\r\n"), std::string::npos) << out;
  EXPECT_EQ(content_length(declared, false), "0");

  Response odd = Response::text(200, "abc");
  odd.add_header("Content-Length", "4 2");
  EXPECT_EQ(content_length(odd, true), "3");
  EXPECT_EQ(content_length(Response::text(200, "hello"), true), "5");
}

TEST(ResponseHead, NoContentAndNotModifiedHaveNoLength) {
  for (int status : {204, 304}) {
    Response res;
    res.status = status;
    res.body = "ignored";
    std::string out;
    append_response_head(res, true, out);
    EXPECT_EQ(out.find("Content-Length"), std::string::npos) << out;
    EXPECT_FALSE(response_has_body(status));
  }
  EXPECT_TRUE(response_has_body(200));
  EXPECT_FALSE(response_has_body(101));
}

// A 204 goes out without a body, and the connection serves the next request.
TEST_F(ServerFixture, NoContentKeepsTheConnectionInStep) {
  Server server(io, [&](Request req, Responder respond) {
    Response res = Response::text(req.path() == "/empty" ? 204 : 200, "after");
    respond(std::move(res));
  });
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] {
    return exchange(server.port(),
                    "GET /empty HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n", 2);
  });
  EXPECT_TRUE(got.starts_with("HTTP/1.1 204 No Content\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"))
      << got;
  EXPECT_NE(got.find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_TRUE(got.ends_with("\r\n\r\nafter")) << got;
}

// A HEAD request gets the head a GET would (Content-Length included) and no body, so a kept-alive
// connection reads the next answer from its first byte.
TEST_F(ServerFixture, HeadGetsNoBodyAndTheConnectionStaysInStep) {
  Server server(io, [&](Request req, Responder respond) {
    respond(Response::text(200, req.method == "HEAD" ? "hello" : "after"));
  });
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] {
    return exchange(server.port(),
                    "HEAD /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n", 2,
                    {}, 1);
  });
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: 5\r\n\r\n";
  EXPECT_EQ(got, head + head + "after");
}

// Over the wire too: a HEAD answer with no body keeps the length its handler declared.
TEST_F(ServerFixture, HeadKeepsTheLengthTheHandlerDeclares) {
  Server server(io, [&](Request, Responder respond) {
    Response res = Response::text(200, "");
    res.add_header("Content-Length", "1234");
    respond(std::move(res));
  });
  server.listen("127.0.0.1", 0);
  auto got = run_client(
      [&] { return exchange(server.port(), "HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n", 1, {}, 1); });
  EXPECT_EQ(
      got,
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1234\r\n\r\n");
}

// A request that arrives in pieces (header alone, then the body in two parts) is read whole.
TEST_F(ServerFixture, ARequestInPiecesIsReadWhole) {
  std::string seen;
  Server server(io, [&](Request req, Responder respond) {
    seen = req.body;
    respond(Response::text(200, "ok"));
  });
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] {
    int fd = connect_to(server.port());
    if (fd < 0) return std::string("connect failed");
    for (std::string part : {"POST / HTTP/1.1\r\nHost: h\r\nContent-Le", "ngth: 10\r\n\r\n",
                             "hello", "world"}) {
      send(fd, part.data(), part.size(), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::string out;
    char buf[1024];
    while (out.find("\r\n\r\nok") == std::string::npos) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    return out;
  });
  EXPECT_EQ(seen, "helloworld");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK")) << got;
}

// Bytes that are not HTTP close the connection without calling the handler.
TEST_F(ServerFixture, GarbageClosesTheConnection) {
  int calls = 0;
  Server server(io, [&](Request, Responder respond) {
    ++calls;
    respond(Response::text(200, "ok"));
  });
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] { return exchange(server.port(), "\x01\x02 not http\r\n\r\n"); });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(got, "");
}

TEST_F(ServerFixture, ARespondentMayAnswerLater) {
  boost::asio::steady_timer timer(io);
  Server server(io, [&](Request, Responder respond) {
    timer.expires_after(std::chrono::milliseconds(50));
    timer.async_wait([respond](auto) { respond(Response::json(201, R"({"late":true})")); });
  });
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] { return exchange(server.port(), "GET / HTTP/1.1\r\nHost: h\r\n\r\n"); });
  EXPECT_TRUE(got.starts_with("HTTP/1.1 201"));
  EXPECT_NE(got.find(R"({"late":true})"), std::string::npos);
}

TEST_F(ServerFixture, ExpectContinueIsAnswered) {
  Server server(io, [&](Request req, Responder respond) { respond(Response::text(200, req.body)); });
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] {
    return exchange(server.port(),
                    "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
                    1, "hello");
  });
  EXPECT_NE(got.find("HTTP/1.1 100 Continue"), std::string::npos);
  EXPECT_NE(got.find("hello"), std::string::npos);
}

TEST_F(ServerFixture, BodiesOverTheLimitGet413) {
  Server server(io, [&](Request, Responder respond) { respond(Response::text(200, "no")); },
                ServerOptions{.body_limit = 10});
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] {
    return exchange(server.port(),
                    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n01234567890123456789");
  });
  EXPECT_TRUE(got.starts_with("HTTP/1.1 413"));
}

TEST_F(ServerFixture, AHandlerThatThrowsGets500AndTheServerServesOn) {
  int calls = 0;
  Server server(io, [&](Request, Responder respond) {
    if (++calls == 1) throw std::runtime_error("handler bug");
    respond(Response::text(200, "fine"));
  });
  server.listen("127.0.0.1", 0);
  auto got = run_client([&] {
    return exchange(server.port(),
                    "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n", 2);
  });
  EXPECT_TRUE(got.starts_with("HTTP/1.1 500"));
  EXPECT_NE(got.find("fine"), std::string::npos);
}

TEST_F(ServerFixture, ListenOnABusyPortThrows) {
  Server a(io, [](Request, Responder r) { r(Response::text(200, "")); });
  a.listen("127.0.0.1", 0);
  Server b(io, [](Request, Responder r) { r(Response::text(200, "")); });
  EXPECT_THROW(b.listen("127.0.0.1", a.port()), std::system_error);
}

}  // namespace
}  // namespace serverlite::http
