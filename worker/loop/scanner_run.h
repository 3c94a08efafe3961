// One run of a scanner over prepared argv values: sandboxed process, report
// read (stdout, stderr or a file in the private output directory), redacted,
// parsed, findings confined to the checkout and appended to the job's result.
// A job whose file list is too long for one command line runs it once per
// batch (SplitIntoBatches); the results accumulate.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <vector>

#include "common/scanners/argv_template.h"
#include "proto/scanfleet.pb.h"
#include "worker/exec/cancel_signal.h"
#include "worker/exec/process_runner.h"
#include "worker/loop/job_runner.h"
#include "worker/loop/job_secrets.h"

namespace scanfleet {

// Everything of the job a run needs; pointers are borrowed for the call.
struct ScannerRun {
  const v1::JobAssignment* job;
  const ScannerSpec* spec;
  std::string tool_version;
  const JobRunnerConfig* config;
  const JobSecrets* secrets;
  const CancelSignal* cancel;
  std::string cwd;   // the checkout (SAST) or the workspace (DAST)
  std::string home;  // the workspace: the scanner's HOME
  bool keep_report;  // attach the raw report (only when it is the job's only run)
};

// Runs the scanner once. On success appends its findings (and adds its
// duration, skipped records and report size) to `result` and returns true; on
// failure sets result's failure kind and error and returns false.
bool RunScannerOnce(const ScannerRun& run, const ArgvValues& values, v1::JobResult& result);

// The sandbox part of a scanner run's ProcessSpec.
void ApplySandbox(const ScannerSandbox& sandbox, ProcessSpec& run);

// Linux caps a command line at ~2 MiB (ARG_MAX with an 8 MiB stack): file
// lists are split so each batch's "./path" words take at most this much.
inline constexpr size_t kMaxFileArgBytes = 1 << 20;

// `files` in order, in consecutive batches of at most `max_bytes` of
// arguments each (a single longer path is a batch of its own); one empty
// batch for no file.
std::vector<std::vector<std::string>> SplitIntoBatches(const std::vector<std::string>& files,
                                                       size_t max_bytes = kMaxFileArgBytes);

}  // namespace scanfleet
