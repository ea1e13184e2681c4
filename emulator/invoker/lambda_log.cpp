#include "emulator/invoker/lambda_log.hpp"
#include "emulator/ascii.hpp"

#include <sys/wait.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

namespace serverlite::invoker {

std::string start_line(std::string_view id) {
  return "START RequestId: " + std::string(id) + " Version: $LATEST";
}

std::string end_line(std::string_view id) { return "END RequestId: " + std::string(id); }

long billed_duration_ms(double duration_ms) {
  return std::max(1L, static_cast<long>(std::ceil(duration_ms)));
}

static std::string fixed2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string report_line(const Report& r) {
  std::string line = "REPORT RequestId: " + r.request_id;
  line += "\tDuration: " + fixed2(r.duration_ms) + " ms";
  line += "\tBilled Duration: " + std::to_string(billed_duration_ms(r.duration_ms)) + " ms";
  line += "\tMemory Size: " + std::to_string(r.memory_size_mb) + " MB";
  line += "\tMax Memory Used: " + std::to_string(r.max_memory_used_mb) + " MB";
  if (r.init_duration_ms) line += "\tInit Duration: " + fixed2(*r.init_duration_ms) + " ms";
  if (!r.status.empty()) {
    line += "\tStatus: " + r.status;
    if (!r.error_type.empty()) line += "\tError Type: " + r.error_type;
  }
  return line + "\t";
}

std::string error_document(std::string_view type, std::string_view message) {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

std::string timeout_message(std::string_view id, double seconds) {
  return "RequestId: " + std::string(id) + " Error: Task timed out after " + fixed2(seconds) +
         " seconds";
}

std::string exit_description(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    // Lambda's runtime is written in Go and words signals as Go does: lower-case strsignal().
    return "signal: " + ascii_lower(strsignal(WTERMSIG(wait_status)));
  }
  return "exit status " + std::to_string(WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
}

std::string exit_message(std::string_view id, std::string_view description) {
  return "RequestId: " + std::string(id) + " Error: Runtime exited with error: " +
         std::string(description);
}

std::string log_tail(std::string_view log, std::size_t max_bytes) {
  if (log.size() <= max_bytes) return std::string(log);
  return std::string(log.substr(log.size() - max_bytes));
}

}  // namespace serverlite::invoker
