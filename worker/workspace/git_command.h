// Running git for the worker's checkouts: an argv (never a shell), external
// transports and hooks disabled, a scrubbed environment with no system or
// global config, and bounded output. Shared by git_checkout and
// partial_checkout; not for other callers.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <vector>

#include "common/status/status.h"
#include "worker/exec/cancel_signal.h"
#include "worker/exec/process_runner.h"

namespace scanfleet {

// Runs `git <hardening options> args` in `home`. Errors: Unavailable when
// cancelled, DeadlineExceeded, ResourceExhausted beyond `max_stdout_bytes`;
// a non-zero exit is a result, for the caller to judge.
StatusOr<ProcessResult> RunGitCommand(std::vector<std::string> args, const std::string& home,
                                      int64_t timeout_ms, const CancelSignal* cancel,
                                      const std::vector<std::string>& credential_env = {},
                                      size_t max_stdout_bytes = 1 << 20);

}  // namespace scanfleet
