// A worker's process tree, read from /proc (Linux): its memory (Lambda's memorySize bounds the
// whole execution environment, so a handler that forks is measured with its children), and which
// process holds the other end of a loopback TCP connection (the Runtime API answers only its own
// worker's tree).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace serverlite::invoker {

// `pid` and all its descendants (through /proc/PID/task/TID/children), `pid` first; empty if it
// is gone. At most 4,096 processes.
std::vector<pid_t> process_tree(pid_t pid);

// Resident set size of `pid` and all its descendants, in bytes; 0 if it is gone.
std::uint64_t tree_rss_bytes(pid_t pid);

// Peak resident set size (VmHWM) of `pid` alone, in bytes; 0 if it is gone.
std::uint64_t peak_rss_bytes(pid_t pid);

// The inode of the IPv4 TCP socket on this host whose own address is 127.0.0.1:`local_port` and
// whose peer is 127.0.0.1:`remote_port` (one line of /proc/net/tcp); 0 when there is none.
std::uint64_t loopback_socket_inode(std::uint16_t local_port, std::uint16_t remote_port);

// A line of /proc/net/tcp → its inode when it is that connection, else 0 (exposed for tests).
std::uint64_t match_tcp_line(std::string_view line, std::uint16_t local_port,
                             std::uint16_t remote_port);

// Whether one of `pids` has a descriptor open on socket `inode` ("socket:[INODE]").
bool holds_socket(const std::vector<pid_t>& pids, std::uint64_t inode);

}  // namespace serverlite::invoker
