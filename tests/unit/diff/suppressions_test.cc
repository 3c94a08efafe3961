// Suppressions file parsing (untrusted) and matching; AssembleDiff's counts.
#include "controller/diff/suppressions.h"

#include <gtest/gtest.h>

#include "controller/diff/diff_report.h"

namespace scanfleet {
namespace {

v1::Finding Hit(const std::string& tool, const std::string& rule, const std::string& path,
                const std::string& fingerprint) {
  v1::Finding f;
  f.set_tool(tool);
  f.set_rule_id(rule);
  f.set_path(path);
  f.set_fingerprint(fingerprint);
  f.set_severity(v1::SEVERITY_HIGH);
  return f;
}

TEST(SuppressionsTest, ParsesEachKindAndMatches) {
  auto parsed = ParseSuppressions(R"({"suppressions": [
      {"fingerprint": "abc", "reason": "false positive"},
      {"rule": "flawfinder:FF1004", "reason": "bounded", "expires": "2030-01-31"},
      {"rule": "B602", "reason": "any tool"},
      {"path": "vendor/*", "reason": "third party"},
      {"path": "gen/*", "repo": "/srv/other", "reason": "only there"}]})",
                                  "repo:.scanfleet/suppressions.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 5u);
  const std::string today = "2026-11-23";
  auto match = [&](const v1::Finding& f, const std::string& repo = "/srv/app") {
    const Suppression* s = MatchSuppression(*parsed, f, repo, today);
    return s ? s->Describe() : std::string("none");
  };
  EXPECT_EQ(match(Hit("flawfinder", "FF1", "a.c", "abc")), "fingerprint:abc");
  EXPECT_EQ(match(Hit("flawfinder", "FF1004", "a.c", "x")), "rule:flawfinder:FF1004");
  EXPECT_EQ(match(Hit("cppcheck", "FF1004", "a.c", "x")), "none");  // other tool
  EXPECT_EQ(match(Hit("bandit", "B602", "a.py", "x")), "rule:B602");
  EXPECT_EQ(match(Hit("flawfinder", "FF1", "vendor/lib/z.c", "x")), "path:vendor/*");
  EXPECT_EQ(match(Hit("flawfinder", "FF1", "src/vendor/z.c", "x")), "none");
  EXPECT_EQ(match(Hit("flawfinder", "FF1", "gen/x.c", "x")), "none");  // other repo
  EXPECT_EQ(match(Hit("flawfinder", "FF1", "gen/x.c", "x"), "/srv/other"), "path:gen/*");
  EXPECT_EQ((*parsed)[0].source, "repo:.scanfleet/suppressions.json");
}

TEST(SuppressionsTest, ExpiredEntrySuppressesNothing) {
  auto parsed = ParseSuppressions(
      R"({"suppressions": [{"rule": "FF1", "reason": "until end of 2025", "expires": "2025-12-31"}]})",
      "controller:s.json");
  ASSERT_TRUE(parsed.ok());
  v1::Finding f = Hit("flawfinder", "FF1", "a.c", "x");
  EXPECT_NE(MatchSuppression(*parsed, f, "", "2025-12-31"), nullptr);  // last day applies
  EXPECT_EQ(MatchSuppression(*parsed, f, "", "2026-01-01"), nullptr);
}

TEST(SuppressionsTest, RejectsInvalidFilesWholly) {
  const char* bad[] = {
      "",
      "not json",
      "[]",
      R"({"suppressions": {}})",
      R"({"suppressions": [{"rule": "FF1"}]})",                              // no reason
      R"({"suppressions": [{"rule": "FF1", "reason": "  "}]})",              // blank reason
      R"({"suppressions": [{"rule": "FF1", "path": "a", "reason": "r"}]})",  // two matchers
      R"({"suppressions": [{"reason": "r"}]})",                              // no matcher
      R"({"suppressions": [{"rule": 7, "reason": "r"}]})",
      R"({"suppressions": [{"rule": ":x", "reason": "r"}]})",
      R"({"suppressions": [{"rule": "x", "reason": "r", "expires": "tomorrow"}]})",
      R"({"suppressions": [{"rule": "x", "reason": "r", "colour": "red"}]})",
      R"({"suppressions": [{"rule": "FF1", "reason": "ok"}, 5]})",
  };
  for (const char* text : bad) {
    auto parsed = ParseSuppressions(text, "repo:f");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
  }
  std::string huge = R"({"suppressions": [], "pad": ")" + std::string(70000, 'x') + "\"}";
  EXPECT_FALSE(ParseSuppressions(huge, "repo:f").ok());
}

TEST(SuppressionsTest, AssembleDiffReportsSuppressedAndGateCountsOnlyUnsuppressedNew) {
  auto parsed = ParseSuppressions(R"({"suppressions": [{"path": "test/*", "reason": "tests"}]})",
                                  "controller:s.json");
  ASSERT_TRUE(parsed.ok());
  ClassifiedResult classified;
  auto add = [&](const std::string& path, v1::DiffClass diff_class) {
    v1::ClassifiedFinding item;
    *item.mutable_finding() = Hit("flawfinder", "FF1", path, path);
    item.set_diff_class(diff_class);
    classified.findings.push_back(item);
  };
  add("src/a.c", v1::DIFF_NEW);
  add("test/t.c", v1::DIFF_NEW);
  add("src/b.c", v1::DIFF_UNCHANGED);
  add("src/c.c", v1::DIFF_FIXED);
  v1::DiffScanResponse diff = AssembleDiff(classified, *parsed, "/srv/app", "2026-11-23");
  EXPECT_EQ(diff.new_count(), 2u);
  EXPECT_EQ(diff.unchanged_count(), 1u);
  EXPECT_EQ(diff.fixed_count(), 1u);
  EXPECT_EQ(diff.suppressed_count(), 1u);
  EXPECT_EQ(diff.new_unsuppressed_by_severity(v1::SEVERITY_HIGH), 1u);
  ASSERT_EQ(diff.findings_size(), 4);  // suppressed findings are reported, not hidden
  EXPECT_EQ(diff.findings(1).suppression().reason(), "tests");
  EXPECT_EQ(diff.findings(1).suppression().source(), "controller:s.json");
}

TEST(SuppressionsTest, InvalidRepoFileIsAWarningAndSuppressesNothing) {
  std::vector<std::string> notes;
  int invalid = 0;
  auto parsed = RepoSuppressions({"{oops", "#error .scanfleet/suppressions.json is a symlink",
                                  R"({"suppressions": [{"rule": "FF1", "reason": "r"}]})",
                                  R"({"suppressions": [{"rule": "FF1", "reason": "r"}]})"},
                                 notes, invalid);
  EXPECT_EQ(invalid, 2);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("invalid"), std::string::npos);
  EXPECT_NE(notes[1].find("symlink"), std::string::npos);
  EXPECT_EQ(parsed.size(), 1u);  // identical copies (one per job) parsed once
}

}  // namespace
}  // namespace scanfleet
