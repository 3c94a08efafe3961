// ProcessReport; see process_report.h.
#include "common/scanners/process_report.h"

#include "common/scanners/text_fields.h"

namespace scanfleet {

void FillMissingSnippets(std::vector<Finding>& findings, const SourceLineFn& source_line) {
  if (!source_line) return;
  bool filled = false;
  for (Finding& f : findings) {
    if (!f.snippet.empty() || f.line <= 0 || f.path.empty() || !PathStaysInside(f.path)) continue;
    std::optional<std::string> text = source_line(f.path, f.line);
    if (!text) continue;
    f.snippet = Bounded(*text, kMaxFilledSnippetBytes);
    filled = true;
  }
  if (filled) AssignFingerprints(findings);
}

StatusOr<ProcessedReport> ProcessReport(const ReportToProcess& raw) {
  if (raw.parse == nullptr) return Status::InvalidArgument("the scanner has no parser");
  ASSIGN_OR_RETURN(ParseResult parsed, raw.parse(raw.report, raw.tool_version));
  const bool sast = raw.kind == ScannerKind::kSast;
  if (sast) FillMissingSnippets(parsed.findings, raw.source_line);
  ProcessedReport processed;
  processed.skipped_records = parsed.skipped_records;
  processed.findings.reserve(parsed.findings.size());
  for (Finding& finding : parsed.findings) {
    if (sast && !PathStaysInside(finding.path)) {
      ++processed.skipped_records;
      continue;
    }
    processed.findings.push_back(std::move(finding));
  }
  return processed;
}

}  // namespace scanfleet
