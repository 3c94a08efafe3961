// scanfleet's own JSON report: scan metadata, one entry per tool run and the
// canonical findings (the same keys as `scanfleet findings --json`).
#include <nlohmann/json.hpp>

#include "common/job/job_state.h"
#include "common/wire/convert.h"
#include "controller/report/formats.h"
#include "controller/report/report_common.h"

namespace scanfleet::report {

namespace {

using Json = nlohmann::ordered_json;

Json FindingJson(const Finding& f) {
  return {{"tool", f.tool},
          {"tool_version", f.tool_version},
          {"rule_id", f.rule_id},
          {"title", f.title},
          {"message", f.message},
          {"severity", SeverityName(f.severity)},
          {"confidence", f.confidence},
          {"cwes", f.cwes},
          {"path", f.path},
          {"line", f.line},
          {"column", f.column},
          {"end_line", f.end_line},
          {"snippet", f.snippet},
          {"url", f.url},
          {"http_method", f.http_method},
          {"parameter", f.parameter},
          {"evidence", f.evidence},
          {"fingerprint", f.fingerprint}};
}

}  // namespace

std::string RenderJson(const ScanReport& report) {
  Json runs = Json::array();
  for (const ToolSection& section : ToolSections(report)) {
    runs.push_back({{"tool", section.run.tool},
                    {"version", section.run.version},
                    {"state", std::string(JobStateName(section.run.state))},
                    {"complete", section.run.succeeded()},
                    {"error", section.run.error},
                    {"findings", section.findings.size()}});
  }
  Json findings = Json::array();
  for (const Finding& finding : report.findings) {
    Json entry = FindingJson(finding);
    if (const FindingDiff* diff = report.DiffOf(finding)) {
      entry["status"] = diff->status;
      if (!diff->suppression_reason.empty()) {
        entry["suppression"] = {{"reason", diff->suppression_reason},
                                {"source", diff->suppression_source}};
      }
    }
    findings.push_back(std::move(entry));
  }
  Json document = {{"report_format", "scanfleet-report/v1"},
                   {"scan",
                    {{"scan_id", report.scan_id},
                     {"state", std::string(ScanStateName(report.state))},
                     {"partial", report.partial()},
                     {"profile", report.profile},
                     {"repo", report.repo},
                     {"ref", report.ref},
                     {"resolved_commit", report.resolved_commit},
                     {"target_url", report.target_url},
                     {"created", report.created_ms > 0 ? IsoTime(report.created_ms) : ""},
                     {"finished", report.finished_ms > 0 ? IsoTime(report.finished_ms) : ""}}},
                   {"runs", runs},
                   {"findings", findings}};
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace scanfleet::report
