// A do-nothing HTTP/1.1 server for scripts/bench: it answers every request on a keep-alive
// connection with `200 {}` and does nothing else. wrk against it measures what the load
// generator and the kernel's loopback TCP leave to any server on this machine, the ceiling for
// the small-request workloads. Its io loop is serverlite's: after handling anything it polls for
// 50 us (yielding the core) before it sleeps in epoll.
//
// Built by scripts/bench (c++ -O2), not by CMake. Usage: null_server PORT (binds 127.0.0.1).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}";

// The length of the first whole request in `in` (head and Content-Length body), or 0.
std::size_t request_length(std::string_view in) {
  auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  std::size_t body = 0;
  for (std::size_t at = 0; at < head_end;) {
    auto eol = in.find("\r\n", at);
    std::string_view line = in.substr(at, eol - at);
    constexpr std::string_view kLength = "content-length:";
    if (line.size() > kLength.size()) {
      bool match = true;
      for (std::size_t i = 0; i < kLength.size() && match; ++i)
        match = (line[i] | 0x20) == kLength[i];
      if (match) body = std::strtoul(std::string(line.substr(kLength.size())).c_str(), nullptr, 10);
    }
    at = eol + 2;
  }
  std::size_t total = head_end + 4 + body;
  return in.size() >= total ? total : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: null_server PORT\n");
    return 2;
  }
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 128) != 0) {
    std::perror("null_server");
    return 1;
  }
  std::printf("null_server listening on 127.0.0.1:%s\n", argv[1]);
  std::fflush(stdout);
  int poller = epoll_create1(0);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);

  std::map<int, std::string> pending;  // bytes read, per connection
  char chunk[65536];
  epoll_event ready[64];
  using Clock = std::chrono::steady_clock;
  auto last_work = Clock::now();
  for (;;) {
    bool polling = Clock::now() - last_work < std::chrono::microseconds(50);
    int n = epoll_wait(poller, ready, 64, polling ? 0 : -1);
    if (n <= 0) {
      if (polling) sched_yield();
      continue;
    }
    last_work = Clock::now();
    for (int i = 0; i < n; ++i) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        for (int client; (client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.fd = client;
          epoll_ctl(poller, EPOLL_CTL_ADD, client, &e);
          pending[client];
        }
        continue;
      }
      ssize_t got = read(fd, chunk, sizeof chunk);
      if (got <= 0) {
        close(fd);
        pending.erase(fd);
        continue;
      }
      std::string& in = pending[fd];
      in.append(chunk, static_cast<std::size_t>(got));
      std::string out;
      for (std::size_t length; (length = request_length(in)) != 0;) {
        out += kAnswer;
        in.erase(0, length);
      }
      if (!out.empty() && write(fd, out.data(), out.size()) < 0) {
        close(fd);
        pending.erase(fd);
      }
    }
  }
}
