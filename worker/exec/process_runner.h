// RunProcess: runs a program with an argv (posix_spawnp, never a shell) in its
// own process group, with a complete fixed environment, stdin from /dev/null,
// a wall-clock timeout and capped output.
//
// On timeout or cancel the whole process group is SIGKILLed (grandchildren
// included); after the child exits the group is killed too, so nothing it
// started outlives it. stdout beyond the cap is read and discarded (the child
// never blocks) and marked truncated; stderr keeps its last bytes.
// Thread-safety: reentrant; no global state, no signal handlers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "worker/exec/cancel_signal.h"

namespace scanfleet {

struct ProcessSpec {
  std::vector<std::string> argv;        // argv[0] is looked up on the PATH in env
  std::string cwd;                      // working directory
  std::vector<std::string> env;         // complete environment, "K=V"
  int64_t timeout_ms = 600000;          // wall clock
  size_t max_stdout_bytes = 64 << 20;
  size_t max_stderr_bytes = 1 << 20;    // tail kept
};

struct ProcessResult {
  int exit_code = -1;       // valid when term_signal == 0
  int term_signal = 0;      // signal that killed it, 0 if it exited
  bool timed_out = false;
  bool cancelled = false;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::string stdout_data;
  std::string stderr_data;
  int64_t duration_ms = 0;
};

// NotFound when the program is not on PATH; Internal for other spawn errors.
StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec, const CancelSignal* cancel = nullptr);

// PATH (of this process, or a default), HOME=home, TMPDIR=home, LANG/LC_ALL=C.UTF-8.
std::vector<std::string> MinimalEnvironment(const std::string& home);

}  // namespace scanfleet
