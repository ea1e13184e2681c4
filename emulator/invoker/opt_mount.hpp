// A function's layers under /opt, as on Lambda, where a handler may open /opt/... by its path
// (a config file, /opt/bin/tool). serverlite cannot write /opt, so each worker gets a view of its
// own: between fork and exec the child enters a new user and mount namespace (its user id mapped
// to itself, so files keep their owner) and mounts the layer on /opt read-only: one layer
// bind-mounted, several as an overlay in which a later layer's files replace an earlier one's,
// as Lambda's extraction in order does. The rest of the file system is the host's.
//
// Where the kernel refuses (user namespaces turned off, as some distributions do for unprivileged
// users), the child says so on its stderr (the function's log) and runs without it: the layers'
// directories are on the search paths either way (build/layer_env.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace serverlite::invoker {

// Everything the child needs, made before fork: between fork and exec only async-signal-safe
// calls are allowed, so nothing is allocated there.
struct OptMount {
  std::vector<std::string> layers;  // absolute directories, in the function's order
  std::string uid_map, gid_map;     // "<id> <id> 1"
  std::string overlay_options;      // "lowerdir=<last>:...:<first>" when there are several
  bool wanted() const { return !layers.empty(); }
};

// Empty (not wanted) without layers, or when /opt does not exist to mount on.
OptMount prepare_opt_mount(const std::vector<std::filesystem::path>& layers);

// In the child, between fork and exec. Returns whether /opt shows the layers; on failure a line
// on fd 2 says why.
bool mount_layers_at_opt(const OptMount& mount) noexcept;

}  // namespace serverlite::invoker
