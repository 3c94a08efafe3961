// nuclei JSON lines and ZAP JSON adapters on fixtures written from the tools'
// documented output formats (neither tool is packaged in Debian).
#include "common/scanners/nuclei_zap_parsers.h"

#include <gtest/gtest.h>

#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;

TEST(NucleiJsonlParserTest, DocumentedFormat) {
  auto parsed = ParseNucleiJsonl(ReadFileOrFail(FixturePath("nuclei.jsonl")), "v3.1.0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 4u);
  const Finding& sqli = parsed->findings[0];
  EXPECT_EQ(sqli.tool, "nuclei");
  EXPECT_EQ(sqli.tool_version, "v3.1.0");
  EXPECT_EQ(sqli.rule_id, "error-based-sql-injection");
  EXPECT_EQ(sqli.severity, Severity::kHigh);
  EXPECT_EQ(sqli.cwes, std::vector<int>{89});
  EXPECT_EQ(sqli.http_method, "GET");
  EXPECT_EQ(sqli.url, "http://127.0.0.1:8080/item?id=1'");
  EXPECT_EQ(sqli.evidence, "sqlite3.OperationalError");
  EXPECT_EQ(parsed->findings[1].rule_id, "http-missing-security-headers:content-security-policy");
  EXPECT_NE(parsed->findings[1].fingerprint, parsed->findings[2].fingerprint)
      << "two matchers of one template are two findings";
  EXPECT_EQ(parsed->findings[3].severity, Severity::kInfo) << "unknown severity";
  EXPECT_EQ(parsed->skipped_records, 2u);
  EXPECT_TRUE(ParseNucleiJsonl("", "")->findings.empty()) << "no result is a clean run";
  auto extra = ParseNucleiJsonl(
      "{\"template-id\": \"t\", \"matched-at\": \"http://h/a\", \"matcher-status\": false}\n"
      "{\"template-id\": \"t\", \"matched-at\": \"http://h/b?x=1\", \"fuzzing_parameter\": "
      "\"x\", \"info\": {\"severity\": \"low\", \"classification\": {\"cwe-id\": \"CWE-79\"}}}\n",
      "");
  ASSERT_TRUE(extra.ok());
  ASSERT_EQ(extra->findings.size(), 1u) << "a non-matching template is no finding";
  EXPECT_EQ(extra->findings[0].parameter, "x");
  EXPECT_EQ(extra->findings[0].cwes, std::vector<int>{79});
  EXPECT_EQ(ParseNucleiJsonl("garbage\n{\n", "").status().code(), StatusCode::kDataLoss);
}

TEST(ZapJsonParserTest, DocumentedFormat) {
  auto parsed = ParseZapJson(ReadFileOrFail(FixturePath("zap.json")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 4u) << "one finding per instance";
  const Finding& sqli = parsed->findings[1];
  EXPECT_EQ(sqli.tool, "zap");
  EXPECT_EQ(sqli.tool_version, "2.14.0");
  EXPECT_EQ(sqli.rule_id, "40018");
  EXPECT_EQ(sqli.title, "SQL Injection");
  EXPECT_EQ(sqli.severity, Severity::kHigh);
  EXPECT_EQ(sqli.confidence, "medium");
  EXPECT_EQ(sqli.cwes, std::vector<int>{89});
  EXPECT_EQ(sqli.http_method, "POST");
  EXPECT_EQ(sqli.parameter, "user");
  EXPECT_EQ(sqli.message, "SQL injection may be possible.");
  EXPECT_NE(sqli.evidence.find("' OR '1'='1"), std::string::npos);
  EXPECT_EQ(parsed->findings[2].cwes, std::vector<int>{79});
  EXPECT_EQ(parsed->findings[3].severity, Severity::kLow);
  EXPECT_EQ(parsed->skipped_records, 2u) << "a false positive and a broken alert";
  auto old = ParseZapJson(R"({"site": {"alerts": [{"pluginid": "10020", "alertRef": "10020-1",
      "riskcode": "2", "confidence": "3", "desc": "<p>First.</p><p>Second &lt;b&gt; &amp; more</p>",
      "instances": [{"uri": "http://h/"}]}, {"pluginid": "1", "riskcode": "1",
      "instances": []}]}})",
                          "");
  ASSERT_TRUE(old.ok()) << "a single-site report (object, not list) is accepted";
  ASSERT_EQ(old->findings.size(), 1u);
  EXPECT_EQ(old->findings[0].rule_id, "10020-1");
  EXPECT_EQ(old->findings[0].message, "First. Second <b> & more");
  EXPECT_EQ(old->skipped_records, 1u) << "an alert without instances is counted";
  for (const char* bad : {"", "{}", R"({"site": 1})", "[1,2", "\xfe"}) {
    EXPECT_EQ(ParseZapJson(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
  std::string full = ReadFileOrFail(FixturePath("zap.json"));
  for (size_t length = 0; length + 2 < full.size(); length += 5) {
    EXPECT_FALSE(ParseZapJson(full.substr(0, length), "").ok()) << length;
  }
}

}  // namespace
}  // namespace scanfleet
