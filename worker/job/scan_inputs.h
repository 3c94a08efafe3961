// What a job's scanner is given, prepared in the job's workspace before it
// runs.
//
// SAST: the commit is cloned and checked out (git with an argv, never a
// shell; worker/workspace): the whole tree, or for a "checkout": "files"
// scanner only the files it scans plus the repository's suppressions file.
// A per-file scanner gets its shard of the matching files and, for an
// incremental job whose base commit the repository has, only those changed
// since (file_selection.h). DAST: the target is parsed and refused unless the
// worker's own allowlist has its host.
// Thread-safety: reentrant; each call works in its own workspace.
#pragma once

#include <string>

#include "common/scanners/argv_template.h"
#include "common/scanners/registry.h"
#include "common/status/status.h"
#include "proto/scanfleet.pb.h"
#include "worker/exec/cancel_signal.h"
#include "worker/job/file_selection.h"
#include "worker/job/job_runner_config.h"
#include "worker/job/job_secrets.h"
#include "worker/workspace/workspace.h"

namespace scanfleet {

struct ScanInputs {
  std::string cwd;  // where the scanner runs: the checkout (SAST) or the workspace (DAST)
  ArgvValues values;
  std::string resolved_commit;
  std::string repo_suppressions;  // .scanfleet/suppressions.json as read (SAST)
  bool nothing_to_scan = false;   // a per-file scanner with no file to read
  // Per-file scanners: what the job scans and the changes it reports.
  FileSelection selection;
  bool incremental = false;
  std::string incremental_note;  // why an incremental job scans every file
};

// On error `kind` says how the job fails: FAILURE_BAD_INPUT for what a
// retry cannot fix (no repository, a missing ref, a shard of a scanner that
// takes no {files}), FAILURE_INTERNAL otherwise.
StatusOr<ScanInputs> PrepareSastInputs(const v1::JobAssignment& job, const ScannerSpec& spec,
                                       const JobRunnerConfig& config, const Workspace& workspace,
                                       const JobSecrets& secrets, const CancelSignal& cancel,
                                       v1::FailureKind& kind);

// FAILURE_BAD_INPUT in `kind` for a missing, malformed or disallowed target.
StatusOr<ScanInputs> PrepareDastInputs(const v1::JobAssignment& job, const ScannerSpec& spec,
                                       const TargetAllowlist& allowlist, const Workspace& workspace,
                                       v1::FailureKind& kind);

}  // namespace scanfleet
