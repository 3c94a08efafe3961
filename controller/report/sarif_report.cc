// SARIF 2.1.0 for GitHub code scanning. Choices (README "Reports"):
// - one run per tool; automationDetails.id "scanfleet/<profile>/<scan id>";
// - rules carry help text, tags "security" + "external/cwe/cwe-N" and
//   security-severity (the highest severity of the rule's findings);
// - code findings: a relative URI under %SRCROOT%, region when the line is known,
//   partialFingerprints.primaryLocationLineHash from the file contents when the
//   caller gave them (ScanReport::sources), else from the snippet's first line
//   (stable, but not the value GitHub would compute: properties.lineHashSource
//   says which), and our own fingerprint as "scanfleet/v1";
// - DAST findings: a logical location (the URL) and the URL in the message and
//   properties. GitHub code scanning only shows results in files, so a DAST
//   SARIF is for other consumers;
// - a tool run that did not succeed has executionSuccessful false and a
//   notification with its error; every run says whether the scan is partial.
#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "common/job/job_state.h"
#include "common/wire/convert.h"
#include "controller/report/formats.h"
#include "controller/report/line_hash.h"
#include "controller/report/report_common.h"

namespace scanfleet::report {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

std::string_view Level(Severity severity) {
  if (severity >= Severity::kHigh) return "error";
  if (severity == Severity::kMedium) return "warning";
  return "note";
}

// Percent-encodes everything but RFC 3986 unreserved characters and '/'.
std::string UriPath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

std::string RuleId(const Finding& finding) {
  return finding.rule_id.empty() ? finding.tool + "-finding" : finding.rule_id;
}

std::string CweUrl(int cwe) {
  return "https://cwe.mitre.org/data/definitions/" + std::to_string(cwe) + ".html";
}

Json Rule(const std::string& id, const std::vector<const Finding*>& hits) {
  const Finding& first = *hits.front();
  Severity highest = first.severity;
  for (const Finding* hit : hits) highest = std::max(highest, hit->severity);
  std::string title = first.title.empty() ? id : first.title;
  Json tags = Json::array({"security"});
  std::string cwe_text;
  std::string cwe_markdown;
  for (int cwe : first.cwes) {
    std::string name = "CWE-" + std::to_string(cwe);
    tags.push_back("external/cwe/cwe-" + std::to_string(cwe));
    cwe_text += " " + name + " (" + CweUrl(cwe) + ").";
    cwe_markdown += " [" + name + "](" + CweUrl(cwe) + ").";
  }
  std::string help = title + ": rule " + id + " of " + first.tool + ".";
  std::string full = first.message.empty() ? help + cwe_text : first.message;
  Json rule = {{"id", id},
               {"shortDescription", {{"text", title}}},
               {"fullDescription", {{"text", full}}},
               {"help", {{"text", help + cwe_text}, {"markdown", help + cwe_markdown}}},
               {"defaultConfiguration", {{"level", Level(highest)}}}};
  if (!first.cwes.empty()) rule["helpUri"] = CweUrl(first.cwes.front());
  Json properties = {{"tags", tags}, {"security-severity", SecuritySeverityScore(highest)}};
  if (!first.confidence.empty()) properties["precision"] = first.confidence;
  rule["properties"] = properties;
  return rule;
}

// Computes primaryLocationLineHash values for one document, counting repeats
// of a snippet-derived hash per file as the reference counts them per file.
class LineHashSource {
 public:
  explicit LineHashSource(const std::map<std::string, std::string>& sources) : sources_(sources) {}

  // {hash, "file" | "snippet"}; empty hash when neither is available.
  std::pair<std::string, std::string_view> For(const Finding& finding) {
    auto source = sources_.find(finding.path);
    if (source != sources_.end()) {
      auto [cached, inserted] = file_hashes_.try_emplace(finding.path);
      if (inserted) cached->second = LineHashes(source->second);
      if (static_cast<size_t>(finding.line) <= cached->second.size()) {
        return {cached->second[finding.line - 1], "file"};
      }
    }
    if (NormalizeSnippet(finding.snippet).empty()) return {"", ""};
    uint64_t hash = RawLineHashes(finding.snippet.substr(0, finding.snippet.find('\n'))).front();
    int count = ++snippet_counts_[{finding.path, hash}];
    return {LineHashHex(hash) + ":" + std::to_string(count), "snippet"};
  }

 private:
  const std::map<std::string, std::string>& sources_;
  std::map<std::string, std::vector<std::string>> file_hashes_;
  std::map<std::pair<std::string, uint64_t>, int> snippet_counts_;
};

Json Result(const Finding& finding, size_t rule_index, LineHashSource& line_hashes,
            const FindingDiff* diff) {
  std::string text = finding.message.empty() ? finding.title : finding.message;
  if (text.empty()) text = RuleId(finding);
  Json properties = {{"severity", SeverityName(finding.severity)}};
  if (!finding.confidence.empty()) properties["confidence"] = finding.confidence;
  Json fingerprints = Json::object();
  Json location;
  if (IsDastFinding(finding)) {
    std::string where =
        (finding.http_method.empty() ? "" : finding.http_method + " ") + finding.url;
    text +=
        " [" + where + (finding.parameter.empty() ? "" : " parameter " + finding.parameter) + "]";
    location = {{"logicalLocations", Json::array({{{"name", finding.url},
                                                   {"fullyQualifiedName", where},
                                                   {"kind", "resource"}}})}};
    properties["url"] = finding.url;
    if (!finding.http_method.empty()) properties["httpMethod"] = finding.http_method;
    if (!finding.parameter.empty()) properties["parameter"] = finding.parameter;
    if (!finding.evidence.empty()) properties["evidence"] = finding.evidence;
  } else {
    Json physical = {
        {"artifactLocation", {{"uri", UriPath(finding.path)}, {"uriBaseId", "%SRCROOT%"}}}};
    if (finding.line > 0) {
      Json region = {{"startLine", finding.line}};
      if (finding.column > 0) region["startColumn"] = finding.column;
      if (finding.end_line >= finding.line) region["endLine"] = finding.end_line;
      if (!finding.snippet.empty()) region["snippet"] = {{"text", finding.snippet}};
      physical["region"] = region;
      auto [hash, source] = line_hashes.For(finding);
      if (!hash.empty()) {
        fingerprints["primaryLocationLineHash"] = hash;
        properties["lineHashSource"] = source;
      }
    }
    location = {{"physicalLocation", physical}};
  }
  if (!finding.fingerprint.empty()) fingerprints["scanfleet/v1"] = finding.fingerprint;
  Json result = {{"ruleId", RuleId(finding)},
                 {"ruleIndex", rule_index},
                 {"level", Level(finding.severity)},
                 {"message", {{"text", text}}},
                 {"locations", Json::array({location})}};
  if (!fingerprints.empty()) result["partialFingerprints"] = fingerprints;
  if (diff && (diff->status == "new" || diff->status == "unchanged")) {
    result["baselineState"] = diff->status;
  }
  if (diff && !diff->suppression_reason.empty()) {
    // Suppressed findings stay in the log, marked (SARIF 2.1.0 §3.35).
    result["suppressions"] =
        Json::array({{{"kind", "external"},
                      {"status", "accepted"},
                      {"justification", diff->suppression_reason},
                      {"properties", {{"source", diff->suppression_source}}}}});
  }
  result["properties"] = properties;
  return result;
}

Json Run(const ScanReport& report, const ToolSection& section, LineHashSource& line_hashes) {
  Json driver = {{"name", section.run.tool}};
  if (!section.run.version.empty()) driver["version"] = section.run.version;
  if (std::string_view home = ToolInformationUri(section.run.tool); !home.empty()) {
    driver["informationUri"] = home;
  }
  // Rules in order of first appearance; results point at them by index.
  std::vector<std::string> rule_ids;
  std::map<std::string, std::vector<const Finding*>> hits_by_rule;
  for (const Finding* finding : section.findings) {
    auto& hits = hits_by_rule[RuleId(*finding)];
    if (hits.empty()) rule_ids.push_back(RuleId(*finding));
    hits.push_back(finding);
  }
  Json rules = Json::array();
  std::map<std::string, size_t> rule_index;
  for (const std::string& id : rule_ids) {
    rule_index[id] = rules.size();
    rules.push_back(Rule(id, hits_by_rule[id]));
  }
  driver["rules"] = rules;
  Json results = Json::array();
  for (const Finding* finding : section.findings) {
    results.push_back(
        Result(*finding, rule_index[RuleId(*finding)], line_hashes, report.DiffOf(*finding)));
  }
  Json invocation = {{"executionSuccessful", section.run.succeeded()}};
  if (!section.run.succeeded()) {
    std::string why = "scanner job " + std::string(JobStateName(section.run.state)) +
                      (section.run.error.empty() ? "" : ": " + section.run.error) +
                      "; its results are incomplete";
    invocation["toolExecutionNotifications"] =
        Json::array({{{"level", "error"}, {"message", {{"text", why}}}}});
  }
  invocation["properties"] = {{"jobState", std::string(JobStateName(section.run.state))}};
  Json run = {{"tool", {{"driver", driver}}},
              {"invocations", Json::array({invocation})},
              {"automationDetails",
               {{"id", "scanfleet/" + report.profile + "/" + std::to_string(report.scan_id)}}}};
  if (!report.dast()) {
    run["originalUriBaseIds"] = {
        {"%SRCROOT%", {{"description", {{"text", "Root of " + ScannedThing(report)}}}}}};
  }
  if (report.repo.find("://") != std::string::npos && !report.resolved_commit.empty()) {
    Json provenance = {{"repositoryUri", report.repo},
                       {"revisionId", report.resolved_commit},
                       {"mappedTo", {{"uriBaseId", "%SRCROOT%"}}}};
    if (!report.ref.empty()) provenance["branch"] = report.ref;
    run["versionControlProvenance"] = Json::array({provenance});
  }
  run["columnKind"] = "unicodeCodePoints";
  run["results"] = results;
  run["properties"] = {{"scanId", report.scan_id},
                       {"scanState", std::string(ScanStateName(report.state))},
                       {"partial", report.partial()},
                       {"toolRunComplete", section.run.succeeded()},
                       {"scanned", ScannedThing(report)}};
  return run;
}

}  // namespace

std::string RenderSarif(const ScanReport& report) {
  LineHashSource line_hashes(report.sources);
  Json runs = Json::array();
  for (const ToolSection& section : ToolSections(report)) {
    runs.push_back(Run(report, section, line_hashes));
  }
  Json log = {{"$schema", kSchemaUri}, {"version", "2.1.0"}, {"runs", runs}};
  return log.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace scanfleet::report
