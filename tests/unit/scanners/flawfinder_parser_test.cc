// Parses the recorded output of `flawfinder --csv .` on tests/sample-repo and
// checks it against what the raw CSV says.
#include "common/scanners/flawfinder_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;

constexpr size_t kFlawfinderFixtureFindings = 40;

std::string FlawfinderFixture() { return ReadFileOrFail(FixturePath("flawfinder.csv")); }

ParseResult ParseFlawfinderOk(std::string_view output, std::string_view version = "0.0-arg") {
  StatusOr<ParseResult> result = ParseFlawfinderCsv(output, version);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : ParseResult{};
}

std::vector<const Finding*> FlawfinderFindAt(const ParseResult& result, std::string_view path, int line) {
  std::vector<const Finding*> out;
  for (const Finding& f : result.findings) {
    if (f.path == path && f.line == line) out.push_back(&f);
  }
  return out;
}

TEST(FlawfinderParserTest, FixtureCountAndSeverities) {
  ParseResult result = ParseFlawfinderOk(FlawfinderFixture());
  EXPECT_EQ(result.findings.size(), kFlawfinderFixtureFindings);
  EXPECT_EQ(result.skipped_records, 0u);
  std::map<Severity, int> by_severity;
  for (const Finding& f : result.findings) ++by_severity[f.severity];
  // Levels in the raw CSV: one 5, nineteen 4s, three 3s, seventeen 2s.
  EXPECT_EQ(by_severity[Severity::kCritical], 1);
  EXPECT_EQ(by_severity[Severity::kHigh], 19);
  EXPECT_EQ(by_severity[Severity::kMedium], 3);
  EXPECT_EQ(by_severity[Severity::kLow], 17);
  for (const Finding& f : result.findings) {
    EXPECT_EQ(f.tool, "flawfinder");
    EXPECT_EQ(f.tool_version, "2.0.19");  // from the ToolVersion column, not the argument
    EXPECT_FALSE(f.path.starts_with("./")) << f.path;
    EXPECT_TRUE(f.confidence.empty());
    EXPECT_EQ(f.fingerprint.size(), 32u);
  }
}

TEST(FlawfinderParserTest, GetsIsCritical) {
  ParseResult result = ParseFlawfinderOk(FlawfinderFixture());
  ASSERT_FALSE(result.findings.empty());
  const Finding& f = result.findings.front();  // flawfinder sorts by level, highest first
  EXPECT_EQ(f.path, "src/server.c");
  EXPECT_EQ(f.line, 57);
  EXPECT_EQ(f.column, 9);
  EXPECT_EQ(f.rule_id, "FF1014");
  EXPECT_EQ(f.title, "gets");
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.cwes, (std::vector<int>{120, 20}));
  EXPECT_EQ(f.message,
            "Does not check for buffer overflows (CWE-120, CWE-20). Use fgets() instead.");
  EXPECT_EQ(f.snippet, "    if (gets(request) == NULL) break;");
  EXPECT_EQ(f.end_line, 0);
}

TEST(FlawfinderParserTest, SpotChecks) {
  ParseResult result = ParseFlawfinderOk(FlawfinderFixture());

  auto access = FlawfinderFindAt(result, "src/server.c", 51);
  ASSERT_EQ(access.size(), 1u);
  EXPECT_EQ(access[0]->rule_id, "FF1030");
  EXPECT_EQ(access[0]->severity, Severity::kHigh);
  EXPECT_EQ(access[0]->cwes, (std::vector<int>{362, 367}));  // "CWE-362/CWE-367!"

  auto tmpnam = FlawfinderFindAt(result, "src/util.c", 25);
  ASSERT_EQ(tmpnam.size(), 1u);
  EXPECT_EQ(tmpnam[0]->rule_id, "FF1037");
  EXPECT_EQ(tmpnam[0]->severity, Severity::kMedium);
  EXPECT_EQ(tmpnam[0]->cwes, (std::vector<int>{377}));
  EXPECT_EQ(tmpnam[0]->message, "Temporary file race condition (CWE-377).");  // no Suggestion

  auto array = FlawfinderFindAt(result, "src/util.h", 11);
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0]->rule_id, "FF1013");
  EXPECT_EQ(array[0]->severity, Severity::kLow);
  EXPECT_EQ(array[0]->cwes, (std::vector<int>{119, 120}));  // "CWE-119!/CWE-120"

  // DefaultLevel 4 but Level 2 (constant source string): Level wins.
  auto greeting = FlawfinderFindAt(result, "src/server.c", 26);
  ASSERT_EQ(greeting.size(), 1u);
  EXPECT_EQ(greeting[0]->rule_id, "FF1001");
  EXPECT_EQ(greeting[0]->severity, Severity::kLow);
}

TEST(FlawfinderParserTest, TwoHitsOfOneRuleOnOneLineStayDistinct) {
  ParseResult result = ParseFlawfinderOk(FlawfinderFixture());
  auto hits = FlawfinderFindAt(result, "src/util.c", 10);  // strcpy(...); strcpy(...);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0]->rule_id, "FF1001");
  EXPECT_EQ(hits[1]->rule_id, "FF1001");
  EXPECT_EQ(hits[0]->column, 3);
  EXPECT_EQ(hits[1]->column, 28);
  EXPECT_EQ(hits[0]->snippet, hits[1]->snippet);
  EXPECT_NE(hits[0]->fingerprint, hits[1]->fingerprint);
}

TEST(FlawfinderParserTest, RepeatedLineContentStaysDistinct) {
  ParseResult result = ParseFlawfinderOk(FlawfinderFixture());
  auto first = FlawfinderFindAt(result, "src/server.c", 49);
  auto second = FlawfinderFindAt(result, "src/server.c", 64);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0]->snippet, "  strcpy(workdir, home);");
  EXPECT_EQ(first[0]->snippet, second[0]->snippet);
  EXPECT_NE(first[0]->fingerprint, second[0]->fingerprint);
}

TEST(FlawfinderParserTest, AllFingerprintsUnique) {
  ParseResult result = ParseFlawfinderOk(FlawfinderFixture());
  std::vector<std::string> prints;
  for (const Finding& f : result.findings) prints.push_back(f.fingerprint);
  std::sort(prints.begin(), prints.end());
  EXPECT_EQ(std::adjacent_find(prints.begin(), prints.end()), prints.end());
}

TEST(FlawfinderParserTest, FingerprintIgnoresLineNumber) {
  const std::string original = FlawfinderFixture();
  // The gets() hit moves from line 57 to 99, as if lines were added above it.
  std::string moved = original;
  const std::string from = "./src/server.c,57,9,";
  const size_t at = moved.find(from);
  ASSERT_NE(at, std::string::npos);
  moved.replace(at, from.size(), "./src/server.c,99,9,");

  ParseResult before = ParseFlawfinderOk(original);
  ParseResult after = ParseFlawfinderOk(moved);
  ASSERT_EQ(before.findings.size(), after.findings.size());
  EXPECT_EQ(after.findings[0].line, 99);
  for (size_t i = 0; i < before.findings.size(); ++i) {
    EXPECT_EQ(before.findings[i].fingerprint, after.findings[i].fingerprint) << i;
  }
}

TEST(FlawfinderParserTest, HeaderOnlyMeansNoFindings) {
  const std::string fixture = FlawfinderFixture();
  ParseResult result = ParseFlawfinderOk(fixture.substr(0, fixture.find('\n') + 1));
  EXPECT_TRUE(result.findings.empty());
  EXPECT_EQ(result.skipped_records, 0u);
}

TEST(FlawfinderParserTest, ArgumentVersionUsedWithoutToolVersionColumn) {
  ParseResult result = ParseFlawfinderOk(
      "File,Line,Level,Name,Warning,RuleId\n"
      "./a.c,3,4,strcpy,Does not check.,FF1001\n",
      "2.0.10");
  ASSERT_EQ(result.findings.size(), 1u);
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.tool_version, "2.0.10");
  EXPECT_EQ(f.path, "a.c");
  EXPECT_EQ(f.column, 0);
  EXPECT_EQ(f.message, "Does not check.");
  EXPECT_TRUE(f.cwes.empty());
  EXPECT_TRUE(f.snippet.empty());
}

}  // namespace
}  // namespace scanfleet
