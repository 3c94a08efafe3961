// Adapter for shellcheck's `-f json1` report on stdout: {"comments": [{file,
// line, endLine, column, endColumn, level, code, message, fix}]}.
//
// Rule id "SC<code>". Severity: error -> high, warning -> medium, info -> low,
// style -> info. Confidence high (shellcheck's checks are syntactic). No CWE
// (shellcheck gives none). shellcheck prints no source text; snippets are
// empty (the worker fills them from the checkout). json1 columns count a tab
// as one character (plain `-f json` expands tabs to 8); they are kept as is.
// A comment whose file is missing or empty, whose line is not a positive int,
// whose code is not an integer or whose level is unknown is skipped and
// counted. shellcheck 0.9.0 lists the files of one run in reverse argv order
// (comments within a file in line order); the adapter keeps that order.
//
// shellcheck prints a file name that is not UTF-8 with each stray byte as a
// UTF-8-encoded lone surrogate (GHC's escape), which is not valid UTF-8 and
// would make the whole report unreadable; every invalid UTF-8 sequence of the
// report is therefore replaced by U+FFFD before parsing, so one odd file name
// costs at most that file's snippets, never the other files' findings.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseShellcheckJson1(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
