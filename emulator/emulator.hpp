// One running serverlite: the AWS endpoint, the gateway listener, the function pools and the
// store, wired together. `serverlite up` is main() around this; tests may run it in-process.
//
// Threading: everything lives on the one io_context thread that runs it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "emulator/app/app_spec.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite {

struct UpOptions {
  std::string host = "127.0.0.1";
  std::uint16_t aws_port = 4566;
  std::uint16_t gateway_port = 3000;
  std::optional<std::filesystem::path> state_dir;  // nullopt: in memory (--ephemeral)
  std::chrono::milliseconds gateway_timeout{29000};
  std::chrono::milliseconds shutdown_grace{3000};
};

class Emulator {
 public:
  Emulator(boost::asio::io_context& io, const app::AppSpec& app, UpOptions options);
  ~Emulator();

  // Opens the store and both listeners. Throws std::exception with a readable message.
  void start();
  std::string aws_url() const;
  std::string gateway_url() const;

  // Stops accepting, lets running invocations finish (up to the grace period), stops the
  // workers, closes connections; then calls `done`.
  void shutdown(std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serverlite
