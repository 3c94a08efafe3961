// SpawnSandboxed: starts one program (clone(CLONE_VM | CLONE_VFORK) like
// posix_spawn, fork in sanitizer builds; then execve, never a shell) with the
// scanner sandbox set up in the child before exec:
//   - signal dispositions reset to default and the signal mask emptied;
//   - its own process group (setpgid(0, 0));
//   - membership of a pids cgroup, when one is given;
//   - stdin from /dev/null, stdout/stderr to the given pipes and every other
//     descriptor closed (close_range, else each entry of /proc/self/fd);
//   - optionally a fresh network namespace with no interface up
//     (CLONE_NEWNET, plus CLONE_NEWUSER when not root); when the host refuses
//     it the program runs with the network and the result says so;
//   - RLIMIT_CORE = 0 and the CPU, AS, NOFILE, NPROC and FSIZE limits;
//   - optionally another uid/gid with no supplementary groups;
//   - PR_SET_PDEATHSIG = SIGKILL, then a check that the parent is still there.
// Only async-signal-safe calls run between fork and exec: everything the
// child needs (argv, envp, paths, limits) is built before fork, and the child
// switches credentials with raw syscalls (glibc's setuid would try to reach
// the parent's other threads). A setup step or execve that fails is reported
// to the parent through a close-on-exec pipe as (step, errno), so a program
// that cannot be run is a clear Status rather than an exit code to guess at.
//
// PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the
// process: call this from a thread that outlives the child (RunProcess waits
// for the child on the calling thread, so that holds for it).
// Thread-safety: reentrant; signals are blocked in the calling thread while
// it starts the child, and the thread waits until the child exec'd or died.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "worker/exec/sandbox_options.h"

namespace scanfleet {

struct SpawnRequest {
  std::string program;  // path to execute; no PATH search happens here
  std::vector<std::string> argv;
  std::vector<std::string> env;  // complete environment, "K=V"
  std::string cwd;               // empty: the parent's
  int stdout_fd = -1;            // write ends the child gets as 1 and 2
  int stderr_fd = -1;
  ResourceLimits limits;
  int64_t timeout_ms = 0;  // for the derived RLIMIT_CPU
  std::optional<RunAsUser> run_as;
  std::string cgroup_procs_path;  // the child writes itself here first; empty: none
  bool isolate_network = false;
};

struct SpawnedChild {
  pid_t pid = -1;                         // also its process group id
  bool network_isolated = false;          // runs in a fresh network namespace
  bool network_isolation_failed = false;  // asked for, refused by the host
  bool cgroup_join_failed = false;        // could not join cgroup_procs_path
};

// NotFound when execve says the program is missing or not executable;
// ResourceExhausted when fork fails for lack of processes; Internal for a
// failed setup step (the child is reaped before returning either way).
StatusOr<SpawnedChild> SpawnSandboxed(const SpawnRequest& request);

}  // namespace scanfleet
