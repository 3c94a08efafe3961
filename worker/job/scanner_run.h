// One run of a scanner over prepared argv values: sandboxed process, its
// report taken (scanner_report.h) and redacted, then ProcessReport (parse,
// snippets from the checkout, confinement; common/scanners) and the findings
// appended to the job's result. A job whose file list is too long for one
// command line calls it once per batch (file_batches.h); the results
// accumulate.
// Thread-safety: reentrant.
#pragma once

#include <string>

#include "common/scanners/argv_template.h"
#include "common/scanners/registry.h"
#include "proto/scanfleet.pb.h"
#include "worker/exec/cancel_signal.h"
#include "worker/exec/process_runner.h"
#include "worker/job/job_runner_config.h"
#include "worker/job/job_secrets.h"

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

}  // namespace scanfleet
