// Mappings the report formats share: severity names and scores, tool home
// pages, timestamps, stable ids derived from fingerprints.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/finding/finding.h"
#include "controller/report/scan_report.h"

namespace scanfleet::report {

// "Critical", "High", "Medium", "Low", "Info".
std::string_view SeverityTitle(Severity severity);

// GitHub's security-severity score of a severity, as SARIF wants it (a string):
// critical "9.5", high "8.0", medium "5.5", low "3.0", info "0.0". GitHub shows
// >= 9.0 as critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low, 0 none.
std::string_view SecuritySeverityScore(Severity severity);

// Project home page of a shipped scanner; empty for one we do not know.
std::string_view ToolInformationUri(std::string_view tool);

// "2026-11-23T13:36:16Z" (with_zone) or "2026-11-23T13:36:16" (GitLab's form)
// of a Unix time in milliseconds, UTC.
std::string IsoTime(int64_t unix_ms, bool with_zone = true);

// A UUID-shaped (8-4-4-4-12 hex) id derived from `seed` (e.g. a fingerprint),
// the same for the same seed. Not a random UUID: re-imports match up.
std::string StableUuid(std::string_view seed);

// What the report describes as scanned: "repo@commit" for SAST (the ref when
// the commit is unknown), the target for DAST.
std::string ScannedThing(const ScanReport& report);

// `text` with each invalid UTF-8 sequence replaced by U+FFFD, for formats
// written as text (CSV); the JSON formats replace while serializing.
std::string ValidUtf8Text(std::string_view text);

// True for a finding on a running service rather than in a file.
inline bool IsDastFinding(const Finding& finding) {
  return !finding.url.empty() && finding.path.empty();
}

}  // namespace scanfleet::report

namespace scanfleet::report {

// One tool of the scan with its findings: every job's tool, plus any tool that
// only appears in findings (state taken from the scan). The version is the
// job's, else the first finding's. In job order, then first appearance.
struct ToolSection {
  ToolRun run;
  std::vector<const Finding*> findings;
};
std::vector<ToolSection> ToolSections(const ScanReport& report);

}  // namespace scanfleet::report
