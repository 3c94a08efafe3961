// The SARIF 2.1.0 importer on real SARIF of two real tools (flawfinder 2.0.19
// --sarif and clang 14's analyzer, both on tests/sample-repo) and on a log
// written from the SARIF spec (features.sarif: rule indexes into extensions,
// message strings with arguments, base ids, suppressions, kinds, baseline
// states, multiple runs); the semgrep JSON adapter on a report written from
// semgrep's documented output format. Plus robustness (truncation, garbage,
// non-UTF-8, odd types, size) and live runs of flawfinder and clang.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "common/scanners/sarif_parser.h"
#include "common/scanners/semgrep_json_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;
using testing::SampleRepoPath;

// One SARIF run of tool "t" with the given results and extra run members.
std::string OneRun(const std::string& results, const std::string& more = "") {
  return R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": [{"id": "r"}]}},)" +
         more + R"( "results": [)" + results + "]}]}";
}
constexpr char kResultAt[] =
    R"({"ruleId": "r", "message": {"text": "m"}, "locations": [{"physicalLocation":
      {"artifactLocation": {"uri": "a.c"}, "region": {"startLine": 3}}}]})";

TEST(SarifParserTest, FlawfinderSarifOfTheSampleRepo) {
  auto parsed = ParseSarif(ReadFileOrFail(FixturePath("flawfinder.sarif")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 44u) << "SARIF also carries the level-0 hits --csv omits";
  EXPECT_EQ(parsed->skipped_records, 0u);
  const Finding& first = parsed->findings[0];
  EXPECT_EQ(first.tool, "flawfinder") << "driver name \"Flawfinder\" lower-cased";
  EXPECT_EQ(first.tool_version, "2.0.19");
  EXPECT_EQ(first.rule_id, "FF1013");
  EXPECT_EQ(first.title, "buffer/char");
  EXPECT_EQ(first.severity, Severity::kLow) << "level note";
  EXPECT_EQ(first.path, "src/util.h") << "\"./src/util.h\" with uriBaseId SRCROOT";
  EXPECT_EQ(first.line, 11);
  EXPECT_EQ(first.column, 3);
  EXPECT_EQ(first.end_line, 11);
  EXPECT_EQ(first.snippet, "  char name[NAME_LEN];");
  EXPECT_EQ(first.cwes, (std::vector<int>{119, 120})) << "from the rule's CWE relationships";
  int strcpy_hits = 0;
  for (const Finding& f : parsed->findings) {
    if (f.rule_id != "FF1001") continue;
    ++strcpy_hits;
    EXPECT_EQ(f.title, "buffer/strcpy");
    EXPECT_EQ(f.cwes, std::vector<int>{120});
    EXPECT_TRUE(f.path == "src/server.c" || f.path == "src/util.c") << f.path;
  }
  EXPECT_GT(strcpy_hits, 0);
}

TEST(SarifParserTest, ClangAnalyzerAbsoluteUrisAreSkippedAndCounted) {
  auto parsed = ParseSarif(ReadFileOrFail(FixturePath("clang_analyzer.sarif")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->findings.empty()) << "clang writes file:///... URIs only";
  EXPECT_EQ(parsed->skipped_records, 1u);
}

TEST(SarifParserTest, SpecFeatures) {
  auto parsed = ParseSarif(ReadFileOrFail(FixturePath("features.sarif")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 7u);
  EXPECT_EQ(parsed->skipped_records, 4u) << "absolute uri, no location, ../ escape, nameless run";
  const auto& f = parsed->findings;
  EXPECT_EQ(f[0].tool, "codeql");
  EXPECT_EQ(f[0].tool_version, "2.15.0") << "semanticVersion";
  EXPECT_EQ(f[0].rule_id, "py/sql-injection");
  EXPECT_EQ(f[0].title, "SqlInjection") << "rule found in extensions[0]";
  EXPECT_EQ(f[0].severity, Severity::kHigh) << "security-severity \"8.8\" beats level error";
  EXPECT_EQ(f[0].confidence, "high");
  EXPECT_EQ(f[0].cwes, std::vector<int>{89});
  EXPECT_EQ(f[0].path, "app/db.py") << "APPDIR = app/ relative to %SRCROOT%";
  EXPECT_EQ(f[0].line, 14);
  EXPECT_EQ(f[0].column, 5);
  EXPECT_EQ(f[0].end_line, 14) << "endLine defaults to startLine";
  EXPECT_EQ(f[0].snippet, "    cur.execute(query)");
  EXPECT_EQ(f[1].rule_id, "py/clear-text-logging-sensitive-data") << "only rule.index given";
  EXPECT_EQ(f[1].title, "Clear-text logging of sensitive information");
  EXPECT_EQ(f[1].message, "This expression logs password as clear text.");
  EXPECT_EQ(f[1].severity, Severity::kHigh) << "numeric security-severity 7.5";
  EXPECT_EQ(f[1].confidence, "high") << "precision very-high";
  EXPECT_EQ(f[1].cwes, (std::vector<int>{312, 359, 532}));
  EXPECT_EQ(f[1].path, "app/db.py") << "run.artifacts[0]";
  EXPECT_EQ(f[1].end_line, 31);
  EXPECT_EQ(f[2].rule_id, "py/unused-import") << "suppression under review is kept";
  EXPECT_EQ(f[2].severity, Severity::kLow) << "level note";
  EXPECT_EQ(f[2].path, "app/web ui.py");
  EXPECT_EQ(f[3].severity, Severity::kInfo) << "kind review, no level: none";
  EXPECT_EQ(f[3].line, 2);
  EXPECT_EQ(f[4].tool, "semgrep") << "\"Semgrep OSS\"";
  EXPECT_EQ(f[4].tool_version, "1.50.0");
  EXPECT_EQ(f[4].severity, Severity::kMedium) << "defaultConfiguration warning";
  EXPECT_EQ(f[4].cwes, std::vector<int>{95});
  EXPECT_EQ(f[4].path, "app/web.py");
  EXPECT_EQ(f[5].tool, "gitleaks");
  EXPECT_EQ(f[5].severity, Severity::kCritical);
  EXPECT_EQ(f[5].message, "generic-api-key has detected secret for file config/settings.py.");
  EXPECT_EQ(f[5].path, "config/settings.py");
  EXPECT_EQ(f[5].column, 12);
  EXPECT_EQ(f[6].rule_id, "generic-api-key/aws");
  EXPECT_EQ(f[6].title, "Generic API Key") << "hierarchical id's rule";
  EXPECT_EQ(f[6].severity, Severity::kMedium) << "SARIF's default level warning";
  EXPECT_EQ(f[6].message, "Literal {braces} and x, {7} unused");
  for (const Finding& finding : f) EXPECT_FALSE(finding.fingerprint.empty());
}

TEST(SarifParserTest, NotSarifIsDataLoss) {
  for (const char* bad : {"", " ", "null", "[]", "{}", R"({"runs": {}})", "<xml/>",
                          R"({"version": "1.0.0", "runs": []})", "\xff\xfe{"}) {
    EXPECT_EQ(ParseSarif(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
  auto empty = ParseSarif(R"({"version": "2.1.0", "runs": []})", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->findings.empty());
}

TEST(SarifParserTest, EveryTruncationIsDataLossNeverACrash) {
  for (const char* name : {"features.sarif", "flawfinder.sarif", "clang_analyzer.sarif"}) {
    std::string full = ReadFileOrFail(FixturePath(name));
    size_t complete = full.find_last_not_of(" \n") + 1;
    size_t stride = full.size() > 20000 ? 29 : 1;
    for (size_t length = 0; length < complete; length += stride) {
      EXPECT_EQ(ParseSarif(full.substr(0, length), "").status().code(), StatusCode::kDataLoss)
          << name << " cut at " << length;
    }
  }
}

TEST(SarifParserTest, GarbageBytesNeverCrash) {
  uint32_t seed = 7;
  for (int round = 0; round < 200; ++round) {
    std::string noise(1 + round * 13, '\0');
    for (char& c : noise) c = static_cast<char>((seed = seed * 1664525u + 1013904223u) >> 24);
    EXPECT_FALSE(ParseSarif(noise, "").ok());
    EXPECT_FALSE(ParseSarif(OneRun(noise), "").ok());
  }
}

TEST(SarifParserTest, NonUtf8BytesAndLoneSurrogatesBecomeReplacementCharacters) {
  std::string result =
      R"({"ruleId": "r", "message": {"text": "bad )" + std::string("\xff\xc3") +
      R"( bytes"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "caf\udce9.c"},
      "region": {"startLine": 1, "snippet": {"text": "x = \"\ud83d\ude00\" \\udce9"}}}}]})";
  auto parsed = ParseSarif(OneRun(result), "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].message, "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_EQ(parsed->findings[0].path, "caf\xEF\xBF\xBD.c");
  EXPECT_EQ(parsed->findings[0].snippet, "x = \"\xF0\x9F\x98\x80\" \\udce9")
      << "a real pair and an escaped backslash stay as they are";
  auto escaped = ParseSarif(OneRun(R"({"ruleId": "r", "locations": [{"physicalLocation":
      {"artifactLocation": {"uri": "a%FFb%2Fc.c"}}}]}, {"ruleId": "r", "locations":
      [{"physicalLocation": {"artifactLocation": {"uri": "nul%00.c"}}}]})"),
                            "");
  ASSERT_TRUE(escaped.ok());
  ASSERT_EQ(escaped->findings.size(), 1u);
  EXPECT_EQ(escaped->findings[0].path,
            "a\xEF\xBF\xBD"
            "b/c.c");
  EXPECT_EQ(escaped->skipped_records, 1u) << "%00 is no file name";
}

TEST(SarifParserTest, UnexpectedTypesAreSkippedOrIgnored) {
  std::string odd = std::string(kResultAt) + R"(, 7, "x", null, [], {"ruleId": 5},
      {"ruleId": "r", "locations": {"physicalLocation": 1}},
      {"ruleId": "r", "ruleIndex": "0", "level": 3, "kind": [], "suppressions": "all",
       "message": {"text": 9, "arguments": {"a": 1}}, "properties": {"security-severity": "high",
       "tags": "CWE-22"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.c",
       "index": -1, "uriBaseId": 4}, "region": {"startLine": "3", "startColumn": -2,
       "endLine": 99999999999, "snippet": {"text": 9}}}}]})";
  auto parsed = ParseSarif(OneRun(odd, R"("artifacts": 5, "originalUriBaseIds": [],)"), "fallback");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 2u);
  EXPECT_EQ(parsed->skipped_records, 6u);
  const Finding& odd_one = parsed->findings[1];
  EXPECT_EQ(odd_one.tool_version, "fallback");
  EXPECT_EQ(odd_one.path, "b.c");
  EXPECT_EQ(odd_one.severity, Severity::kMedium);
  EXPECT_EQ(odd_one.cwes, std::vector<int>{22});
  EXPECT_EQ(odd_one.line, 0);
  EXPECT_EQ(odd_one.column, 0);
  EXPECT_EQ(odd_one.end_line, 0);
  auto runs = ParseSarif(R"({"runs": [1, "x", {"tool": 2}, {"tool": {"driver": {"name": "t"}},
      "results": {"a": 1}}]})",
                         "");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->skipped_records, 4u);
}

TEST(SarifParserTest, LargeAndDeeplyNestedInput) {
  std::string results;
  for (int i = 0; i < 50000; ++i) results += std::string(i ? "," : "") + kResultAt;
  auto parsed = ParseSarif(OneRun(results), "");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->findings.size(), 50000u);
  EXPECT_NE(parsed->findings[0].fingerprint, parsed->findings[1].fingerprint)
      << "identical hits stay distinct findings";
  std::string long_text(1 << 20, 'a');
  auto long_message = ParseSarif(OneRun(R"({"ruleId": "r", "message": {"text": ")" + long_text +
                                        R"("}, "locations": [{"physicalLocation":
      {"artifactLocation": {"uri": "a.c"}}}]})"),
                                 "");
  ASSERT_TRUE(long_message.ok());
  EXPECT_EQ(long_message->findings.at(0).message.size(), 4096u);
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(ParseSarif(deep, "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseSarif(OneRun(std::string(100000, '[')), "").status().code(),
            StatusCode::kDataLoss);
}

// Stdout of a trusted shell `command` run in `cwd` (stderr dropped), and its
// exit code.
std::pair<std::string, int> RunTool(const std::string& command, const std::string& cwd) {
  std::string line = "cd '" + cwd + "' && " + command + " 2>/dev/null";
  std::string out;
  FILE* pipe = popen(line.c_str(), "r");
  if (pipe == nullptr) return {"", -1};
  char buffer[65536];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
  int status = pclose(pipe);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

bool Installed(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(SarifLiveTest, FlawfinderSarifMatchesTheFixture) {
  if (!Installed("flawfinder")) GTEST_SKIP() << "flawfinder not installed";
  auto [version, version_exit] = RunTool("flawfinder --version", SampleRepoPath());
  if (version.rfind("2.0.19", 0) != 0) GTEST_SKIP() << "fixture is of 2.0.19, not " << version;
  auto [out, exit_code] = RunTool("flawfinder --sarif .", SampleRepoPath());
  ASSERT_EQ(exit_code, 0);
  auto live = ParseSarif(out, version);
  auto recorded = ParseSarif(ReadFileOrFail(FixturePath("flawfinder.sarif")), version);
  ASSERT_TRUE(live.ok() && recorded.ok());
  EXPECT_EQ(live->findings, recorded->findings);
  EXPECT_EQ(live->skipped_records, 0u);
}

TEST(SarifLiveTest, ClangAnalyzerSarifMatchesTheFixture) {
  if (!Installed("clang")) GTEST_SKIP() << "clang not installed";
  char dir_template[] = "/tmp/sarif_live_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string report = std::string(dir_template) + "/server.sarif";
  auto [out, exit_code] = RunTool(
      "clang --analyze --analyzer-output sarif -o '" + report + "' src/server.c", SampleRepoPath());
  EXPECT_EQ(exit_code, 0);
  auto live = ParseSarif(ReadFileOrFail(report), "");
  auto recorded = ParseSarif(ReadFileOrFail(FixturePath("clang_analyzer.sarif")), "");
  std::remove(report.c_str());
  rmdir(dir_template);
  ASSERT_TRUE(live.ok() && recorded.ok()) << live.status().ToString();
  EXPECT_EQ(live->findings, recorded->findings);
  EXPECT_EQ(live->skipped_records, recorded->skipped_records) << "its absolute URIs";
}

TEST(SemgrepJsonParserTest, DocumentedFormat) {
  auto parsed = ParseSemgrepJson(ReadFileOrFail(FixturePath("semgrep.json")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 8u) << "the nosemgrep result is left out";
  EXPECT_EQ(parsed->skipped_records, 3u) << "absolute path, ../ path, no start line";
  const auto& f = parsed->findings;
  EXPECT_EQ(f[0].tool, "semgrep");
  EXPECT_EQ(f[0].tool_version, "1.45.0");
  EXPECT_EQ(f[0].rule_id, "python.lang.security.audit.formatted-sql-query.formatted-sql-query");
  EXPECT_EQ(f[0].title, "formatted-sql-query");
  EXPECT_EQ(f[0].severity, Severity::kMedium) << "WARNING";
  EXPECT_EQ(f[0].cwes, std::vector<int>{89});
  EXPECT_EQ(f[0].confidence, "low");
  EXPECT_EQ(f[0].snippet, "") << "\"requires login\" is not source text";
  EXPECT_EQ(f[0].path, "app/db.py");
  EXPECT_EQ(f[0].line, 14);
  EXPECT_EQ(f[0].column, 5);
  EXPECT_EQ(f[0].end_line, 14);
  EXPECT_EQ(f[1].severity, Severity::kHigh) << "ERROR";
  EXPECT_EQ(f[1].path, "app/db.py") << "\"./\" dropped";
  EXPECT_EQ(f[1].cwes, std::vector<int>{502}) << "one string, not a list";
  EXPECT_EQ(f[1].confidence, "medium");
  EXPECT_EQ(f[1].snippet, "    return pickle.loads(blob)");
  EXPECT_NE(f[1].fingerprint, f[2].fingerprint) << "two identical hits stay two findings";
  EXPECT_EQ(f[3].severity, Severity::kCritical);
  EXPECT_EQ(f[3].cwes, std::vector<int>{798});
  EXPECT_EQ(f[4].severity, Severity::kLow) << "INFO";
  EXPECT_EQ(f[5].severity, Severity::kLow) << "LOW";
  EXPECT_EQ(f[5].confidence, "") << "\"very-high\" is not one of ours";
  EXPECT_EQ(f[5].end_line, 63);
  EXPECT_EQ(f[6].severity, Severity::kInfo) << "EXPERIMENT";
  EXPECT_EQ(f[7].severity, Severity::kMedium) << "an unknown severity keeps the finding";
}

TEST(SemgrepJsonParserTest, MalformedInputNeverCrashes) {
  for (const char* bad : {"", "{}", R"({"results": 1})", "[", "[]", "\xc3\x28", "null"}) {
    EXPECT_EQ(ParseSemgrepJson(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
  std::string full = ReadFileOrFail(FixturePath("semgrep.json"));
  for (size_t length = 0; length < full.find_last_not_of(" \n") + 1; ++length) {
    EXPECT_FALSE(ParseSemgrepJson(full.substr(0, length), "").ok()) << length;
  }
  auto odd = ParseSemgrepJson(R"({"results": [1, null, {"check_id": 3}, {"check_id": "a.b",
      "path": "x.py", "start": {"line": "1"}}, {"check_id": "a.b", "path": ["x"], "start":
      {"line": 1}}, {"check_id": "a.b", "path": "x\u00e9.py", "start": {"line": 1, "col": -1},
      "end": 5, "extra": {"severity": 1, "message": ["m"], "lines": 2, "is_ignored": "yes",
      "metadata": {"cwe": [1, "CWE-x", "cwe-79"], "confidence": {}}}}], "version": 7})",
                              "1.2.3");
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  EXPECT_EQ(odd->skipped_records, 5u);
  ASSERT_EQ(odd->findings.size(), 1u);
  const Finding& kept = odd->findings[0];
  EXPECT_EQ(kept.tool_version, "1.2.3");
  EXPECT_EQ(kept.title, "b");
  EXPECT_EQ(kept.path, "x\xC3\xA9.py");
  EXPECT_EQ(kept.severity, Severity::kMedium);
  EXPECT_EQ(kept.cwes, std::vector<int>{79});
  auto latin1 = ParseSemgrepJson(
      "{\"results\": [{\"check_id\": \"a\", \"path\": \"caf\xe9.py\","
      " \"start\": {\"line\": 2}}]}",
      "");
  ASSERT_TRUE(latin1.ok());
  EXPECT_EQ(latin1->findings.at(0).path, "caf\xEF\xBF\xBD.py");
}

}  // namespace
}  // namespace scanfleet
