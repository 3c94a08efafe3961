#include <gtest/gtest.h>

#include "controller/report/formats.h"
#include "tests/unit/report/report_fixture.h"

namespace scanfleet::report {
namespace {

// A minimal RFC 4180 reader, enough to check what we write parses back.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(CsvReportTest, RoundTripsTrickyTextAndNeutralizesFormulas) {
  ScanReport report = FixedReport();
  auto rows = ParseCsv(RenderCsv(report));
  ASSERT_EQ(rows.size(), 4u);
  ASSERT_EQ(rows[0].size(), 22u);  // the last two: status, suppression (baseline diff)
  EXPECT_EQ(rows[0][0], "scan_id");
  EXPECT_EQ(rows[0][16], "message");
  EXPECT_EQ(rows[0][20], "status");
  EXPECT_EQ(rows[0][21], "suppression");
  for (const auto& row : rows) EXPECT_EQ(row.size(), 22u);
  EXPECT_EQ(rows[1][2], "flawfinder");
  EXPECT_EQ(rows[1][8], "120;20");
  EXPECT_EQ(rows[1][9], "src/a b/main.c");
  EXPECT_EQ(rows[1][16], "Message, with \"quotes\"\nand a second line");
  EXPECT_EQ(rows[1][17], "  strcpy(dst, src);");
  // Formula prefixes = + - @ are defused with a leading apostrophe.
  EXPECT_EQ(rows[2][5], "'+title");
  EXPECT_EQ(rows[2][16], "'=HYPERLINK(\"http://evil\")");
  EXPECT_EQ(rows[2][17], "'=cmd|' /C calc'!A0");
  EXPECT_EQ(rows[3][16], "'-shell, @risk: «quoted» ✓");
  EXPECT_EQ(rows[3][9], "app/ünïcode.py");
  EXPECT_EQ(rows[3][1], "false");
}

TEST(CsvReportTest, PartialScanIsMarkedOnEveryRow) {
  ScanReport report = FixedReport();
  report.runs[0].state = v1::JOB_FAILED;
  auto rows = ParseCsv(RenderCsv(report));
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][1], "true");
}

TEST(CsvReportTest, InvalidUtf8BecomesReplacementCharacters) {
  ScanReport report = FixedReport();
  report.findings[0].message = "bad \xFF byte, overlong \xC0\xAF, cut \xE2\x82";
  auto rows = ParseCsv(RenderCsv(report));
  EXPECT_EQ(rows[1][16], "bad \uFFFD byte, overlong \uFFFD\uFFFD, cut \uFFFD\uFFFD");
  EXPECT_EQ(rows[3][9], "app/ünïcode.py");
}

TEST(CsvReportTest, EmptyScanIsJustTheHeader) {
  ScanReport report;
  report.state = v1::SCAN_SUCCEEDED;
  EXPECT_EQ(ParseCsv(RenderCsv(report)).size(), 1u);
}

}  // namespace
}  // namespace scanfleet::report
