// Lambda's own log lines and error documents, as the real service writes them. Pure functions, so
// the exact shapes are pinned by tests/unit/lambda_log_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace serverlite::invoker {

std::string start_line(std::string_view request_id);  // "START RequestId: ID Version: $LATEST"
std::string end_line(std::string_view request_id);    // "END RequestId: ID"

struct Report {
  std::string request_id;
  double duration_ms = 0;
  int memory_size_mb = 0;
  int max_memory_used_mb = 0;
  std::optional<double> init_duration_ms;  // cold starts only
  std::string status;                      // "" for success, "timeout" or "error"
  std::string error_type;                  // with status "error": "Runtime.ExitError", ...
};
// "REPORT RequestId: ID\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
//  Max Memory Used: 40 MB\t[Init Duration: 80.12 ms\t][Status: timeout\t]"
std::string report_line(const Report& report);

// Lambda bills whole milliseconds, rounding up; at least 1.
long billed_duration_ms(double duration_ms);

// {"errorType": TYPE, "errorMessage": MESSAGE}
std::string error_document(std::string_view type, std::string_view message);

// "RequestId: ID Error: Task timed out after 3.00 seconds" (errorType Sandbox.Timedout)
std::string timeout_message(std::string_view request_id, double seconds);

// How Lambda words a runtime process's end: "exit status 3", "signal: killed",
// "signal: segmentation fault". `wait_status` is the raw status from waitpid().
std::string exit_description(int wait_status);

// "RequestId: ID Error: Runtime exited with error: DESCRIPTION"
std::string exit_message(std::string_view request_id, std::string_view description);

// The last `max_bytes` of a log, as X-Amz-Log-Result returns it (before base64).
std::string log_tail(std::string_view log, std::size_t max_bytes = 4096);

}  // namespace serverlite::invoker
