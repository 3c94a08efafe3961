// The SARIF 2.1.0 importer on flawfinder 2.0.19's real SARIF output and on a
// log written from the SARIF spec that exercises rule indexes,
// security-severity, CWE tags, %-escapes, suppressions and multiple runs; the
// semgrep JSON adapter on a report written from semgrep's documented format.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/scanners/test_util.h"
#include "worker/scanners/sarif_parser.h"
#include "worker/scanners/semgrep_json_parser.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;

TEST(SarifParserTest, FlawfinderSarifOfTheSampleRepo) {
  auto parsed = ParseSarif(ReadFileOrFail(FixturePath("flawfinder.sarif")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 44u);
  const Finding& first = parsed->findings[0];
  EXPECT_EQ(first.tool, "flawfinder");
  EXPECT_EQ(first.tool_version, "2.0.19");
  EXPECT_EQ(first.rule_id, "FF1013");
  EXPECT_EQ(first.title, "buffer/char");
  EXPECT_EQ(first.severity, Severity::kLow);  // level "note"
  EXPECT_EQ(first.path, "src/util.h");
  EXPECT_EQ(first.line, 11);
  EXPECT_EQ(first.column, 3);
  EXPECT_EQ(first.snippet, "  char name[NAME_LEN];");
  EXPECT_EQ(first.cwes, (std::vector<int>{119, 120})) << "from the rule's CWE relationships";
  EXPECT_EQ(parsed->skipped_records, 0u);
}

TEST(SarifParserTest, SpecFeatures) {
  auto parsed = ParseSarif(ReadFileOrFail(FixturePath("features.sarif")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 3u);
  const Finding& sqli = parsed->findings[0];
  EXPECT_EQ(sqli.tool, "codeql");
  EXPECT_EQ(sqli.tool_version, "2.15.0");
  EXPECT_EQ(sqli.rule_id, "py/sql-injection");
  EXPECT_EQ(sqli.title, "SqlInjection");
  EXPECT_EQ(sqli.severity, Severity::kHigh) << "security-severity 8.8";
  EXPECT_EQ(sqli.cwes, std::vector<int>{89});
  EXPECT_EQ(sqli.path, "app/db.py");
  EXPECT_EQ(sqli.end_line, 14);
  const Finding& logging = parsed->findings[1];
  EXPECT_EQ(logging.rule_id, "py/clear-text-logging") << "resolved through ruleIndex";
  EXPECT_EQ(logging.severity, Severity::kLow) << "result level note";
  EXPECT_EQ(logging.cwes, (std::vector<int>{312, 359}));
  EXPECT_EQ(logging.path, "app/my file.py");
  const Finding& secret = parsed->findings[2];
  EXPECT_EQ(secret.tool, "gitleaks");
  EXPECT_EQ(secret.severity, Severity::kCritical);
  EXPECT_EQ(secret.path, "config/settings.py");
  EXPECT_EQ(parsed->skipped_records, 2u) << "absolute path and no location; suppressed not counted";
}

TEST(SarifParserTest, ForeignAndTruncatedInputIsDataLoss) {
  for (const char* bad :
       {"", "{}", R"({"runs": {}})", R"({"version": "1.0.0", "runs": []})", "\xff\xfe\x00"}) {
    EXPECT_EQ(ParseSarif(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
  std::string full = ReadFileOrFail(FixturePath("features.sarif"));
  for (size_t length = 0; length + 2 < full.size(); length += 3) {
    EXPECT_FALSE(ParseSarif(full.substr(0, length), "").ok()) << length;
  }
  auto odd = ParseSarif(R"({"runs": [{"tool": {"driver": {"name": "x"}}, "results":
      [7, {"ruleId": 5}, {"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation":
      {"uri": "a.c"}, "region": {"startLine": -4, "snippet": {"text": 9}}}}]}]}]})",
                        "");
  ASSERT_TRUE(odd.ok());
  ASSERT_EQ(odd->findings.size(), 1u);
  EXPECT_EQ(odd->findings[0].line, 0);
  EXPECT_EQ(odd->skipped_records, 2u);
}

TEST(SemgrepJsonParserTest, DocumentedFormat) {
  auto parsed = ParseSemgrepJson(ReadFileOrFail(FixturePath("semgrep.json")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 3u);
  const Finding& sql = parsed->findings[0];
  EXPECT_EQ(sql.tool, "semgrep");
  EXPECT_EQ(sql.tool_version, "1.45.0");
  EXPECT_EQ(sql.title, "formatted-sql-query");
  EXPECT_EQ(sql.severity, Severity::kMedium);
  EXPECT_EQ(sql.cwes, std::vector<int>{89});
  EXPECT_EQ(sql.confidence, "low");
  EXPECT_EQ(sql.snippet, "") << "\"requires login\" is not source text";
  EXPECT_EQ(sql.line, 14);
  EXPECT_EQ(sql.column, 5);
  const Finding& pickle = parsed->findings[1];
  EXPECT_EQ(pickle.severity, Severity::kHigh);
  EXPECT_EQ(pickle.path, "app/db.py");
  EXPECT_EQ(pickle.cwes, std::vector<int>{502});
  EXPECT_EQ(pickle.snippet, "    return pickle.loads(blob)");
  EXPECT_EQ(parsed->findings[2].severity, Severity::kCritical);
  EXPECT_EQ(parsed->skipped_records, 2u) << "unknown severity, path outside the root";
  for (const char* bad : {"", "{}", R"({"results": 1})", "[", "\xc3\x28"}) {
    EXPECT_EQ(ParseSemgrepJson(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
}

}  // namespace
}  // namespace scanfleet
