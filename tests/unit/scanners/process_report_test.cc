// ProcessReport, the post-processing the worker's scanner run and the
// controller's reparse share: snippets filled for SAST findings only, from
// the caller's source lines and only for confined paths with a line;
// fingerprints assigned again when one was filled; SAST paths that leave the
// checkout dropped and counted; DAST findings kept as parsed. And a report
// reparsed against the snippets its first processing stored gives the same
// findings as that first processing.
#include "common/scanners/process_report.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/scanners/cppcheck_xml_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;

Finding Hit(std::string path, int line, std::string snippet = "") {
  Finding f;
  f.tool = "fake";
  f.rule_id = "rule";
  f.path = std::move(path);
  f.line = line;
  f.snippet = std::move(snippet);
  return f;
}

// A fake adapter: what it "parses" does not depend on the report.
StatusOr<ParseResult> ParseMixedPaths(std::string_view, std::string_view) {
  ParseResult result;
  result.findings = {Hit("src/a.c", 2),       Hit("src/a.c", 3, "kept"), Hit("../out.c", 1),
                     Hit("/etc/passwd", 1),   Hit("src/b.c", 0),         Hit("", 4),
                     Hit("src/unknown.c", 1), Hit("src/a.c", 2)};
  result.skipped_records = 2;
  AssignFingerprints(result.findings);
  return result;
}

StatusOr<ParseResult> ParseLongLine(std::string_view, std::string_view) {
  ParseResult result;
  result.findings = {Hit("long.c", 1)};
  AssignFingerprints(result.findings);
  return result;
}

StatusOr<ParseResult> ParseNothing(std::string_view, std::string_view) {
  return Status::DataLoss("not this format");
}

StatusOr<ParseResult> ParseDastHit(std::string_view, std::string_view) {
  ParseResult result;
  Finding f;
  f.tool = "zap";
  f.rule_id = "10020";
  f.url = "http://target.test/login";
  result.findings = {f, Hit("../not-a-checkout-path", 1)};
  AssignFingerprints(result.findings);
  return result;
}

// Source lines of a fake checkout; records every lookup.
struct FakeCheckout {
  std::map<std::pair<std::string, int>, std::string> lines = {
      {{"src/a.c", 2}, "  gets(buf);"}, {{"src/b.c", 0}, "never asked"}, {{"", 4}, "never asked"}};
  std::vector<std::pair<std::string, int>> asked;
  SourceLineFn Fn() {
    return [this](const std::string& path, int line) -> std::optional<std::string> {
      asked.emplace_back(path, line);
      auto it = lines.find({path, line});
      return it == lines.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }
};

TEST(ProcessReportTest, SastFillsSnippetsFromTheCheckoutAndConfinesPaths) {
  FakeCheckout checkout;
  auto processed = ProcessReport({.report = "ignored",
                                  .parse = &ParseMixedPaths,
                                  .tool_version = "1.0",
                                  .kind = ScannerKind::kSast,
                                  .source_line = checkout.Fn()});
  ASSERT_TRUE(processed.ok()) << processed.status().ToString();
  // ../out.c, /etc/passwd and the path-less one dropped: 2 adapter skips + 3.
  EXPECT_EQ(processed->skipped_records, 5u);
  std::vector<std::string> paths;
  for (const Finding& f : processed->findings) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"src/a.c", "src/a.c", "src/b.c", "src/unknown.c",
                                             "src/a.c"}));
  EXPECT_EQ(processed->findings[0].snippet, "  gets(buf);");
  EXPECT_EQ(processed->findings[1].snippet, "kept") << "a tool's own snippet is never replaced";
  EXPECT_EQ(processed->findings[2].snippet, "") << "line 0 is not looked up";
  EXPECT_EQ(processed->findings[4].snippet, "  gets(buf);");
  // Only confined paths with a line were asked for.
  for (const auto& [path, line] : checkout.asked) {
    EXPECT_TRUE(PathStaysInside(path) && line > 0) << path << ":" << line;
  }
  EXPECT_EQ(checkout.asked.size(), 3u);  // src/a.c:2 twice and src/unknown.c:1
}

TEST(ProcessReportTest, FilledSnippetsAreFingerprintedAgain) {
  FakeCheckout checkout;
  auto processed = ProcessReport({.report = "",
                                  .parse = &ParseMixedPaths,
                                  .tool_version = "1.0",
                                  .kind = ScannerKind::kSast,
                                  .source_line = checkout.Fn()});
  ASSERT_TRUE(processed.ok());
  std::vector<Finding> expected = ParseMixedPaths("", "")->findings;
  expected[0].snippet = expected[7].snippet = "  gets(buf);";
  AssignFingerprints(expected);
  EXPECT_EQ(processed->findings[0].fingerprint, expected[0].fingerprint);
  EXPECT_EQ(processed->findings[4].fingerprint, expected[7].fingerprint);
  EXPECT_NE(processed->findings[0].fingerprint, ParseMixedPaths("", "")->findings[0].fingerprint)
      << "the snippet is part of the fingerprint";
  std::set<std::string> distinct;
  for (const Finding& f : processed->findings) distinct.insert(f.fingerprint);
  EXPECT_EQ(distinct.size(), processed->findings.size());
}

// The snippet ProcessReport fills for a hit on a line of text `line`.
std::string FilledSnippetOf(const std::string& line) {
  auto processed = ProcessReport(
      {.report = "",
       .parse = &ParseLongLine,
       .tool_version = "1",
       .kind = ScannerKind::kSast,
       .source_line = [&](const std::string&, int) { return std::optional<std::string>(line); }});
  EXPECT_TRUE(processed.ok());
  return processed.ok() ? processed->findings.at(0).snippet : "";
}

TEST(ProcessReportTest, AFilledSnippetKeepsAtMost512BytesOfItsLine) {
  EXPECT_EQ(FilledSnippetOf(std::string(2000, 'x')), std::string(kMaxFilledSnippetBytes, 'x'));
}

TEST(ProcessReportTest, AFilledSnippetIsCutBetweenCharacters) {
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  // The bound falls after the character's first, then its second byte.
  for (size_t before : {kMaxFilledSnippetBytes - 2, kMaxFilledSnippetBytes - 1}) {
    EXPECT_EQ(FilledSnippetOf(std::string(before, 'x') + euro + "tail"), std::string(before, 'x'))
        << before;
  }
  std::string fits = std::string(kMaxFilledSnippetBytes - 3, 'x') + euro;
  EXPECT_EQ(FilledSnippetOf(fits + "tail"), fits);
  // Bytes that are not UTF-8 are each a unit of their own: cut as before.
  EXPECT_EQ(FilledSnippetOf(std::string(600, '\xE9')), std::string(kMaxFilledSnippetBytes, '\xE9'));
}

TEST(ProcessReportTest, WithoutSourceLinesNothingIsFilled) {
  auto processed = ProcessReport({.report = "",
                                  .parse = &ParseMixedPaths,
                                  .tool_version = "1",
                                  .kind = ScannerKind::kSast,
                                  .source_line = nullptr});
  ASSERT_TRUE(processed.ok());
  std::vector<Finding> parsed = ParseMixedPaths("", "")->findings;
  EXPECT_EQ(processed->findings[0].snippet, "");
  EXPECT_EQ(processed->findings[0].fingerprint, parsed[0].fingerprint);
  EXPECT_EQ(processed->skipped_records, 5u);
}

TEST(ProcessReportTest, DastFindingsAreNeitherFilledNorConfined) {
  FakeCheckout checkout;
  auto processed = ProcessReport({.report = "",
                                  .parse = &ParseDastHit,
                                  .tool_version = "2.14",
                                  .kind = ScannerKind::kDast,
                                  .source_line = checkout.Fn()});
  ASSERT_TRUE(processed.ok());
  EXPECT_EQ(processed->findings.size(), 2u);
  EXPECT_EQ(processed->skipped_records, 0u);
  EXPECT_TRUE(checkout.asked.empty());
}

TEST(ProcessReportTest, AdapterErrorsAndAMissingAdapterAreErrors) {
  auto refused = ProcessReport({.report = "x",
                                .parse = &ParseNothing,
                                .tool_version = "1",
                                .kind = ScannerKind::kSast,
                                .source_line = nullptr});
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(refused.status().message(), "not this format");
  auto missing = ProcessReport({.report = "x",
                                .parse = nullptr,
                                .tool_version = "1",
                                .kind = ScannerKind::kSast,
                                .source_line = nullptr});
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
}

// The worker fills from the checkout; the controller's reparse has only the
// snippets the worker's result stored. Both must give the same findings.
TEST(ProcessReportTest, ReparseAgainstStoredSnippetsEqualsTheFirstProcessing) {
  std::string report = ReadFileOrFail(FixturePath("cppcheck_defects.xml"));
  std::string source = ReadFileOrFail(FixturePath("samples/cppcheck/defects.c"));
  std::vector<std::string> lines;
  for (size_t at = 0; at <= source.size();) {
    size_t end = std::min(source.find('\n', at), source.size());
    lines.push_back(source.substr(at, end - at));
    at = end + 1;
  }
  SourceLineFn checkout = [&](const std::string&, int line) -> std::optional<std::string> {
    if (static_cast<size_t>(line) > lines.size()) return std::nullopt;
    return lines[line - 1];
  };
  auto fresh = ProcessReport({.report = report,
                              .parse = &ParseCppcheckXmlV2,
                              .tool_version = "2.10",
                              .kind = ScannerKind::kSast,
                              .source_line = checkout});
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  std::map<std::pair<std::string, int>, std::string> stored;
  for (const Finding& f : fresh->findings) {
    if (!f.snippet.empty()) stored[{f.path, f.line}] = f.snippet;
  }
  ASSERT_FALSE(stored.empty());
  auto reparsed = ProcessReport(
      {.report = report,
       .parse = &ParseCppcheckXmlV2,
       .tool_version = "2.10",
       .kind = ScannerKind::kSast,
       .source_line = [&](const std::string& path, int line) -> std::optional<std::string> {
         auto it = stored.find({path, line});
         return it == stored.end() ? std::nullopt : std::optional<std::string>(it->second);
       }});
  ASSERT_TRUE(reparsed.ok());
  ASSERT_EQ(reparsed->findings.size(), fresh->findings.size());
  EXPECT_EQ(reparsed->skipped_records, fresh->skipped_records);
  for (size_t i = 0; i < fresh->findings.size(); ++i) {
    EXPECT_EQ(reparsed->findings[i].snippet, fresh->findings[i].snippet) << i;
    EXPECT_EQ(reparsed->findings[i].fingerprint, fresh->findings[i].fingerprint) << i;
  }
}

}  // namespace
}  // namespace scanfleet
