// Where a function's layers appear to its handler. Lambda extracts layers into /opt and puts
// /opt/python, /opt/nodejs/node_modules, /opt/bin and /opt/lib on the runtime's search paths;
// serverlite mounts them on /opt only where the kernel allows it (invoker/opt_mount.hpp), so it
// puts each layer's own directories on the same variables, in the same places, instead.
#pragma once

#include <string>
#include <vector>

#include "emulator/app/app_spec.hpp"

namespace serverlite::build {

// Adds the layer directories of `fn` that exist to `env` ("NAME=value" entries): PYTHONPATH
// (python/lib/pythonX.Y/site-packages, then python/), NODE_PATH (nodejs/nodeNN/node_modules, then
// nodejs/node_modules), PATH (bin/, after the system's, as on Lambda) and LD_LIBRARY_PATH (lib/).
// A later layer comes first, as on Lambda a later layer's files replace an earlier one's.
// Values already in `env` (the function's own environment) are kept, ahead of the layers'.
void add_layer_paths(const app::FunctionSpec& fn, std::vector<std::string>& env);

}  // namespace serverlite::build
