// ApiHandler::Reparse: rebuild a scan's findings from the raw reports the
// controller kept, with the current parsers, without re-running a scanner.
#include <map>
#include <memory>
#include <optional>

#include "common/compress/zlib_codec.h"
#include "common/scanners/parsers.h"
#include "common/scanners/process_report.h"
#include "common/wire/convert.h"
#include "controller/api/api_handler.h"

namespace scanfleet {

namespace {

constexpr size_t kMaxReportBytes = 256u << 20;  // decompression bound

// The snippets the job's findings were stored with stand in for its
// checkout's lines (the controller has no checkout).
SourceLineFn StoredSnippets(std::map<std::pair<std::string, int>, std::string> snippets) {
  auto stored = std::make_shared<const decltype(snippets)>(std::move(snippets));
  return [stored](const std::string& path, int line) -> std::optional<std::string> {
    auto known = stored->find({path, line});
    if (known == stored->end()) return std::nullopt;
    return known->second;
  };
}

// The kept report of `raw`'s job processed again, as the job's new result;
// nullopt when it cannot be (no parser, a corrupt report, a parse error).
StatusOr<std::optional<v1::JobResult>> ReparsedResult(const RawReport& raw,
                                                      const ControllerConfig& config,
                                                      ControllerStore& store) {
  auto parser_name = config.scanner_parsers.find(raw.scanner);
  auto kind = config.scanner_kinds.find(raw.scanner);
  auto report = Decompress(raw.report, kMaxReportBytes);
  if (parser_name == config.scanner_parsers.end() || !report.ok())
    return std::optional<v1::JobResult>();
  ASSIGN_OR_RETURN(auto snippets, store.findings().SnippetsOfJob(raw.job_id));
  bool dast = kind != config.scanner_kinds.end() && kind->second == "dast";
  auto processed = ProcessReport({.report = *report,
                                  .parse = FindParser(parser_name->second),
                                  .tool_version = raw.tool_version,
                                  .kind = dast ? ScannerKind::kDast : ScannerKind::kSast,
                                  .source_line = StoredSnippets(std::move(snippets))});
  if (!processed.ok()) return std::optional<v1::JobResult>();
  v1::JobResult result;
  result.mutable_job()->set_job_id(raw.job_id);
  result.mutable_job()->set_attempt(raw.attempt);
  for (const Finding& finding : processed->findings) {
    FindingToProto(finding, result.add_findings());
  }
  result.set_skipped_records(processed->skipped_records);
  return std::optional<v1::JobResult>(std::move(result));
}

}  // namespace

StatusOr<v1::ReparseScanResponse> ApiHandler::Reparse(const v1::ReparseScanRequest& request,
                                                      TimeMs now, ApiEffects& effects) {
  ASSIGN_OR_RETURN(v1::ScanStatus scan, store_.views().GetScan(request.scan_id()));
  if (scan.state() == v1::SCAN_QUEUED || scan.state() == v1::SCAN_RUNNING) {
    return Status::FailedPrecondition("scan " + std::to_string(request.scan_id()) +
                                      " has not finished; reparse it once it has");
  }
  uint32_t without_report = 0;
  ASSIGN_OR_RETURN(std::vector<RawReport> reports,
                   store_.raw_reports().LoadOfScan(request.scan_id(), &without_report));
  v1::ReparseScanResponse response;
  response.set_jobs_without_report(without_report);
  response.set_findings_before(scan.findings());
  for (const RawReport& raw : reports) {
    ASSIGN_OR_RETURN(std::optional<v1::JobResult> result, ReparsedResult(raw, config_, store_));
    if (!result) {
      response.set_jobs_still_failing(response.jobs_still_failing() + 1);
      continue;
    }
    ASSIGN_OR_RETURN(auto events,
                     store_.lifecycle().ReplaceFindings(request.scan_id(), *result, now));
    for (auto& event : events) effects.events.push_back(std::move(event));
    response.set_jobs_reparsed(response.jobs_reparsed() + 1);
  }
  ASSIGN_OR_RETURN(v1::ScanStatus after, store_.views().GetScan(request.scan_id()));
  response.set_findings_after(after.findings());
  v1::Event event;
  event.set_topic("scan.reparsed");
  event.set_scan_id(request.scan_id());
  event.set_created_ms(now);
  *event.mutable_scan() = after;
  event.mutable_scan()->clear_jobs();
  RETURN_IF_ERROR(store_.events().Append(&event));
  effects.events.push_back(std::move(event));
  return response;
}

}  // namespace scanfleet
