// serverlite: runs a serverless.yml app on this machine.
//   serverlite up       serve the app (gateway + AWS endpoint) until SIGINT/SIGTERM
//   serverlite invoke   run one function once and print its result
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <set>
#include <map>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include "emulator/app/app_spec.hpp"
#include "emulator/app/config_files.hpp"
#include "emulator/app/offline.hpp"
#include "emulator/emulator.hpp"
#include "emulator/function_triggers.hpp"
#include "emulator/http/limits.hpp"
#include "emulator/invoker/leftovers.hpp"
#include "emulator/invoke_command.hpp"
#include "emulator/invoker/pools.hpp"
#include "emulator/replay/recorder.hpp"
#include "emulator/replay/runner.hpp"
#include "emulator/samples/samples.hpp"
#include "emulator/time_format.hpp"
#include "emulator/watcher.hpp"

namespace {

using namespace serverlite;

// Exit codes: 0 success, 1 the function failed / runtime error, 2 bad configuration or usage.
constexpr int kExitFailure = 1;
constexpr int kExitConfig = 2;

struct CommonOptions {
  std::string config;  // empty: serverless.yml, .yaml, .json, .js or .ts in the current directory
  std::string stage;
  std::string region;
  std::vector<std::string> params;  // --param NAME=value
};

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("-c,--config", o.config,
                  "The app definition, or its directory (default: serverless.yml, .yaml, .json, "
                  ".js or .ts in the current directory)")
      ->option_text("FILE");
  cmd->add_option("-s,--stage", o.stage, "Stage (default: provider.stage, else dev)");
  cmd->add_option("-r,--region", o.region, "Region (default: provider.region, else us-east-1)");
  cmd->add_option("--param", o.params, "A stage parameter for ${param:NAME}, as NAME=value (repeatable)")
      ->check([](const std::string& v) -> std::string {
        return v.find('=') == std::string::npos || v.front() == '=' ? "expected NAME=value" : "";
      });
}

// Loads the app or exits 2 with the loader's messages, each naming the file and key.
std::optional<app::AppSpec> load_or_report(const CommonOptions& o) {
  app::LoadOptions lo;
  lo.config_file = o.config;
  if (!o.stage.empty()) lo.stage = o.stage;
  if (!o.region.empty()) lo.region = o.region;
  for (const auto& p : o.params) lo.options["param:" + p.substr(0, p.find('='))] = p.substr(p.find('=') + 1);
  try {
    auto spec = app::load_app(lo);
    for (const auto& w : spec.warnings) std::cerr << "serverlite: warning: " << w << "\n";
    return spec;
  } catch (const app::ConfigError& e) {
    auto messages = app::config_error_messages(e);
    for (const auto& m : messages) std::cerr << "serverlite: error: " << m << "\n";
    if (messages.size() > 1)
      std::cerr << "serverlite: " << messages.size() << " problems in " << e.file() << "\n";
    return std::nullopt;
  }
}

// main()'s arguments, for `up` to start again in place when the app's definition changes.
std::vector<std::string> command_line;

struct RecordOptions {
  std::string file;                 // --record: empty when not recording
  std::vector<std::string> redact;  // --record-redact: more header and field names
};

// The io thread's loop. After handling something it keeps polling for 50 µs (yielding the core
// to any other runnable process) before it sleeps in epoll: a client's next request or a
// handler's answer usually comes within that, and waking a sleeping thread costs more than the
// whole request (GetItem at 1 client: 8,600/s sleeping at once, 17,700/s polling first, with
// less CPU per request). An idle serverlite still sleeps.
// `idle` runs whenever a poll finds nothing to do (the emulator commits its open group of
// writes there); it returns whether it did something.
void run_polling_first(boost::asio::io_context& io, const std::function<bool()>& idle) {
  using Clock = std::chrono::steady_clock;
  while (!io.stopped()) {
    if (io.poll() > 0 || idle()) continue;
    auto until = Clock::now() + std::chrono::microseconds(50);
    bool ran = false;
    while (!ran && !io.stopped() && Clock::now() < until) {
      ran = io.poll() > 0 || idle();
      if (!ran) sched_yield();
    }
    if (!ran && !io.stopped()) io.run_one();
  }
}

// Every client connection and every handler's pipes take descriptors: the usual soft limit of
// 1,024 is reached by about 1,000 idle connections. Raise it to the hard limit, as servers do.
void raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// Which ports the command line set: serverless-offline's custom settings apply to the others.
struct PortsGiven {
  bool gateway = false, aws = false;
};

int run_up(const CommonOptions& common, UpOptions options, bool ephemeral,
           const std::string& state, const RecordOptions& record, PortsGiven given) {
  auto begin = std::chrono::steady_clock::now();
  raise_open_files_limit();
  auto spec = load_or_report(common);
  if (!spec) return kExitConfig;
  auto offline = app::offline_settings(*spec);
  if (offline.http_port && !given.gateway) options.gateway_port = *offline.http_port;
  if (offline.lambda_port && !given.aws) options.aws_port = *offline.lambda_port;
  if (!ephemeral)
    options.state_dir = state.empty() ? spec->service_dir / ".serverlite" : std::filesystem::path(state);
  // What a run of this state directory that was killed (kill -9) left running ends before this
  // one binds its ports (see invoker/leftovers.hpp).
  if (options.state_dir)
    if (int n = invoker::end_previous_run(*options.state_dir))
      std::cerr << "serverlite: ended " << n << " process(es) left running by a previous run\n";

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
  if (options.state_dir) invoker::record_run(*options.state_dir);

  std::unique_ptr<replay::Recorder> recorder;
  if (!record.file.empty()) {
    try {
      recorder = std::make_unique<replay::Recorder>(
          record.file, std::set<std::string>(record.redact.begin(), record.redact.end()));
    } catch (const std::exception& e) {
      std::cerr << "serverlite: error: " << e.what() << "\n";
      return kExitConfig;
    }
    recorder->attach(emulator);
    std::cerr << "serverlite: recording to " << record.file << "\n";
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
  // Orphans of handler processes are adopted (invoker::adopt_orphans): reap them as they end.
  boost::asio::signal_set children(io, SIGCHLD);
  std::function<void(boost::system::error_code, int)> on_child = [&](auto ec, int) {
    if (ec) return;
    invoker::reap_adopted();
    children.async_wait(on_child);
  };
  children.async_wait(on_child);

  // Hot reload (--no-watch: off): see emulator/watcher.hpp. A changed definition restarts
  // serverlite in place once it has stopped (below), on its state on disk.
  std::unique_ptr<AppWatch> watch;
  bool reload = false;
  const std::string aws_url = emulator.aws_url(), gateway_url = emulator.gateway_url();
  if (options.watch) {
    std::string no_reload = !options.state_dir ? "as its state is in memory (--ephemeral)"
                            : !record.file.empty() ? "as it is recording (--record)"
                                                   : "";
    auto restart = [&] {
      if (stopping) return;
      reload = stopping = true;
      emulator.shutdown([&] {
        signals.cancel();
        io.stop();
      });
    };
    watch = std::make_unique<AppWatch>(io, emulator, *spec, options.state_dir,
                                       [&common] { return load_or_report(common); }, restart,
                                       no_reload);
    watch->start();
  }

  // One write, so that the listing stays together among handlers' lines.
  std::cerr << "serverlite: functions, with what runs them:\n" +
                   function_listing(*spec, emulator.gateway_url(), emulator.triggers(),
                                    [&](const std::string& json, const std::string& key_path) {
                                      return emulator.evaluate_arn(json, key_path);
                                    });
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  std::printf("serverlite ready aws=%s gateway=%s functions=%zu startup_ms=%.1f\n",
              emulator.aws_url().c_str(), emulator.gateway_url().c_str(),
              spec->functions.size(), ms);
  std::fflush(stdout);
  emulator.enable_idle_flush();
  run_polling_first(io, [&] { return emulator.flush_writes(); });
  // Run the completions of the operations shutdown cancelled, so that no socket or pipe outlives
  // the io_context it belongs to.
  io.restart();
  io.poll();
  // Nothing the app started outlives serverlite, in its process group or not.
  invoker::end_processes(invoker::run_marker(), true);
  if (options.state_dir) invoker::remove_run_record(*options.state_dir);
  if (reload) {
    watch.reset();
    restart_in_place(command_line, aws_url, gateway_url);  // returns only when it failed
    return kExitFailure;
  }
  std::cerr << "serverlite: stopped\n";
  return 0;
}

int run_replay(const CommonOptions& common, replay::ReplayOptions options,
               const std::vector<std::string>& inputs, const std::string& speed,
               const std::string& junit, const std::string& state) {
  auto spec = load_or_report(common);
  if (!spec) return kExitConfig;
  for (const auto& input : inputs) options.inputs.emplace_back(input);
  options.real_time = speed == "1x";
  if (!junit.empty()) options.junit = junit;
  if (!state.empty()) options.up.state_dir = state;
  try {
    return replay::run_replay(*spec, options, std::cout, std::cerr);
  } catch (const app::ConfigError& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
    return kExitConfig;
  }
}

int run_invoke(const CommonOptions& common, const InvokeCommandOptions& options) {
  auto spec = load_or_report(common);
  if (!spec) return kExitConfig;
  return run_invoke_command(*spec, options);
}

// `generate-event SOURCE [--OPTION VALUE ...]`: one subcommand per source, one flag per option,
// all taken from samples::sources(), so --help lists them with their defaults.
struct GenerateEventCommand {
  CLI::App* command = nullptr;
  bool fixed_clock = false;
  // Values by "source/option"; map nodes stay put, so CLI11 may keep pointers into them.
  std::map<std::string, std::string> values;
  std::map<std::string, std::vector<std::string>> headers;  // --header, repeatable
  std::vector<std::pair<CLI::App*, const samples::SourceInfo*>> sources;

  void add_to(CLI::App& cli) {
    command = cli.add_subcommand(
        "generate-event",
        "Print a sample event of an event source, as AWS delivers it (pipe it to invoke -e -)");
    command->require_subcommand(1);
    command->fallthrough();  // --fixed-clock may follow the source name
    command->add_flag("--fixed-clock", fixed_clock,
                      "Fixed ids and timestamps (for tests and fixtures/events)");
    for (const auto& source : samples::sources()) {
      auto* sub = command->add_subcommand(source.name, source.help);
      for (const auto& option : source.options) {
        std::string key = source.name + "/" + option.name;
        CLI::Option* o =
            option.name == "header"
                ? sub->add_option("--header", headers[key],
                                  "Request header 'Name: value' (repeatable)")
                : sub->add_option("--" + option.name, values[key], option.help);
        if (!option.default_value.empty()) o->default_str(option.default_value);
      }
      sources.push_back({sub, &source});
    }
  }

  int run() const {
    for (const auto& [sub, source] : sources) {
      if (!sub->parsed()) continue;
      std::map<std::string, std::string> options;
      for (const auto& option : source->options) {
        std::string key = source->name + "/" + option.name;
        if (sub->count("--" + option.name) == 0) continue;
        if (option.name == "header") {
          std::string joined;
          for (const auto& h : headers.at(key)) joined += (joined.empty() ? "" : "\n") + h;
          options[option.name] = joined;
        } else {
          options[option.name] = values.at(key);
        }
      }
      try {
        std::cout << samples::generate(source->name, options, fixed_clock).dump(2) << "\n";
        return 0;
      } catch (const samples::SampleError& e) {
        std::cerr << "serverlite: error: " << e.what() << "\n";
        return kExitConfig;
      }
    }
    return kExitConfig;
  }
};

// Nothing the app's handlers started outlives the command (see invoker/leftovers.hpp).
int ending_app_processes(int code) {
  if (invoker::run_marker_used()) invoker::end_processes(invoker::run_marker(), true);
  return code;
}

}  // namespace

static int run_main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a client or handler that goes away must not end serverlite
  command_line.assign(argv, argv + argc);
  serverlite::invoker::adopt_orphans();

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
  bool no_watch = false;
  up_cmd->add_flag("--no-watch", no_watch,
                   "Do not watch the service directory (by default a function's warm workers "
                   "are replaced when its code changes)");
  up_cmd->add_option("--gateway-timeout", gateway_timeout_s,
                     "Seconds before the gateway answers 504 (API Gateway: 29)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  up_cmd->add_option("--function-concurrency", up.function_concurrency,
                     "Invocations of one function that run at once, each in a warm worker; "
                     "more wait for a free one, in order")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  up_cmd->add_option("--function-queue-limit", up.function_queue_limit,
                     "Invocations of one function that may wait for a worker; more are "
                     "throttled (429)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{10000000}));
  up_cmd->add_flag("--stream-throughput-limits", up.stream_throughput_limits,
                   "Enforce Kinesis's per-shard limits (1 MiB/s or 1000 records/s in, 2 MiB/s "
                   "out) with ProvisionedThroughputExceededException");
  // Lifecycle times of Kinesis streams (0: CREATING, UPDATING and DELETING end at once).
  up_cmd->add_option("--create-stream-ms", up.create_stream_ms,
                     "Milliseconds a new Kinesis stream stays CREATING")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400000}));
  up_cmd->add_option("--update-stream-ms", up.update_stream_ms,
                     "Milliseconds a Kinesis stream stays UPDATING after SplitShard, MergeShards "
                     "or UpdateShardCount")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400000}));
  up_cmd->add_option("--delete-stream-ms", up.delete_stream_ms,
                     "Milliseconds a deleted Kinesis stream stays DELETING")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400000}));
  // Table lifecycle states (DynamoDB): milliseconds of the service's clock.
  std::int64_t create_table_ms = 0, update_table_ms = 0, delete_table_ms = 0;
  up_cmd->add_option("--create-table-ms", create_table_ms,
                     "Milliseconds a new DynamoDB table (and a new index) stays CREATING")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400000}));
  up_cmd->add_option("--update-table-ms", update_table_ms,
                     "Milliseconds a DynamoDB table stays UPDATING after UpdateTable")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400000}));
  up_cmd->add_option("--delete-table-ms", delete_table_ms,
                     "Milliseconds a DynamoDB table stays DELETING after DeleteTable")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400000}));
  // Timeouts and the request body budget of every listener (emulator/http/limits.hpp).
  http::Limits limits;
  double header_timeout_s = limits.header_timeout.count() / 1000.0;
  double body_timeout_s = limits.body_timeout.count() / 1000.0;
  double idle_timeout_s = limits.idle_timeout.count() / 1000.0;
  std::size_t body_memory_mib = limits.body_memory / (1024 * 1024);
  up_cmd->add_option("--header-timeout", header_timeout_s,
                     "Seconds a client may take to send a request's header (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  up_cmd->add_option("--body-timeout", body_timeout_s,
                     "Seconds a request's body may pause (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  up_cmd->add_option("--idle-timeout", idle_timeout_s,
                     "Seconds a keep-alive connection may wait for its next request (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  up_cmd->add_option("--request-body-memory", body_memory_mib,
                     "MiB that request bodies being received may hold in all; past it, 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024 * 1024));

  std::string clock_kind = "real";
  up_cmd->add_option("--clock", clock_kind,
                     "real, or virtual[=2026-01-01T00:00:00Z]: a clock that starts at that time "
                     "(default: now) and moves only through POST /_serverlite/clock")
      ->capture_default_str()
      ->check([](const std::string& value) -> std::string {
        if (value == "real" || value == "virtual") return "";
        if (value.starts_with("virtual=") && parse_iso8601(value.substr(8))) return "";
        return "expected real, virtual or virtual=ISO-8601-TIME, got " + value;
      });

  up_cmd->add_option("--allow-host", up.allow_hosts,
                     "Also serve requests whose Host is NAME (besides localhost, *.localhost, IP "
                     "addresses and --host); *.example.com for its subdomains, * for any "
                     "(repeatable)")
      ->option_text("NAME");
  up_cmd->add_option("--allow-origin", up.allow_origins,
                     "Let web pages from this browser origin (https://app.example.com) call the "
                     "AWS endpoint, with CORS answers; * for any (repeatable). Requests from "
                     "other origins are refused")
      ->option_text("URL");
  auto* verify_flag = up_cmd->add_flag("--verify-signatures", up.verify_signatures,
                   "Check every AWS request's SigV4 signature against --credentials (default "
                   "test:test) and refuse wrongly signed ones as AWS does (without it, any "
                   "key and signature is accepted; unsigned requests are always refused)");
  std::vector<std::string> credentials;
  up_cmd->add_option("--credentials", credentials,
                     "An access key id and its secret that --verify-signatures accepts "
                     "(repeatable; handlers get the first)")
      ->option_text("KEY:SECRET")
      ->needs(verify_flag)
      ->check([](const std::string& value) -> std::string {
        auto colon = value.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == value.size())
          return "expected ACCESS_KEY_ID:SECRET_ACCESS_KEY, got " + value;
        return "";
      });
  std::string durability = "normal";
  up_cmd->add_option("--durability", durability,
                     "normal: a committed write survives a crash of serverlite; full: also a "
                     "power loss or OS crash (SQLite synchronous=FULL, slower writes)")
      ->check(CLI::IsMember({"normal", "full"}))
      ->capture_default_str();

  RecordOptions record;
  up_cmd->add_option("--record", record.file,
                     "Append every gateway request and every other invocation to FILE as replay "
                     "cases, with what happened as their expectations")
      ->option_text("FILE");
  up_cmd->add_option("--record-redact", record.redact,
                     "A header or field name to redact in recordings, besides Authorization, "
                     "cookies, tokens, passwords ... (repeatable)")
      ->option_text("NAME");

  CommonOptions replay_common;
  replay::ReplayOptions replay_options;
  std::vector<std::string> replay_inputs;
  std::string replay_speed = "max", replay_junit, replay_state;
  auto* replay_cmd = cli.add_subcommand(
      "replay", "Run recorded or written cases (JSON Lines) against the app and check them");
  add_common(replay_cmd, replay_common);
  replay_cmd->add_option("cases", replay_inputs, "Case files (JSON Lines) or directories of them")
      ->required();
  replay_cmd->add_option("--junit", replay_junit, "Write the results as JUnit XML to FILE")
      ->option_text("FILE");
  replay_cmd->add_option("--speed", replay_speed,
                         "max: cases back to back; 1x: the recorded spacing of their timestamps")
      ->check(CLI::IsMember({"max", "1x"}))
      ->capture_default_str();
  replay_cmd->add_option("--state", replay_state,
                         "Run on this state directory (default: a fresh, in-memory state)");

  CommonOptions invoke_common;
  InvokeCommandOptions invoke;
  std::string invoke_state;
  auto* invoke_cmd = cli.add_subcommand(
      "invoke",
      "Run one invocation per event, with the app's services running in this process; the "
      "result goes to stdout, logs to stderr");
  add_common(invoke_cmd, invoke_common);
  invoke_cmd->add_option("function", invoke.function, "Function key or deployed name")
      ->required();
  invoke_cmd->add_option("-e,--event", invoke.event_path,
                         "Event JSON file, JSON Lines file, directory of them, or - for stdin "
                         "(default: {}); one result per line");
  auto* invoke_state_opt = invoke_cmd->add_option(
      "--state", invoke_state,
      "State directory of the services (default: in memory); not one a running up holds");
  invoke_cmd->add_option("--aws-endpoint", invoke.aws_endpoint,
                         "Start no services: give the handler this AWS_ENDPOINT_URL instead "
                         "(e.g. http://127.0.0.1:4566, a running serverlite up)")
      ->excludes(invoke_state_opt);

  GenerateEventCommand generate_event;
  generate_event.add_to(cli);

  cli.add_subcommand("version", "Print the version")->callback([] {
    std::cout << "serverlite " << SERVERLITE_VERSION << "\n";
  });

  // Output: one access line per gateway request and AWS API call, unless --quiet; a first word
  // that names no subcommand is said to be unknown (rather than that one is required).
  bool quiet = false;
  for (auto* cmd : {up_cmd, invoke_cmd})
    cmd->add_flag("-q,--quiet", quiet,
                  "No access line per gateway request and AWS API call on stderr (by default "
                  "each prints one: method and path or operation, status, milliseconds)");
  if (argc > 1 && argv[1][0] != '-') {
    std::string name = argv[1];
    std::string names;
    bool known = false;
    for (const auto* sub : cli.get_subcommands([](CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->get_name() == name;
    }
    if (!known) {
      std::cerr << "serverlite: error: unknown subcommand '" << name << "'; the subcommands are "
                << names << " (serverlite --help describes them)\n";
      return kExitConfig;
    }
  }

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    return code == 0 ? 0 : kExitConfig;
  }

  if (up_cmd->parsed()) {
    auto ms = [](double s) { return std::chrono::milliseconds(static_cast<long>(s * 1000)); };
    limits.header_timeout = ms(header_timeout_s);
    limits.body_timeout = ms(body_timeout_s);
    limits.idle_timeout = ms(idle_timeout_s);
    limits.body_memory = body_memory_mib * 1024 * 1024;
    http::set_default_limits(limits);
    up.gateway_timeout = std::chrono::milliseconds(static_cast<long>(gateway_timeout_s * 1000));
    up.create_table_time = std::chrono::milliseconds(create_table_ms);
    up.update_table_time = std::chrono::milliseconds(update_table_ms);
    up.delete_table_time = std::chrono::milliseconds(delete_table_ms);
    if (clock_kind == "virtual")
      up.virtual_clock = std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now());
    else if (clock_kind.starts_with("virtual="))
      up.virtual_clock = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(*parse_iso8601(clock_kind.substr(8))));
    for (const auto& pair : credentials) {
      auto colon = pair.find(':');
      up.credentials.emplace_back(pair.substr(0, colon), pair.substr(colon + 1));
    }
    if (up.verify_signatures && up.credentials.empty()) up.credentials.emplace_back("test", "test");
    up.durability_full = durability == "full";
    up.access_log = !quiet;
    up.watch = !no_watch;
    return run_up(up_common, up, ephemeral, state, record,
                  {up_cmd->count("--gateway-port") > 0, up_cmd->count("--port") > 0});
  }
  if (invoke_cmd->parsed()) {
    if (!invoke_state.empty()) invoke.state_dir = invoke_state;
    invoke.quiet = quiet;
    return ending_app_processes(run_invoke(invoke_common, invoke));
  }
  if (generate_event.command->parsed()) return generate_event.run();
  if (replay_cmd->parsed())
    return ending_app_processes(run_replay(replay_common, replay_options, replay_inputs,
                                           replay_speed, replay_junit, replay_state));
  return 0;
}

// No exception ends serverlite with an abort: one that reaches here (a state directory another
// serverlite holds, a disk that fails) is reported as an error, with exit status 1.
int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "serverlite: error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "serverlite: error: an unexpected failure\n";
  }
  return kExitFailure;
}
