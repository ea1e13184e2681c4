#include "emulator/invoker/lambda_log.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace serverlite::invoker {
namespace {

TEST(LambdaLog, StartAndEndLinesMatchLambda) {
  EXPECT_EQ(start_line("abc"), "START RequestId: abc Version: $LATEST");
  EXPECT_EQ(end_line("abc"), "END RequestId: abc");
}

TEST(LambdaLog, ReportLineWarm) {
  Report r{.request_id = "id1", .duration_ms = 12.344, .memory_size_mb = 128,
           .max_memory_used_mb = 40};
  EXPECT_EQ(report_line(r),
            "REPORT RequestId: id1\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
            "Memory Size: 128 MB\tMax Memory Used: 40 MB\t");
}

TEST(LambdaLog, ReportLineColdWithInitDuration) {
  Report r{.request_id = "id2", .duration_ms = 1.0, .memory_size_mb = 1024,
           .max_memory_used_mb = 9, .init_duration_ms = 85.126};
  EXPECT_EQ(report_line(r),
            "REPORT RequestId: id2\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
            "Memory Size: 1024 MB\tMax Memory Used: 9 MB\tInit Duration: 85.13 ms\t");
}

TEST(LambdaLog, ReportLineTimeoutAndErrorStatus) {
  Report t{.request_id = "id", .duration_ms = 1000.5, .memory_size_mb = 128,
           .max_memory_used_mb = 20, .status = "timeout"};
  EXPECT_TRUE(report_line(t).ends_with("\tStatus: timeout\t"));
  Report e{.request_id = "id", .duration_ms = 3, .memory_size_mb = 128,
           .max_memory_used_mb = 20, .status = "error", .error_type = "Runtime.ExitError"};
  EXPECT_TRUE(report_line(e).ends_with("\tStatus: error\tError Type: Runtime.ExitError\t"));
}

TEST(LambdaLog, BilledDurationRoundsUpToWholeMilliseconds) {
  EXPECT_EQ(billed_duration_ms(0.01), 1);
  EXPECT_EQ(billed_duration_ms(1.0), 1);
  EXPECT_EQ(billed_duration_ms(1.01), 2);
  EXPECT_EQ(billed_duration_ms(999.9), 1000);
}

TEST(LambdaLog, ErrorDocumentIsJsonWithTypeAndMessage) {
  auto doc = nlohmann::json::parse(error_document("Sandbox.Timedout", "a \"quoted\" msg"));
  EXPECT_EQ(doc["errorType"], "Sandbox.Timedout");
  EXPECT_EQ(doc["errorMessage"], "a \"quoted\" msg");
}

TEST(LambdaLog, TimeoutMessageHasTwoDecimals) {
  EXPECT_EQ(timeout_message("r1", 3), "RequestId: r1 Error: Task timed out after 3.00 seconds");
}

int wait_status_of(void (*child)()) {
  pid_t pid = fork();
  if (pid == 0) {
    child();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(LambdaLog, ExitDescriptionsAreWordedAsLambdaWordsThem) {
  EXPECT_EQ(exit_description(wait_status_of([] { _exit(3); })), "exit status 3");
  EXPECT_EQ(exit_description(wait_status_of([] { raise(SIGKILL); })), "signal: killed");
  EXPECT_EQ(exit_description(wait_status_of([] { raise(SIGTERM); })), "signal: terminated");
  EXPECT_EQ(exit_message("r", "exit status 3"),
            "RequestId: r Error: Runtime exited with error: exit status 3");
}

TEST(LambdaLog, LogTailKeepsTheLastBytes) {
  EXPECT_EQ(log_tail("short"), "short");
  std::string big(5000, 'a');
  big += "END";
  auto tail = log_tail(big);
  EXPECT_EQ(tail.size(), 4096u);
  EXPECT_TRUE(tail.ends_with("aEND"));
}

}  // namespace
}  // namespace serverlite::invoker
