// RunScannerOnce; see scanner_run.h.
#include "worker/job/scanner_run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

#include "common/compress/zlib_codec.h"
#include "common/finding/finding.h"
#include "common/scanners/process_report.h"
#include "common/wire/convert.h"
#include "worker/job/checkout_source_lines.h"
#include "worker/job/scanner_report.h"

namespace scanfleet {

namespace {

constexpr size_t kTailBytes = 2048;

std::string Tail(const std::string& text) {
  return text.size() <= kTailBytes ? text : text.substr(text.size() - kTailBytes);
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

bool Fail(v1::JobResult& result, v1::FailureKind kind, const std::string& error) {
  result.set_failure(kind);
  result.set_error(ValidUtf8(error));
  return false;
}

// The scanner's process: sandboxed, a minimal environment plus its secrets,
// the shorter of the job's and the scanner's timeouts, capped output.
ProcessSpec ScannerProcess(const ScannerRun& in, std::vector<std::string> argv) {
  ProcessSpec run;
  ApplySandbox(in.config->sandbox, run);
  // DAST scanners need the network by definition; SAST ones only read the checkout.
  run.isolate_network =
      in.spec->kind == ScannerKind::kSast && in.config->sandbox.isolate_sast_network;
  run.argv = std::move(argv);
  run.cwd = in.cwd;
  run.env = MinimalEnvironment(in.home);
  run.env.insert(run.env.end(), in.secrets->scanner_env.begin(), in.secrets->scanner_env.end());
  run.timeout_ms = in.job->timeout_ms() > 0
                       ? std::min<int64_t>(in.job->timeout_ms(), in.spec->timeout_ms)
                       : in.spec->timeout_ms;
  run.max_stdout_bytes = in.config->max_output_bytes;
  if (in.spec->report.kind == ReportSource::Kind::kStderr) {
    run.max_stderr_bytes = in.config->max_output_bytes;
  }
  return run;
}

// Records what the run did (redacting its output first: a scanner may echo a
// credential, such as a DAST login in a request it reports) and whether it
// ran to the end: not cancelled, not timed out, an exit code that means "ran".
bool RanToTheEnd(const ScannerRun& in, int64_t timeout_ms, ProcessResult& ran,
                 v1::JobResult& result) {
  in.secrets->redactor.RedactInPlace(ran.stdout_data);
  in.secrets->redactor.RedactInPlace(ran.stderr_data);
  result.set_duration_ms(result.duration_ms() + static_cast<uint64_t>(ran.duration_ms));
  result.set_output_tail(ValidUtf8(Tail(ran.stderr_data)));
  result.set_exit_code(ran.term_signal != 0 ? -ran.term_signal : ran.exit_code);
  if (ran.cancelled) return Fail(result, v1::FAILURE_INTERNAL, "cancelled");
  if (ran.timed_out) {
    return Fail(result, v1::FAILURE_TIMED_OUT,
                "scanner timed out after " + std::to_string(timeout_ms) + " ms");
  }
  if (ran.term_signal != 0 || !in.spec->ExitCodeMeansRan(ran.exit_code)) {
    return Fail(result, v1::FAILURE_SCANNER_CRASHED,
                ran.term_signal != 0 ? "scanner killed by signal " + std::to_string(ran.term_signal)
                                     : "scanner exited with code " + std::to_string(ran.exit_code));
  }
  return true;
}

// Keeps the raw report when it may be re-parsed (one whole report, small
// enough), then appends its processed findings.
bool AddFindings(const ScannerRun& in, const std::string& report, v1::JobResult& result) {
  result.set_raw_report_bytes(result.raw_report_bytes() + report.size());
  if (in.keep_report && report.size() <= in.config->keep_report_bytes) {
    result.set_raw_report(Compress(report));
  }
  const bool sast = in.spec->kind == ScannerKind::kSast;
  auto processed = ProcessReport({.report = report,
                                  .parse = in.spec->parse,
                                  .tool_version = in.tool_version,
                                  .kind = in.spec->kind,
                                  .source_line = sast ? CheckoutSourceLines(in.cwd) : nullptr});
  if (!processed.ok()) {
    return Fail(result, v1::FAILURE_PARSE_ERROR,
                "cannot parse " + in.job->scanner() + " output: " + processed.status().message());
  }
  for (const Finding& finding : processed->findings) {
    FindingToProto(finding, result.add_findings());
  }
  result.set_skipped_records(result.skipped_records() + processed->skipped_records);
  return true;
}

}  // namespace

void ApplySandbox(const ScannerSandbox& sandbox, ProcessSpec& run) {
  run.limits = sandbox.limits;
  run.run_as = sandbox.run_as;
  run.pids_cgroup_parent = sandbox.pids_cgroup_parent;
}

bool RunScannerOnce(const ScannerRun& in, const ArgvValues& values, v1::JobResult& result) {
  auto argv = ExpandArgv(in.spec->argv, values);
  if (!argv.ok()) return Fail(result, v1::FAILURE_BAD_INPUT, argv.status().message());
  ProcessSpec run = ScannerProcess(in, std::move(argv).value());
  auto ran = RunProcess(run, in.cancel);
  if (!ran.ok()) {
    return Fail(result,
                ran.status().code() == StatusCode::kNotFound ? v1::FAILURE_SCANNER_MISSING
                                                             : v1::FAILURE_INTERNAL,
                ran.status().message());
  }
  WarnAboutSandboxOnce(*ran);
  if (!RanToTheEnd(in, run.timeout_ms, *ran, result)) return false;
  auto report =
      TakeReport(in.spec->report, values, *ran, in.config->max_output_bytes, in.secrets->redactor);
  if (!report.ok()) return Fail(result, v1::FAILURE_PARSE_ERROR, report.status().message());
  return AddFindings(in, *report, result);
}

}  // namespace scanfleet
