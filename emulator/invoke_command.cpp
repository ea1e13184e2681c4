#include "emulator/invoke_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include "emulator/emulator.hpp"
#include "emulator/invoker/pools.hpp"

namespace serverlite {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitConfig = 2;

// Prints one result on its own line of stdout.
void print_result(std::string_view payload) {
  std::fwrite(payload.data(), 1, payload.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// Invokes through the Lambda API of services running in this process.
int invoke_in_process(app::AppSpec& spec, const app::FunctionSpec& fn,
                      std::vector<std::string> events, const InvokeCommandOptions& options) {
  boost::asio::io_context io(1);
  UpOptions up;
  up.aws_port = 0;
  up.gateway_port = 0;
  up.state_dir = options.state_dir;
  up.access_log = !options.quiet;
  Emulator emulator(io, spec, up);
  try {
    for (const auto& w : emulator.start()) std::cerr << "serverlite: warning: " << w << "\n";
  } catch (const app::ConfigError& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return kExitConfig;
  } catch (const std::exception& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return kExitFailure;
  }
  if (!options.quiet)
    std::cerr << "serverlite: the app's services run in this process ("
              << (options.state_dir ? "state in " + options.state_dir->string() : "in memory")
              << ") at " << emulator.aws_url() << "\n";

  int exit_code = 0;
  std::size_t next = 0;
  bool stopping = false;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    emulator.shutdown([&] { io.stop(); });
  };
  std::function<void()> invoke_next = [&] {
    if (next == events.size() || stopping) return stop();
    http::Request request;
    request.method = "POST";
    request.target = "/2015-03-31/functions/" + fn.name + "/invocations";
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = std::move(events[next++]);
    emulator.handle_aws(std::move(request), [&](http::Response response) {
      print_result(response.body);
      if (response.status != 200 || response.header("X-Amz-Function-Error"))
        exit_code = kExitFailure;
      invoke_next();
    });
  };
  invoke_next();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) stop();
  });
  io.run();
  io.restart();
  io.poll();
  return exit_code;
}

// Invokes with the function pools alone, the handler pointed at `options.aws_endpoint`.
int invoke_against(app::AppSpec& spec, const app::FunctionSpec& fn,
                   std::vector<std::string> events, const InvokeCommandOptions& options) {
  try {
    for (const auto& w : prepare_app(spec, options.aws_endpoint))
      std::cerr << "serverlite: warning: " << w << "\n";
  } catch (const app::ConfigError& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return kExitConfig;
  }
  boost::asio::io_context io(1);
  invoker::InvokerOptions inv;
  inv.aws_endpoint_url = options.aws_endpoint;
  invoker::Pools pools(io, spec, inv);
  int exit_code = 0;
  std::size_t next = 0;
  std::function<void()> invoke_next = [&] {
    if (next == events.size()) {
      pools.shutdown(std::chrono::milliseconds(0), [&] { io.stop(); });
      return;
    }
    invoker::InvokeRequest req;
    req.function = fn.key;
    req.payload = std::move(events[next++]);
    pools.invoke(std::move(req), [&](invoker::InvokeResult result) {
      print_result(result.payload);
      if (result.status != invoker::InvokeStatus::Ok) exit_code = kExitFailure;
      invoke_next();
    });
  };
  invoke_next();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) pools.shutdown(std::chrono::milliseconds(0), [&] { io.stop(); });
  });
  io.run();
  io.restart();
  io.poll();
  return exit_code;
}

}  // namespace

std::vector<std::string> read_events(const std::string& path) {
  auto parse_text = [](const std::string& text, const std::string& name, bool lines) {
    std::vector<std::string> out;
    if (!lines || nlohmann::json::accept(text)) {
      if (!nlohmann::json::accept(text))
        throw std::runtime_error(name + ": the event is not valid JSON");
      out.push_back(text);
      return out;
    }
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (!nlohmann::json::accept(line))
        throw std::runtime_error(name + ":" + std::to_string(n) + ": the event is not valid JSON");
      out.push_back(line);
    }
    return out;
  };
  auto read_file = [](const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read event file " + file.string());
    std::ostringstream buf;
    buf << in.rdbuf();
    return buf.str();
  };
  if (path == "-") {
    std::ostringstream buf;
    buf << std::cin.rdbuf();
    return parse_text(buf.str(), "stdin", true);
  }
  std::filesystem::path p(path);
  if (!std::filesystem::is_directory(p))
    return parse_text(read_file(p), path, p.extension() == ".jsonl");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(p))
    if (entry.is_regular_file() &&
        (entry.path().extension() == ".json" || entry.path().extension() == ".jsonl"))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files)
    for (auto& e : parse_text(read_file(f), f.string(), f.extension() == ".jsonl"))
      out.push_back(std::move(e));
  if (out.empty()) throw std::runtime_error(path + ": no *.json or *.jsonl events in it");
  return out;
}

int run_invoke_command(app::AppSpec& spec, const InvokeCommandOptions& options) {
  const app::FunctionSpec* fn = spec.find_function(options.function);
  if (!fn) {
    std::cerr << "serverlite: error: no function '" << options.function << "' in "
              << spec.config_file.filename().string() << " (functions:";
    for (const auto& f : spec.functions) std::cerr << " " << f.key;
    std::cerr << ")\n";
    return kExitConfig;
  }
  std::vector<std::string> events;
  if (options.event_path.empty()) {
    events.push_back("{}");
  } else {
    try {
      events = read_events(options.event_path);
    } catch (const std::runtime_error& e) {
      std::cerr << "serverlite: error: " << e.what() << "\n";
      return kExitConfig;
    }
  }
  if (!options.aws_endpoint.empty()) return invoke_against(spec, *fn, std::move(events), options);
  return invoke_in_process(spec, *fn, std::move(events), options);
}

}  // namespace serverlite
