// ApiHandler::Reparse: rebuild a scan's findings from the raw reports the
// controller kept, with the current parsers, without re-running a scanner.
#include "common/compress/zlib_codec.h"
#include "common/wire/convert.h"
#include "controller/api/api_handler.h"
#include "worker/scanners/parsers.h"

namespace scanfleet {

namespace {
constexpr size_t kMaxReportBytes = 256u << 20;  // decompression bound
}  // namespace

StatusOr<v1::ReparseScanResponse> ApiHandler::Reparse(const v1::ReparseScanRequest& request,
                                                      TimeMs now, ApiEffects& effects) {
  ASSIGN_OR_RETURN(v1::ScanStatus scan, store_.GetScan(request.scan_id()));
  if (scan.state() == v1::SCAN_QUEUED || scan.state() == v1::SCAN_RUNNING) {
    return Status::FailedPrecondition("scan " + std::to_string(request.scan_id()) +
                                      " has not finished; reparse it once it has");
  }
  uint32_t without_report = 0;
  ASSIGN_OR_RETURN(std::vector<RawReport> reports,
                   store_.LoadRawReports(request.scan_id(), &without_report));
  v1::ReparseScanResponse response;
  response.set_jobs_without_report(without_report);
  response.set_findings_before(scan.findings());
  for (const RawReport& raw : reports) {
    auto parser_name = config_.scanner_parsers.find(raw.scanner);
    ParseFn parse =
        parser_name == config_.scanner_parsers.end() ? nullptr : FindParser(parser_name->second);
    auto report = Decompress(raw.report, kMaxReportBytes);
    auto parsed = parse != nullptr && report.ok()
                      ? parse(*report, raw.tool_version)
                      : StatusOr<ParseResult>(Status::DataLoss("no parser or corrupt report"));
    if (!parsed.ok()) {
      response.set_jobs_still_failing(response.jobs_still_failing() + 1);
      continue;
    }
    ASSIGN_OR_RETURN(auto snippets, store_.SnippetsOfJob(raw.job_id));
    bool filled = false;
    for (Finding& finding : parsed->findings) {
      auto known = snippets.find({finding.path, finding.line});
      if (finding.snippet.empty() && known != snippets.end()) {
        finding.snippet = known->second;
        filled = true;
      }
    }
    if (filled) AssignFingerprints(parsed->findings);
    v1::JobResult result;
    result.mutable_job()->set_job_id(raw.job_id);
    result.mutable_job()->set_attempt(raw.attempt);
    uint32_t skipped = parsed->skipped_records;
    bool dast =
        config_.scanner_kinds.count(raw.scanner) && config_.scanner_kinds.at(raw.scanner) == "dast";
    for (const Finding& finding : parsed->findings) {
      if (!dast && !PathStaysInside(finding.path)) {
        ++skipped;
        continue;
      }
      FindingToProto(finding, result.add_findings());
    }
    result.set_skipped_records(skipped);
    ASSIGN_OR_RETURN(auto events, store_.ReplaceFindings(request.scan_id(), result, now));
    for (auto& event : events) effects.events.push_back(std::move(event));
    response.set_jobs_reparsed(response.jobs_reparsed() + 1);
  }
  ASSIGN_OR_RETURN(v1::ScanStatus after, store_.GetScan(request.scan_id()));
  response.set_findings_after(after.findings());
  v1::Event event;
  event.set_topic("scan.reparsed");
  event.set_scan_id(request.scan_id());
  event.set_created_ms(now);
  *event.mutable_scan() = after;
  event.mutable_scan()->clear_jobs();
  RETURN_IF_ERROR(store_.AppendEvent(&event));
  effects.events.push_back(std::move(event));
  return response;
}

}  // namespace scanfleet
