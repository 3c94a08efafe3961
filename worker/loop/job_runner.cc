// RunJob; see job_runner.h.
#include "worker/loop/job_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>

#include "common/compress/zlib_codec.h"
#include "common/finding/finding.h"
#include "common/incremental/name_status.h"
#include "common/scanners/argv_template.h"
#include "common/wire/convert.h"
#include "worker/exec/process_runner.h"
#include "worker/exec/unique_fd.h"
#include "worker/loop/builtin_scanner.h"
#include "worker/loop/file_selection.h"
#include "worker/loop/job_secrets.h"
#include "worker/loop/scan_files.h"
#include "worker/loop/scanner_run.h"
#include "worker/workspace/git_checkout.h"
#include "worker/workspace/partial_checkout.h"
#include "worker/workspace/repo_suppressions.h"
#include "worker/workspace/workspace.h"

namespace scanfleet {

namespace {

v1::JobResult Failure(const v1::JobAssignment& job, v1::FailureKind kind, std::string error) {
  v1::JobResult result;
  *result.mutable_job() = job.job();
  result.set_failure(kind);
  result.set_error(ValidUtf8(error));
  return result;
}

// Everything RunJob prepares before the scanner runs.
struct Prepared {
  std::string cwd;
  ArgvValues values;
  std::string resolved_commit;
  std::string repo_suppressions;  // .scanfleet/suppressions.json as read (SAST)
  bool nothing_to_scan = false;
  // Per-file scanners: what the job scans and the changes it reports.
  FileSelection selection;
  bool incremental = false;
  std::string incremental_note;  // why an incremental job scans every file
};

// The changes since the job's base commit, or nullopt (and why) when the job
// scans everything: no base commit, or one the repository cannot provide.
std::optional<CommitChanges> ChangesSinceBase(const v1::JobAssignment& job, const std::string& head,
                                              const std::string& cwd, const std::string& home,
                                              const JobRunnerConfig& config,
                                              const JobSecrets& secrets, const CancelSignal& cancel,
                                              std::string& why_not) {
  if (job.base_commit().empty()) return std::nullopt;
  auto diff = DiffNameStatus(cwd, job.base_commit(), head, home, config.checkout_timeout_ms,
                             &cancel, secrets.git_env);
  auto parsed = diff.ok() ? ParseNameStatus(*diff) : StatusOr<CommitChanges>(diff.status());
  if (!parsed.ok()) {
    why_not = "cannot diff against base commit: " + parsed.status().message();
    spdlog::info("job {}: {}; scanning every file", job.job().job_id(), why_not);
    return std::nullopt;
  }
  return std::move(parsed).value();
}

// A checkout step's error, classified: bad input stays bad input (a missing
// repository or ref will never work), anything else may pass on a retry.
Status CheckoutFailed(const Status& status, v1::FailureKind& kind) {
  kind =
      status.code() == StatusCode::kInvalidArgument ? v1::FAILURE_BAD_INPUT : v1::FAILURE_INTERNAL;
  return status.WithContext("checkout failed");
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

StatusOr<Prepared> PrepareSast(const v1::JobAssignment& job, const ScannerSpec& spec,
                               const JobRunnerConfig& config, const Workspace& workspace,
                               const JobSecrets& secrets, const CancelSignal& cancel,
                               v1::FailureKind& kind) {
  kind = v1::FAILURE_BAD_INPUT;
  if (job.target().repo().empty()) {
    return Status::InvalidArgument("scanner '" + spec.name + "' needs a repository to scan");
  }
  if (spec.file_patterns.empty() && job.shard_count() > 1) {
    // Running the whole tree once per shard would report every finding N times.
    return Status::InvalidArgument("scanner '" + spec.name +
                                   "' does not take {files} on this worker: it cannot run a shard");
  }
  Prepared prepared;
  prepared.cwd = workspace.path() + "/src";
  prepared.values.workspace = ".";
  const std::string& home = workspace.path();
  const int64_t timeout_ms = config.checkout_timeout_ms;
  auto cloned = CloneAndResolve(job.target().repo(), job.target().ref(), prepared.cwd, home,
                                timeout_ms, &cancel, secrets.git_env);
  if (!cloned.ok()) return CheckoutFailed(cloned.status(), kind);
  prepared.resolved_commit = cloned->commit;
  // A files-only scanner's job lists the commit and writes just what it
  // scans; any other writes the whole tree and lists that.
  std::vector<TreeFile> tree;
  if (spec.checkout_files_only) {
    auto listed = ListTreeFiles(prepared.cwd, cloned->commit, home, timeout_ms, &cancel);
    if (!listed.ok()) return CheckoutFailed(listed.status(), kind);
    tree = std::move(listed).value();
  } else if (Status written = CheckoutTree(prepared.cwd, cloned->commit, home, timeout_ms, &cancel);
             !written.ok()) {
    return CheckoutFailed(written, kind);
  }
  if (!spec.file_patterns.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> matching,
                     spec.checkout_files_only
                         ? ScanFilesOfTree(tree, spec.file_patterns, config.max_files)
                         : FindScanFiles(prepared.cwd, spec.file_patterns, config.max_files));
    auto changes = ChangesSinceBase(job, prepared.resolved_commit, prepared.cwd, home, config,
                                    secrets, cancel, prepared.incremental_note);
    prepared.incremental = changes.has_value();
    prepared.selection =
        SelectFiles(matching, spec.file_patterns, changes, job.shard_index(), job.shard_count());
    prepared.values.files = prepared.selection.files;
    prepared.nothing_to_scan = prepared.values.files.empty();
  }
  if (spec.checkout_files_only) {
    Status written =
        CheckoutPaths(prepared.cwd, cloned->commit, PathsToWrite(tree, prepared.values.files), home,
                      timeout_ms, &cancel);
    if (!written.ok()) return CheckoutFailed(written, kind);
  }
  prepared.repo_suppressions = ReadRepoSuppressions(prepared.cwd);
  return prepared;
}

StatusOr<Prepared> PrepareDast(const v1::JobAssignment& job, const ScannerSpec& spec,
                               const JobRunnerConfig& config, const Workspace& workspace,
                               v1::FailureKind& kind) {
  kind = v1::FAILURE_BAD_INPUT;
  if (job.target().url().empty()) {
    return Status::InvalidArgument("scanner '" + spec.name + "' needs a DAST target");
  }
  ASSIGN_OR_RETURN(DastTarget target, ParseDastTarget(job.target().url()));
  if (!config.dast_allowlist.Allows(target)) {
    return Status::PermissionDenied("target host " + target.host +
                                    " is not in this worker's --dast-allow list (" +
                                    config.dast_allowlist.Describe() + ")");
  }
  Prepared prepared;
  prepared.cwd = workspace.path();
  prepared.values.target = target;
  return prepared;
}

}  // namespace

std::map<std::string, std::string> DiscoverScanners(const ScannerRegistry& registry,
                                                    const ScannerSandbox& sandbox) {
  std::map<std::string, std::string> found;
  for (const auto& [name, spec] : registry.scanners) {
    if (spec.builtin != ScannerSpec::Builtin::kNone) {
      found[name] = BuiltinScannerVersion(spec);
      continue;
    }
    ProcessSpec probe;
    ApplySandbox(sandbox, probe);
    probe.argv = spec.version_argv;
    probe.cwd = "/";
    probe.env = MinimalEnvironment("/tmp");
    probe.timeout_ms = 30000;
    auto ran = RunProcess(probe);
    if (!ran.ok() || ran->timed_out || ran->term_signal != 0) continue;  // not usable here
    std::string text = ran->stdout_data.empty() ? ran->stderr_data : ran->stdout_data;
    // The first line that carries a digit (tools such as wapiti print a banner first).
    std::string line = text.substr(0, text.find('\n'));
    for (size_t start = 0; start < text.size();) {
      size_t end = std::min(text.find('\n', start), text.size());
      std::string candidate = text.substr(start, end - start);
      if (candidate.find_first_of("0123456789") != std::string::npos) {
        line = candidate;
        break;
      }
      start = end + 1;
    }
    found[name] = NormalizeSnippet(line).substr(0, 200);
  }
  return found;
}

namespace {

// What a per-file job scanned and, when incremental, the changes it saw.
void ReportSelection(const Prepared& prepared, v1::JobResult& result) {
  result.set_files_scanned(static_cast<uint32_t>(prepared.values.files.size()));
  result.set_incremental(prepared.incremental);
  result.set_incremental_note(ValidUtf8(prepared.incremental_note));
  for (const std::string& path : prepared.selection.changed) {
    result.add_changed_paths(ValidUtf8(path));
  }
  for (const std::string& path : prepared.selection.deleted) {
    result.add_deleted_paths(ValidUtf8(path));
  }
  for (const FileRename& rename : prepared.selection.renames) {
    v1::PathRename* renamed = result.add_renames();
    renamed->set_from(ValidUtf8(rename.from));
    renamed->set_to(ValidUtf8(rename.to));
  }
}

// RunJob once the scanner is known and the job's secrets are resolved. Its
// result is redacted once more by the caller.
v1::JobResult RunResolvedJob(const v1::JobAssignment& job, const ScannerSpec* spec,
                             const std::string& tool_version, const JobRunnerConfig& config,
                             const JobSecrets& secrets, const CancelSignal& cancel) {
  auto workspace =
      Workspace::Create(config.work_dir, "job-" + std::to_string(job.job().job_id()) + "-" +
                                             std::to_string(job.job().attempt()));
  if (!workspace.ok()) {
    return Failure(job, v1::FAILURE_INTERNAL, workspace.status().ToString());
  }
  v1::FailureKind kind = v1::FAILURE_INTERNAL;
  auto prepared = spec->kind == ScannerKind::kSast
                      ? PrepareSast(job, *spec, config, *workspace, secrets, cancel, kind)
                      : PrepareDast(job, *spec, config, *workspace, kind);
  if (!prepared.ok()) return Failure(job, kind, prepared.status().message());
  v1::JobResult result;
  *result.mutable_job() = job.job();
  result.set_resolved_commit(prepared->resolved_commit);
  result.set_repo_suppressions(prepared->repo_suppressions);
  result.set_tool_version(ValidUtf8(tool_version));
  ReportSelection(*prepared, result);
  if (prepared->nothing_to_scan) {
    result.set_failure(v1::FAILURE_NONE);  // no file this scanner reads: a clean result
    return result;
  }
  std::string output_dir = workspace->path() + "/out";
  if (mkdir(output_dir.c_str(), 0700) != 0) {
    return Failure(job, v1::FAILURE_INTERNAL, "cannot create " + output_dir);
  }
  // A long file list runs in batches that each fit on a command line; their
  // findings are concatenated (files are disjoint, so fingerprints are too).
  // One private output directory per batch (a scanner's report file must not
  // find the previous batch's), all handed to the sandbox user below.
  std::vector<std::vector<std::string>> batches = SplitIntoBatches(prepared->values.files);
  for (size_t i = 0; i < batches.size(); ++i) {
    std::string dir = output_dir + "/" + std::to_string(i);
    if (mkdir(dir.c_str(), 0700) != 0) {
      return Failure(job, v1::FAILURE_INTERNAL, "cannot create " + dir);
    }
  }
  if (config.sandbox.run_as) {
    if (auto given = workspace->GiveTo(config.sandbox.run_as->uid, config.sandbox.run_as->gid);
        !given.ok()) {
      return Failure(job, v1::FAILURE_INTERNAL, given.message());
    }
  }
  for (size_t i = 0; i < batches.size(); ++i) {
    prepared->values.files = std::move(batches[i]);
    prepared->values.output_dir = output_dir + "/" + std::to_string(i);
    prepared->values.output_file = prepared->values.output_dir + "/report";
    ScannerRun run{&job,
                   spec,
                   tool_version,
                   &config,
                   &secrets,
                   &cancel,
                   prepared->cwd,
                   workspace->path(),
                   batches.size() == 1};
    if (!RunScannerOnce(run, prepared->values, result)) return result;
  }
  result.set_failure(v1::FAILURE_NONE);
  return result;
}

}  // namespace

v1::JobResult RunJob(const v1::JobAssignment& job, const JobRunnerConfig& config,
                     const CancelSignal& cancel) {
  const ScannerSpec* spec = config.registry ? config.registry->Find(job.scanner()) : nullptr;
  auto available = config.scanners.find(job.scanner());
  if (spec == nullptr || available == config.scanners.end()) {
    return Failure(job, v1::FAILURE_SCANNER_MISSING,
                   "scanner '" + job.scanner() + "' is not available on this worker");
  }
  if (spec->builtin != ScannerSpec::Builtin::kNone) return RunBuiltinScanner(job, *spec);
  auto secrets = ResolveJobSecrets(job, *spec, config.secrets);
  if (!secrets.ok()) {
    // A secret this worker lacks or refuses is configuration: retrying will not help.
    return Failure(job, v1::FAILURE_BAD_INPUT, secrets.status().message());
  }
  v1::JobResult result = RunResolvedJob(job, spec, available->second, config, *secrets, cancel);
  RedactResult(secrets->redactor, &result);
  return result;
}

}  // namespace scanfleet
