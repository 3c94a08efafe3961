// GitLab gl-sast-report.json, security report schema 15.0.x. Code findings
// only: the SAST schema has no place for a URL, so DAST findings are left out
// and the report says how many in a scan message. scan.status is "failure"
// when the scan is partial, and each incomplete tool run gets an error
// message. vulnerabilities[].id is a UUID-shaped value derived from our
// fingerprint, so it is stable across scans of the same code.
#include <nlohmann/json.hpp>

#include "common/job/job_state.h"
#include "controller/report/formats.h"
#include "controller/report/report_common.h"

namespace scanfleet::report {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSchemaVersion = "15.0.7";

Json Vulnerability(const Finding& f) {
  Json identifiers = Json::array();
  std::string rule = f.rule_id.empty() ? f.tool + "-finding" : f.rule_id;
  identifiers.push_back(
      {{"type", f.tool + "_rule"}, {"name", f.tool + " " + rule}, {"value", rule}});
  for (int cwe : f.cwes) {
    identifiers.push_back(
        {{"type", "cwe"},
         {"name", "CWE-" + std::to_string(cwe)},
         {"value", std::to_string(cwe)},
         {"url", "https://cwe.mitre.org/data/definitions/" + std::to_string(cwe) + ".html"}});
  }
  Json location = {{"file", f.path}};
  if (f.line > 0) {
    location["start_line"] = f.line;
    if (f.end_line >= f.line) location["end_line"] = f.end_line;
  }
  std::string description = f.message.empty() ? f.title : f.message;
  if (!f.snippet.empty()) description += "\n\n" + f.snippet;
  std::string seed =
      f.fingerprint.empty() ? f.tool + rule + f.path + std::to_string(f.line) : f.fingerprint;
  return {{"id", StableUuid(seed)},     {"name", f.title.empty() ? rule : f.title},
          {"description", description}, {"severity", SeverityTitle(f.severity)},
          {"identifiers", identifiers}, {"location", location}};
}

Json Tool(const std::string& id, const std::string& name, const std::string& version,
          std::string_view url) {
  Json tool = {{"id", id},
               {"name", name},
               {"version", version.empty() ? "unknown" : version},
               {"vendor", {{"name", "scanfleet"}}}};
  if (!url.empty()) tool["url"] = url;
  return tool;
}

}  // namespace

std::string RenderGitLab(const ScanReport& report) {
  Json vulnerabilities = Json::array();
  size_t dast_left_out = 0;
  for (const Finding& finding : report.findings) {
    if (IsDastFinding(finding)) {
      ++dast_left_out;
      continue;
    }
    vulnerabilities.push_back(Vulnerability(finding));
  }
  std::vector<ToolSection> sections = ToolSections(report);
  std::string scanner_id = "scanfleet";
  std::string scanner_name = "scanfleet";
  std::string scanner_version;
  if (sections.size() == 1) {
    scanner_id = scanner_name = sections.front().run.tool;
    scanner_version = sections.front().run.version;
  }
  Json messages = Json::array();
  for (const ToolSection& section : sections) {
    if (section.run.succeeded()) continue;
    messages.push_back(
        {{"level", "fatal"},
         {"value", section.run.tool + " job " + std::string(JobStateName(section.run.state)) +
                       (section.run.error.empty() ? "" : ": " + section.run.error) +
                       "; its results are incomplete"}});
  }
  if (dast_left_out > 0) {
    messages.push_back(
        {{"level", "warn"},
         {"value", std::to_string(dast_left_out) + " DAST findings are not in this SAST report"}});
  }
  int64_t end_ms = report.finished_ms > 0 ? report.finished_ms : report.created_ms;
  Json scan = {
      {"analyzer", Tool("scanfleet", "scanfleet", SCANFLEET_VERSION, "")},
      {"scanner", Tool(scanner_id, scanner_name, scanner_version, ToolInformationUri(scanner_id))},
      {"type", "sast"},
      {"start_time", IsoTime(report.created_ms, false)},
      {"end_time", IsoTime(end_ms, false)},
      {"status", report.partial() ? "failure" : "success"}};
  if (!messages.empty()) scan["messages"] = messages;
  Json document = {
      {"version", kSchemaVersion}, {"scan", scan}, {"vulnerabilities", vulnerabilities}};
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace scanfleet::report
