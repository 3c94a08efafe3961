// Adapter for cppcheck's XML version 2 report (`--xml --xml-version=2
// --output-file=FILE`; the file keeps tool diagnostics out of the report).
//
// Severity: error -> high, warning -> medium, style / performance /
// portability -> low, information / debug -> info. inconclusive="true" ->
// confidence low, otherwise medium (cppcheck gives no confidence). cwe="N" ->
// CWE N. The first <location> is the primary one: cppcheck writes its call
// stack in reverse, so the place its text output reports comes first (e.g.
// nullPointerRedundantCheck: the dereference, then the redundant check); the
// others are context and not findings. Title = msg, message = verbose. Errors with no
// location (missingIncludeSystem, checkersReport, toomanyconfigs...) describe
// the run, not the code: they are not findings and are not counted as
// skipped. A location's column below 0 becomes 0 (unknown). cppcheck prints
// no source text, so snippets are empty (the worker fills them from the
// checkout). Its own analysis failures that carry a location (syntaxError,
// internalAstError, preprocessorErrorDirective...) stay findings, with their
// severity. Attribute text is kept byte for byte: cppcheck writes a file name
// that is not UTF-8 unchanged into the XML.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseCppcheckXmlV2(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
