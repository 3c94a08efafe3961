// PrepareSastInputs and PrepareDastInputs; see scan_inputs.h.
#include "worker/job/scan_inputs.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <vector>

#include "common/incremental/name_status.h"
#include "worker/job/scan_files.h"
#include "worker/workspace/git_checkout.h"
#include "worker/workspace/partial_checkout.h"
#include "worker/workspace/repo_suppressions.h"

namespace scanfleet {

namespace {

// The borrowed state of one SAST preparation.
struct SastJob {
  const v1::JobAssignment& job;
  const ScannerSpec& spec;
  const JobRunnerConfig& config;
  const JobSecrets& secrets;
  const CancelSignal& cancel;
  std::string home;  // the workspace: git's HOME
};

// A checkout step's error, classified: bad input stays bad input (a missing
// repository or ref will never work), anything else may pass on a retry.
Status CheckoutFailed(const Status& status, v1::FailureKind& kind) {
  kind =
      status.code() == StatusCode::kInvalidArgument ? v1::FAILURE_BAD_INPUT : v1::FAILURE_INTERNAL;
  return status.WithContext("checkout failed");
}

Status CheckSastJob(const SastJob& in) {
  if (in.job.target().repo().empty()) {
    return Status::InvalidArgument("scanner '" + in.spec.name + "' needs a repository to scan");
  }
  if (in.spec.file_patterns.empty() && in.job.shard_count() > 1) {
    // Running the whole tree once per shard would report every finding N times.
    return Status::InvalidArgument("scanner '" + in.spec.name +
                                   "' does not take {files} on this worker: it cannot run a shard");
  }
  return Status::Ok();
}

// Clones the repository into inputs.cwd and resolves the commit. A
// files-only scanner's job then lists the commit (returned) and writes
// nothing yet; any other writes the whole tree (and returns no listing).
StatusOr<std::vector<TreeFile>> CloneCommit(const SastJob& in, ScanInputs& inputs,
                                            v1::FailureKind& kind) {
  const int64_t timeout_ms = in.config.checkout_timeout_ms;
  auto cloned = CloneAndResolve(in.job.target().repo(), in.job.target().ref(), inputs.cwd, in.home,
                                timeout_ms, &in.cancel, in.secrets.git_env);
  if (!cloned.ok()) return CheckoutFailed(cloned.status(), kind);
  inputs.resolved_commit = cloned->commit;
  if (in.spec.checkout_files_only) {
    auto listed = ListTreeFiles(inputs.cwd, cloned->commit, in.home, timeout_ms, &in.cancel);
    if (!listed.ok()) return CheckoutFailed(listed.status(), kind);
    return std::move(listed).value();
  }
  Status written = CheckoutTree(inputs.cwd, cloned->commit, in.home, timeout_ms, &in.cancel);
  if (!written.ok()) return CheckoutFailed(written, kind);
  return std::vector<TreeFile>();
}

// The changes since the job's base commit, or nullopt (and why) when the job
// scans everything: no base commit, or one the repository cannot provide.
std::optional<CommitChanges> ChangesSinceBase(const SastJob& in, const ScanInputs& inputs,
                                              std::string& why_not) {
  if (in.job.base_commit().empty()) return std::nullopt;
  auto diff = DiffNameStatus(inputs.cwd, in.job.base_commit(), inputs.resolved_commit, in.home,
                             in.config.checkout_timeout_ms, &in.cancel, in.secrets.git_env);
  auto parsed = diff.ok() ? ParseNameStatus(*diff) : StatusOr<CommitChanges>(diff.status());
  if (!parsed.ok()) {
    why_not = "cannot diff against base commit: " + parsed.status().message();
    spdlog::info("job {}: {}; scanning every file", in.job.job().job_id(), why_not);
    return std::nullopt;
  }
  return std::move(parsed).value();
}

// A per-file scanner's {files}: the matching files of the listing (or of
// the checked-out tree), then this job's shard and changes.
Status SelectScanFiles(const SastJob& in, const std::vector<TreeFile>& tree, ScanInputs& inputs) {
  const std::vector<std::string>& patterns = in.spec.file_patterns;
  ASSIGN_OR_RETURN(std::vector<std::string> matching,
                   in.spec.checkout_files_only
                       ? ScanFilesOfTree(tree, patterns, in.config.max_files)
                       : FindScanFiles(inputs.cwd, patterns, in.config.max_files));
  auto changes = ChangesSinceBase(in, inputs, inputs.incremental_note);
  inputs.incremental = changes.has_value();
  inputs.selection =
      SelectFiles(matching, patterns, changes, in.job.shard_index(), in.job.shard_count());
  inputs.values.files = inputs.selection.files;
  inputs.nothing_to_scan = inputs.values.files.empty();
  return Status::Ok();
}

// The files a files-only checkout writes: those the job scans, and the
// repository's suppressions file when the commit has one (ReadRepoSuppressions
// judges it, a symlink included).
std::vector<std::string> PathsToWrite(const std::vector<TreeFile>& tree,
                                      const std::vector<std::string>& scanned) {
  std::vector<std::string> paths = scanned;
  for (const TreeFile& file : tree) {
    if (file.path == kRepoSuppressionsPath) paths.push_back(file.path);
  }
  return paths;
}

}  // namespace

StatusOr<ScanInputs> PrepareSastInputs(const v1::JobAssignment& job, const ScannerSpec& spec,
                                       const JobRunnerConfig& config, const Workspace& workspace,
                                       const JobSecrets& secrets, const CancelSignal& cancel,
                                       v1::FailureKind& kind) {
  kind = v1::FAILURE_BAD_INPUT;
  const SastJob in{job, spec, config, secrets, cancel, workspace.path()};
  RETURN_IF_ERROR(CheckSastJob(in));
  ScanInputs inputs;
  inputs.cwd = workspace.path() + "/src";
  inputs.values.workspace = ".";
  ASSIGN_OR_RETURN(std::vector<TreeFile> tree, CloneCommit(in, inputs, kind));
  if (!spec.file_patterns.empty()) RETURN_IF_ERROR(SelectScanFiles(in, tree, inputs));
  if (spec.checkout_files_only) {
    Status written =
        CheckoutPaths(inputs.cwd, inputs.resolved_commit, PathsToWrite(tree, inputs.values.files),
                      in.home, config.checkout_timeout_ms, &cancel);
    if (!written.ok()) return CheckoutFailed(written, kind);
  }
  inputs.repo_suppressions = ReadRepoSuppressions(inputs.cwd);
  return inputs;
}

StatusOr<ScanInputs> PrepareDastInputs(const v1::JobAssignment& job, const ScannerSpec& spec,
                                       const TargetAllowlist& allowlist, const Workspace& workspace,
                                       v1::FailureKind& kind) {
  kind = v1::FAILURE_BAD_INPUT;
  if (job.target().url().empty()) {
    return Status::InvalidArgument("scanner '" + spec.name + "' needs a DAST target");
  }
  ASSIGN_OR_RETURN(DastTarget target, ParseDastTarget(job.target().url()));
  if (!allowlist.Allows(target)) {
    return Status::PermissionDenied("target host " + target.host +
                                    " is not in this worker's --dast-allow list (" +
                                    allowlist.Describe() + ")");
  }
  ScanInputs inputs;
  inputs.cwd = workspace.path();
  inputs.values.target = target;
  return inputs;
}

}  // namespace scanfleet
