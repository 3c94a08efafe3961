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

#include "common/compress/zlib_codec.h"
#include "common/finding/finding.h"
#include "common/wire/convert.h"
#include "worker/exec/process_runner.h"
#include "worker/exec/unique_fd.h"
#include "worker/loop/builtin_scanner.h"
#include "worker/loop/job_secrets.h"
#include "worker/loop/scan_files.h"
#include "worker/scanners/argv_template.h"
#include "worker/workspace/git_checkout.h"
#include "worker/workspace/workspace.h"

namespace scanfleet {

namespace {

constexpr size_t kTailBytes = 2048;

std::string Tail(const std::string& text) {
  return text.size() <= kTailBytes ? text : text.substr(text.size() - kTailBytes);
}

v1::JobResult Failure(const v1::JobAssignment& job, v1::FailureKind kind, std::string error) {
  v1::JobResult result;
  *result.mutable_job() = job.job();
  result.set_failure(kind);
  result.set_error(ValidUtf8(error));
  return result;
}

// The report file a scanner wrote, read up to `max_bytes`. The scanner's
// user owns the directory: never follow a link or open a FIFO it left there.
StatusOr<std::string> ReadReport(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP) return Status::DataLoss("the report is not a regular file");
  if (fd < 0) return Status::NotFound("the scanner wrote no report at " + path);
  UniqueFd report(fd);
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    return Status::DataLoss("the report is not a regular file");
  }
  if (static_cast<size_t>(info.st_size) > max_bytes) {
    return Status::ResourceExhausted("the report exceeds " + std::to_string(max_bytes) + " bytes");
  }
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::DataLoss("cannot read the report: " + std::string(strerror(errno)));
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      return Status::ResourceExhausted("the report exceeds " + std::to_string(max_bytes) +
                                       " bytes");
    }
  }
  return text;
}

// A sandbox the host only partly provides is logged once per worker, not per job.
void WarnAboutSandboxOnce(const ProcessResult& ran) {
  static std::atomic<bool> network_warned{false}, cgroup_warned{false};
  if (ran.network_isolation_failed && !network_warned.exchange(true)) {
    spdlog::warn(
        "this host refuses new network namespaces: SAST scanners run WITH network access "
        "(see docs/SCANNERS.md, Scanner sandbox)");
  }
  if (ran.pids_cgroup_failed && !cgroup_warned.exchange(true)) {
    spdlog::warn("a scanner run got no pids cgroup: only RLIMIT_NPROC bounds its processes");
  }
}

// The sandbox part of a scanner run's ProcessSpec.
void ApplySandbox(const ScannerSandbox& sandbox, ProcessSpec& run) {
  run.limits = sandbox.limits;
  run.run_as = sandbox.run_as;
  run.pids_cgroup_parent = sandbox.pids_cgroup_parent;
}

// Everything RunJob prepares before the scanner runs.
struct Prepared {
  std::string cwd;
  ArgvValues values;
  std::string resolved_commit;
  bool nothing_to_scan = false;
};

StatusOr<Prepared> PrepareSast(const v1::JobAssignment& job, const ScannerSpec& spec,
                               const JobRunnerConfig& config, const Workspace& workspace,
                               const JobSecrets& secrets, const CancelSignal& cancel,
                               v1::FailureKind& kind) {
  kind = v1::FAILURE_BAD_INPUT;
  if (job.target().repo().empty()) {
    return Status::InvalidArgument("scanner '" + spec.name + "' needs a repository to scan");
  }
  Prepared prepared;
  prepared.cwd = workspace.path() + "/src";
  auto checkout =
      CheckoutCommit(job.target().repo(), job.target().ref(), prepared.cwd, workspace.path(),
                     config.checkout_timeout_ms, &cancel, secrets.git_env);
  if (!checkout.ok()) {
    if (checkout.status().code() != StatusCode::kInvalidArgument) kind = v1::FAILURE_INTERNAL;
    return checkout.status().WithContext("checkout failed");
  }
  prepared.resolved_commit = checkout->commit;
  prepared.values.workspace = ".";
  if (!spec.file_patterns.empty()) {
    kind = v1::FAILURE_BAD_INPUT;
    ASSIGN_OR_RETURN(prepared.values.files,
                     FindScanFiles(prepared.cwd, spec.file_patterns, config.max_files));
    prepared.nothing_to_scan = prepared.values.files.empty();
  }
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
  result.set_tool_version(ValidUtf8(tool_version));
  if (prepared->nothing_to_scan) {
    result.set_failure(v1::FAILURE_NONE);  // no file this scanner reads: a clean result
    return result;
  }
  std::string output_dir = workspace->path() + "/out";
  if (mkdir(output_dir.c_str(), 0700) != 0) {
    return Failure(job, v1::FAILURE_INTERNAL, "cannot create " + output_dir);
  }
  if (config.sandbox.run_as) {
    if (auto given = workspace->GiveTo(config.sandbox.run_as->uid, config.sandbox.run_as->gid);
        !given.ok()) {
      return Failure(job, v1::FAILURE_INTERNAL, given.message());
    }
  }
  prepared->values.output_dir = output_dir;
  prepared->values.output_file = output_dir + "/report";
  auto argv = ExpandArgv(spec->argv, prepared->values);
  if (!argv.ok()) return Failure(job, v1::FAILURE_BAD_INPUT, argv.status().message());

  ProcessSpec run;
  ApplySandbox(config.sandbox, run);
  // DAST scanners need the network by definition; SAST ones only read the checkout.
  run.isolate_network = spec->kind == ScannerKind::kSast && config.sandbox.isolate_sast_network;
  run.argv = std::move(argv).value();
  run.cwd = prepared->cwd;
  run.env = MinimalEnvironment(workspace->path());
  run.env.insert(run.env.end(), secrets.scanner_env.begin(), secrets.scanner_env.end());
  run.timeout_ms = job.timeout_ms() > 0 ? std::min<int64_t>(job.timeout_ms(), spec->timeout_ms)
                                        : spec->timeout_ms;
  run.max_stdout_bytes = config.max_output_bytes;
  if (spec->report.kind == ReportSource::Kind::kStderr) {
    run.max_stderr_bytes = config.max_output_bytes;
  }
  auto ran = RunProcess(run, &cancel);
  if (ran.ok()) WarnAboutSandboxOnce(*ran);
  if (!ran.ok()) {
    return Failure(job,
                   ran.status().code() == StatusCode::kNotFound ? v1::FAILURE_SCANNER_MISSING
                                                                : v1::FAILURE_INTERNAL,
                   ran.status().message());
  }
  // A scanner may echo a credential (a DAST login in a request it reports):
  // nothing it printed is parsed or kept before redaction.
  secrets.redactor.RedactInPlace(ran->stdout_data);
  secrets.redactor.RedactInPlace(ran->stderr_data);
  result.set_duration_ms(static_cast<uint64_t>(ran->duration_ms));
  result.set_output_tail(ValidUtf8(Tail(ran->stderr_data)));
  result.set_exit_code(ran->term_signal != 0 ? -ran->term_signal : ran->exit_code);
  if (ran->cancelled) {
    result.set_failure(v1::FAILURE_INTERNAL);
    result.set_error("cancelled");
    return result;
  }
  if (ran->timed_out) {
    result.set_failure(v1::FAILURE_TIMED_OUT);
    result.set_error("scanner timed out after " + std::to_string(run.timeout_ms) + " ms");
    return result;
  }
  if (ran->term_signal != 0 || !spec->ExitCodeMeansRan(ran->exit_code)) {
    result.set_failure(v1::FAILURE_SCANNER_CRASHED);
    result.set_error(ran->term_signal != 0
                         ? "scanner killed by signal " + std::to_string(ran->term_signal)
                         : "scanner exited with code " + std::to_string(ran->exit_code));
    return result;
  }
  std::string report;
  bool truncated = false;
  switch (spec->report.kind) {
    case ReportSource::Kind::kStdout:
      report = std::move(ran->stdout_data);
      truncated = ran->stdout_truncated;
      break;
    case ReportSource::Kind::kStderr:
      report = std::move(ran->stderr_data);
      truncated = ran->stderr_truncated;
      break;
    case ReportSource::Kind::kFile: {
      auto path = ExpandArgv({"x", spec->report.path_template}, prepared->values);
      auto read = path.ok() ? ReadReport(path->back(), config.max_output_bytes)
                            : StatusOr<std::string>(path.status());
      if (!read.ok()) {
        truncated = read.status().code() == StatusCode::kResourceExhausted;
        if (!truncated) {
          result.set_failure(v1::FAILURE_PARSE_ERROR);
          result.set_error(ValidUtf8(read.status().message()));
          return result;
        }
      } else {
        report = std::move(read).value();
        secrets.redactor.RedactInPlace(report);
      }
      break;
    }
  }
  if (truncated) {
    // A partial result must never look like a clean one.
    result.set_failure(v1::FAILURE_PARSE_ERROR);
    result.set_error("scanner output exceeded " + std::to_string(config.max_output_bytes) +
                     " bytes; refusing a partial result");
    return result;
  }
  result.set_raw_report_bytes(report.size());
  if (report.size() <= config.keep_report_bytes) result.set_raw_report(Compress(report));
  auto parsed = spec->parse(report, tool_version);
  if (!parsed.ok()) {
    result.set_failure(v1::FAILURE_PARSE_ERROR);
    result.set_error(
        ValidUtf8("cannot parse " + job.scanner() + " output: " + parsed.status().message()));
    return result;
  }
  uint32_t skipped = parsed->skipped_records;
  if (spec->kind == ScannerKind::kSast) FillMissingSnippets(prepared->cwd, parsed->findings);
  for (const Finding& finding : parsed->findings) {
    if (spec->kind == ScannerKind::kSast && !PathStaysInside(finding.path)) {
      ++skipped;
      continue;
    }
    FindingToProto(finding, result.add_findings());
  }
  result.set_skipped_records(skipped);
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
