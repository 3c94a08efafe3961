// cppcheck (XML v2) and shellcheck (json1) adapters on the real tools' output
// for tests/sample-repo, on hostile variants, on every truncation, and live.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "common/scanners/cppcheck_xml_parser.h"
#include "common/scanners/shellcheck_json1_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;
using testing::SampleRepoPath;

std::string RunInSampleRepo(const std::string& command, int* exit_code) {
  FILE* pipe = popen(("cd " + SampleRepoPath() + " && " + command).c_str(), "r");
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(CppcheckXmlParserTest, RealReportOfTheSampleRepo) {
  auto parsed = ParseCppcheckXmlV2(ReadFileOrFail(FixturePath("cppcheck.xml")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 3u);
  const Finding& gets = parsed->findings[0];
  EXPECT_EQ(gets.tool, "cppcheck");
  EXPECT_EQ(gets.tool_version, "2.10");
  EXPECT_EQ(gets.rule_id, "getsCalled");
  EXPECT_EQ(gets.severity, Severity::kMedium);
  EXPECT_EQ(gets.cwes, std::vector<int>{477});
  EXPECT_EQ(gets.path, "src/server.c");
  EXPECT_EQ(gets.line, 57);
  EXPECT_EQ(gets.column, 9);
  EXPECT_EQ(gets.confidence, "medium");
  EXPECT_NE(gets.message.find("buffer overrun"), std::string::npos);
  EXPECT_EQ(parsed->findings[2].path, "src/util.c");
  EXPECT_EQ(parsed->findings[2].cwes, std::vector<int>{119});
  EXPECT_EQ(parsed->skipped_records, 0u);
}

TEST(CppcheckXmlParserTest, SeveritiesRunMessagesAndBadRecords) {
  auto parsed = ParseCppcheckXmlV2(
      R"(<?xml version="1.0"?><results version="2"><cppcheck version="2.10"/><errors>
      <error id="nullPointer" severity="error" msg="Null" verbose="Null pointer" cwe="476"
             inconclusive="true"><location file="./a.c" line="3" column="1"/>
             <location file="b.c" line="9"/></error>
      <error id="missingIncludeSystem" severity="information" msg="no include"/>
      <error id="x" severity="nonsense" msg="?"><location file="a.c" line="1"/></error>
      <error id="" severity="style" msg="?"><location file="a.c" line="1"/></error>
      <error id="constVariable" severity="style" msg="c"><location file="a.c" line="4"/></error>
      </errors></results>)",
      "2.10");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 2u);
  EXPECT_EQ(parsed->findings[0].severity, Severity::kHigh);
  EXPECT_EQ(parsed->findings[0].confidence, "low");
  EXPECT_EQ(parsed->findings[0].path, "a.c") << "first location is the primary one";
  EXPECT_EQ(parsed->findings[1].severity, Severity::kLow);
  EXPECT_EQ(parsed->skipped_records, 2u) << "unknown severity and empty id";
}

TEST(CppcheckXmlParserTest, ForeignTruncatedAndGarbageInputIsDataLoss) {
  EXPECT_EQ(ParseCppcheckXmlV2("", "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseCppcheckXmlV2("<results version=\"1\"/>", "").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ParseCppcheckXmlV2("\x89PNG\r\n\x1a\n\xff", "").status().code(), StatusCode::kDataLoss);
  std::string full = ReadFileOrFail(FixturePath("cppcheck.xml"));
  for (size_t length = 0; length + 12 < full.size(); ++length) {
    EXPECT_FALSE(ParseCppcheckXmlV2(full.substr(0, length), "").ok()) << length;
  }
}

TEST(CppcheckXmlParserTest, LiveRunMatchesTheFixture) {
  if (std::system("cppcheck --version > /dev/null 2>&1") != 0) GTEST_SKIP();
  int code = 0;
  std::string out = RunInSampleRepo(
      "cppcheck --xml --xml-version=2 --quiet --enable=warning,style,performance,portability "
      "--output-file=/dev/stdout . 2>/dev/null",
      &code);
  EXPECT_EQ(code, 0);
  auto live = ParseCppcheckXmlV2(out, "");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  auto fixture = ParseCppcheckXmlV2(ReadFileOrFail(FixturePath("cppcheck.xml")), "");
  ASSERT_EQ(live->findings.size(), fixture->findings.size());
  for (size_t i = 0; i < live->findings.size(); ++i) {
    EXPECT_EQ(live->findings[i].fingerprint, fixture->findings[i].fingerprint) << i;
  }
}

TEST(ShellcheckJson1ParserTest, RealReportOfTheSampleScript) {
  auto parsed = ParseShellcheckJson1(ReadFileOrFail(FixturePath("shellcheck.json")), "0.9.0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 8u);
  const Finding& cd = parsed->findings[0];
  EXPECT_EQ(cd.tool, "shellcheck");
  EXPECT_EQ(cd.tool_version, "0.9.0");
  EXPECT_EQ(cd.rule_id, "SC2164");
  EXPECT_EQ(cd.severity, Severity::kMedium);
  EXPECT_EQ(cd.path, "scripts/deploy.sh");
  EXPECT_EQ(cd.line, 7);
  EXPECT_EQ(cd.column, 1);
  EXPECT_EQ(cd.end_line, 7);
  EXPECT_EQ(parsed->findings[2].severity, Severity::kLow);   // info
  EXPECT_EQ(parsed->findings[7].severity, Severity::kInfo);  // style
  // Two SC2086 hits... on line 18, plus an SC2029 there: all distinct findings.
  EXPECT_NE(parsed->findings[5].fingerprint, parsed->findings[6].fingerprint);
}

TEST(ShellcheckJson1ParserTest, BadRecordsAreSkippedAndCounted) {
  auto parsed = ParseShellcheckJson1(
      R"({"comments": [{"file": "a.sh", "line": 1, "level": "error", "code": 1000},
                       {"file": "a.sh", "line": "1", "level": "error", "code": 1},
                       {"file": 5, "line": 1, "level": "error", "code": 1},
                       {"file": "a.sh", "line": 2, "level": "fatal", "code": 1},
                       "not an object", {"unexpected": [1, 2, {"x": null}]}]})",
      "");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].severity, Severity::kHigh);
  EXPECT_EQ(parsed->skipped_records, 5u);
  for (const char* bad : {"", "[]", "{\"comments\": 3}", "{\"comments\": [", "\xff\xfe"}) {
    EXPECT_EQ(ParseShellcheckJson1(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
  std::string full = ReadFileOrFail(FixturePath("shellcheck.json"));
  for (size_t length = 0; length + 1 < full.size(); ++length) {
    EXPECT_FALSE(ParseShellcheckJson1(full.substr(0, length), "").ok()) << length;
  }
}

TEST(ShellcheckJson1ParserTest, LiveRunMatchesTheFixture) {
  if (std::system("shellcheck --version > /dev/null 2>&1") != 0) GTEST_SKIP();
  int code = 0;
  std::string out = RunInSampleRepo("shellcheck -f json1 -- ./scripts/deploy.sh", &code);
  EXPECT_EQ(code, 1) << "findings present";
  auto live = ParseShellcheckJson1(out, "");
  ASSERT_TRUE(live.ok());
  auto fixture = ParseShellcheckJson1(ReadFileOrFail(FixturePath("shellcheck.json")), "");
  ASSERT_EQ(live->findings.size(), fixture->findings.size());
}

}  // namespace
}  // namespace scanfleet
