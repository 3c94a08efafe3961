// RunJob: one attempt of one job, from assignment to result.
//
// Makes a private workspace, checks the commit out (git with an argv, never a
// shell), runs the scanner with a timeout and capped output, parses its output
// into normalized findings and classifies any failure for the controller's
// retry policy. The workspace is removed before it returns.
// Thread-safety: reentrant; the worker runs one call per slot thread.
#pragma once

#include <map>
#include <string>

#include "proto/scanfleet.pb.h"
#include "worker/exec/cancel_signal.h"

namespace scanfleet {

struct JobRunnerConfig {
  std::string work_dir;                      // workspaces are created under it
  std::map<std::string, std::string> scanners;  // available scanner -> version
  int64_t checkout_timeout_ms = 5 * 60 * 1000;
  size_t max_output_bytes = 64 << 20;
};

v1::JobResult RunJob(const v1::JobAssignment& job, const JobRunnerConfig& config,
                     const CancelSignal& cancel);

// Asks every built-in scanner for its version; returns those found on PATH.
std::map<std::string, std::string> DiscoverScanners();

}  // namespace scanfleet
