#include "emulator/invoker/leftovers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "emulator/invoker/process_tree.hpp"

namespace serverlite::invoker {
namespace {

using namespace std::string_literals;

// A `sleep` in a session of its own (as a handler's detached child would be), with `entry` in its
// environment. The test reaps it.
pid_t spawn_detached_sleeper(const std::string& entry) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    std::string path = "PATH=/usr/bin:/bin";
    char* env[] = {path.data(), const_cast<char*>(entry.c_str()), nullptr};
    char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("30"), nullptr};
    ::execve("/bin/sleep", argv, env);
    ::_exit(127);
  }
  // Until exec, the child's environment is still ours.
  for (int i = 0; i < 200 && processes_with(entry).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return pid;
}

bool running(pid_t pid) {
  auto fields = std::ifstream("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(fields)), {});
  auto close = text.rfind(") ");
  return close != std::string::npos && text[close + 2] != 'Z';
}

TEST(Leftovers, RunMarkerIsStableAndUnique) {
  EXPECT_TRUE(run_marker().starts_with("SERVERLITE_RUN="));
  EXPECT_EQ(run_marker().size(), "SERVERLITE_RUN="s.size() + 32);
  EXPECT_EQ(run_marker(), run_marker());
  EXPECT_TRUE(run_marker_used());
}

TEST(Leftovers, EnvironmentEntriesMatchWhole) {
  std::string block("A=1\0SERVERLITE_RUN=abc\0B=2\0"s);
  EXPECT_TRUE(environ_has(block, "SERVERLITE_RUN=abc"));
  EXPECT_TRUE(environ_has(block, "A=1"));
  EXPECT_FALSE(environ_has(block, "SERVERLITE_RUN=ab"));
  EXPECT_FALSE(environ_has(block, "RUN=abc"));
  EXPECT_FALSE(environ_has("", "A=1"));
}

TEST(Leftovers, RunRecordRoundTrips) {
  RunRecord record{"SERVERLITE_RUN=00ff", 4242, 987654321};
  auto back = parse_run_record(format_run_record(record));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->marker, record.marker);
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->start_time, 987654321ULL);
  EXPECT_FALSE(parse_run_record(""));
  EXPECT_FALSE(parse_run_record("OTHER=1 12 34"));
  EXPECT_FALSE(parse_run_record("SERVERLITE_RUN=1 -3 34"));
}

// The command name of /proc/PID/stat is in parentheses and may hold both, and spaces: the fields
// start after the last ')'.
TEST(Leftovers, StatFieldsStartAfterTheCommandName) {
  auto fields = parse_stat_fields("123 (a) b (c)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99 x\n");
  ASSERT_GE(fields.size(), 20u);
  EXPECT_EQ(fields[0], "S");
  EXPECT_EQ(fields[19], "99");
  EXPECT_EQ(fields.back(), "x");
  EXPECT_TRUE(parse_stat_fields("no parenthesis").empty());
  EXPECT_TRUE(parse_stat_fields("1 (x)").empty());
  EXPECT_EQ(parse_stat_fields("1 (x)\tR\v2").size(), 2u);
}

TEST(Leftovers, StartTimeTellsProcessesApart) {
  auto mine = start_time(::getpid());
  ASSERT_TRUE(mine);
  EXPECT_GT(*mine, 0ULL);
  EXPECT_FALSE(start_time(0x3fffffff));
}

TEST(Leftovers, EndsDetachedProcessesByTheirMarker) {
  std::string entry = "SERVERLITE_RUN=unit-test-" + std::to_string(::getpid());
  pid_t pid = spawn_detached_sleeper(entry);
  ASSERT_GT(pid, 0);
  auto found = processes_with(entry);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], pid);
  EXPECT_EQ(end_processes(entry, false), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_TRUE(processes_with(entry).empty());
}

TEST(Leftovers, ThePreviousRunsLeftoversEndUnlessItStillRuns) {
  char tmpl[] = "/tmp/serverlite-leftovers-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::filesystem::path dir = tmpl;
  std::string entry = "SERVERLITE_RUN=unit-test-prev-" + std::to_string(::getpid());
  pid_t leftover = spawn_detached_sleeper(entry);
  pid_t still_running = spawn_detached_sleeper("OTHER=1");

  // The recorded serverlite still runs (pid and start time match): nothing is touched.
  std::ofstream(dir / "run") << format_run_record(
      {entry, still_running, start_time(still_running).value()});
  EXPECT_EQ(end_previous_run(dir), 0);
  EXPECT_TRUE(running(leftover));

  // The same pid with another start time is another process: the run it names is over.
  std::ofstream(dir / "run") << format_run_record(
      {entry, still_running, start_time(still_running).value() + 1});
  EXPECT_EQ(end_previous_run(dir), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(leftover, &status, 0), leftover);
  EXPECT_TRUE(running(still_running));

  ::kill(still_running, SIGKILL);
  ::waitpid(still_running, &status, 0);
  // This run's own record, written and removed.
  record_run(dir);
  auto record = parse_run_record(
      std::string(std::istreambuf_iterator<char>(std::ifstream(dir / "run").rdbuf()), {}));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->marker, run_marker());
  EXPECT_EQ(record->pid, ::getpid());
  EXPECT_EQ(std::filesystem::status(dir / "run").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  remove_run_record(dir);
  EXPECT_FALSE(std::filesystem::exists(dir / "run"));
  std::filesystem::remove_all(dir);
}

TEST(ProcessTree, FindsTheProcessAtTheOtherEndOfALoopbackConnection) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::uint16_t server_port = ntohs(addr.sin_port);

  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  sockaddr_in mine{};
  len = sizeof mine;
  ::getsockname(client, reinterpret_cast<sockaddr*>(&mine), &len);
  std::uint16_t client_port = ntohs(mine.sin_port);

  std::uint64_t inode = loopback_socket_inode(client_port, server_port);
  ASSERT_NE(inode, 0u);
  EXPECT_TRUE(holds_socket({::getpid()}, inode));
  EXPECT_FALSE(holds_socket({::getppid()}, inode));
  EXPECT_FALSE(holds_socket({::getpid()}, 0));
  EXPECT_EQ(loopback_socket_inode(server_port, client_port == 1 ? 2 : 1), 0u);
  ::close(client);
  ::close(listener);
}

TEST(ProcessTree, ReadsProcNetTcpLines) {
  std::string line =
      "   7: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000   "
      "     0 123456 1 0000000000000000 20 4 30 10 -1";
  if (htonl(INADDR_LOOPBACK) != 0x0100007FU) GTEST_SKIP() << "a big-endian machine";
  EXPECT_EQ(match_tcp_line(line, 8080, 50000), 123456u);
  EXPECT_EQ(match_tcp_line(line, 50000, 8080), 0u);
  EXPECT_EQ(match_tcp_line("  sl  local_address rem_address", 8080, 50000), 0u);
}

TEST(ProcessTree, ListsDescendants) {
  pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/sleep", "sleep", "30", nullptr);
    ::_exit(127);
  }
  std::vector<pid_t> tree;
  for (int i = 0; i < 200; ++i) {
    tree = process_tree(::getpid());
    if (std::find(tree.begin(), tree.end(), child) != tree.end()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(tree.empty());
  EXPECT_EQ(tree[0], ::getpid());
  EXPECT_NE(std::find(tree.begin(), tree.end(), child), tree.end());
  ::kill(child, SIGKILL);
  int status;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(process_tree(0x3fffffff).empty());
}

}  // namespace
}  // namespace serverlite::invoker
