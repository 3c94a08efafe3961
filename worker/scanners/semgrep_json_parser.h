// Adapter for semgrep's own JSON output (`semgrep scan --json`). semgrep is
// not packaged in Debian; the tests use fixtures written from its documented
// output format (results[], errors[], version).
//
// Per result: rule = check_id, path, start.line/col, end.line, message =
// extra.message, snippet = extra.lines (empty when semgrep hides it as
// "requires login"), CWEs from extra.metadata.cwe ("CWE-89: ..." strings, a
// list or one string), confidence from extra.metadata.confidence (lower-cased).
// Severity: extra.severity ERROR high, WARNING medium, INFO low; newer
// semgrep's CRITICAL / HIGH / MEDIUM / LOW / INFO map to themselves. Results
// with extra.is_ignored (nosemgrep) are left out and not counted.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseSemgrepJson(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
