// Scanner output is untrusted: every malformed input must give a clear Status
// or counted skipped records, never a crash, a hang or an exception.
#include <gtest/gtest.h>

#include <string>

#include "common/scanners/bandit_parser.h"
#include "common/scanners/flawfinder_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;

constexpr std::string_view kFlawfinderHeader =
    "File,Line,Column,DefaultLevel,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,"
    "Fingerprint,ToolVersion,RuleId,HelpUri\r\n";

// One well-formed flawfinder row with the given line field and context.
std::string FlawfinderRow(std::string_view line, std::string_view context) {
  return "./a.c," + std::string(line) + ",3,4,4,buffer,strcpy,Does not check.,Use x.,,CWE-120,\"" +
         std::string(context) + "\",ffff,2.0.19,FF1001,https://x\r\n";
}

// Deterministic noise covering every byte value.
std::string Garbage(size_t size, uint32_t seed) {
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    seed = seed * 1664525u + 1013904223u;
    out.push_back(static_cast<char>(seed >> 24));
  }
  return out;
}

// --- flawfinder ---

TEST(FlawfinderRobustnessTest, EmptyOutputIsDataLoss) {
  StatusOr<ParseResult> result = ParseFlawfinderCsv("", "2.0.19");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
}

TEST(FlawfinderRobustnessTest, NotCsvIsDataLossNamingMissingColumns) {
  StatusOr<ParseResult> result = ParseFlawfinderCsv("Error: encoding error in ./a.c\n", "2.0.19");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("RuleId"), std::string::npos);
  EXPECT_NE(result.status().message().find("Error: encoding error"), std::string::npos);
}

TEST(FlawfinderRobustnessTest, GarbageBytesNeverCrash) {
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    StatusOr<ParseResult> result = ParseFlawfinderCsv(Garbage(4096, seed), "");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  }
  // Garbage after a valid header: rows are skipped or the quote is unterminated.
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    StatusOr<ParseResult> result =
        ParseFlawfinderCsv(std::string(kFlawfinderHeader) + Garbage(4096, seed), "");
    if (result.ok()) {
      EXPECT_TRUE(result->findings.empty());
    } else {
      EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
    }
  }
}

TEST(FlawfinderRobustnessTest, TruncatedOutputAtEveryCut) {
  const std::string fixture = ReadFileOrFail(FixturePath("flawfinder.csv"));
  for (size_t cut = 0; cut < fixture.size(); cut += 31) {
    StatusOr<ParseResult> result = ParseFlawfinderCsv(fixture.substr(0, cut), "");
    if (result.ok()) {
      EXPECT_LE(result->findings.size(), 40u) << cut;
    }
  }
}

TEST(FlawfinderRobustnessTest, CutInsideQuotedFieldIsDataLoss) {
  const std::string output = std::string(kFlawfinderHeader) + FlawfinderRow("1", "x(y);");
  const std::string cut = output.substr(0, output.find("x(y)"));
  StatusOr<ParseResult> result = ParseFlawfinderCsv(cut, "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("flawfinder"), std::string::npos);
}

TEST(FlawfinderRobustnessTest, CutMidRowSkipsThatRow) {
  const std::string output =
      std::string(kFlawfinderHeader) + FlawfinderRow("1", "a();") + FlawfinderRow("2", "b();");
  StatusOr<ParseResult> result = ParseFlawfinderCsv(output.substr(0, output.size() - 20), "");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->skipped_records, 1u);
}

TEST(FlawfinderRobustnessTest, MalformedRowsAreSkippedAndCounted) {
  const std::string output = std::string(kFlawfinderHeader) + FlawfinderRow("12", "ok();") +
                             FlawfinderRow("twelve", "x();") + FlawfinderRow("-1", "x();") +
                             FlawfinderRow("", "x();") + FlawfinderRow("99999999999", "x();") +
                             "./a.c,1,2\r\n" + FlawfinderRow("5", "ok2();") +
                             // Level 9 is outside flawfinder's 0..5.
                             "./a.c,1,3,4,9,buffer,strcpy,W,S,,CWE-1,\"c\",f,2,FF1001,u\r\n";
  StatusOr<ParseResult> result = ParseFlawfinderCsv(output, "");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->findings.size(), 2u);
  EXPECT_EQ(result->skipped_records, 6u);
}

TEST(FlawfinderRobustnessTest, NonUtf8BytesArePreserved) {
  const std::string output =
      std::string(kFlawfinderHeader) + FlawfinderRow("7", "strcpy(b, \xff\xfe\xc3\x28);");
  StatusOr<ParseResult> result = ParseFlawfinderCsv(output, "");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].snippet, "strcpy(b, \xff\xfe\xc3\x28);");
}

TEST(FlawfinderRobustnessTest, ExtraAndReorderedColumnsAreFine) {
  const std::string output =
      "Future,RuleId,Level,Line,File,Name,Warning,Context\n"
      "zzz,FF1001,4,7,./b.c,strcpy,W,\"strcpy(a, b);\"\n";
  StatusOr<ParseResult> result = ParseFlawfinderCsv(output, "2.1");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].path, "b.c");
  EXPECT_EQ(result->findings[0].line, 7);
  EXPECT_EQ(result->findings[0].rule_id, "FF1001");
}

TEST(FlawfinderRobustnessTest, RowWithExtraFieldIsSkipped) {
  std::string row = FlawfinderRow("3", "x();");
  row.insert(row.size() - 2, ",surprise");
  StatusOr<ParseResult> result = ParseFlawfinderCsv(std::string(kFlawfinderHeader) + row, "");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->findings.empty());
  EXPECT_EQ(result->skipped_records, 1u);
}

TEST(FlawfinderRobustnessTest, HugeLineIsParsed) {
  const std::string context(4 << 20, 'a');
  StatusOr<ParseResult> result =
      ParseFlawfinderCsv(std::string(kFlawfinderHeader) + FlawfinderRow("1", context), "");
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].snippet.size(), context.size());
}

TEST(FlawfinderRobustnessTest, OversizedOutputIsRefused) {
  const std::string output = std::string(kFlawfinderHeader) + std::string(64 << 20, 'a');
  StatusOr<ParseResult> result = ParseFlawfinderCsv(output, "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
}

// --- bandit ---

TEST(BanditRobustnessTest, EmptyOutputIsDataLoss) {
  StatusOr<ParseResult> result = ParseBanditJson("", "1.6.2");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
}

TEST(BanditRobustnessTest, WrongShapesAreDataLoss) {
  for (std::string_view doc : {"[]", "null", "42", "{}", R"({"results": {}})",
                               R"({"results": "none"})", "{\"results\": [", "Traceback"}) {
    StatusOr<ParseResult> result = ParseBanditJson(doc, "");
    ASSERT_FALSE(result.ok()) << doc;
    EXPECT_EQ(result.status().code(), StatusCode::kDataLoss) << doc;
  }
}

TEST(BanditRobustnessTest, GarbageBytesNeverCrash) {
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    StatusOr<ParseResult> result = ParseBanditJson(Garbage(4096, seed), "");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  }
}

TEST(BanditRobustnessTest, TruncatedOutputAtEveryCutIsDataLoss) {
  const std::string fixture = ReadFileOrFail(FixturePath("bandit.json"));
  for (size_t cut = 0; cut < fixture.size(); cut += 37) {
    StatusOr<ParseResult> result = ParseBanditJson(fixture.substr(0, cut), "");
    ASSERT_FALSE(result.ok()) << cut;
    EXPECT_EQ(result.status().code(), StatusCode::kDataLoss) << cut;
  }
}

TEST(BanditRobustnessTest, DeepNestingNeitherCrashesNorRecursesAway) {
  const std::string deep = std::string(1 << 17, '[') + std::string(1 << 17, ']');
  EXPECT_EQ(ParseBanditJson(deep, "").status().code(), StatusCode::kDataLoss);
  const std::string inside = R"({"results": [)" + deep + "]}";
  StatusOr<ParseResult> result = ParseBanditJson(inside, "");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->skipped_records, 1u);
}

TEST(BanditRobustnessTest, InvalidUtf8IsDataLoss) {
  // Real bandit escapes non-ASCII (\u00e9); raw invalid bytes mean corruption.
  StatusOr<ParseResult> result = ParseBanditJson("{\"results\": [], \"x\": \"\xff\xfe\"}", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
}

TEST(BanditRobustnessTest, MalformedEntriesAreSkippedAndCounted) {
  const std::string good =
      R"({"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
          "issue_text": "caf\u00e9", "line_number": 3, "test_id": "B101", "test_name": "t",
          "surprise": {"nested": [1, 2]}})";
  const std::string output = R"({"results": [)" + good + R"(,
      42, "str", null, [],
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
       "issue_text": "t", "line_number": "3", "test_id": "B101", "test_name": "t"},
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "BOGUS",
       "issue_text": "t", "line_number": 3, "test_id": "B101", "test_name": "t"},
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
       "issue_text": "t", "line_number": -3, "test_id": "B101", "test_name": "t"},
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
       "issue_text": "t", "line_number": 1e3, "test_id": "B101", "test_name": "t"},
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
       "issue_text": "t", "line_number": 3, "test_name": "t"},
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
       "issue_text": "t", "line_number": 3, "test_id": "B101", "test_name": "t",
       "line_range": [3, "4"]},
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
       "issue_text": "t", "line_number": 3, "test_id": "B101", "test_name": "t",
       "col_offset": 99999999999},
      {"filename": "./a.py", "issue_confidence": "LOW", "issue_severity": "LOW",
       "issue_text": "t", "line_number": 3, "test_id": "B101", "test_name": "t", "code": 7},
      )" + good + "]}";
  StatusOr<ParseResult> result = ParseBanditJson(output, "");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->findings.size(), 2u);
  EXPECT_EQ(result->skipped_records, 12u);
  EXPECT_EQ(result->findings[0].message, "caf\xc3\xa9");
  EXPECT_NE(result->findings[0].fingerprint, result->findings[1].fingerprint);
}

TEST(BanditRobustnessTest, OddCodeBlocksDoNotBreakSnippets) {
  const std::string output = R"({"results": [
      {"filename": "a.py", "issue_confidence": "LOW", "issue_severity": "LOW", "issue_text": "t",
       "line_number": 2, "test_id": "B1", "test_name": "t", "code": "no numbers here\n\n"},
      {"filename": "a.py", "issue_confidence": "LOW", "issue_severity": "LOW", "issue_text": "t",
       "line_number": 2, "test_id": "B1", "test_name": "t",
       "code": "99999999999999999999 x\n2 hit\ncontinued\n3 after"}]})";
  StatusOr<ParseResult> result = ParseBanditJson(output, "");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->findings.size(), 2u);
  EXPECT_EQ(result->findings[0].snippet, "no numbers here\n");
  EXPECT_EQ(result->findings[1].snippet, "hit\ncontinued");
}

TEST(BanditRobustnessTest, OversizedOutputIsRefused) {
  StatusOr<ParseResult> result = ParseBanditJson(std::string((64 << 20) + 1, ' '), "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace scanfleet
