// RunJob; see job_runner.h.
#include "worker/job/job_runner.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include "common/wire/convert.h"
#include "worker/job/builtin_scanner.h"
#include "worker/job/file_batches.h"
#include "worker/job/job_secrets.h"
#include "worker/job/scan_inputs.h"
#include "worker/job/scanner_run.h"
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

// What a per-file job scanned and, when incremental, the changes it saw.
void ReportSelection(const ScanInputs& inputs, v1::JobResult& result) {
  result.set_files_scanned(static_cast<uint32_t>(inputs.values.files.size()));
  result.set_incremental(inputs.incremental);
  result.set_incremental_note(ValidUtf8(inputs.incremental_note));
  for (const std::string& path : inputs.selection.changed) {
    result.add_changed_paths(ValidUtf8(path));
  }
  for (const std::string& path : inputs.selection.deleted) {
    result.add_deleted_paths(ValidUtf8(path));
  }
  for (const FileRename& rename : inputs.selection.renames) {
    v1::PathRename* renamed = result.add_renames();
    renamed->set_from(ValidUtf8(rename.from));
    renamed->set_to(ValidUtf8(rename.to));
  }
}

// One private output directory per batch (a scanner's report file must not
// find the previous batch's), all handed to the sandbox user with the rest
// of the workspace.
Status CreateOutputDirs(const Workspace& workspace, size_t batches, const JobRunnerConfig& config) {
  std::string output_dir = workspace.path() + "/out";
  if (mkdir(output_dir.c_str(), 0700) != 0) return Status::Internal("cannot create " + output_dir);
  for (size_t i = 0; i < batches; ++i) {
    std::string dir = output_dir + "/" + std::to_string(i);
    if (mkdir(dir.c_str(), 0700) != 0) return Status::Internal("cannot create " + dir);
  }
  if (!config.sandbox.run_as) return Status::Ok();
  return workspace.GiveTo(config.sandbox.run_as->uid, config.sandbox.run_as->gid);
}

// Runs the scanner once per batch of files; their findings are concatenated
// (files are disjoint, so fingerprints are too). Only a job's only run keeps
// its raw report: re-parsing needs one whole report.
void RunBatches(ScannerRun run, ScanInputs& inputs, const Workspace& workspace,
                v1::JobResult& result) {
  std::vector<std::vector<std::string>> batches = SplitIntoBatches(inputs.values.files);
  if (Status created = CreateOutputDirs(workspace, batches.size(), *run.config); !created.ok()) {
    result = Failure(*run.job, v1::FAILURE_INTERNAL, created.message());
    return;
  }
  run.keep_report = batches.size() == 1;
  for (size_t i = 0; i < batches.size(); ++i) {
    inputs.values.files = std::move(batches[i]);
    inputs.values.output_dir = workspace.path() + "/out/" + std::to_string(i);
    inputs.values.output_file = inputs.values.output_dir + "/report";
    if (!RunScannerOnce(run, inputs.values, result)) return;
  }
  result.set_failure(v1::FAILURE_NONE);
}

// RunJob once the scanner is known and the job's secrets are resolved. Its
// result is redacted once more by the caller.
v1::JobResult RunResolvedJob(const v1::JobAssignment& job, const ScannerSpec* spec,
                             const std::string& tool_version, const JobRunnerConfig& config,
                             const JobSecrets& secrets, const CancelSignal& cancel) {
  auto workspace =
      Workspace::Create(config.work_dir, "job-" + std::to_string(job.job().job_id()) + "-" +
                                             std::to_string(job.job().attempt()));
  if (!workspace.ok()) return Failure(job, v1::FAILURE_INTERNAL, workspace.status().ToString());
  v1::FailureKind kind = v1::FAILURE_INTERNAL;
  auto inputs = spec->kind == ScannerKind::kSast
                    ? PrepareSastInputs(job, *spec, config, *workspace, secrets, cancel, kind)
                    : PrepareDastInputs(job, *spec, config.dast_allowlist, *workspace, kind);
  if (!inputs.ok()) return Failure(job, kind, inputs.status().message());
  v1::JobResult result;
  *result.mutable_job() = job.job();
  result.set_resolved_commit(inputs->resolved_commit);
  result.set_repo_suppressions(inputs->repo_suppressions);
  result.set_tool_version(ValidUtf8(tool_version));
  ReportSelection(*inputs, result);
  if (inputs->nothing_to_scan) {
    result.set_failure(v1::FAILURE_NONE);  // no file this scanner reads: a clean result
    return result;
  }
  ScannerRun run{&job,    spec,        tool_version,      &config, &secrets,
                 &cancel, inputs->cwd, workspace->path(), false};
  RunBatches(run, *inputs, *workspace, result);
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
