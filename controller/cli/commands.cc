#include "controller/cli/commands.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "common/finding/finding.h"
#include "common/secrets/secret_name.h"
#include "common/siem/event_fields.h"
#include "common/time/clock.h"
#include "controller/cli/diff.h"
#include "controller/cli/render.h"
#include "controller/report/formats.h"

namespace scanfleet::cli {

int ReportError(const scanfleet::Status& status) {
  std::cerr << "scanfleet: " << status.message() << "\n";
  return status.code() == StatusCode::kUnavailable ? kExitUnreachable : kExitUsage;
}

namespace {

StatusOr<v1::ScanStatus> FetchScan(ApiClient& client, uint64_t scan_id, int timeout_ms,
                                   int patience_ms = 0) {
  v1::ApiRequest request;
  request.mutable_get_scan()->set_scan_id(scan_id);
  ASSIGN_OR_RETURN(v1::ApiResponse response,
                   CallPatiently(client, request, timeout_ms, patience_ms));
  return response.scan();
}

std::string RandomKey() {
  std::random_device random;
  std::ostringstream key;
  key << "cli-" << std::hex;
  for (int i = 0; i < 4; ++i) key << random();
  return key.str();
}

bool IsTerminal(v1::ScanState state) {
  return state == v1::SCAN_SUCCEEDED || state == v1::SCAN_FAILED || state == v1::SCAN_CANCELLED;
}

}  // namespace

int Submit(ApiClient& client, const SubmitOptions& options, int timeout_ms) {
  std::optional<Severity> fail_on;
  if (!options.fail_on.empty()) {
    fail_on = ParseSeverity(options.fail_on);
    if (!fail_on) {
      std::cerr << "scanfleet: --fail-on takes critical, high, medium, low or info\n";
      return kExitUsage;
    }
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
  auto response = CallPatiently(client, request, timeout_ms, options.patience_ms);
  if (!response.ok()) return ReportError(response.status());
  uint64_t scan_id = response->submit_scan().scan_id();
  if (!options.wait) {
    if (options.json) {
      std::cout << nlohmann::json{{"scan_id", scan_id}}.dump() << "\n";
    } else {
      std::cout << "scan " << scan_id << " submitted\n";
    }
    return kExitOk;
  }
  std::cerr << "scan " << scan_id << " submitted, waiting for it to finish\n";
  bool tty = isatty(STDERR_FILENO);
  std::string last_line;
  v1::ScanStatus scan;
  while (true) {
    auto fetched = FetchScan(client, scan_id, timeout_ms, options.patience_ms);
    if (!fetched.ok()) return ReportError(fetched.status());
    scan = std::move(fetched).value();
    std::string line = ProgressLine(scan);
    if (line != last_line) {
      std::cerr << (tty ? "\r\033[K" : "") << line << (tty ? "" : "\n") << std::flush;
      last_line = line;
    }
    if (IsTerminal(scan.state())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
  }
  if (tty) std::cerr << "\n";
  // The diff against the baseline: counts always, the new findings with --new-only.
  auto diff = FetchDiff(client, scan_id, 0, timeout_ms);
  if (!diff.ok()) return ReportError(diff.status());
  if (options.json) {
    nlohmann::json document = ScanJson(scan);
    document["diff"] = {{"baseline_scan_id", diff->baseline_scan_id()},
                        {"new", diff->new_count()},
                        {"fixed", diff->fixed_count()},
                        {"unchanged", diff->unchanged_count()},
                        {"suppressed", diff->suppressed_count()},
                        {"not_rechecked", diff->not_rechecked_count()}};
    std::cout << document.dump(2) << "\n";
  } else {
    std::cout << ScanSummary(scan);
  }
  std::cerr << "diff: " << DiffCountsLine(*diff) << "\n";
  if (options.new_only && !options.json) std::cout << DiffTable(*diff, /*new_only=*/true);
  if (!options.report_format.empty()) {
    ReportOptions report{scan_id, options.report_format, options.report_out, "", true};
    if (int code = Report(client, report, timeout_ms); code != kExitOk) return code;
  }
  if (scan.state() != v1::SCAN_SUCCEEDED) return kExitScanFailed;
  if (fail_on && options.new_only) {
    uint64_t gate = NewUnsuppressedAtOrAbove(*diff, *fail_on);
    if (gate > 0) {
      std::cerr << "scanfleet: " << gate << " new, unsuppressed findings at or above "
                << options.fail_on << "\n";
      return kExitFailOn;
    }
  } else if (fail_on) {
    uint64_t at_or_above = 0;
    for (int i = static_cast<int>(*fail_on); i < scan.findings_by_severity_size(); ++i) {
      at_or_above += scan.findings_by_severity(i);
    }
    if (at_or_above > 0) {
      std::cerr << "scanfleet: " << at_or_above << " findings at or above " << options.fail_on
                << "\n";
      return kExitFailOn;
    }
  }
  return kExitOk;
}

int ShowStatus(ApiClient& client, uint64_t scan_id, bool json, int timeout_ms) {
  auto scan = FetchScan(client, scan_id, timeout_ms);
  if (!scan.ok()) return ReportError(scan.status());
  std::cout << (json ? ScanJson(*scan).dump(2) + "\n" : ScanSummary(*scan));
  return kExitOk;
}

int Findings(ApiClient& client, uint64_t scan_id, const std::string& min_severity, bool json,
             int timeout_ms) {
  auto severity = ParseSeverity(min_severity);
  if (!severity) {
    std::cerr << "scanfleet: --min-severity takes critical, high, medium, low or info\n";
    return kExitUsage;
  }
  v1::ApiRequest request;
  request.mutable_list_findings()->set_scan_id(scan_id);
  request.mutable_list_findings()->set_min_severity(static_cast<v1::Severity>(*severity));
  auto response = client.Call(request, timeout_ms);
  if (!response.ok()) return ReportError(response.status());
  std::vector<v1::Finding> findings(response->findings().findings().begin(),
                                    response->findings().findings().end());
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : findings) list.push_back(siem::CanonicalFindingJson(f));
    std::cout << list.dump(2) << "\n";
  } else {
    std::cout << FindingsTable(findings);
  }
  return kExitOk;
}

int Workers(ApiClient& client, bool json, int timeout_ms) {
  v1::ApiRequest request;
  request.mutable_list_workers();
  auto response = client.Call(request, timeout_ms);
  if (!response.ok()) return ReportError(response.status());
  std::vector<v1::WorkerStatus> workers(response->workers().workers().begin(),
                                        response->workers().workers().end());
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& w : workers) list.push_back(WorkerJson(w));
    std::cout << list.dump(2) << "\n";
  } else {
    std::cout << WorkersTable(workers, SystemClock().NowMs());
  }
  return kExitOk;
}

}  // namespace scanfleet::cli
