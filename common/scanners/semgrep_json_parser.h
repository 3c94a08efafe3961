// Adapter for semgrep's own JSON report (`semgrep scan --json`, registry parser
// "semgrep-json"). semgrep is not packaged in Debian; the tests use a fixture
// written from its documented output format (semgrep_output_v1: "results",
// "errors", "paths", "version").
//
// Per result: rule_id = check_id; title = its last dotted segment; path (made
// relative, "./" dropped); line/column = start.line/start.col; end_line =
// end.line; message = extra.message; snippet = extra.lines, except the
// placeholder "requires login" newer versions print when not logged in;
// CWEs from extra.metadata.cwe ("CWE-89: ..." strings, a list or one string);
// confidence from extra.metadata.confidence (HIGH/MEDIUM/LOW, lower-cased).
// extra.fingerprint is ignored: scanfleet computes its own.
//
// Severity (extra.severity, case-insensitive): ERROR -> high, WARNING ->
// medium, INFO -> low, INVENTORY / EXPERIMENT -> info; newer semgrep's
// CRITICAL / HIGH / MEDIUM / LOW map to themselves. A missing or unknown value
// counts as medium (the finding is kept, not dropped).
//
// Results with extra.is_ignored (a nosemgrep comment) are left out and not
// counted. Results that are not objects, lack check_id or start.line, or whose
// path is absolute or leaves the root are skipped and counted. "errors" (rule
// or target problems) are not findings and are ignored: the exit code says
// whether the run failed. Input that is not a JSON object with a "results"
// list is DataLoss; bytes that are not UTF-8 become U+FFFD.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseSemgrepJson(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
