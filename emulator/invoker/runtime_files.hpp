// Where the runtime clients we ship live while serverlite runs: written from the binary into a
// private temporary directory on first use, removed when the owner is destroyed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace serverlite::invoker {

class RuntimeFiles {
 public:
  RuntimeFiles() = default;
  ~RuntimeFiles();
  RuntimeFiles(const RuntimeFiles&) = delete;
  RuntimeFiles& operator=(const RuntimeFiles&) = delete;

  // Path of an embedded file ("python/bootstrap.py"), written out on first call.
  // Throws std::runtime_error when the file is unknown or cannot be written.
  std::filesystem::path path_of(const std::string& name);

 private:
  std::filesystem::path dir_;
};

// Version managers (pyenv, asdf, nodenv, volta, mise) put a shim on PATH where the interpreter
// would be: a script (or, volta's, a link to one program) that works out which version to run
// and starts it, which costs 50 to 100 ms at every start of a worker. Whether `path` is one.
bool is_version_manager_shim(const std::filesystem::path& path);

// The interpreter behind a shim, as the interpreter started through it reports its own path:
// started at once by start(), read (waiting up to 5 s) by result(). One per interpreter, once
// per run of serverlite.
class InterpreterProbe {
 public:
  // `name` is "python3" or "node"; the probe runs in `cwd` (a .python-version or .nvmrc there
  // counts) with serverlite's environment.
  InterpreterProbe(std::filesystem::path shim, std::string_view name,
                   const std::filesystem::path& cwd);
  ~InterpreterProbe();
  InterpreterProbe(const InterpreterProbe&) = delete;
  InterpreterProbe& operator=(const InterpreterProbe&) = delete;
  // The interpreter's own path, or empty when the probe failed (then use the shim).
  std::filesystem::path result();

 private:
  std::filesystem::path shim_;
  pid_t pid_ = -1;
  int out_ = -1;
  bool done_ = false;
  std::filesystem::path result_;
};

}  // namespace serverlite::invoker
