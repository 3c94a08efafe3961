// DefectDojo, GitLab and JSON reports of the fixed scan.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "controller/report/formats.h"
#include "tests/unit/report/report_fixture.h"

namespace scanfleet::report {
namespace {

using nlohmann::json;

// dojo/tools/generic/json_parser.py: required + allowed keys of a finding
// (endpoints, files and vulnerability_ids are taken out before the check).
const std::set<std::string> kDojoKeys = {"title",
                                         "severity",
                                         "description",
                                         "date",
                                         "cwe",
                                         "cve",
                                         "cvssv3",
                                         "cvssv3_score",
                                         "mitigation",
                                         "impact",
                                         "steps_to_reproduce",
                                         "severity_justification",
                                         "references",
                                         "active",
                                         "verified",
                                         "false_p",
                                         "out_of_scope",
                                         "risk_accepted",
                                         "under_review",
                                         "is_mitigated",
                                         "thread_id",
                                         "mitigated",
                                         "numerical_severity",
                                         "param",
                                         "payload",
                                         "line",
                                         "file_path",
                                         "component_name",
                                         "component_version",
                                         "static_finding",
                                         "dynamic_finding",
                                         "scanner_confidence",
                                         "unique_id_from_tool",
                                         "vuln_id_from_tool",
                                         "sast_source_object",
                                         "sast_sink_object",
                                         "sast_source_line",
                                         "sast_source_file_path",
                                         "nb_occurences",
                                         "publish_date",
                                         "service",
                                         "planned_remediation_date",
                                         "planned_remediation_version",
                                         "effort_for_fixing",
                                         "tags",
                                         "endpoints",
                                         "files",
                                         "vulnerability_ids"};

TEST(DefectDojoReportTest, OnlyAcceptedKeysAndTypedValues) {
  ScanReport report = FixedReport();
  report.findings.push_back(DastFinding());
  json dojo = json::parse(RenderDefectDojo(report));
  ASSERT_EQ(dojo["findings"].size(), 4u);
  for (const json& finding : dojo["findings"]) {
    for (const auto& [key, value] : finding.items()) {
      EXPECT_TRUE(kDojoKeys.count(key)) << key;
    }
    EXPECT_TRUE(finding["severity"] == "High" || finding["severity"] == "Medium" ||
                finding["severity"] == "Critical");
  }
  const json& first = dojo["findings"][0];
  EXPECT_EQ(first["cwe"], 120);
  EXPECT_EQ(first["file_path"], "src/a b/main.c");
  EXPECT_EQ(first["line"], 2);
  EXPECT_EQ(first["unique_id_from_tool"], "fp-FF1001-2");
  EXPECT_EQ(first["vuln_id_from_tool"], "FF1001");
  EXPECT_EQ(first["static_finding"], true);
  EXPECT_EQ(first["date"], "2026-11-18");
  const json& dast = dojo["findings"][3];
  EXPECT_EQ(dast["dynamic_finding"], true);
  EXPECT_EQ(dast["endpoints"], json::array({"http://app.test:8080/search?q=1"}));
  EXPECT_EQ(dast["param"], "q");
  EXPECT_FALSE(dast.contains("file_path"));
}

TEST(DefectDojoReportTest, PartialScanIsTaggedAndDescribed) {
  ScanReport report = FixedReport();
  report.state = v1::SCAN_CANCELLED;
  json dojo = json::parse(RenderDefectDojo(report));
  const json& finding = dojo["findings"][0];
  EXPECT_NE(finding["description"].get<std::string>().find("PARTIAL SCAN"), std::string::npos);
  EXPECT_NE(std::find(finding["tags"].begin(), finding["tags"].end(), "partial-scan"),
            finding["tags"].end());
}

TEST(GitLabReportTest, HasTheRequiredKeysOfSchema15) {
  ScanReport report = FixedReport();
  report.findings.push_back(DastFinding());
  json gitlab = json::parse(RenderGitLab(report));
  EXPECT_TRUE(std::regex_match(gitlab["version"].get<std::string>(), std::regex("15\\.0\\.\\d+")));
  const json& scan = gitlab["scan"];
  for (const char* key : {"analyzer", "scanner", "type", "start_time", "end_time", "status"}) {
    EXPECT_TRUE(scan.contains(key)) << key;
  }
  for (const char* tool : {"analyzer", "scanner"}) {
    for (const char* key : {"id", "name", "version", "vendor"}) {
      EXPECT_TRUE(scan[tool].contains(key)) << tool << "." << key;
    }
  }
  EXPECT_EQ(scan["type"], "sast");
  EXPECT_EQ(scan["status"], "success");
  EXPECT_EQ(scan["start_time"], "2026-11-18T11:06:40");
  // The DAST finding is left out and counted.
  ASSERT_EQ(gitlab["vulnerabilities"].size(), 3u);
  EXPECT_NE(scan["messages"][0]["value"].get<std::string>().find("1 DAST"), std::string::npos);
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::set<std::string> ids;
  for (const json& vulnerability : gitlab["vulnerabilities"]) {
    EXPECT_TRUE(std::regex_match(vulnerability["id"].get<std::string>(), uuid));
    ids.insert(vulnerability["id"]);
    EXPECT_FALSE(vulnerability["identifiers"].empty());
    EXPECT_TRUE(vulnerability["location"].contains("file"));
    // Schema 15.0.0 removed these from vulnerabilities.
    for (const char* removed : {"category", "scanner", "cve", "message"}) {
      EXPECT_FALSE(vulnerability.contains(removed)) << removed;
    }
  }
  EXPECT_EQ(ids.size(), 3u);
  const json& first = gitlab["vulnerabilities"][0];
  EXPECT_EQ(first["severity"], "High");
  EXPECT_EQ(first["location"]["start_line"], 2);
  EXPECT_EQ(first["identifiers"][1]["value"], "120");
  // Stable: the same fingerprint gives the same id in another scan.
  EXPECT_EQ(json::parse(RenderGitLab(FixedReport()))["vulnerabilities"][0]["id"], first["id"]);
}

TEST(GitLabReportTest, PartialScanIsAFailure) {
  ScanReport report = FixedReport();
  report.runs[1].state = v1::JOB_DEAD_LETTERED;
  json gitlab = json::parse(RenderGitLab(report));
  EXPECT_EQ(gitlab["scan"]["status"], "failure");
  EXPECT_EQ(gitlab["scan"]["messages"][0]["level"], "fatal");
}

TEST(JsonReportTest, CarriesScanRunsAndCanonicalFindings) {
  json report = json::parse(RenderJson(FixedReport()));
  EXPECT_EQ(report["scan"]["scan_id"], 42);
  EXPECT_EQ(report["scan"]["partial"], false);
  EXPECT_EQ(report["runs"][0]["tool"], "flawfinder");
  EXPECT_EQ(report["runs"][0]["findings"], 2);
  EXPECT_EQ(report["findings"][2]["message"], "-shell, @risk: «quoted» ✓");
  EXPECT_EQ(report["findings"][0]["cwes"], json::array({120, 20}));
}

TEST(ReportFormatTest, ParsesKnownNamesOnly) {
  EXPECT_EQ(ParseReportFormat("sarif"), ReportFormat::kSarif);
  EXPECT_EQ(ParseReportFormat("csv"), ReportFormat::kCsv);
  EXPECT_FALSE(ParseReportFormat("SARIF").has_value());
  EXPECT_FALSE(ParseReportFormat("xml").has_value());
}

}  // namespace
}  // namespace scanfleet::report
