// Operator commands (cancel, retry, reparse) and the patient call the CLI uses
// to ride through a controller restart.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"

namespace scanfleet::cli {

StatusOr<v1::ApiResponse> CallPatiently(ApiClient& client, const v1::ApiRequest& request,
                                        int timeout_ms, int patience_ms) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(patience_ms);
  bool warned = false;
  while (true) {
    auto response = client.Call(request, timeout_ms);
    if (response.ok() || response.status().code() != StatusCode::kUnavailable ||
        std::chrono::steady_clock::now() >= give_up) {
      return response;
    }
    if (!warned) {
      std::cerr << "scanfleet: " << response.status().message() << "; retrying for up to "
                << patience_ms / 1000 << " s\n";
      warned = true;
    }
    // Pause between attempts; the call itself already waited timeout_ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int Cancel(ApiClient& client, uint64_t scan_id, const std::string& reason, bool json,
           int timeout_ms) {
  v1::ApiRequest request;
  request.mutable_cancel_scan()->set_scan_id(scan_id);
  request.mutable_cancel_scan()->set_reason(reason);
  auto response = client.Call(request, timeout_ms);
  if (!response.ok()) return ReportError(response.status());
  const v1::CancelScanResponse& cancelled = response->cancelled();
  if (json) {
    std::cout << nlohmann::json{{"scan_id", scan_id},
                                {"jobs_cancelled", cancelled.jobs_cancelled()},
                                {"attempts_stopped", cancelled.attempts_stopped()}}
                     .dump()
              << "\n";
  } else {
    std::cout << "scan " << scan_id << " cancelled: " << cancelled.jobs_cancelled()
              << " unfinished jobs, " << cancelled.attempts_stopped()
              << " running scanners told to stop\n";
  }
  return kExitOk;
}

int Retry(ApiClient& client, uint64_t scan_id, uint64_t job_id, bool json, int timeout_ms) {
  v1::ApiRequest request;
  request.mutable_retry_jobs()->set_scan_id(scan_id);
  request.mutable_retry_jobs()->set_job_id(job_id);
  auto response = client.Call(request, timeout_ms);
  if (!response.ok()) return ReportError(response.status());
  const auto& ids = response->retried().job_ids();
  if (json) {
    std::cout << nlohmann::json{{"requeued", std::vector<uint64_t>(ids.begin(), ids.end())}}.dump()
              << "\n";
  } else {
    std::cout << ids.size() << " dead job" << (ids.size() == 1 ? "" : "s") << " requeued:";
    for (uint64_t id : ids) std::cout << " " << id;
    std::cout << "\n";
  }
  return kExitOk;
}

int Reparse(ApiClient& client, uint64_t scan_id, bool json, int timeout_ms) {
  v1::ApiRequest request;
  request.mutable_reparse_scan()->set_scan_id(scan_id);
  auto response = client.Call(request, timeout_ms);
  if (!response.ok()) return ReportError(response.status());
  const v1::ReparseScanResponse& r = response->reparsed();
  if (json) {
    std::cout << nlohmann::json{{"scan_id", scan_id},
                                {"jobs_reparsed", r.jobs_reparsed()},
                                {"jobs_without_report", r.jobs_without_report()},
                                {"jobs_still_failing", r.jobs_still_failing()},
                                {"findings_before", r.findings_before()},
                                {"findings_after", r.findings_after()}}
                     .dump()
              << "\n";
  } else {
    std::cout << "scan " << scan_id << ": " << r.jobs_reparsed() << " jobs re-parsed, findings "
              << r.findings_before() << " -> " << r.findings_after();
    if (r.jobs_without_report() > 0) {
      std::cout << "; " << r.jobs_without_report() << " jobs have no kept report";
    }
    if (r.jobs_still_failing() > 0) {
      std::cout << "; " << r.jobs_still_failing() << " reports still fail to parse";
    }
    std::cout << "\n";
  }
  return kExitOk;
}

CommandRun SetUpCancel(CLI::App& command) {
  struct Options : ScanQuery {
    std::string reason;
  };
  auto options = std::make_shared<Options>();
  command.add_option("scan", options->scan_id, "Scan id")->required();
  command.add_option("--reason", options->reason, "Recorded with the cancelled jobs");
  command.add_flag("--json", options->json, "Machine-readable output");
  return RemoteRun([options](Connection& connection) {
    return Cancel(connection.client, options->scan_id, options->reason, options->json,
                  connection.timeout_ms);
  });
}

CommandRun SetUpRetry(CLI::App& command) {
  struct Options : ScanQuery {
    uint64_t job_id = 0;
  };
  auto options = std::make_shared<Options>();
  auto* scan = command.add_option("scan", options->scan_id, "Scan id: retry all its dead jobs");
  command.add_option("--job", options->job_id, "Retry only this dead job")->excludes(scan);
  command.add_flag("--json", options->json, "Machine-readable output");
  return RemoteRun([options](Connection& connection) {
    if (options->scan_id == 0 && options->job_id == 0) {
      std::cerr << "scanfleet retry: give a scan id or --job ID\n";
      return kExitUsage;
    }
    return Retry(connection.client, options->scan_id, options->job_id, options->json,
                 connection.timeout_ms);
  });
}

CommandRun SetUpReparse(CLI::App& command) {
  auto options = std::make_shared<ScanQuery>();
  command.add_option("scan", options->scan_id, "Scan id")->required();
  command.add_flag("--json", options->json, "Machine-readable output");
  return RemoteRun([options](Connection& connection) {
    return Reparse(connection.client, options->scan_id, options->json, connection.timeout_ms);
  });
}

}  // namespace scanfleet::cli
