// Adapter for cppcheck's XML version 2 report (`--xml --xml-version=2
// --output-file=FILE`; the file keeps tool diagnostics out of the report).
//
// Severity: error -> high, warning -> medium, style / performance /
// portability -> low, information / debug -> info. inconclusive="true" ->
// confidence low, otherwise medium (cppcheck gives no confidence). cwe="N" ->
// CWE N. The first <location> is the primary one (cppcheck writes the call
// stack innermost first). Title = msg, message = verbose. Errors with no
// location (missingIncludeSystem, checkersReport, toomanyconfigs...) describe
// the run, not the code: they are not findings and are not counted as
// skipped. cppcheck prints no source text, so snippets are empty (the worker
// fills them from the checkout).
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseCppcheckXmlV2(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
