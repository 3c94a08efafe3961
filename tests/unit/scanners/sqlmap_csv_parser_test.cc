// sqlmap results-file adapter on sqlmap 1.7.2's real results for the
// vulnerable test app, on a clean run, and on malformed input.
#include "worker/scanners/sqlmap_csv_parser.h"

#include <gtest/gtest.h>

#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;

TEST(SqlmapCsvParserTest, RealResultsOfTheTestApp) {
  auto parsed = ParseSqlmapCsv(ReadFileOrFail(FixturePath("sqlmap.csv")), "1.7.2#stable");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  const Finding& f = parsed->findings[0];
  EXPECT_EQ(f.tool, "sqlmap");
  EXPECT_EQ(f.tool_version, "1.7.2#stable");
  EXPECT_EQ(f.rule_id, "sql-injection");
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.cwes, std::vector<int>{89});
  EXPECT_EQ(f.http_method, "GET");
  EXPECT_EQ(f.parameter, "id");
  EXPECT_EQ(f.url, "http://127.0.0.1:40011/item?id=1");
  EXPECT_NE(f.evidence.find("boolean-based blind, UNION query"), std::string::npos);
}

TEST(SqlmapCsvParserTest, HeaderOnlyMeansNothingInjectable) {
  auto parsed = ParseSqlmapCsv("Target URL,Place,Parameter,Technique(s),Note(s)\r\n", "");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->findings.empty());
  EXPECT_EQ(parsed->skipped_records, 0u);
}

TEST(SqlmapCsvParserTest, MalformedRowsAndForeignInput) {
  auto parsed = ParseSqlmapCsv(
      "Target URL,Place,Parameter,Technique(s),Note(s)\n"
      "http://h/login,POST,user,T,\"note, with comma\"\n"
      "not a url,GET,id,B,\n"
      "http://h/a,GET,,B,\n"
      "http://h/a,GET,id,XYZ,\n"
      "http://h/a\n",
      "");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].http_method, "POST");
  EXPECT_NE(parsed->findings[0].evidence.find("note, with comma"), std::string::npos);
  EXPECT_EQ(parsed->skipped_records, 4u);
  for (const char* bad : {"", "a,b,c\n", "\"unterminated", "\xff\xfe"}) {
    EXPECT_EQ(ParseSqlmapCsv(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
}

}  // namespace
}  // namespace scanfleet
