// `scanfleet report SCAN --format F`: fetches the scan, its findings and (for
// tool versions of jobs that found nothing) the workers, builds a ScanReport
// and hands it to the pure formatters in controller/report.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/fs/atomic_write.h"
#include "common/fs/posix_file_system.h"
#include "common/job/job_state.h"
#include "common/wire/convert.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/cli/diff.h"
#include "controller/cli/render.h"
#include "controller/report/formats.h"

namespace scanfleet::cli {

namespace {

// A checkout file larger than this is not hashed (its findings fall back to
// the snippet): the CLI's memory stays bounded whatever the repository holds.
constexpr std::uintmax_t kMaxSourceBytes = 32u << 20;

// The version a worker advertised for a scanner, for jobs whose findings carry
// none (e.g. a job that found nothing). Workers report what is installed now,
// which is what ran unless the worker was upgraded since.
std::string AdvertisedVersion(const v1::ListWorkersResponse& workers, const std::string& worker_id,
                              const std::string& scanner) {
  for (const auto& worker : workers.workers()) {
    if (worker.worker_id() != worker_id) continue;
    for (const auto& info : worker.scanners()) {
      if (info.name() == scanner) return info.version();
    }
  }
  return {};
}

// Reads the files findings point at from `checkout`, refusing paths that leave
// it (also through symlinks). Unreadable files are skipped: SARIF then hashes
// the snippet instead.
void ReadSources(const std::filesystem::path& checkout, report::ScanReport& scan_report) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path root = fs::canonical(checkout, error);
  if (error) return;
  for (const Finding& finding : scan_report.findings) {
    if (finding.path.empty() || !PathStaysInside(finding.path) ||
        scan_report.sources.count(finding.path)) {
      continue;
    }
    fs::path file = fs::canonical(root / finding.path, error);
    if (error) continue;
    auto [end, ignored] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    if (end != root.end() || !fs::is_regular_file(file, error) ||
        fs::file_size(file, error) > kMaxSourceBytes) {
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in) scan_report.sources[finding.path] = contents.str();
  }
}

report::ScanReport BuildReport(const v1::ScanStatus& scan, const v1::ListFindingsResponse& found,
                               const v1::ListWorkersResponse& workers) {
  report::ScanReport out;
  out.scan_id = scan.scan_id();
  out.state = scan.state();
  out.profile = scan.profile();
  out.repo = scan.target().repo();
  out.ref = scan.target().ref();
  out.target_url = scan.target().url();
  out.created_ms = scan.created_ms();
  out.finished_ms = scan.finished_ms();
  for (const auto& finding : found.findings()) out.findings.push_back(FindingFromProto(finding));
  for (const auto& job : scan.jobs()) {
    if (out.resolved_commit.empty()) out.resolved_commit = job.resolved_commit();
    report::ToolRun run{job.scanner(), "", JobStateOf(job), job.error()};
    for (const Finding& finding : out.findings) {
      if (finding.tool == job.scanner() && !finding.tool_version.empty()) {
        run.version = finding.tool_version;
        break;
      }
    }
    if (run.version.empty()) run.version = AdvertisedVersion(workers, job.worker_id(), run.tool);
    out.runs.push_back(std::move(run));
  }
  return out;
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    return std::cout ? Status::Ok() : Status::Internal("cannot write the report to stdout");
  }
  // Written beside the target, synced and renamed: a reader never sees half a
  // report, and a failed write leaves the previous one.
  return WriteFileAtomically(DefaultFileSystem(), path, text);
}

}  // namespace

int Report(ApiClient& client, const ReportOptions& options, int timeout_ms) {
  auto format = report::ParseReportFormat(options.format);
  if (!format) {
    std::cerr << "scanfleet report: --format takes sarif, defectdojo, gitlab, json or csv\n";
    return kExitUsage;
  }
  if (!options.checkout.empty() && !std::filesystem::is_directory(options.checkout)) {
    std::cerr << "scanfleet report: --checkout " << options.checkout << " is not a directory\n";
    return kExitUsage;
  }
  v1::ApiRequest request;
  request.mutable_get_scan()->set_scan_id(options.scan_id);
  auto scan = CallPatiently(client, request, timeout_ms, 0);
  if (!scan.ok()) return ReportError(scan.status());
  if (!IsTerminal(scan->scan().state()) && !options.allow_running) {
    std::cerr << "scanfleet report: scan " << options.scan_id << " is still "
              << ScanStateName(scan->scan().state())
              << "; wait for it (submit --wait) or pass --allow-running for a partial report\n";
    return kExitUsage;
  }
  request.Clear();
  request.mutable_list_findings()->set_scan_id(options.scan_id);
  request.mutable_list_findings()->set_min_severity(v1::SEVERITY_INFO);
  auto findings = CallPatiently(client, request, timeout_ms, 0);
  if (!findings.ok()) return ReportError(findings.status());
  request.Clear();
  request.mutable_list_workers();
  auto workers = CallPatiently(client, request, timeout_ms, 0);
  if (!workers.ok()) return ReportError(workers.status());

  report::ScanReport scan_report =
      BuildReport(scan->scan(), findings->findings(), workers->workers());
  if (!options.checkout.empty()) ReadSources(options.checkout, scan_report);
  // Each finding's class against the baseline (and suppression), when the
  // controller answers a diff.
  if (auto diff = FetchDiff(client, options.scan_id, 0, timeout_ms); diff.ok()) {
    for (const v1::ClassifiedFinding& item : diff->findings()) {
      if (item.diff_class() != v1::DIFF_NEW && item.diff_class() != v1::DIFF_UNCHANGED) continue;
      scan_report.diff[item.finding().fingerprint()] = {
          item.diff_class() == v1::DIFF_NEW ? "new" : "unchanged", item.suppression().reason(),
          item.suppression().source()};
    }
  }
  if (scan_report.partial()) {
    std::cerr << "scanfleet report: scan " << options.scan_id << " is "
              << ScanStateName(scan_report.state)
              << " and not every scanner job succeeded: the report is marked partial\n";
  }
  Status written = WriteOutput(options.output, report::Render(*format, scan_report));
  if (!written.ok()) return ReportError(written);
  return kExitOk;
}

CommandRun SetUpReport(CLI::App& command) {
  auto report = std::make_shared<ReportOptions>();
  command.add_option("scan", report->scan_id, "Scan id")->required();
  command.add_option("--format", report->format, "sarif, defectdojo, gitlab, json or csv")
      ->required();
  command.add_option("--output,-o", report->output, "Write to this file (default stdout)");
  command.add_option("--checkout", report->checkout,
                     "Checkout of the scanned commit: SARIF computes GitHub's "
                     "primaryLocationLineHash from the real file contents");
  command.add_flag("--allow-running", report->allow_running,
                   "Report on a scan that has not finished (marked partial)");
  return RemoteRun([report](Connection& connection) {
    return Report(connection.client, *report, connection.timeout_ms);
  });
}

}  // namespace scanfleet::cli
