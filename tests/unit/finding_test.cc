// The normalized finding model: severity names, paths and fingerprints.
#include "common/finding/finding.h"

#include <gtest/gtest.h>

namespace scanfleet {
namespace {

Finding Hit(const std::string& path, int line, const std::string& snippet) {
  Finding f;
  f.tool = "flawfinder";
  f.rule_id = "FF1001";
  f.path = path;
  f.line = line;
  f.snippet = snippet;
  return f;
}

TEST(FindingTest, SeverityNamesRoundTrip) {
  for (Severity s : {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh,
                     Severity::kCritical}) {
    EXPECT_EQ(ParseSeverity(SeverityName(s)), s);
  }
  EXPECT_EQ(ParseSeverity("HIGH"), Severity::kHigh);
  EXPECT_FALSE(ParseSeverity("severe").has_value());
}

TEST(FindingTest, CleansRelativePaths) {
  EXPECT_EQ(CleanRelativePath("./src/a.c"), "src/a.c");
  EXPECT_EQ(CleanRelativePath("././src//a.c"), "src/a.c");
  EXPECT_EQ(CleanRelativePath("src/./a.c"), "src/a.c");
}

TEST(FindingTest, FingerprintIgnoresLineNumbersAndWhitespace) {
  std::vector<Finding> before{Hit("src/a.c", 10, "strcpy(buf, input);")};
  std::vector<Finding> after{Hit("src/a.c", 42, "  strcpy(buf,   input);  ")};
  AssignFingerprints(before);
  AssignFingerprints(after);
  EXPECT_EQ(before[0].fingerprint, after[0].fingerprint);
  EXPECT_EQ(before[0].fingerprint.size(), 32u);
}

TEST(FindingTest, FingerprintSeparatesPathsRulesAndRepeatedHits) {
  std::vector<Finding> findings{Hit("src/a.c", 1, "strcpy(a, b); strcpy(c, d);"),
                                Hit("src/a.c", 1, "strcpy(a, b); strcpy(c, d);"),
                                Hit("src/b.c", 1, "strcpy(a, b); strcpy(c, d);")};
  AssignFingerprints(findings);
  EXPECT_NE(findings[0].fingerprint, findings[1].fingerprint);
  EXPECT_NE(findings[0].fingerprint, findings[2].fingerprint);
  Finding other_rule = Hit("src/a.c", 1, "strcpy(a, b); strcpy(c, d);");
  other_rule.rule_id = "FF1002";
  std::vector<Finding> single{other_rule};
  AssignFingerprints(single);
  EXPECT_NE(single[0].fingerprint, findings[0].fingerprint);
}

TEST(FindingTest, DastFingerprintUsesMethodUrlPathAndParameterOnly) {
  auto dast = [](std::string url, std::string method, std::string parameter,
                 std::string evidence) {
    Finding f;
    f.tool = "wapiti";
    f.rule_id = "sql";
    f.url = std::move(url);
    f.http_method = std::move(method);
    f.parameter = std::move(parameter);
    f.evidence = std::move(evidence);
    return f;
  };
  std::vector<Finding> first{dast("http://127.0.0.1:8080/item?id=1%27", "GET", "id", "error A")};
  std::vector<Finding> second{dast("http://127.0.0.1:8080/item?id=2%20OR", "GET", "id", "err B")};
  AssignFingerprints(first);
  AssignFingerprints(second);
  EXPECT_EQ(first[0].fingerprint, second[0].fingerprint) << "payload and evidence vary per run";
  std::vector<Finding> others{dast("http://127.0.0.1:8080/item", "POST", "id", ""),
                              dast("http://127.0.0.1:8080/item", "GET", "name", ""),
                              dast("http://127.0.0.1:8080/other", "GET", "id", "")};
  AssignFingerprints(others);
  for (const Finding& f : others) EXPECT_NE(f.fingerprint, first[0].fingerprint);
  EXPECT_EQ(UrlIdentity("https://h:1/p/q?x=1#frag"), "https://h:1/p/q");
}

}  // namespace
}  // namespace scanfleet
