// serverlite: runs a serverless.yml app on this machine.
//   serverlite up       serve the app (gateway + AWS endpoint) until SIGINT/SIGTERM
//   serverlite invoke   run one function once and print its result
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/emulator.hpp"
#include "emulator/invoker/pools.hpp"

namespace {

using namespace serverlite;

// Exit codes: 0 success, 1 the function failed / runtime error, 2 bad configuration or usage.
constexpr int kExitFailure = 1;
constexpr int kExitConfig = 2;

struct CommonOptions {
  std::string config = "serverless.yml";
  std::string stage;
  std::string region;
};

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("-c,--config", o.config, "The app definition")
      ->capture_default_str()
      ->option_text("FILE");
  cmd->add_option("-s,--stage", o.stage, "Stage (default: provider.stage, else dev)");
  cmd->add_option("-r,--region", o.region, "Region (default: provider.region, else us-east-1)");
}

// Loads the app or exits 2 with the loader's message, which names the file and key.
std::optional<app::AppSpec> load_or_report(const CommonOptions& o) {
  app::LoadOptions lo;
  lo.config_file = o.config;
  if (!o.stage.empty()) lo.stage = o.stage;
  if (!o.region.empty()) lo.region = o.region;
  try {
    auto spec = app::load_app(lo);
    for (const auto& w : spec.warnings) std::cerr << "serverlite: warning: " << w << "\n";
    return spec;
  } catch (const app::ConfigError& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return std::nullopt;
  }
}

void print_routes(const app::AppSpec& spec, const std::string& gateway_url) {
  for (const auto& fn : spec.functions) {
    for (const auto& r : fn.routes) {
      std::string path = r.kind == app::ApiKind::Rest ? "/" + spec.stage + r.path
                                                      : (r.path.empty() ? "/*" : r.path);
      std::string method = r.method;
      method.resize(std::max<std::size_t>(method.size(), 7), ' ');
      std::cerr << "  " << method << gateway_url << path << "  → " << fn.key
                << (r.kind == app::ApiKind::Rest ? "  (REST)" : "") << "\n";
    }
  }
}

int run_up(const CommonOptions& common, UpOptions options, bool ephemeral,
           const std::string& state) {
  auto begin = std::chrono::steady_clock::now();
  auto spec = load_or_report(common);
  if (!spec) return kExitConfig;
  if (!ephemeral)
    options.state_dir = state.empty() ? spec->service_dir / ".serverlite" : std::filesystem::path(state);

  boost::asio::io_context io(1);
  Emulator emulator(io, *spec, options);
  try {
    for (const auto& w : emulator.start()) std::cerr << "serverlite: warning: " << w << "\n";
  } catch (const app::ConfigError& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return kExitConfig;
  } catch (const std::exception& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return kExitFailure;
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(boost::system::error_code, int)> on_signal =
      [&](boost::system::error_code ec, int) {
        if (ec) return;
        if (stopping) {  // a second signal: stop now
          std::cerr << "serverlite: stopping now\n";
          io.stop();
          return;
        }
        stopping = true;
        std::cerr << "serverlite: shutting down\n";
        signals.async_wait(on_signal);
        emulator.shutdown([&] {
          signals.cancel();
          io.stop();
        });
      };
  signals.async_wait(on_signal);

  print_routes(*spec, emulator.gateway_url());
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  std::printf("serverlite ready aws=%s gateway=%s functions=%zu startup_ms=%.1f\n",
              emulator.aws_url().c_str(), emulator.gateway_url().c_str(),
              spec->functions.size(), ms);
  std::fflush(stdout);
  io.run();
  // Run the completions of the operations shutdown cancelled, so that no socket or pipe outlives
  // the io_context it belongs to.
  io.restart();
  io.poll();
  std::cerr << "serverlite: stopped\n";
  return 0;
}

int run_invoke(const CommonOptions& common, const std::string& function,
               const std::string& event_path, const std::string& aws_endpoint) {
  auto spec = load_or_report(common);
  if (!spec) return kExitConfig;
  const app::FunctionSpec* fn = spec->find_function(function);
  if (!fn) {
    std::cerr << "serverlite: error: no function '" << function << "' in " << common.config
              << " (functions:";
    for (const auto& f : spec->functions) std::cerr << " " << f.key;
    std::cerr << ")\n";
    return kExitConfig;
  }
  std::string event = "{}";
  if (!event_path.empty()) {
    std::ostringstream buf;
    if (event_path == "-") {
      buf << std::cin.rdbuf();
    } else {
      std::ifstream in(event_path, std::ios::binary);
      if (!in) {
        std::cerr << "serverlite: error: cannot read event file " << event_path << "\n";
        return kExitConfig;
      }
      buf << in.rdbuf();
    }
    event = buf.str();
    if (!nlohmann::json::accept(event)) {
      std::cerr << "serverlite: error: " << (event_path == "-" ? "stdin" : event_path)
                << ": the event is not valid JSON\n";
      return kExitConfig;
    }
  }

  try {
    for (const auto& w : prepare_app(*spec, aws_endpoint))
      std::cerr << "serverlite: warning: " << w << "\n";
  } catch (const app::ConfigError& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return kExitConfig;
  }

  boost::asio::io_context io(1);
  invoker::InvokerOptions options;
  options.aws_endpoint_url = aws_endpoint;
  invoker::Pools pools(io, *spec, options);
  int exit_code = kExitFailure;
  invoker::InvokeRequest req;
  req.function = fn->key;
  req.payload = std::move(event);
  pools.invoke(std::move(req), [&](invoker::InvokeResult result) {
    std::fwrite(result.payload.data(), 1, result.payload.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    exit_code = result.status == invoker::InvokeStatus::Ok ? 0 : kExitFailure;
    pools.shutdown(std::chrono::milliseconds(0), [&] { io.stop(); });
  });
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

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a client or handler that goes away must not end serverlite

  CLI::App cli{
      "serverlite: run a serverless.yml app on this machine (Lambda, API Gateway, SQS, Kinesis)",
      "serverlite"};
  cli.set_version_flag("-V,--version", std::string("serverlite ") + SERVERLITE_VERSION);
  cli.require_subcommand(1);

  CommonOptions up_common;
  UpOptions up;
  bool ephemeral = false;
  std::string state;
  double gateway_timeout_s = 29;
  auto* up_cmd = cli.add_subcommand("up", "Serve the app: the HTTP gateway and the AWS endpoint");
  add_common(up_cmd, up_common);
  up_cmd->add_option("--host", up.host, "Address to listen on")->capture_default_str();
  up_cmd->add_option("-p,--port", up.aws_port, "AWS endpoint port (0: any free port)")
      ->capture_default_str();
  up_cmd->add_option("-g,--gateway-port", up.gateway_port, "HTTP gateway port (0: any free port)")
      ->capture_default_str();
  auto* state_opt = up_cmd->add_option(
      "--state", state, "State directory (default: .serverlite beside the config)");
  up_cmd->add_flag("--ephemeral", ephemeral, "Keep all state in memory")->excludes(state_opt);
  up_cmd->add_option("--gateway-timeout", gateway_timeout_s,
                     "Seconds before the gateway answers 504 (API Gateway: 29)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  up_cmd->add_flag("--stream-throughput-limits", up.stream_throughput_limits,
                   "Enforce Kinesis's per-shard limits (1 MiB/s or 1000 records/s in, 2 MiB/s "
                   "out) with ProvisionedThroughputExceededException");

  CommonOptions invoke_common;
  std::string function, event_path, aws_endpoint = "http://127.0.0.1:4566";
  auto* invoke_cmd = cli.add_subcommand(
      "invoke", "Run one invocation; the result goes to stdout, logs to stderr");
  add_common(invoke_cmd, invoke_common);
  invoke_cmd->add_option("function", function, "Function key or deployed name")->required();
  invoke_cmd->add_option("-e,--event", event_path, "Event JSON file, or - for stdin (default: {})");
  invoke_cmd->add_option("--aws-endpoint", aws_endpoint,
                         "AWS_ENDPOINT_URL given to the handler")
      ->capture_default_str();

  cli.add_subcommand("version", "Print the version")->callback([] {
    std::cout << "serverlite " << SERVERLITE_VERSION << "\n";
  });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    return code == 0 ? 0 : kExitConfig;
  }

  if (up_cmd->parsed()) {
    up.gateway_timeout = std::chrono::milliseconds(static_cast<long>(gateway_timeout_s * 1000));
    return run_up(up_common, up, ephemeral, state);
  }
  if (invoke_cmd->parsed()) return run_invoke(invoke_common, function, event_path, aws_endpoint);
  return 0;
}
