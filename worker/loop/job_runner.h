// RunJob: one attempt of one job, from assignment to result.
//
// Looks the scanner up in the registry. SAST: makes a private workspace and
// checks the commit out (git with an argv, never a shell), and collects the
// files the scanner wants. DAST: parses the target and refuses it unless the
// worker's own allowlist has its host. Then fills the scanner's argv template
// with validated values, runs it in the scanner sandbox (process_runner.h;
// as the sandbox user, which then owns the workspace, and without network
// for SAST unless the worker allows it) with a timeout and capped output, reads its
// report (stdout, stderr or a file in a private output directory), parses it
// into normalized findings and classifies any failure for the controller's
// retry policy. The workspace is removed before it returns.
//
// Secrets the job or its scanner names are resolved first (job_secrets.h; an
// unknown one fails the job as FAILURE_BAD_INPUT) and reach git and the
// scanner only through their environment. Scanner output is redacted before
// it is parsed or kept, and the whole result once more before it returns, so
// no value leaves RunJob.
// Thread-safety: reentrant; the worker runs one call per slot thread.
#pragma once

#include <map>
#include <string>

#include "common/scanners/registry.h"
#include "common/target/dast_target.h"
#include "proto/scanfleet.pb.h"
#include "worker/exec/cancel_signal.h"
#include "worker/exec/sandbox_options.h"
#include "worker/secrets/secret_source.h"

namespace scanfleet {

struct JobRunnerConfig {
  std::string work_dir;                         // workspaces are created under it
  const ScannerRegistry* registry = nullptr;    // how to run each scanner
  std::map<std::string, std::string> scanners;  // available scanner -> version
  TargetAllowlist dast_allowlist;               // DAST hosts this worker may scan
  SecretSource secrets{""};                     // resolves secret names (--secrets-dir, env)
  int64_t checkout_timeout_ms = 5 * 60 * 1000;
  size_t max_output_bytes = 64 << 20;
  size_t max_files = 100000;           // {files} beyond this fail the job
  size_t keep_report_bytes = 8 << 20;  // reports up to this size go back compressed
  ScannerSandbox sandbox;              // limits, user, pids cgroup, SAST network
};

v1::JobResult RunJob(const v1::JobAssignment& job, const JobRunnerConfig& config,
                     const CancelSignal& cancel);

// Asks every registry scanner for its version, in the sandbox the scanners
// will run in (so a tool the sandbox user cannot run is not offered);
// returns those that answered.
std::map<std::string, std::string> DiscoverScanners(const ScannerRegistry& registry,
                                                    const ScannerSandbox& sandbox);

}  // namespace scanfleet
