// JobRunnerConfig: what every job of this worker runs with, set once by the
// worker loop at start (registry, discovered scanners, DAST allowlist, secret
// source, limits, sandbox) and read by the job pipeline (worker/job).
// Thread-safety: immutable while jobs run; job threads share it read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/scanners/registry.h"
#include "common/target/dast_target.h"
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

}  // namespace scanfleet
