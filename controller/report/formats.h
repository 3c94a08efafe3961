// The report formats of `scanfleet report`. Each Render* turns one scan into
// the complete text of a document in that format; pure functions, no I/O.
// The README's "Reports" section documents every mapping.
//
//   sarif       SARIF 2.1.0 for GitHub code scanning: one run per tool, rules
//               with help and security-severity, primaryLocationLineHash.
//   defectdojo  DefectDojo "Generic Findings Import" JSON (only keys its
//               parser accepts).
//   gitlab      GitLab gl-sast-report.json, schema 15.0.x. Code findings only:
//               DAST findings are left out and counted in the scan's messages.
//   json        scanfleet's own: scan metadata, tool runs, canonical findings.
//   csv         one row per finding, RFC 4180, formula-injection neutralized.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "controller/report/scan_report.h"

namespace scanfleet::report {

enum class ReportFormat { kSarif, kDefectDojo, kGitLab, kJson, kCsv };

// "sarif", "defectdojo", "gitlab", "json", "csv"; nullopt otherwise.
std::optional<ReportFormat> ParseReportFormat(std::string_view name);

std::string RenderSarif(const ScanReport& report);
std::string RenderDefectDojo(const ScanReport& report);
std::string RenderGitLab(const ScanReport& report);
std::string RenderJson(const ScanReport& report);
std::string RenderCsv(const ScanReport& report);

std::string Render(ReportFormat format, const ScanReport& report);

}  // namespace scanfleet::report
