#include "emulator/invoker/process_tree.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <optional>
#include <fstream>
#include <string>

namespace serverlite::invoker {

namespace {

std::uint64_t status_kib(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(field)) continue;
    std::string_view rest = std::string_view(line).substr(field.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    std::uint64_t kib = 0;
    std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    return kib;
  }
  return 0;
}

// /proc/PID/task/TID/children lists the children of each thread; worker processes are few
// and shallow, so a walk per sample is cheap (tens of microseconds).
void children_of(pid_t pid, std::vector<pid_t>& out) {
  std::string task = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(task.c_str());
  if (!dir) return;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream in(task + "/" + entry->d_name + "/children");
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  ::closedir(dir);
}

// Asks the kernel for that one connection (sock_diag, an exact lookup): about ten microseconds,
// where reading /proc/net/tcp grows with every socket on the host (milliseconds with thousands).
// nullopt when sock_diag cannot be used; 0 when there is no such connection.
std::optional<std::uint64_t> diag_socket_inode(std::uint16_t local_port,
                                               std::uint16_t remote_port) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::nullopt;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  auto& r = message.request;
  r.sdiag_family = AF_INET;
  r.sdiag_protocol = IPPROTO_TCP;
  r.idiag_states = ~0U;
  r.id.idiag_sport = htons(local_port);
  r.id.idiag_dport = htons(remote_port);
  r.id.idiag_src[0] = htonl(INADDR_LOOPBACK);
  r.id.idiag_dst[0] = htonl(INADDR_LOOPBACK);
  r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  std::optional<std::uint64_t> inode;
  if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) == static_cast<ssize_t>(sizeof message)) {
    alignas(nlmsghdr) char buf[8192];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (n > 0 && NLMSG_OK(h, static_cast<unsigned>(n))) {
      if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
        // The lookup is the one an arriving packet gets, so without that connection it finds
        // a listener on the port: only the connection itself counts.
        const auto* found = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
        bool exact = found->id.idiag_sport == htons(local_port) &&
                     found->id.idiag_dport == htons(remote_port);
        inode = exact ? found->idiag_inode : 0;
      } else if (h->nlmsg_type == NLMSG_ERROR) {
        int error = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
        if (error == ENOENT) inode = 0;  // no such connection; other errors: fall back
      }
    }
  }
  ::close(fd);
  return inode;
}

std::string_view next_field(std::string_view& rest) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  auto end = rest.find(' ');
  std::string_view field = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return field;
}

}  // namespace

std::vector<pid_t> process_tree(pid_t pid) {
  std::vector<pid_t> todo;
  if (pid <= 0 || ::access(("/proc/" + std::to_string(pid)).c_str(), F_OK) != 0) return todo;
  todo.push_back(pid);
  for (std::size_t i = 0; i < todo.size() && todo.size() < 4096; ++i) children_of(todo[i], todo);
  return todo;
}

std::uint64_t tree_rss_bytes(pid_t pid) {
  std::uint64_t total = 0;
  for (pid_t p : process_tree(pid)) total += status_kib(p, "VmRSS:") * 1024;
  return total;
}

std::uint64_t peak_rss_bytes(pid_t pid) { return status_kib(pid, "VmHWM:") * 1024; }

std::uint64_t match_tcp_line(std::string_view line, std::uint16_t local_port,
                             std::uint16_t remote_port) {
  // "  12: 0100007F:B4ED 0100007F:BE8C 06 00000000:00000000 00:00000000 00000000  0  0 4711 ..."
  // Addresses are the 32-bit value as the machine holds it, ports big-endian, both in hex.
  char local[16], remote[16];
  unsigned loopback = htonl(INADDR_LOOPBACK);
  std::snprintf(local, sizeof local, "%08X:%04X", loopback, local_port);
  std::snprintf(remote, sizeof remote, "%08X:%04X", loopback, remote_port);
  std::string_view rest = line;
  next_field(rest);  // "sl:"
  if (next_field(rest) != local || next_field(rest) != remote) return 0;
  for (int i = 0; i < 6; ++i) next_field(rest);  // st, queues, timer, retransmits, uid, timeout
  std::string_view inode = next_field(rest);
  std::uint64_t value = 0;
  std::from_chars(inode.data(), inode.data() + inode.size(), value);
  return value;
}

std::uint64_t loopback_socket_inode(std::uint16_t local_port, std::uint16_t remote_port) {
  if (auto inode = diag_socket_inode(local_port, remote_port)) return *inode;
  std::ifstream in("/proc/net/tcp");
  std::string line;
  while (std::getline(in, line))
    if (auto inode = match_tcp_line(line, local_port, remote_port)) return inode;
  return 0;
}

bool holds_socket(const std::vector<pid_t>& pids, std::uint64_t inode) {
  if (inode == 0) return false;
  std::string wanted = "socket:[" + std::to_string(inode) + "]";
  char target[64];
  for (pid_t pid : pids) {
    std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
    int dir_fd = ::open(fd_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) continue;
    DIR* dir = ::fdopendir(dir_fd);
    if (!dir) {
      ::close(dir_fd);
      continue;
    }
    bool found = false;
    while (dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      ssize_t n = ::readlinkat(dir_fd, entry->d_name, target, sizeof target);
      if (n > 0 && std::string_view(target, static_cast<std::size_t>(n)) == wanted) {
        found = true;
        break;
      }
    }
    ::closedir(dir);
    if (found) return true;
  }
  return false;
}

}  // namespace serverlite::invoker
