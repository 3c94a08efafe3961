// Parses the recorded output of `bandit -r -f json -q .` on tests/sample-repo
// and checks it against what the raw JSON says.
#include "common/scanners/bandit_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;

constexpr size_t kFixtureFindings = 19;

std::string Fixture() { return ReadFileOrFail(FixturePath("bandit.json")); }

ParseResult ParseOk(std::string_view output) {
  StatusOr<ParseResult> result = ParseBanditJson(output, "1.6.2");
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : ParseResult{};
}

std::vector<const Finding*> FindAt(const ParseResult& result, std::string_view path, int line) {
  std::vector<const Finding*> out;
  for (const Finding& f : result.findings) {
    if (f.path == path && f.line == line) out.push_back(&f);
  }
  return out;
}

TEST(BanditParserTest, FixtureCountAndSeverities) {
  ParseResult result = ParseOk(Fixture());
  EXPECT_EQ(result.findings.size(), kFixtureFindings);
  EXPECT_EQ(result.skipped_records, 0u);
  std::map<Severity, int> by_severity;
  for (const Finding& f : result.findings) ++by_severity[f.severity];
  // Raw totals: HIGH 8, MEDIUM 6, LOW 5 (see "_totals" in the fixture).
  EXPECT_EQ(by_severity[Severity::kHigh], 8);
  EXPECT_EQ(by_severity[Severity::kMedium], 6);
  EXPECT_EQ(by_severity[Severity::kLow], 5);
  for (const Finding& f : result.findings) {
    EXPECT_EQ(f.tool, "bandit");
    EXPECT_EQ(f.tool_version, "1.6.2");
    EXPECT_FALSE(f.path.starts_with("./")) << f.path;
    EXPECT_EQ(f.column, 0);       // bandit 1.6.2 reports no col_offset
    EXPECT_TRUE(f.cwes.empty());  // nor issue_cwe
    EXPECT_EQ(f.fingerprint.size(), 32u);
  }
}

TEST(BanditParserTest, SpotChecks) {
  ParseResult result = ParseOk(Fixture());

  auto pickle_import = FindAt(result, "app/db.py", 7);
  ASSERT_EQ(pickle_import.size(), 1u);
  EXPECT_EQ(pickle_import[0]->rule_id, "B403");
  EXPECT_EQ(pickle_import[0]->title, "blacklist");
  EXPECT_EQ(pickle_import[0]->severity, Severity::kLow);
  EXPECT_EQ(pickle_import[0]->confidence, "high");
  EXPECT_EQ(pickle_import[0]->snippet, "import pickle");  // neighbours dropped
  EXPECT_EQ(pickle_import[0]->end_line, 7);

  auto debug = FindAt(result, "app/web.py", 81);
  ASSERT_EQ(debug.size(), 1u);
  EXPECT_EQ(debug[0]->rule_id, "B201");
  EXPECT_EQ(debug[0]->title, "flask_debug_true");
  EXPECT_EQ(debug[0]->severity, Severity::kHigh);
  EXPECT_EQ(debug[0]->confidence, "medium");

  auto eval = FindAt(result, "app/web.py", 37);
  ASSERT_EQ(eval.size(), 1u);
  EXPECT_EQ(eval[0]->rule_id, "B307");
  EXPECT_EQ(eval[0]->severity, Severity::kMedium);
  EXPECT_EQ(eval[0]->snippet, "    return str(eval(expr))");
  EXPECT_NE(eval[0]->message.find("eval"), std::string::npos);
}

TEST(BanditParserTest, MultiLineHitKeepsItsRange) {
  // line_range [20, 21, 22], line_number 22; the code block starts at line 21.
  ParseResult result = ParseOk(Fixture());
  auto hit = FindAt(result, "app/web.py", 22);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0]->rule_id, "B602");
  EXPECT_EQ(hit[0]->end_line, 22);
  EXPECT_EQ(hit[0]->snippet, "        \"grep %s /var/orders/index\" % name,\n        shell=True,");
}

TEST(BanditParserTest, TwoHitsOfOneRuleOnOneLineStayDistinct) {
  ParseResult result = ParseOk(Fixture());
  auto hits = FindAt(result, "app/web.py", 72);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0]->rule_id, "B602");
  // Bandit reports the same record twice, byte for byte...
  Finding a = *hits[0];
  Finding b = *hits[1];
  a.fingerprint.clear();
  b.fingerprint.clear();
  EXPECT_TRUE(a == b);
  // ...and they must still be two findings.
  EXPECT_NE(hits[0]->fingerprint, hits[1]->fingerprint);
}

TEST(BanditParserTest, RepeatedLineContentStaysDistinct) {
  ParseResult result = ParseOk(Fixture());
  auto first = FindAt(result, "app/db.py", 39);
  auto second = FindAt(result, "app/db.py", 52);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0]->rule_id, "B301");
  EXPECT_EQ(first[0]->snippet, "    return pickle.loads(blob)");
  EXPECT_EQ(first[0]->snippet, second[0]->snippet);
  EXPECT_NE(first[0]->fingerprint, second[0]->fingerprint);
}

// Shifts every web.py hit down by `delta` lines, as bandit would report it
// after lines were inserted at the top of the file.
std::string ShiftWebPy(const std::string& fixture, int delta) {
  nlohmann::json doc = nlohmann::json::parse(fixture);
  for (auto& r : doc["results"]) {
    if (r["filename"] != "./app/web.py") continue;
    r["line_number"] = r["line_number"].get<int>() + delta;
    for (auto& n : r["line_range"]) n = n.get<int>() + delta;
    std::istringstream code(r["code"].get<std::string>());
    std::string shifted;
    for (std::string row; std::getline(code, row);) {
      const size_t space = row.find(' ');
      shifted += std::to_string(std::stoi(row.substr(0, space)) + delta) + row.substr(space) + "\n";
    }
    r["code"] = shifted;
  }
  return doc.dump(2);
}

TEST(BanditParserTest, FingerprintIgnoresLineNumber) {
  const std::string original = Fixture();
  ParseResult before = ParseOk(original);
  ParseResult after = ParseOk(ShiftWebPy(original, 3));
  ASSERT_EQ(before.findings.size(), after.findings.size());
  int moved = 0;
  for (size_t i = 0; i < before.findings.size(); ++i) {
    if (before.findings[i].path == "app/web.py") {
      EXPECT_EQ(after.findings[i].line, before.findings[i].line + 3);
      ++moved;
    }
    EXPECT_EQ(before.findings[i].snippet, after.findings[i].snippet) << i;
    EXPECT_EQ(before.findings[i].fingerprint, after.findings[i].fingerprint) << i;
  }
  EXPECT_EQ(moved, 14);
}

TEST(BanditParserTest, FingerprintIgnoresNeighbouringLines) {
  const std::string fixture = Fixture();
  std::string edited = fixture;
  // The context line above the eval() hit changes; the hit itself does not.
  const std::string from = "36     expr = request.args.get(\\\"expr\\\", \\\"0\\\")";
  const size_t at = edited.find(from);
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, from.size(), "36     expr = request.values.get(\\\"e\\\")");
  ParseResult before = ParseOk(fixture);
  ParseResult after = ParseOk(edited);
  auto b = FindAt(before, "app/web.py", 37);
  auto a = FindAt(after, "app/web.py", 37);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]->fingerprint, b[0]->fingerprint);
}

TEST(BanditParserTest, NewerBanditFieldsAreUsed) {
  // Shape of bandit >= 1.7.5 output: col_offset, end_col_offset and issue_cwe.
  const std::string output = R"({"errors": [], "results": [{
      "code": "4 import subprocess\n5 subprocess.call(cmd, shell=True)\n",
      "col_offset": 0, "end_col_offset": 32, "filename": "./x.py",
      "issue_confidence": "HIGH", "issue_cwe": {"id": 78, "link": "https://cwe.mitre.org/78"},
      "issue_severity": "HIGH", "issue_text": "shell", "line_number": 5, "line_range": [5],
      "more_info": "", "test_id": "B602", "test_name": "subprocess_popen_with_shell_equals_true"}]})";
  ParseResult result = ParseOk(output);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].column, 1);
  EXPECT_EQ(result.findings[0].cwes, (std::vector<int>{78}));
  EXPECT_EQ(result.findings[0].snippet, "subprocess.call(cmd, shell=True)");
}

TEST(BanditParserTest, UndefinedSeverityAndConfidence) {
  const std::string output = R"({"results": [{"filename": "a.py", "issue_confidence": "UNDEFINED",
      "issue_severity": "UNDEFINED", "issue_text": "t", "line_number": 1, "test_id": "B999",
      "test_name": "n"}]})";
  ParseResult result = ParseOk(output);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(result.findings[0].confidence, "");
  EXPECT_EQ(result.findings[0].end_line, 0);
  EXPECT_EQ(result.findings[0].snippet, "");
}

TEST(BanditParserTest, EmptyResultsMeansNoFindings) {
  ParseResult result =
      ParseOk(R"({"errors": [{"filename": "a.py", "reason": "x"}], "results": []})");
  EXPECT_TRUE(result.findings.empty());
  EXPECT_EQ(result.skipped_records, 0u);  // bandit's own errors are not parse errors
}

}  // namespace
}  // namespace scanfleet
