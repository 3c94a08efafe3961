// Adapter for sqlmap's CSV results file (`--results-file=FILE`): one row per
// injectable parameter, "Target URL,Place,Parameter,Technique(s),Note(s)".
// A file with only its header means nothing was injectable: no findings.
//
// Each row is a confirmed SQL injection: rule "sql-injection", CWE 89,
// severity critical (sqlmap only reports a parameter it could exploit; the
// same level wapiti gives SQL injection), confidence high. Method: POST for
// place POST, GET otherwise (URI, GET, Cookie and header places are carried
// by a GET request; the place is kept in the evidence). Evidence names the
// techniques: B boolean-based blind, E error-based, U UNION query, S stacked
// queries, T time-based blind, Q inline query.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseSqlmapCsv(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
