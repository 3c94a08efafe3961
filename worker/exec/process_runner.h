// RunProcess: runs a program with an argv (never a shell) in the scanner
// sandbox (sandboxed_spawn.h: own process group, resource limits, no core
// dumps, no inherited descriptors, PR_SET_PDEATHSIG, optionally another user
// and no network) with a complete fixed environment, stdin from /dev/null, a
// wall-clock timeout and capped output.
//
// On timeout or cancel the whole process group is SIGKILLed (grandchildren
// included); after the child exits the group is killed too, so nothing it
// started outlives it. With a pids cgroup (ProcessSpec::pids_cgroup_parent)
// the run gets its own cgroup with pids.max = limits.processes, and whatever
// is left in it at the end is killed as well, also processes that left the
// group. stdout beyond the cap is read and discarded (the child never blocks)
// and marked truncated; stderr keeps its last bytes. The caller's memory use
// is bounded by the two caps whatever the child writes.
//
// The child dies with the thread that called RunProcess (PR_SET_PDEATHSIG
// follows the forking thread): RunProcess waits for it on that thread, so a
// crashed or SIGKILLed worker takes its scanners with it.
// Thread-safety: reentrant; no global state, no signal handlers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "worker/exec/cancel_signal.h"
#include "worker/exec/sandbox_options.h"

namespace scanfleet {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up on the PATH in env
  std::string cwd;                // working directory
  std::vector<std::string> env;   // complete environment, "K=V"
  int64_t timeout_ms = 600000;    // wall clock
  size_t max_stdout_bytes = 64 << 20;
  size_t max_stderr_bytes = 1 << 20;  // tail kept
  ResourceLimits limits;              // RLIMIT_CORE is always 0
  std::optional<RunAsUser> run_as;    // needs root; empty: this process's user
  std::string pids_cgroup_parent;     // empty: no cgroup, RLIMIT_NPROC alone
  bool isolate_network = false;       // fresh network namespace when the host allows
};

struct ProcessResult {
  int exit_code = -1;   // valid when term_signal == 0
  int term_signal = 0;  // signal that killed it, 0 if it exited
  bool timed_out = false;
  bool cancelled = false;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::string stdout_data;
  std::string stderr_data;
  int64_t duration_ms = 0;
  int pid = -1;                           // the child's pid, also its process group id
  bool network_isolated = false;          // ran without network
  bool network_isolation_failed = false;  // isolate_network refused by the host: had network
  bool pids_cgroup_failed = false;        // pids_cgroup_parent unusable: RLIMIT_NPROC alone
};

// NotFound when the program is not on PATH or cannot be executed;
// Internal for other spawn or sandbox setup errors.
StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec, const CancelSignal* cancel = nullptr);

// PATH (of this process, or a default), HOME=home, TMPDIR=home, LANG/LC_ALL=C.UTF-8.
std::vector<std::string> MinimalEnvironment(const std::string& home);

}  // namespace scanfleet
