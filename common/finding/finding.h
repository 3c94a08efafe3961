// The normalized finding model every scanner adapter produces.
//
// One canonical severity scale; a location that is either in code (path
// relative to the scanned repository root, line, column, snippet) or on a
// running service (URL, HTTP method, parameter, evidence); and a fingerprint
// that is stable across commits: it is built from the tool, the rule and the
// location's identity -- relative path and whitespace-normalized snippet for
// code (never the line number), method + URL path + parameter for a service --
// plus the occurrence index among otherwise identical findings so that two hits
// of one rule on one line stay two findings.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scanfleet {

// Ordered from least to most severe; the numeric value is stored in SQLite.
enum class Severity { kInfo = 0, kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };

std::string_view SeverityName(Severity severity);  // "info" .. "critical"
// Accepts the canonical lower-case names (case-insensitive); nullopt otherwise.
std::optional<Severity> ParseSeverity(std::string_view name);

struct Finding {
  std::string tool;          // "flawfinder", "bandit", ...
  std::string tool_version;  // as reported by the tool, may be empty
  std::string rule_id;       // tool's rule/test id, e.g. "B602" or "FF1004"
  std::string title;         // short rule name, e.g. "subprocess_popen_with_shell_equals_true"
  std::string message;       // the tool's explanation of this hit
  Severity severity = Severity::kInfo;
  std::string confidence;  // "high" / "medium" / "low" or empty when the tool gives none
  std::vector<int> cwes;   // CWE ids the tool gives (may be empty)
  std::string path;        // relative to the repo root, '/'-separated, no leading "./"
  int line = 0;            // 1-based, 0 when unknown
  int column = 0;          // 1-based, 0 when unknown
  int end_line = 0;        // 0 when unknown
  std::string snippet;     // source text of the hit as the tool reports it
  // DAST location (empty for code findings).
  std::string url;          // full URL (or host:port for a network service)
  std::string http_method;  // "GET", "POST", ... or empty
  std::string parameter;    // vulnerable parameter name, or empty
  std::string evidence;     // payload / response excerpt that shows the issue
  std::string fingerprint;  // hex; filled by AssignFingerprints()

  bool operator==(const Finding&) const = default;
};

// Collapses every run of whitespace to one space and trims both ends.
std::string NormalizeSnippet(std::string_view snippet);

// Strips "./" prefixes and collapses "//"; returns the path unchanged otherwise.
// Paths are cleaned again (and confined to the workspace) by the worker.
std::string CleanRelativePath(std::string_view path);

// The part of a URL a DAST fingerprint uses: scheme://host:port/path, without
// query string or fragment (which vary per payload).
std::string UrlIdentity(std::string_view url);

// True when a cleaned relative path stays inside the scanned tree: not
// absolute, no ".." component. Findings whose path fails this are dropped.
bool PathStaysInside(std::string_view path);

// Fills Finding::fingerprint for every finding of one scanner run. Findings that
// share tool, rule and location identity (path + normalized snippet, or for a
// DAST finding method + UrlIdentity + parameter) get occurrence indexes 0,1,2...
// in the order given, so the order must be the tool's own (stable) order.
void AssignFingerprints(std::vector<Finding>& findings);

}  // namespace scanfleet
