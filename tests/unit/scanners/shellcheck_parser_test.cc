// shellcheck json1 adapter on a real multi-file report with every level, a
// parse error, a tab-indented hit and two hits on one line
// (tests/fixtures/scanners/shellcheck_multi.json), and on hostile input:
// truncation at every byte, garbage, non-UTF-8, unexpected types, deep
// nesting and a very large report.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/scanners/shellcheck_json1_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;

std::string Comments(const std::string& records) { return "{\"comments\":[" + records + "]}"; }

TEST(ShellcheckParserTest, MultiFileFixtureFieldByField) {
  auto parsed = ParseShellcheckJson1(ReadFileOrFail(FixturePath("shellcheck_multi.json")), "0.9.0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 10u);
  EXPECT_EQ(parsed->skipped_records, 0u);
  for (const Finding& f : parsed->findings) {
    EXPECT_EQ(f.tool, "shellcheck");
    EXPECT_EQ(f.tool_version, "0.9.0") << "json1 carries no version";
    EXPECT_EQ(f.confidence, "high");
    EXPECT_TRUE(f.cwes.empty());
    EXPECT_EQ(f.snippet, "");
    EXPECT_FALSE(f.fingerprint.empty());
  }
  // Files come in reverse argv order (clean.sh errors.sh no_shebang.sh broken.sh).
  const Finding& parse_error = parsed->findings[0];
  EXPECT_EQ(parse_error.rule_id, "SC1046");
  EXPECT_EQ(parse_error.severity, Severity::kHigh);
  EXPECT_EQ(parse_error.path, "broken.sh");
  EXPECT_EQ(parse_error.line, 3);
  EXPECT_EQ(parse_error.column, 1);
  EXPECT_EQ(parse_error.end_line, 3);
  EXPECT_EQ(parse_error.message, "Couldn't find 'fi' for this 'if'.");
  EXPECT_EQ(parse_error.title, parse_error.message);
  EXPECT_EQ(parsed->findings[1].rule_id, "SC1073") << "second rule on the same line";

  const Finding& no_shebang = parsed->findings[4];
  EXPECT_EQ(no_shebang.rule_id, "SC2148");
  EXPECT_EQ(no_shebang.path, "no_shebang.sh");
  EXPECT_EQ(no_shebang.severity, Severity::kHigh);

  const Finding& unquoted_array = parsed->findings[5];
  EXPECT_EQ(unquoted_array.rule_id, "SC2068");
  EXPECT_EQ(unquoted_array.path, "errors.sh");
  EXPECT_EQ(unquoted_array.line, 5);
  EXPECT_EQ(unquoted_array.column, 9) << "json1 counts the leading tab as one column";

  EXPECT_EQ(parsed->findings[6].rule_id, "SC2004");
  EXPECT_EQ(parsed->findings[6].severity, Severity::kInfo);  // style

  const Finding& first_unquoted = parsed->findings[7];
  const Finding& second_unquoted = parsed->findings[8];
  EXPECT_EQ(first_unquoted.rule_id, "SC2086");
  EXPECT_EQ(first_unquoted.severity, Severity::kLow);  // info
  EXPECT_EQ(first_unquoted.line, 10);
  EXPECT_EQ(second_unquoted.line, 10);
  EXPECT_EQ(first_unquoted.column, 6);
  EXPECT_EQ(second_unquoted.column, 12);
  EXPECT_NE(first_unquoted.fingerprint, second_unquoted.fingerprint);

  const Finding& cd = parsed->findings[9];
  EXPECT_EQ(cd.rule_id, "SC2164");
  EXPECT_EQ(cd.severity, Severity::kMedium);  // warning
  EXPECT_EQ(cd.line, 11);

  std::set<std::string> fingerprints;
  for (const Finding& f : parsed->findings) fingerprints.insert(f.fingerprint);
  EXPECT_EQ(fingerprints.size(), parsed->findings.size());
}

TEST(ShellcheckParserTest, CleanRunHasNoFindings) {
  auto parsed = ParseShellcheckJson1("{\"comments\":[]}\n", "0.9.0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->findings.empty());
  EXPECT_EQ(parsed->skipped_records, 0u);
}

TEST(ShellcheckParserTest, UnexpectedTypesAreSkippedAndCounted) {
  const std::string kGood = R"({"file":"./a.sh","line":2,"level":"info","code":2086})";
  auto parsed = ParseShellcheckJson1(
      Comments(kGood + "," + R"({"file":"a.sh","line":2.0,"level":"info","code":2086},)" +
               R"({"file":"a.sh","line":"2","level":"info","code":2086},)" +
               R"({"file":"a.sh","line":0,"level":"info","code":2086},)" +
               R"({"file":"a.sh","line":10000000000,"level":"info","code":2086},)" +
               R"({"file":"a.sh","line":-3,"level":"info","code":2086},)" +
               R"({"file":"","line":2,"level":"info","code":2086},)" +
               R"({"file":["a.sh"],"line":2,"level":"info","code":2086},)" +
               R"({"file":"a.sh","line":2,"level":3,"code":2086},)" +
               R"({"file":"a.sh","line":2,"level":"fatal","code":2086},)" +
               R"({"file":"a.sh","line":2,"level":"info","code":"SC2086"},)" +
               R"({"file":"a.sh","line":2,"level":"info","code":-1},)" +
               R"({"file":"a.sh","line":2,"level":"info"},)" + R"(null, 7, "text", [1, 2],)" +
               // Readable but odd optional fields: kept, with defaults.
               R"({"file":"b.sh","line":4,"level":"error","code":1000,"message":{"x":1},)" +
               R"("column":-5,"endLine":99999999999,"fix":"unexpected","extra":[null]})"),
      "0.9.0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->skipped_records, 16u);
  ASSERT_EQ(parsed->findings.size(), 2u);
  EXPECT_EQ(parsed->findings[0].path, "a.sh");
  EXPECT_EQ(parsed->findings[0].column, 0) << "absent column is unknown";
  const Finding& odd = parsed->findings[1];
  EXPECT_EQ(odd.rule_id, "SC1000");
  EXPECT_EQ(odd.message, "");
  EXPECT_EQ(odd.column, 0);
  EXPECT_EQ(odd.end_line, 0);
}

TEST(ShellcheckParserTest, EmptyForeignAndOtherFormatsAreDataLoss) {
  for (const std::string& bad : {
           std::string(""),
           std::string("\n"),
           std::string("[]"),  // `-f json` prints a bare array; we expect json1
           std::string(R"([{"file":"a.sh","line":1,"level":"error","code":1}])"),
           std::string(R"({"comments":3})"),
           std::string(R"({"other":[]})"),
           std::string("a.sh:1:1: error: Tips depend on target shell [SC2148]\n"),
           std::string("/nope.sh: openBinaryFile: does not exist (No such file or directory)\n"),
           std::string("null"),
           std::string("{\"comments\":[]} trailing"),
       }) {
    auto parsed = ParseShellcheckJson1(bad, "");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss) << bad;
  }
}

TEST(ShellcheckParserTest, EveryTruncationOfTheRealReportIsDataLoss) {
  const std::string full = ReadFileOrFail(FixturePath("shellcheck_multi.json"));
  ASSERT_EQ(full.back(), '\n');
  for (size_t length = 0; length + 1 < full.size(); ++length) {
    auto parsed = ParseShellcheckJson1(full.substr(0, length), "");
    ASSERT_FALSE(parsed.ok()) << "prefix of " << length << " bytes";
    EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss);
  }
  EXPECT_TRUE(ParseShellcheckJson1(full.substr(0, full.size() - 1), "").ok());
}

TEST(ShellcheckParserTest, GarbageNeverCrashes) {
  uint32_t seed = 11;
  for (int round = 0; round < 200; ++round) {
    std::string noise;
    for (int i = 0; i < 512; ++i) {
      seed = seed * 1664525u + 1013904223u;
      noise.push_back(static_cast<char>(seed >> 24));
    }
    auto parsed = ParseShellcheckJson1(noise, "");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss);
    EXPECT_FALSE(ParseShellcheckJson1("{\"comments\":[" + noise, "").ok());
  }
}

TEST(ShellcheckParserTest, NonUtf8FileNamesDoNotLoseTheReport) {
  // Real shellcheck 0.9.0 on a file named "caf\xe9.sh" prints the stray byte as
  // the UTF-8 form of the lone surrogate U+DCE9: ED B3 A9, which is not UTF-8.
  const std::string report =
      Comments(R"({"file":"caf)"
               "\xed\xb3\xa9"
               R"(.sh","line":2,"level":"info","code":2086,"message":"m"},)"
               R"({"file":"ok.sh","line":3,"level":"warning","code":2164,"message":"raw )"
               "\xff"
               R"("})");
  auto parsed = ParseShellcheckJson1(report, "0.9.0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 2u);
  EXPECT_EQ(parsed->findings[0].path, "caf\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.sh");
  EXPECT_EQ(parsed->findings[1].path, "ok.sh");
  EXPECT_EQ(parsed->findings[1].message, "raw \xEF\xBF\xBD");
  // Well-formed multi-byte text is untouched, and a long title is cut between characters.
  std::string long_message;
  for (int i = 0; i < 100; ++i) long_message += "\xC3\xA9";  // 'é' x100 = 200 bytes
  auto accented = ParseShellcheckJson1(
      Comments(R"({"file":"r\u00e9.sh","line":1,"level":"style","code":1,"message":")" +
               long_message + "\"}"),
      "");
  ASSERT_TRUE(accented.ok()) << accented.status().ToString();
  ASSERT_EQ(accented->findings.size(), 1u);
  EXPECT_EQ(accented->findings[0].path, "r\xC3\xA9.sh");
  EXPECT_EQ(accented->findings[0].message, long_message);
  EXPECT_EQ(accented->findings[0].title, long_message.substr(0, 120));
  // A 3-byte character across the 120-byte limit is dropped whole, not split.
  auto cut = ParseShellcheckJson1(
      Comments(R"({"file":"a.sh","line":1,"level":"style","code":1,"message":")" +
               std::string(119, 'x') + "\xE2\x82\xAC tail\"}"),
      "");
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->findings[0].title, std::string(119, 'x'));
}

TEST(ShellcheckParserTest, DeepNestingAndVeryLargeReportsAreHandled) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto nested = ParseShellcheckJson1(
      Comments(R"({"file":"a.sh","line":1,"level":"info","code":1,"fix":)" + deep + "}"), "");
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  EXPECT_EQ(nested->findings.size(), 1u);

  constexpr int kComments = 100000;
  std::string records;
  records.reserve(kComments * 90);
  for (int i = 0; i < kComments; ++i) {
    if (i > 0) records += ",";
    records += R"({"file":"big.sh","line":)" + std::to_string(i + 1) +
               R"(,"column":1,"level":"info","code":2086,"message":"m","fix":null})";
  }
  auto parsed = ParseShellcheckJson1(Comments(records), "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), static_cast<size_t>(kComments));
  EXPECT_EQ(parsed->findings.back().line, kComments);
}

}  // namespace
}  // namespace scanfleet
