// `scanfleet submit`: submits a scan and, with --wait, follows it to the end,
// shows its diff against the baseline, writes its report and applies the
// --fail-on gate (docs/CI.md, docs/BASELINES.md).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "common/finding/finding.h"
#include "common/secrets/secret_name.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/cli/diff.h"
#include "controller/cli/render.h"
#include "controller/report/formats.h"

namespace scanfleet::cli {

namespace {

std::string RandomKey() {
  std::random_device random;
  std::ostringstream key;
  key << "cli-" << std::hex;
  for (int i = 0; i < 4; ++i) key << random();
  return key.str();
}

// The checks made before anything is sent: kExitOk, or the usage error.
int CheckOptions(const SubmitOptions& options) {
  if (!options.fail_on.empty() && !ParseSeverity(options.fail_on)) {
    std::cerr << "scanfleet: --fail-on takes critical, high, medium, low or info\n";
    return kExitUsage;
  }
  if (!options.wait && (options.new_only || !options.report_format.empty())) {
    std::cerr << "scanfleet: --new-only and --report need --wait\n";
    return kExitUsage;
  }
  if (!options.report_format.empty() && !report::ParseReportFormat(options.report_format)) {
    std::cerr << "scanfleet: --report takes sarif, defectdojo, gitlab, json or csv\n";
    return kExitUsage;
  }
  // Checked here too, so a value pasted by mistake never leaves this machine.
  for (const std::string& name : options.secrets) {
    if (Status valid = ValidateSecretName(name).WithContext("--secret"); !valid.ok()) {
      return ReportError(valid);
    }
  }
  if (!options.repo_token_secret.empty()) {
    Status valid = ValidateSecretName(options.repo_token_secret).WithContext("--repo-token-secret");
    if (!valid.ok()) return ReportError(valid);
  }
  return kExitOk;
}

v1::ApiRequest SubmitRequest(const SubmitOptions& options) {
  v1::ApiRequest request;
  v1::SubmitScanRequest* submit = request.mutable_submit_scan();
  if (!options.repo.empty()) {
    std::string repo = options.repo;
    // A local path is sent absolute: workers do not share our working directory.
    std::error_code error;
    if (repo.find("://") == std::string::npos && std::filesystem::exists(repo, error)) {
      repo = std::filesystem::absolute(repo, error).lexically_normal().string();
      if (repo.size() > 1 && repo.back() == '/') repo.pop_back();
    }
    submit->mutable_target()->set_repo(repo);
    submit->mutable_target()->set_ref(options.ref);
    submit->mutable_target()->set_branch(options.branch);
  }
  submit->mutable_target()->set_url(options.target);
  for (const std::string& name : options.secrets) submit->mutable_target()->add_secret_names(name);
  submit->mutable_target()->set_repo_token_secret(options.repo_token_secret);
  submit->set_profile(options.profile);
  submit->set_baseline_scan_id(options.baseline_scan_id);
  submit->set_baseline_branch(options.baseline_branch);
  submit->set_trigger(options.trigger.empty() ? "cli" : options.trigger);
  submit->set_incremental(options.incremental);
  submit->set_shards(options.shards);
  // The key makes retrying safe: a submit whose reply was lost (controller
  // restarting) returns the scan it created instead of creating another.
  submit->set_idempotency_key(options.idempotency_key.empty() ? RandomKey()
                                                              : options.idempotency_key);
  return request;
}

// Polls the scan until it finishes, keeping its progress line on stderr
// (rewritten in place on a terminal, one line per change otherwise).
StatusOr<v1::ScanStatus> WaitForScan(ApiClient& client, uint64_t scan_id,
                                     const SubmitOptions& options, int timeout_ms) {
  std::cerr << "scan " << scan_id << " submitted, waiting for it to finish\n";
  bool tty = isatty(STDERR_FILENO);
  std::string last_line;
  v1::ScanStatus scan;
  while (true) {
    ASSIGN_OR_RETURN(scan, FetchScan(client, scan_id, timeout_ms, options.patience_ms));
    std::string line = ProgressLine(scan);
    if (line != last_line) {
      std::cerr << (tty ? "\r\033[K" : "") << line << (tty ? "" : "\n") << std::flush;
      last_line = line;
    }
    if (IsTerminal(scan.state())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
  }
  if (tty) std::cerr << "\n";
  return scan;
}

// The finished scan and its diff counts; with --new-only the new findings.
void PrintFinished(const v1::ScanStatus& scan, const v1::DiffScanResponse& diff,
                   const SubmitOptions& options) {
  if (options.json) {
    nlohmann::json document = ScanJson(scan);
    document["diff"] = {{"baseline_scan_id", diff.baseline_scan_id()},
                        {"new", diff.new_count()},
                        {"fixed", diff.fixed_count()},
                        {"unchanged", diff.unchanged_count()},
                        {"suppressed", diff.suppressed_count()},
                        {"not_rechecked", diff.not_rechecked_count()}};
    std::cout << document.dump(2) << "\n";
  } else {
    std::cout << ScanSummary(scan);
  }
  std::cerr << "diff: " << DiffCountsLine(diff) << "\n";
  if (options.new_only && !options.json) std::cout << DiffTable(diff, /*new_only=*/true);
}

// --fail-on: kExitFailOn when the scan has findings at or above the severity
// (with --new-only: new, unsuppressed ones), else kExitOk.
int FailOnGate(const v1::ScanStatus& scan, const v1::DiffScanResponse& diff,
               const SubmitOptions& options) {
  std::optional<Severity> fail_on = ParseSeverity(options.fail_on);  // checked already
  if (options.fail_on.empty() || !fail_on) return kExitOk;
  if (options.new_only) {
    uint64_t gate = NewUnsuppressedAtOrAbove(diff, *fail_on);
    if (gate > 0) {
      std::cerr << "scanfleet: " << gate << " new, unsuppressed findings at or above "
                << options.fail_on << "\n";
      return kExitFailOn;
    }
    return kExitOk;
  }
  uint64_t at_or_above = 0;
  for (int i = static_cast<int>(*fail_on); i < scan.findings_by_severity_size(); ++i) {
    at_or_above += scan.findings_by_severity(i);
  }
  if (at_or_above > 0) {
    std::cerr << "scanfleet: " << at_or_above << " findings at or above " << options.fail_on
              << "\n";
    return kExitFailOn;
  }
  return kExitOk;
}

// --wait: the scan to its end, then its diff, report and exit code.
int WaitAndGate(ApiClient& client, uint64_t scan_id, const SubmitOptions& options, int timeout_ms) {
  auto scan = WaitForScan(client, scan_id, options, timeout_ms);
  if (!scan.ok()) return ReportError(scan.status());
  // The diff against the baseline: counts always, the new findings with
  // --new-only; neither needs the unchanged ones listed.
  auto diff = FetchDiff(client, scan_id, 0, timeout_ms, /*new_only=*/true);
  if (!diff.ok()) return ReportError(diff.status());
  PrintFinished(*scan, *diff, options);
  if (!options.report_format.empty()) {
    ReportOptions report{scan_id, options.report_format, options.report_out, "", true};
    if (int code = Report(client, report, timeout_ms); code != kExitOk) return code;
  }
  if (scan->state() != v1::SCAN_SUCCEEDED) return kExitScanFailed;
  return FailOnGate(*scan, *diff, options);
}

}  // namespace

int Submit(ApiClient& client, const SubmitOptions& options, int timeout_ms) {
  if (int code = CheckOptions(options); code != kExitOk) return code;
  auto response = CallPatiently(client, SubmitRequest(options), timeout_ms, options.patience_ms);
  if (!response.ok()) return ReportError(response.status());
  uint64_t scan_id = response->submit_scan().scan_id();
  if (options.wait) return WaitAndGate(client, scan_id, options, timeout_ms);
  if (options.json) {
    std::cout << nlohmann::json{{"scan_id", scan_id}}.dump() << "\n";
  } else {
    std::cout << "scan " << scan_id << " submitted\n";
  }
  return kExitOk;
}

CommandRun SetUpSubmit(CLI::App& command) {
  auto submit = std::make_shared<SubmitOptions>();
  command.add_option("--repo", submit->repo,
                     "Git repository: local path, https://, ssh://, file://");
  command.add_option("--ref", submit->ref, "Commit, branch or tag to scan")->capture_default_str();
  command.add_option("--branch", submit->branch,
                     "Branch the commit belongs to, e.g. main (scans of a branch form its "
                     "history)");
  command.add_flag("--incremental", submit->incremental,
                   "Per-file scanners (flawfinder, bandit, shellcheck) scan only the files "
                   "changed since the baseline scan's commit (--baseline, or the latest "
                   "succeeded scan of --baseline-branch); its findings of unchanged files are "
                   "carried forward. Without a usable baseline: a full scan");
  command
      .add_option("--shards", submit->shards,
                  "Split each per-file scanner into N jobs (1..64), each scanning the files "
                  "whose path hashes to its shard, run in parallel across workers")
      ->check(CLI::Range(1u, 64u));
  command.add_option("--target", submit->target, "DAST target URL or host");
  command.add_option("--profile", submit->profile, "Scan profile (controller's default if empty)");
  command.add_flag("--wait", submit->wait, "Show progress and wait for the scan to finish");
  command.add_option("--fail-on", submit->fail_on,
                     "With --wait: exit 1 if a finding is at or above this severity");
  command.add_flag("--json", submit->json, "Machine-readable output");
  command.add_option("--baseline", submit->baseline_scan_id,
                     "Classify findings against this finished scan of the same repository "
                     "(default: the latest succeeded scan of --baseline-branch)");
  command.add_option("--baseline-branch", submit->baseline_branch,
                     "Branch whose latest succeeded scan (same profile) is the baseline "
                     "(default: --branch)");
  command.add_flag("--new-only", submit->new_only,
                   "With --wait: --fail-on counts only NEW, unsuppressed findings (the CI "
                   "gate) and the new findings are listed");
  command.add_option("--report", submit->report_format,
                     "With --wait: write the scan's report when it finishes: sarif, "
                     "defectdojo, gitlab, json or csv");
  command.add_option("--report-out", submit->report_out, "File for --report (default stdout)");
  command.add_option("--trigger", submit->trigger,
                     "Who submits, recorded with the scan: cli (default), hook, ci, ...");
  command.add_option("--idempotency-key", submit->idempotency_key,
                     "Submitting again with the same key returns the first scan "
                     "(default: a random key, so retries inside this run are safe)");
  command.add_option("--secret", submit->secrets,
                     "Name of a secret the workers hold (repeatable); the scanner gets it "
                     "as $SCANFLEET_SECRET_<NAME>. Pass the name, never the value");
  command.add_option("--repo-token-secret", submit->repo_token_secret,
                     "Name of the secret holding an access token for the https:// "
                     "repository; only git sees it");
  command
      .add_option("--patience-ms", submit->patience_ms,
                  "Keep retrying an unreachable controller this long (e.g. while it "
                  "restarts)")
      ->capture_default_str();
  return RemoteRun([submit](Connection& connection) {
    return Submit(connection.client, *submit, connection.timeout_ms);
  });
}

}  // namespace scanfleet::cli
