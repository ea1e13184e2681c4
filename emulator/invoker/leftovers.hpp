// Nothing a handler starts outlives serverlite.
//
// Every handler process gets run_marker() ("SERVERLITE_RUN=<random id>") in its environment, and
// everything it starts inherits it, even a process that left the handler's process group or
// session (setsid, Node's detached spawn). serverlite is a child subreaper, so such a process,
// once its parent is gone, becomes serverlite's child instead of init's. At the end of a run every
// process carrying the marker, and every descendant of serverlite, is killed. With a state
// directory, the marker and serverlite's pid are recorded there (file "run"), so that a start
// after `kill -9` ends what the killed run left before it binds its ports.
//
// Linux only (/proc, prctl). Functions that take no io_context are synchronous and may be called
// from any single thread, before or after the io loop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace serverlite::invoker {

// "SERVERLITE_RUN=<32 hex digits>", drawn once per serverlite process.
const std::string& run_marker();
// Whether run_marker() was asked for (a handler process was started).
bool run_marker_used();

// Makes this process a child subreaper (PR_SET_CHILD_SUBREAPER): orphans of its descendants
// are reparented to it. Reap them with reap_adopted().
void adopt_orphans();

// Worker processes are waited for by their owner; reap_adopted() leaves these alone.
void note_worker(pid_t pid);
void forget_worker(pid_t pid);
// Waits for every exited child of this process that is not a worker (adopted orphans).
void reap_adopted();

// The fields of a /proc/PID/stat text after the command name (which may hold spaces and
// parentheses, so the last ')' ends it): [0] is the state (field 3), [19] the start time (22).
std::vector<std::string> parse_stat_fields(std::string_view text);

// Whether a NUL-separated environment block (/proc/PID/environ) holds `entry` exactly.
bool environ_has(std::string_view environ_block, std::string_view entry);

// The processes of this user, other than this one, whose environment holds `entry` exactly.
std::vector<pid_t> processes_with(std::string_view entry);

// SIGKILL to every process holding `entry` in its environment and, with `descendants`, to every
// descendant of this process; repeated (a process may fork meanwhile) until a round finds none
// or `limit` passes. With `descendants`, reaps the children it ended (reap_adopted). Returns how
// many processes it signalled.
int end_processes(std::string_view entry, bool descendants,
                  std::chrono::milliseconds limit = std::chrono::seconds(3));

// A process's start time (field 22 of /proc/PID/stat, in clock ticks since boot), to tell it from
// a later process that got the same pid; nullopt when there is no such process.
std::optional<unsigned long long> start_time(pid_t pid);

// One line of the state directory's "run" file: a run of serverlite on that directory (usually
// one; a line per run while several share it).
struct RunRecord {
  std::string marker;
  pid_t pid = 0;
  unsigned long long start_time = 0;
};
std::optional<RunRecord> parse_run_record(std::string_view line);
std::string format_run_record(const RunRecord& record);  // with its newline

// Ends what each run recorded in `state_dir` left, unless that run is still going (its pid alive
// with the recorded start time). Returns how many processes it ended.
int end_previous_run(const std::filesystem::path& state_dir);
// Records this run in `state_dir` (0600, written whole and renamed into place), dropping the
// records of runs that are over; at a clean end, removes it again.
void record_run(const std::filesystem::path& state_dir);
void remove_run_record(const std::filesystem::path& state_dir);

}  // namespace serverlite::invoker
