// RunScannerOnce; see scanner_run.h.
#include "worker/loop/scanner_run.h"

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
#include "common/scanners/process_report.h"
#include "common/wire/convert.h"
#include "worker/exec/process_runner.h"
#include "worker/exec/unique_fd.h"
#include "worker/loop/scan_files.h"

namespace scanfleet {

namespace {

constexpr size_t kTailBytes = 2048;

std::string Tail(const std::string& text) {
  return text.size() <= kTailBytes ? text : text.substr(text.size() - kTailBytes);
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

bool Fail(v1::JobResult& result, v1::FailureKind kind, const std::string& error) {
  result.set_failure(kind);
  result.set_error(ValidUtf8(error));
  return false;
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

  ProcessSpec run;
  ApplySandbox(in.config->sandbox, run);
  // DAST scanners need the network by definition; SAST ones only read the checkout.
  run.isolate_network =
      in.spec->kind == ScannerKind::kSast && in.config->sandbox.isolate_sast_network;
  run.argv = std::move(argv).value();
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
  auto ran = RunProcess(run, in.cancel);
  if (ran.ok()) WarnAboutSandboxOnce(*ran);
  if (!ran.ok()) {
    return Fail(result,
                ran.status().code() == StatusCode::kNotFound ? v1::FAILURE_SCANNER_MISSING
                                                             : v1::FAILURE_INTERNAL,
                ran.status().message());
  }
  // A scanner may echo a credential (a DAST login in a request it reports):
  // nothing it printed is parsed or kept before redaction.
  in.secrets->redactor.RedactInPlace(ran->stdout_data);
  in.secrets->redactor.RedactInPlace(ran->stderr_data);
  result.set_duration_ms(result.duration_ms() + static_cast<uint64_t>(ran->duration_ms));
  result.set_output_tail(ValidUtf8(Tail(ran->stderr_data)));
  result.set_exit_code(ran->term_signal != 0 ? -ran->term_signal : ran->exit_code);
  if (ran->cancelled) {
    result.set_failure(v1::FAILURE_INTERNAL);
    result.set_error("cancelled");
    return false;
  }
  if (ran->timed_out) {
    result.set_failure(v1::FAILURE_TIMED_OUT);
    result.set_error("scanner timed out after " + std::to_string(run.timeout_ms) + " ms");
    return false;
  }
  if (ran->term_signal != 0 || !in.spec->ExitCodeMeansRan(ran->exit_code)) {
    result.set_failure(v1::FAILURE_SCANNER_CRASHED);
    result.set_error(ran->term_signal != 0
                         ? "scanner killed by signal " + std::to_string(ran->term_signal)
                         : "scanner exited with code " + std::to_string(ran->exit_code));
    return false;
  }
  std::string report;
  bool truncated = false;
  switch (in.spec->report.kind) {
    case ReportSource::Kind::kStdout:
      report = std::move(ran->stdout_data);
      truncated = ran->stdout_truncated;
      break;
    case ReportSource::Kind::kStderr:
      report = std::move(ran->stderr_data);
      truncated = ran->stderr_truncated;
      break;
    case ReportSource::Kind::kFile: {
      auto path = ExpandArgv({"x", in.spec->report.path_template}, values);
      auto read = path.ok() ? ReadReport(path->back(), in.config->max_output_bytes)
                            : StatusOr<std::string>(path.status());
      if (!read.ok()) {
        truncated = read.status().code() == StatusCode::kResourceExhausted;
        if (!truncated) {
          result.set_failure(v1::FAILURE_PARSE_ERROR);
          result.set_error(ValidUtf8(read.status().message()));
          return false;
        }
      } else {
        report = std::move(read).value();
        in.secrets->redactor.RedactInPlace(report);
      }
      break;
    }
  }
  if (truncated) {
    // A partial result must never look like a clean one.
    result.set_failure(v1::FAILURE_PARSE_ERROR);
    result.set_error("scanner output exceeded " + std::to_string(in.config->max_output_bytes) +
                     " bytes; refusing a partial result");
    return false;
  }
  // Re-parsing needs one whole report: a batched run keeps none.
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
    result.set_failure(v1::FAILURE_PARSE_ERROR);
    result.set_error(ValidUtf8("cannot parse " + in.job->scanner() +
                               " output: " + processed.status().message()));
    return false;
  }
  for (const Finding& finding : processed->findings) {
    FindingToProto(finding, result.add_findings());
  }
  result.set_skipped_records(result.skipped_records() + processed->skipped_records);
  return true;
}

std::vector<std::vector<std::string>> SplitIntoBatches(const std::vector<std::string>& files,
                                                       size_t max_bytes) {
  std::vector<std::vector<std::string>> batches(1);
  size_t bytes = 0;
  for (const std::string& file : files) {
    // "./" + path + NUL, and the argv pointer.
    size_t cost = file.size() + 3 + sizeof(char*);
    if (!batches.back().empty() && bytes + cost > max_bytes) {
      batches.emplace_back();
      bytes = 0;
    }
    batches.back().push_back(file);
    bytes += cost;
  }
  return batches;
}

}  // namespace scanfleet
