#include "controller/cli/diff.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/siem/event_fields.h"
#include "common/wire/convert.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/diff/diff_report.h"

namespace scanfleet::cli {
namespace {

bool Listed(const v1::ClassifiedFinding& item, bool new_only) {
  return item.diff_class() == v1::DIFF_NEW || (!new_only && item.diff_class() == v1::DIFF_FIXED);
}

}  // namespace

StatusOr<v1::DiffScanResponse> FetchDiff(ApiClient& client, uint64_t scan_id,
                                         uint64_t baseline_scan_id, int timeout_ms,
                                         bool new_only) {
  v1::ApiRequest request;
  request.mutable_diff_scan()->set_scan_id(scan_id);
  request.mutable_diff_scan()->set_baseline_scan_id(baseline_scan_id);
  request.mutable_diff_scan()->set_new_only(new_only);
  ASSIGN_OR_RETURN(v1::ApiResponse response, CallPatiently(client, request, timeout_ms, 0));
  return response.diff();
}

uint64_t NewUnsuppressedAtOrAbove(const v1::DiffScanResponse& diff, Severity severity) {
  uint64_t count = 0;
  for (int i = static_cast<int>(severity); i < diff.new_unsuppressed_by_severity_size(); ++i) {
    count += diff.new_unsuppressed_by_severity(i);
  }
  return count;
}

std::string DiffCountsLine(const v1::DiffScanResponse& diff) {
  std::ostringstream line;
  line << "new " << diff.new_count() << ", fixed " << diff.fixed_count() << ", unchanged "
       << diff.unchanged_count() << ", suppressed " << diff.suppressed_count()
       << ", not re-checked " << diff.not_rechecked_count() << " (baseline: "
       << (diff.baseline_scan_id() ? "scan " + std::to_string(diff.baseline_scan_id()) : "none")
       << ")";
  return line.str();
}

std::string DiffTable(const v1::DiffScanResponse& diff, bool new_only) {
  std::ostringstream out;
  out << "scan " << diff.scan_id() << ": " << DiffCountsLine(diff) << "\n";
  // Counts by class and severity.
  static const v1::DiffClass kClasses[] = {v1::DIFF_NEW, v1::DIFF_UNCHANGED, v1::DIFF_FIXED,
                                           v1::DIFF_NOT_RECHECKED};
  int counts[5][5] = {};
  if (diff.counts_by_class_and_severity_size() == 25) {
    // Every finding, also those a new-only diff does not list.
    for (int cell = 0; cell < 25; ++cell) {
      counts[cell / 5][cell % 5] = static_cast<int>(diff.counts_by_class_and_severity(cell));
    }
  } else {  // a controller that does not count them: what is listed
    for (const auto& item : diff.findings()) {
      int severity = std::clamp(static_cast<int>(item.finding().severity()), 0, 4);
      counts[item.diff_class() % 5][severity]++;
    }
  }
  out << "\n  class           critical  high  medium  low  info\n";
  for (v1::DiffClass diff_class : kClasses) {
    char row[128];
    std::snprintf(row, sizeof(row), "  %-14s %9d %5d %7d %4d %5d\n",
                  DiffClassName(diff_class).c_str(), counts[diff_class][4], counts[diff_class][3],
                  counts[diff_class][2], counts[diff_class][1], counts[diff_class][0]);
    out << row;
  }
  bool any = false;
  for (const auto& item : diff.findings()) {
    if (!Listed(item, new_only)) continue;
    if (!any) out << "\n";
    any = true;
    const v1::Finding& f = item.finding();
    out << "  " << DiffClassName(item.diff_class()) << "  "
        << SeverityName(SeverityFromProto(f.severity())) << "  " << f.tool() << ":" << f.rule_id()
        << "  " << f.path() << ":" << f.line() << "  " << f.title();
    if (item.has_suppression()) {
      out << "  [suppressed: " << item.suppression().reason() << " (" << item.suppression().source()
          << ")]";
    }
    out << "\n";
  }
  for (const std::string& note : diff.notes()) out << "note: " << note << "\n";
  return out.str();
}

std::string DiffJson(const v1::DiffScanResponse& diff, bool new_only) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& item : diff.findings()) {
    if (new_only && item.diff_class() != v1::DIFF_NEW) continue;
    nlohmann::json entry = siem::CanonicalFindingJson(item.finding());
    entry["status"] = DiffClassName(item.diff_class());
    if (item.has_suppression()) {
      entry["suppression"] = {{"reason", item.suppression().reason()},
                              {"source", item.suppression().source()},
                              {"rule", item.suppression().rule()},
                              {"expires", item.suppression().expires()}};
    }
    if (!item.note().empty()) entry["note"] = item.note();
    findings.push_back(std::move(entry));
  }
  nlohmann::json document = {
      {"scan_id", diff.scan_id()},
      {"baseline_scan_id", diff.baseline_scan_id()},
      {"counts",
       {{"new", diff.new_count()},
        {"unchanged", diff.unchanged_count()},
        {"fixed", diff.fixed_count()},
        {"not_rechecked", diff.not_rechecked_count()},
        {"suppressed", diff.suppressed_count()}}},
      {"findings", std::move(findings)},
      {"notes", std::vector<std::string>(diff.notes().begin(), diff.notes().end())}};
  return document.dump(2) + "\n";
}

int Diff(ApiClient& client, const DiffOptions& options, int timeout_ms) {
  auto diff = FetchDiff(client, options.scan_id, options.baseline_scan_id, timeout_ms,
                        options.new_only);
  if (!diff.ok()) return ReportError(diff.status());
  std::cout << (options.json ? DiffJson(*diff, options.new_only)
                             : DiffTable(*diff, options.new_only));
  return kExitOk;
}

CommandRun SetUpDiff(CLI::App& command) {
  auto diff = std::make_shared<DiffOptions>();
  command.add_option("scan", diff->scan_id, "Scan id")->required();
  command.add_option("--baseline", diff->baseline_scan_id,
                     "Compare with this scan instead of the baseline stored with the scan");
  command.add_flag("--json", diff->json, "Machine-readable output");
  command.add_flag("--new-only", diff->new_only, "List only the new findings");
  return RemoteRun([diff](Connection& connection) {
    return Diff(connection.client, *diff, connection.timeout_ms);
  });
}

}  // namespace scanfleet::cli
