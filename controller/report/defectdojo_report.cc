// DefectDojo "Generic Findings Import" JSON. Only keys its parser accepts
// (dojo/tools/generic/json_parser.py: title, severity, description required;
// date, cwe, line, file_path, static_finding, dynamic_finding,
// unique_id_from_tool, vuln_id_from_tool, scanner_confidence, param, payload,
// service, tags, ... allowed; endpoints as URI strings). `cwe` is an int, so a
// finding with several CWEs gives the first here and all in the description.
// The top-level "name" names the test; a partial scan says so
// in every description and with the "partial-scan" tag.
#include <nlohmann/json.hpp>

#include "controller/report/formats.h"
#include "controller/report/report_common.h"

namespace scanfleet::report {

namespace {

using Json = nlohmann::ordered_json;

int ScannerConfidence(const std::string& confidence) {
  // DefectDojo's scale: 1 (certain) .. 7 (tentative-ish); we use three points.
  if (confidence == "high") return 1;
  if (confidence == "medium") return 4;
  if (confidence == "low") return 7;
  return 0;
}

std::string Description(const ScanReport& report, const Finding& f) {
  std::string text = f.message.empty() ? f.title : f.message;
  text += "\n\nTool: " + f.tool + (f.tool_version.empty() ? "" : " " + f.tool_version);
  text += "\nRule: " + f.rule_id;
  if (!f.cwes.empty()) {
    text += "\nCWE:";
    for (int cwe : f.cwes) text += " CWE-" + std::to_string(cwe);
  }
  if (!f.path.empty()) {
    text += "\nLocation: " + f.path + (f.line > 0 ? ":" + std::to_string(f.line) : "");
  }
  if (!f.url.empty()) {
    text += "\nURL: " + (f.http_method.empty() ? "" : f.http_method + " ") + f.url;
  }
  if (!f.snippet.empty()) text += "\n\nSnippet:\n" + f.snippet;
  if (!f.evidence.empty()) text += "\n\nEvidence:\n" + f.evidence;
  text += "\n\nScanned: " + ScannedThing(report) + " (scanfleet scan " +
          std::to_string(report.scan_id) + ")";
  if (report.partial()) text += "\nPARTIAL SCAN: some scanner jobs did not complete.";
  return text;
}

Json FindingEntry(const ScanReport& report, const Finding& f) {
  bool dast = IsDastFinding(f);
  Json entry = {{"title", f.title.empty() ? f.rule_id : f.title},
                {"severity", SeverityTitle(f.severity)},
                {"description", Description(report, f)}};
  if (report.created_ms > 0) entry["date"] = IsoTime(report.created_ms).substr(0, 10);
  if (!f.cwes.empty()) entry["cwe"] = f.cwes.front();
  if (!dast && !f.path.empty()) {
    entry["file_path"] = f.path;
    if (f.line > 0) entry["line"] = f.line;
  }
  entry["static_finding"] = !dast;
  entry["dynamic_finding"] = dast;
  if (!f.fingerprint.empty()) entry["unique_id_from_tool"] = f.fingerprint;
  if (!f.rule_id.empty()) entry["vuln_id_from_tool"] = f.rule_id;
  if (int confidence = ScannerConfidence(f.confidence); confidence > 0) {
    entry["scanner_confidence"] = confidence;
  }
  if (dast) {
    if (!f.parameter.empty()) entry["param"] = f.parameter;
    if (!f.evidence.empty()) entry["payload"] = f.evidence;
    entry["endpoints"] = Json::array({f.url});
  }
  Json tags = Json::array({"scanfleet", f.tool});
  if (report.partial()) tags.push_back("partial-scan");
  entry["tags"] = tags;
  return entry;
}

}  // namespace

std::string RenderDefectDojo(const ScanReport& report) {
  Json findings = Json::array();
  for (const Finding& finding : report.findings) findings.push_back(FindingEntry(report, finding));
  Json document = {{"name", "scanfleet scan " + std::to_string(report.scan_id)},
                   {"findings", findings}};
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace scanfleet::report
