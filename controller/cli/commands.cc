// `scanfleet status`, `findings` and `workers`: what the controller knows now.
#include "controller/cli/commands.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "common/finding/finding.h"
#include "common/siem/event_fields.h"
#include "common/time/clock.h"
#include "controller/cli/command_table.h"
#include "controller/cli/render.h"

namespace scanfleet::cli {

int ReportError(const scanfleet::Status& status) {
  std::cerr << "scanfleet: " << status.message() << "\n";
  return status.code() == StatusCode::kUnavailable ? kExitUnreachable : kExitUsage;
}

StatusOr<v1::ScanStatus> FetchScan(ApiClient& client, uint64_t scan_id, int timeout_ms,
                                   int patience_ms) {
  v1::ApiRequest request;
  request.mutable_get_scan()->set_scan_id(scan_id);
  ASSIGN_OR_RETURN(v1::ApiResponse response,
                   CallPatiently(client, request, timeout_ms, patience_ms));
  return response.scan();
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

CommandRun SetUpStatus(CLI::App& command) {
  auto options = std::make_shared<ScanQuery>();
  command.add_option("scan", options->scan_id, "Scan id")->required();
  command.add_flag("--json", options->json, "Machine-readable output");
  return RemoteRun([options](Connection& connection) {
    return ShowStatus(connection.client, options->scan_id, options->json, connection.timeout_ms);
  });
}

CommandRun SetUpFindings(CLI::App& command) {
  struct Options : ScanQuery {
    std::string min_severity = "info";
  };
  auto options = std::make_shared<Options>();
  command.add_option("scan", options->scan_id, "Scan id")->required();
  command.add_option("--min-severity", options->min_severity, "Only at or above this severity")
      ->capture_default_str();
  command.add_flag("--json", options->json, "Machine-readable output");
  return RemoteRun([options](Connection& connection) {
    return Findings(connection.client, options->scan_id, options->min_severity, options->json,
                    connection.timeout_ms);
  });
}

int Stats(ApiClient& client, bool json, int timeout_ms) {
  v1::ApiRequest request;
  request.mutable_list_workers();
  auto response = client.Call(request, timeout_ms);
  if (!response.ok()) return ReportError(response.status());
  const v1::ControllerStats& stats = response->workers().stats();
  const std::vector<std::pair<const char*, int64_t>> rows = {
      {"commits", static_cast<int64_t>(stats.commits())},
      {"worker_frames", static_cast<int64_t>(stats.worker_frames())},
      {"worker_messages", static_cast<int64_t>(stats.worker_messages())},
      {"signatures_verified", static_cast<int64_t>(stats.signatures_verified())},
      {"macs_verified", static_cast<int64_t>(stats.macs_verified())},
      {"results", static_cast<int64_t>(stats.results())},
      {"control_frames", static_cast<int64_t>(stats.control_frames())},
      {"assignments", static_cast<int64_t>(stats.assignments())},
      {"longest_iteration_ms", stats.longest_iteration_ms()},
      {"frames_rejected", static_cast<int64_t>(stats.frames_rejected())},
      {"sessions_open", static_cast<int64_t>(stats.sessions_open())},
      {"events_published", static_cast<int64_t>(stats.events_published())},
      {"event_pages", static_cast<int64_t>(stats.event_pages())},
      {"replay_pages", static_cast<int64_t>(stats.replay_pages())},
      {"checkpoints", static_cast<int64_t>(stats.checkpoints())},
  };
  if (json) {
    nlohmann::json doc = nlohmann::json::object();
    for (const auto& [name, value] : rows) doc[name] = value;
    std::cout << doc.dump(2) << "\n";
  } else {
    for (const auto& [name, value] : rows) std::cout << Pad(name, 22) << value << "\n";
  }
  return kExitOk;
}

CommandRun SetUpStats(CLI::App& command) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "Machine-readable output");
  return RemoteRun([json](Connection& connection) {
    return Stats(connection.client, *json, connection.timeout_ms);
  });
}

CommandRun SetUpWorkers(CLI::App& command) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "Machine-readable output");
  return RemoteRun([json](Connection& connection) {
    return Workers(connection.client, *json, connection.timeout_ms);
  });
}

}  // namespace scanfleet::cli
