// ClassifyFindings: new / unchanged / fixed, and never fixed on a failed,
// partial or missing scanner run; renames keep identity.
#include "controller/diff/classify.h"

#include <gtest/gtest.h>

#include "common/finding/finding.h"
#include "common/wire/convert.h"

namespace scanfleet {
namespace {

// Findings fingerprinted exactly as a worker does.
std::vector<std::pair<std::string, v1::Finding>> Scan(
    const std::vector<std::tuple<std::string, std::string, std::string>>& hits) {
  std::vector<Finding> findings;
  for (const auto& [rule, path, snippet] : hits) {
    Finding f;
    f.tool = "flawfinder";
    f.rule_id = rule;
    f.path = path;
    f.snippet = snippet;
    f.severity = Severity::kHigh;
    findings.push_back(f);
  }
  AssignFingerprints(findings);
  std::vector<std::pair<std::string, v1::Finding>> out;
  for (const Finding& f : findings) {
    v1::Finding proto;
    FindingToProto(f, &proto);
    out.emplace_back("flawfinder", proto);
  }
  return out;
}

DiffSide Side(std::vector<std::pair<std::string, v1::Finding>> findings, bool complete = true,
              const std::string& profile = "c") {
  DiffSide side;
  side.profile = profile;
  side.findings = std::move(findings);
  side.runs["flawfinder"] = ScannerRun{complete, complete ? "" : "job 9 failed: exit 2"};
  return side;
}

std::map<v1::DiffClass, int> Count(const ClassifiedResult& result) {
  std::map<v1::DiffClass, int> counts;
  for (const auto& f : result.findings) counts[f.diff_class()]++;
  return counts;
}

TEST(ClassifyTest, NewUnchangedAndFixedByFingerprint) {
  auto baseline = Side(Scan({{"FF1", "a.c", "strcpy(a, b);"}, {"FF2", "b.c", "gets(x);"}}));
  auto current = Side(Scan({{"FF1", "a.c", "strcpy(a,  b);"}, {"FF3", "c.c", "system(c);"}}));
  ClassifiedResult result = ClassifyFindings(current, baseline, {});
  ASSERT_EQ(result.findings.size(), 3u);
  EXPECT_EQ(result.findings[0].diff_class(), v1::DIFF_UNCHANGED);  // whitespace-normalized
  EXPECT_EQ(result.findings[1].diff_class(), v1::DIFF_NEW);
  EXPECT_EQ(result.findings[1].finding().rule_id(), "FF3");
  EXPECT_EQ(result.findings[2].diff_class(), v1::DIFF_FIXED);
  EXPECT_EQ(result.findings[2].finding().rule_id(), "FF2");
  EXPECT_TRUE(result.notes.empty());
}

TEST(ClassifyTest, MovedLineIsUnchanged) {
  auto base = Scan({{"FF1", "a.c", "strcpy(a, b);"}});
  auto now = base;
  now[0].second.set_line(base[0].second.line() + 40);
  ClassifiedResult result = ClassifyFindings(Side(now), Side(base), {});
  EXPECT_EQ(Count(result)[v1::DIFF_UNCHANGED], 1);
}

TEST(ClassifyTest, FailedScannerNeverClosesFindings) {
  auto baseline = Side(Scan({{"FF1", "a.c", "strcpy(a, b);"}, {"FF2", "b.c", "gets(x);"}}));
  auto current = Side({}, /*complete=*/false);
  ClassifiedResult result = ClassifyFindings(current, baseline, {});
  auto counts = Count(result);
  EXPECT_EQ(counts[v1::DIFF_FIXED], 0);
  EXPECT_EQ(counts[v1::DIFF_NOT_RECHECKED], 2);
  EXPECT_NE(result.findings[0].note().find("job 9 failed"), std::string::npos);
  ASSERT_EQ(result.notes.size(), 1u);
}

TEST(ClassifyTest, MissingScannerOrOtherProfileNeverClosesFindings) {
  auto baseline = Side(Scan({{"FF1", "a.c", "strcpy(a, b);"}}));
  DiffSide current;
  current.profile = "c";
  current.runs["bandit"] = ScannerRun{true, ""};
  auto missing = ClassifyFindings(current, baseline, {});
  EXPECT_EQ(Count(missing)[v1::DIFF_NOT_RECHECKED], 1);
  EXPECT_NE(missing.findings[0].note().find("did not run"), std::string::npos);

  auto other_profile = ClassifyFindings(Side({}, true, "default"), baseline, {});
  EXPECT_EQ(Count(other_profile)[v1::DIFF_NOT_RECHECKED], 1);
  EXPECT_NE(other_profile.findings[0].note().find("profile changed"), std::string::npos);
}

TEST(ClassifyTest, NewFindingsAreStillNewWhenTheRunIsIncomplete) {
  auto baseline = Side(Scan({{"FF1", "a.c", "strcpy(a, b);"}}));
  auto current = Side(Scan({{"FF1", "a.c", "strcpy(a, b);"}, {"FF9", "z.c", "x"}}), false);
  auto counts = Count(ClassifyFindings(current, baseline, {}));
  EXPECT_EQ(counts[v1::DIFF_NEW], 1);
  EXPECT_EQ(counts[v1::DIFF_UNCHANGED], 1);
}

TEST(ClassifyTest, RenamedFileKeepsItsFindingsIdentity) {
  // Two identical hits in one file: occurrence indexes must be recomputed too.
  auto baseline = Side(Scan({{"FF1", "old/a.c", "strcpy(a, b);"},
                             {"FF1", "old/a.c", "strcpy(a, b);"},
                             {"FF2", "keep.c", "gets(x);"}}));
  auto current = Side(Scan({{"FF1", "new/a.c", "strcpy(a, b);"},
                            {"FF1", "new/a.c", "strcpy(a, b);"},
                            {"FF2", "keep.c", "gets(x);"}}));
  auto without = Count(ClassifyFindings(current, baseline, {}));
  EXPECT_EQ(without[v1::DIFF_NEW], 2);  // without the rename the identity is lost
  EXPECT_EQ(without[v1::DIFF_FIXED], 2);
  auto with = Count(ClassifyFindings(current, baseline, {{"old/a.c", "new/a.c"}}));
  EXPECT_EQ(with[v1::DIFF_UNCHANGED], 3);
  EXPECT_EQ(with[v1::DIFF_NEW], 0);
  EXPECT_EQ(with[v1::DIFF_FIXED], 0);
}

TEST(ClassifyTest, AllNewWithoutBaselineSaysWhy) {
  ClassifiedResult result =
      AllNew(Side(Scan({{"FF1", "a.c", "x"}, {"FF2", "b.c", "y"}})), "no earlier scan of main");
  EXPECT_EQ(Count(result)[v1::DIFF_NEW], 2);
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_NE(result.notes[0].find("no earlier scan of main"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
