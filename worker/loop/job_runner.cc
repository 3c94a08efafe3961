#include "worker/loop/job_runner.h"

#include <algorithm>
#include <chrono>

#include "common/finding/finding.h"
#include "common/wire/convert.h"
#include "worker/exec/process_runner.h"
#include "worker/scanners/registry.h"
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
  result.set_error(std::move(error));
  return result;
}

// Paths a scanner prints must stay inside the checkout: no absolute paths, no "..".
bool PathStaysInside(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = std::min(path.find('/', start), path.size());
    if (path.compare(start, slash - start, "..") == 0 && slash - start == 2) return false;
    start = slash + 1;
  }
  return true;
}

}  // namespace

std::map<std::string, std::string> DiscoverScanners() {
  std::map<std::string, std::string> found;
  for (const ScannerSpec& spec : BuiltinScanners()) {
    ProcessSpec probe;
    probe.argv = spec.version_argv;
    probe.cwd = "/";
    probe.env = MinimalEnvironment("/tmp");
    probe.timeout_ms = 30000;
    auto ran = RunProcess(probe);
    if (!ran.ok()) continue;  // not installed here
    std::string text = ran->stdout_data.empty() ? ran->stderr_data : ran->stdout_data;
    found[spec.name] = NormalizeSnippet(text.substr(0, text.find('\n')));
  }
  return found;
}

v1::JobResult RunJob(const v1::JobAssignment& job, const JobRunnerConfig& config,
                     const CancelSignal& cancel) {
  const ScannerSpec* spec = FindScanner(job.scanner());
  auto available = config.scanners.find(job.scanner());
  if (spec == nullptr || available == config.scanners.end()) {
    return Failure(job, v1::FAILURE_SCANNER_MISSING,
                   "scanner '" + job.scanner() + "' is not available on this worker");
  }
  if (job.target().repo().empty()) {
    return Failure(job, v1::FAILURE_BAD_INPUT,
                   "scanner '" + job.scanner() + "' needs a repository to scan");
  }
  auto workspace = Workspace::Create(config.work_dir,
                                     "job-" + std::to_string(job.job().job_id()) + "-" +
                                         std::to_string(job.job().attempt()));
  if (!workspace.ok()) {
    return Failure(job, v1::FAILURE_INTERNAL, workspace.status().ToString());
  }
  std::string source = workspace->path() + "/src";
  std::string home = workspace->path();
  auto checkout = CheckoutCommit(job.target().repo(), job.target().ref(), source, home,
                                 config.checkout_timeout_ms, &cancel);
  if (!checkout.ok()) {
    v1::FailureKind kind = checkout.status().code() == StatusCode::kInvalidArgument
                               ? v1::FAILURE_BAD_INPUT
                               : v1::FAILURE_INTERNAL;
    return Failure(job, kind, "checkout failed: " + checkout.status().message());
  }

  ProcessSpec run;
  run.argv = spec->argv;
  run.cwd = source;
  run.env = MinimalEnvironment(home);
  run.timeout_ms = job.timeout_ms() > 0 ? std::min<int64_t>(job.timeout_ms(), spec->timeout_ms)
                                        : spec->timeout_ms;
  run.max_stdout_bytes = config.max_output_bytes;
  auto ran = RunProcess(run, &cancel);
  if (!ran.ok()) {
    return Failure(job,
                   ran.status().code() == StatusCode::kNotFound ? v1::FAILURE_SCANNER_MISSING
                                                                : v1::FAILURE_INTERNAL,
                   ran.status().message());
  }
  v1::JobResult result;
  *result.mutable_job() = job.job();
  result.set_resolved_commit(checkout->commit);
  result.set_duration_ms(static_cast<uint64_t>(ran->duration_ms));
  result.set_output_tail(Tail(ran->stderr_data));
  result.set_tool_version(available->second);
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
  bool exit_ok = ran->term_signal == 0 &&
                 std::find(spec->ok_exit_codes.begin(), spec->ok_exit_codes.end(),
                           ran->exit_code) != spec->ok_exit_codes.end();
  if (!exit_ok) {
    result.set_failure(v1::FAILURE_SCANNER_CRASHED);
    result.set_error(ran->term_signal != 0
                         ? "scanner killed by signal " + std::to_string(ran->term_signal)
                         : "scanner exited with code " + std::to_string(ran->exit_code));
    return result;
  }
  if (ran->stdout_truncated) {
    // A partial result must never look like a clean one.
    result.set_failure(v1::FAILURE_PARSE_ERROR);
    result.set_error("scanner output exceeded " + std::to_string(run.max_stdout_bytes) +
                     " bytes; refusing a partial result");
    return result;
  }
  auto parsed = spec->parse(ran->stdout_data, available->second);
  if (!parsed.ok()) {
    result.set_failure(v1::FAILURE_PARSE_ERROR);
    result.set_error("cannot parse " + job.scanner() + " output: " + parsed.status().message());
    return result;
  }
  uint32_t skipped = parsed->skipped_records;
  for (const Finding& finding : parsed->findings) {
    if (!PathStaysInside(finding.path)) {
      ++skipped;
      continue;
    }
    FindingToProto(finding, result.add_findings());
  }
  result.set_skipped_records(skipped);
  result.set_failure(v1::FAILURE_NONE);
  return result;
}

}  // namespace scanfleet
