// RunJob: one attempt of one job, from assignment to result. It composes the
// job pipeline, each step in its own room:
//
//   registry lookup -> secrets (job_secrets.h) -> workspace (worker/workspace)
//   -> checkout and files, or DAST target check (scan_inputs.h)
//   -> per batch of files: sandboxed scanner run -> report -> ProcessReport
//      (scanner_run.h, scanner_report.h, common/scanners/process_report.h)
//   -> redacted result
//
// The scanner runs in the scanner sandbox (worker/exec; as the sandbox user,
// which then owns the workspace, and without network for SAST unless the
// worker allows it) with a timeout and capped output; any failure is
// classified for the controller's retry policy. Builtin scanners answer
// without a checkout or a process (builtin_scanner.h). The workspace is
// removed before RunJob returns.
//
// Secrets the job or its scanner names are resolved first (an unknown one
// fails the job as FAILURE_BAD_INPUT) and reach git and the scanner only
// through their environment. Scanner output is redacted before it is parsed
// or kept, and the whole result once more before it returns, so no value
// leaves RunJob.
// Thread-safety: reentrant; the worker runs one call per slot thread.
#pragma once

#include "proto/scanfleet.pb.h"
#include "worker/exec/cancel_signal.h"
#include "worker/job/job_runner_config.h"

namespace scanfleet {

v1::JobResult RunJob(const v1::JobAssignment& job, const JobRunnerConfig& config,
                     const CancelSignal& cancel);

}  // namespace scanfleet
