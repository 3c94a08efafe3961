// ProcessReport: the one way a scanner's raw report becomes the findings a
// job result carries. The worker calls it after a scanner run and the
// controller's reparse calls it on the report it kept, so a fresh scan and a
// reparse of the same report can never disagree.
//
// The steps, in order: the adapter parses the report (parse_result.h); for a
// SAST scanner, a finding without a snippet gets its source line (at most
// kMaxFilledSnippetBytes) from `source_line`, and the fingerprints are
// assigned again when any was filled (the fingerprint rests on the code, not
// on the order of hits); then a SAST finding whose path leaves the checkout
// (PathStaysInside) is dropped and counted as a skipped record.
//
// Pure: no I/O. Whatever reads files (the worker's checkout, the
// controller's stored snippets) is the caller's `source_line`.
// Thread-safety: reentrant; `source_line` is called on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/finding/finding.h"
#include "common/scanners/parse_result.h"
#include "common/scanners/registry.h"
#include "common/status/status.h"

namespace scanfleet {

// The text of line `line` (1-based) of the file at `path` (relative to the
// checkout, already confined by PathStaysInside), or nullopt when unknown.
using SourceLineFn = std::function<std::optional<std::string>(const std::string& path, int line)>;

// A filled snippet keeps at most this many bytes of its source line, cut
// between two UTF-8 characters (Bounded, text_fields.h): a character cut in
// half would reach the wire as U+FFFD, and a reparse of the stored snippet
// would then fingerprint other bytes than the scan did.
inline constexpr size_t kMaxFilledSnippetBytes = 512;

struct ReportToProcess {
  std::string_view report;        // the tool's complete report, already redacted
  ParseFn parse = nullptr;        // the scanner's adapter
  std::string_view tool_version;  // what the worker read from the tool
  ScannerKind kind = ScannerKind::kSast;
  SourceLineFn source_line;  // SAST snippets; empty: none is filled
};

struct ProcessedReport {
  std::vector<Finding> findings;  // in the tool's order, fingerprints assigned
  // The adapter's skipped records plus the findings dropped for their path.
  uint32_t skipped_records = 0;
};

// The parsed, post-processed report. The adapter's error (DataLoss: not its
// format) as it is; InvalidArgument without an adapter.
StatusOr<ProcessedReport> ProcessReport(const ReportToProcess& raw);

// The snippet step alone: fills each finding that has no snippet, a line > 0
// and a confined path from `source_line`; reassigns every fingerprint when
// it filled one.
void FillMissingSnippets(std::vector<Finding>& findings, const SourceLineFn& source_line);

}  // namespace scanfleet
