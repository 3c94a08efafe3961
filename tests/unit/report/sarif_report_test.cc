#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "controller/report/formats.h"
#include "controller/report/line_hash.h"
#include "tests/unit/report/report_fixture.h"

namespace scanfleet::report {
namespace {

using nlohmann::json;

TEST(SarifReportTest, OneRunPerToolWithRulesAndSecuritySeverity) {
  json sarif = json::parse(RenderSarif(FixedReport()));
  EXPECT_EQ(sarif["version"], "2.1.0");
  ASSERT_EQ(sarif["runs"].size(), 2u);
  const json& flawfinder = sarif["runs"][0];
  EXPECT_EQ(flawfinder["tool"]["driver"]["name"], "flawfinder");
  EXPECT_EQ(flawfinder["tool"]["driver"]["version"], "2.0.19");
  EXPECT_EQ(flawfinder["tool"]["driver"]["informationUri"], "https://dwheeler.com/flawfinder/");
  EXPECT_EQ(flawfinder["automationDetails"]["id"], "scanfleet/default/42");
  EXPECT_EQ(flawfinder["versionControlProvenance"][0]["revisionId"],
            "0123456789abcdef0123456789abcdef01234567");
  // Two hits of one rule share one rule entry.
  const json& rules = flawfinder["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0]["id"], "FF1001");
  EXPECT_EQ(rules[0]["properties"]["security-severity"], "8.0");
  EXPECT_EQ(rules[0]["properties"]["tags"],
            json({"security", "external/cwe/cwe-120", "external/cwe/cwe-20"}));
  EXPECT_FALSE(rules[0]["help"]["text"].get<std::string>().empty());
  EXPECT_EQ(sarif["runs"][1]["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
            "5.5");
}

TEST(SarifReportTest, BaselineStateAndSuppressionsFromTheDiff) {
  ScanReport report = FixedReport();
  json plain = json::parse(RenderSarif(report));
  EXPECT_FALSE(plain["runs"][0]["results"][0].contains("baselineState"));  // no diff: left out
  report.diff["fp-FF1001-2"] = {"new", "", ""};
  report.diff[report.findings[1].fingerprint] = {"unchanged", "reviewed in SEC-1",
                                                 "repo:.scanfleet/suppressions.json"};
  json sarif = json::parse(RenderSarif(report));
  const json& results = sarif["runs"][0]["results"];
  EXPECT_EQ(results[0]["baselineState"], "new");
  EXPECT_FALSE(results[0].contains("suppressions"));
  EXPECT_EQ(results[1]["baselineState"], "unchanged");
  ASSERT_EQ(results[1]["suppressions"].size(), 1u);
  EXPECT_EQ(results[1]["suppressions"][0]["kind"], "external");
  EXPECT_EQ(results[1]["suppressions"][0]["justification"], "reviewed in SEC-1");
  EXPECT_EQ(results[1]["suppressions"][0]["properties"]["source"],
            "repo:.scanfleet/suppressions.json");
  json doc = json::parse(RenderJson(report));
  EXPECT_EQ(doc["findings"][0]["status"], "new");
  EXPECT_EQ(doc["findings"][1]["suppression"]["reason"], "reviewed in SEC-1");
  EXPECT_NE(RenderCsv(report).find("\"reviewed in SEC-1\""), std::string::npos);
}

TEST(SarifReportTest, ResultsHaveRelativeEncodedUrisRegionsAndFingerprints) {
  json sarif = json::parse(RenderSarif(FixedReport()));
  const json& result = sarif["runs"][0]["results"][0];
  EXPECT_EQ(result["ruleId"], "FF1001");
  EXPECT_EQ(result["ruleIndex"], 0);
  EXPECT_EQ(result["level"], "error");
  EXPECT_EQ(result["message"]["text"], "Message, with \"quotes\"\nand a second line");
  const json& location = result["locations"][0]["physicalLocation"];
  EXPECT_EQ(location["artifactLocation"]["uri"], "src/a%20b/main.c");
  EXPECT_EQ(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(location["region"]["startLine"], 2);
  EXPECT_EQ(location["region"]["startColumn"], 5);
  EXPECT_EQ(location["region"]["snippet"]["text"], "  strcpy(dst, src);");
  EXPECT_EQ(result["partialFingerprints"]["scanfleet/v1"], "fp-FF1001-2");
  // Without the file, the hash is the snippet's first line hashed alone.
  EXPECT_EQ(result["partialFingerprints"]["primaryLocationLineHash"],
            LineHashHex(RawLineHashes("  strcpy(dst, src);").front()) + ":1");
  EXPECT_EQ(result["properties"]["lineHashSource"], "snippet");
  EXPECT_EQ(
      sarif["runs"][1]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
      "app/%C3%BCn%C3%AFcode.py");
  EXPECT_EQ(sarif["runs"][1]["results"][0]["level"], "warning");
}

TEST(SarifReportTest, LineHashComesFromTheFileWhenGiven) {
  ScanReport report = FixedReport();
  std::string file = "#include <string.h>\n  strcpy(dst, src);\n=x\n";
  report.sources["src/a b/main.c"] = file;
  json sarif = json::parse(RenderSarif(report));
  const json& result = sarif["runs"][0]["results"][0];
  EXPECT_EQ(result["partialFingerprints"]["primaryLocationLineHash"], LineHashes(file)[1]);
  EXPECT_EQ(result["properties"]["lineHashSource"], "file");
}

TEST(SarifReportTest, CleanScanSaysSoAndPartialScanNeverLooksClean) {
  json clean = json::parse(RenderSarif(FixedReport()));
  EXPECT_EQ(clean["runs"][0]["invocations"][0]["executionSuccessful"], true);
  EXPECT_EQ(clean["runs"][0]["properties"]["partial"], false);

  ScanReport report = FixedReport();
  report.state = v1::SCAN_FAILED;
  report.runs[1] = {"bandit", "", v1::JOB_DEAD_LETTERED, "scanner exited 2"};
  report.findings.pop_back();  // the failed tool found nothing
  json partial = json::parse(RenderSarif(report));
  ASSERT_EQ(partial["runs"].size(), 2u);
  const json& bandit = partial["runs"][1];
  EXPECT_EQ(bandit["results"].size(), 0u);
  EXPECT_EQ(bandit["invocations"][0]["executionSuccessful"], false);
  EXPECT_NE(bandit["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
                .get<std::string>()
                .find("scanner exited 2"),
            std::string::npos);
  EXPECT_EQ(bandit["properties"]["partial"], true);
  EXPECT_EQ(partial["runs"][0]["properties"]["partial"], true);
}

TEST(SarifReportTest, DastFindingHasLogicalLocationAndUrl) {
  ScanReport report;
  report.scan_id = 7;
  report.state = v1::SCAN_SUCCEEDED;
  report.profile = "web";
  report.target_url = "http://app.test:8080/";
  report.runs = {{"wapiti", "3.0.4", v1::JOB_SUCCEEDED, ""}};
  report.findings = {DastFinding()};
  json result = json::parse(RenderSarif(report))["runs"][0]["results"][0];
  EXPECT_EQ(result["level"], "error");
  EXPECT_EQ(result["locations"][0]["logicalLocations"][0]["name"],
            "http://app.test:8080/search?q=1");
  EXPECT_FALSE(result["locations"][0].contains("physicalLocation"));
  EXPECT_NE(result["message"]["text"].get<std::string>().find("GET http://app.test:8080"),
            std::string::npos);
  EXPECT_EQ(result["properties"]["parameter"], "q");
}

TEST(SarifReportTest, InvalidUtf8InFindingsStillGivesValidJson) {
  ScanReport report = FixedReport();
  report.findings[0].message = "bad \xFF byte";
  EXPECT_NO_THROW(json::parse(RenderSarif(report)));
}

}  // namespace
}  // namespace scanfleet::report
