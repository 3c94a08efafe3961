// Adapter for shellcheck's `-f json1` report: {"comments": [{file, line,
// endLine, column, endColumn, level, code, message, fix}]}.
//
// Rule id "SC<code>". Severity: error -> high, warning -> medium, info -> low,
// style -> info. Confidence high (shellcheck's checks are syntactic). No CWE
// (shellcheck gives none). shellcheck prints no source text; snippets are
// empty (the worker fills them from the checkout). A comment missing its file,
// line or code is skipped and counted.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseShellcheckJson1(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
