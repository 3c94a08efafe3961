// Adapter for sqlmap (DAST, SQL injection): sqlmap's console output in,
// normalized findings out.
//
// Input. sqlmap has no machine-readable report, so the adapter reads the text
// it writes for humans. Three forms are accepted, all the same grammar:
//   * stdout of a run (the recommended report source): banner, "[hh:mm:ss]
//     [LEVEL] message" log lines, and one injection block per tested target.
//     With --crawl/--forms (or any multi-target run) every target is
//     announced by "[i/N] URL:" or "[i/N] Form:" followed by "METHOD URL",
//     which is where a finding's URL comes from. A single-URL run (-u with
//     --ignore-stdin, no --crawl) never prints its URL, so url stays empty.
//   * the "log" file sqlmap writes to --output-dir/<host>/log: the injection
//     blocks only (empty when nothing was injectable; rewritten per target).
//   * that log preceded by the same directory's target.txt, whose first line
//     "URL (METHOD)  # command line" supplies the URL.
// An injection block is a header "sqlmap identified (or resumed) the
// following injection point(s) ...:" then "---", entries "Parameter: NAME
// (PLACE)" each followed by indented "Type:", "Title:", "Payload:" (and, with
// -v 2+, "Vector:") lines per technique, and a closing "---".
//
// Findings. One per injection point: (URL path, place, parameter), with the
// techniques of every block naming that point merged. rule_id "sql-injection",
// title "SQL injection", CWE 89. Severity: sqlmap has no levels and reports
// only points it has confirmed (it re-checks each for false positives), so
// every finding is high, confidence "high". http_method: GET/POST from the
// place ("(custom) POST" is POST; a custom verb sqlmap prints as the place is
// kept); for URI, cookie and header places the target's method. parameter:
// sqlmap's name (e.g. "id", "User-Agent", "#1*"). evidence: "Type | Title |
// Payload" per technique, bounded. message names the DBMS when sqlmap
// fingerprinted it ("back-end DBMS: ..." after the block).
//
// Errors. Non-blank input with no line sqlmap writes is DataLoss. A run whose
// output has "[CRITICAL]" lines (other than "all tested parameters do not
// appear to be injectable") and shows no parameter tested is Unavailable
// with sqlmap's message: sqlmap exits 0 even when it cannot reach the target,
// and that must not read as a clean scan. An injection block cut off before
// its closing "---" counts each entry in it as a skipped record, a malformed
// entry is skipped and counted, and stdout that began ("[*] starting @") but
// lacks "[*] ending @" (truncated or killed) counts one more skipped record.
// Empty input (an empty log) is zero findings.
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

// Matches ParseFn. The version comes from the banner ("{1.7.2#stable}") when
// the output has one, else `tool_version`.
StatusOr<ParseResult> ParseSqlmapLog(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
