// Memory of a worker's process tree, read from /proc (Linux). Lambda's memorySize bounds the
// whole execution environment, so a handler that forks is measured with its children.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace serverlite::invoker {

// Resident set size of `pid` and all its descendants, in bytes; 0 if it is gone.
std::uint64_t tree_rss_bytes(pid_t pid);

// Peak resident set size (VmHWM) of `pid` alone, in bytes; 0 if it is gone.
std::uint64_t peak_rss_bytes(pid_t pid);

}  // namespace serverlite::invoker
