// `serverlite replay`: runs case files (cases.hpp) against the app, in-process, and checks each
// case's expectations (expect.hpp).
//
// The emulator runs on its own io thread with fresh, in-memory state (or `state_dir`), on ports
// chosen by the system; the runner sends each case through the same handlers a client would
// reach (the gateway, the Lambda API, SQS, Kinesis, DynamoDB), without sockets, one case at a
// time, in file order. Cases that go through a service wait until the triggered invocations
// settle (no invocation ended for half a second, 15 s at most) before side effects are read.
//
// Output: a line per case (PASS / FAIL / ERROR, name, duration) with the mismatches under a
// failed one, then "N passed, N failed"; JUnit XML when asked.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/emulator.hpp"

namespace serverlite::replay {

struct ReplayOptions {
  std::vector<std::filesystem::path> inputs;  // case files or directories, in order
  std::optional<std::filesystem::path> junit;  // --junit OUT.xml
  bool real_time = false;  // --speed 1x: keep the recorded spacing between timestamped cases
  UpOptions up;            // host; ports 0; state_dir (nullopt: ephemeral)
};

// Exit status: 0 when every case passed, 1 when one failed or could not run, 2 when the case
// files or the app are invalid (reported on `err`).
int run_replay(app::AppSpec& app, const ReplayOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace serverlite::replay
