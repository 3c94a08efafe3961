// Generic SARIF 2.1.0 importer: any SARIF-emitting tool (semgrep --sarif,
// gitleaks, CodeQL, flawfinder --sarif, eslint...) plugs in with parser "sarif".
//
// Per run, tool = lower-cased tool.driver.name, version = driver.version (or
// semanticVersion, else the worker's). Per result: rule = ruleId, else
// rule.id, else driver.rules[ruleIndex].id; title = the rule's name or short
// description; message = message.text. Severity: a numeric
// "security-severity" (result, then rule properties; CVSS-like) gives >= 9
// critical, >= 7 high, >= 4 medium, > 0 low, 0 info; otherwise the level
// (result, then rule defaultConfiguration; absent = warning): error high,
// warning medium, note low, none info. CWEs from rule/result tags ("CWE-79",
// "external/cwe/cwe-079") and from rule relationships to a "CWE" taxonomy.
// Location: locations[0].physicalLocation: artifactLocation.uri (a "file://"
// scheme and %-escapes removed) relative to the scan root; region startLine,
// startColumn, endLine, snippet.text. Results whose uri is absolute or
// outside the root, or that have no location, are skipped and counted;
// results suppressed (suppressions[] with status absent or "accepted") are
// left out and not counted. partialFingerprints are ignored: scanfleet
// computes its own.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseSarif(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
