// The scanfleet CLI's subcommands. Each returns the process exit code:
// 0 success, 1 --fail-on threshold met, 2 usage or request error,
// 3 the scan failed, 4 the controller could not be reached.
// Their flags are set up beside each of them (command_table.h lists where).
// Thread-safety: each runs on the main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/api/api_client.h"
#include "common/security/client_security.h"

namespace scanfleet::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailOn = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitScanFailed = 3;
inline constexpr int kExitUnreachable = 4;

// The options of the commands about one scan (status, findings, cancel, ...).
struct ScanQuery {
  uint64_t scan_id = 0;
  bool json = false;  // machine-readable output
};

struct SubmitOptions {
  std::string repo;
  std::string ref = "HEAD";
  std::string branch;        // branch the commit belongs to (baselines), empty: none
  bool incremental = false;  // per-file scanners scan only files changed since the baseline
  uint32_t shards = 0;       // per-file scanners split into this many jobs (0: controller default)
  std::string target;
  std::string profile;
  std::string idempotency_key;       // empty: a random one per invocation
  std::vector<std::string> secrets;  // secret names the scanner gets (never values)
  std::string repo_token_secret;     // secret name of the repository's access token
  int patience_ms = 60000;           // how long to ride through an unreachable controller
  bool wait = false;
  std::string fail_on;  // severity name, empty = never fail
  // Baselines (docs/BASELINES.md).
  uint64_t baseline_scan_id = 0;  // explicit baseline scan; 0: latest of baseline_branch
  std::string baseline_branch;    // empty: --branch
  std::string trigger;            // who asked ("hook", "hook-bypass"...); empty: "cli"
  bool new_only = false;          // --fail-on counts only new, unsuppressed findings
  std::string report_format;      // with --wait: write this report when the scan finishes
  std::string report_out;         // its file (empty: stdout)
  bool json = false;
  int poll_ms = 200;
};

struct TailOptions {
  uint64_t scan_id = 0;          // only events of this scan (0 = all)
  int64_t from_seq = -1;         // replay events after this seq (-1 = from now)
  uint64_t until_scan_done = 0;  // exit once this scan reached a terminal state
  int64_t max_findings = -1;     // exit after this many findings (-1 = never)
  bool all_events = false;       // print scan events too, not just findings
};

struct ReportOptions {
  uint64_t scan_id = 0;
  std::string format;          // sarif / defectdojo / gitlab / json / csv
  std::string output;          // file to write; empty or "-" = stdout
  std::string checkout;        // checkout of the scanned commit, for SARIF line hashes
  bool allow_running = false;  // report on an unfinished scan (marked partial)
};

struct SiemOptions {
  std::vector<std::string> sinks;           // --sink URIs (common/siem/sink_uri.h)
  std::string cursor_path;                  // durable cursor; empty: none (start at from_seq)
  int64_t from_seq = -1;                    // without a saved cursor: start after this seq
  std::vector<std::string> topic_prefixes;  // forward only these topics (empty: all)
  size_t max_batch = 256;                   // events per sink write and cursor save
  int stop_fd = -1;                         // StopSignalFd(), made before any thread starts
};

// submit.cc: submits and, with options.wait, waits, diffs, reports and gates.
int Submit(ApiClient& client, const SubmitOptions& options, int timeout_ms);
int ShowStatus(ApiClient& client, uint64_t scan_id, bool json, int timeout_ms);
int Findings(ApiClient& client, uint64_t scan_id, const std::string& min_severity, bool json,
             int timeout_ms);
int Workers(ApiClient& client, bool json, int timeout_ms);
// The controller's loop counters (ControllerStats).
int Stats(ApiClient& client, bool json, int timeout_ms);
// The controller's scheduled scans (schedules.cc).
int Schedules(ApiClient& client, bool json, int timeout_ms);
// Verifies every event against the controller's key unless security is off.
int Tail(Context& context, ApiClient& client, const ClientSecurity& security,
         const TailOptions& options, int timeout_ms);
// Runs the SIEM bridge until SIGTERM/SIGINT (docs/SIEM.md).
int Siem(Context& context, ApiClient& client, const ClientSecurity& security,
         const SiemOptions& options, int timeout_ms);
// `scanfleet keys generate NAME --out DIR`.
int GenerateKeys(const std::string& name, const std::string& dir);
int Cancel(ApiClient& client, uint64_t scan_id, const std::string& reason, bool json,
           int timeout_ms);
// Re-queues the dead jobs of a scan (job_id 0) or one dead job (scan_id 0).
int Retry(ApiClient& client, uint64_t scan_id, uint64_t job_id, bool json, int timeout_ms);
// `scanfleet report`: a finished scan (or with allow_running any scan) as a
// SARIF / DefectDojo / GitLab / JSON / CSV document (controller/report).
int Report(ApiClient& client, const ReportOptions& options, int timeout_ms);
// Rebuilds a finished scan's findings from the reports the controller kept.
int Reparse(ApiClient& client, uint64_t scan_id, bool json, int timeout_ms);

// Calls the controller, retrying while it is unreachable (e.g. restarting) for
// up to patience_ms. Only for requests that are safe to repeat.
StatusOr<v1::ApiResponse> CallPatiently(ApiClient& client, const v1::ApiRequest& request,
                                        int timeout_ms, int patience_ms);

// The scan's state and jobs (patience_ms: as CallPatiently).
StatusOr<v1::ScanStatus> FetchScan(ApiClient& client, uint64_t scan_id, int timeout_ms,
                                   int patience_ms = 0);

// Prints a failed call's status and maps it to an exit code.
int ReportError(const scanfleet::Status& status);

}  // namespace scanfleet::cli
