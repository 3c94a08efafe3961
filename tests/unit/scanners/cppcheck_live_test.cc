// Runs the real cppcheck (Debian's 2.10) on copies of the C samples with the
// recommended argv and checks that the adapter reads the fresh report exactly
// as it reads the recorded fixtures; also pins the exit codes and where the
// report goes. Skips itself when cppcheck 2.10 is not installed (another
// version may legitimately report differently).
// Thread-safety: each test works in its own temporary directory.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/scanners/cppcheck_xml_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::CommandResult;
using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;
using ::scanfleet::testing::RunShell;
using ::scanfleet::testing::SampleRepoPath;
using ::scanfleet::testing::SourcePath;

// The registry's argv minus the report path and the scanned root.
constexpr char kCppcheck[] =
    "cppcheck --xml --xml-version=2 --quiet --enable=warning,style,performance,portability";

// A scratch directory holding `src/` (a copy of the scanned tree) and `out/`.
class CppcheckCheckout {
 public:
  explicit CppcheckCheckout(const std::string& tree) {
    char pattern[] = "/tmp/sf_cppcheck_test_XXXXXX";
    root_ = mkdtemp(pattern) ? pattern : "";
    std::filesystem::copy(tree, root_ + "/src", std::filesystem::copy_options::recursive);
    std::filesystem::create_directory(root_ + "/out");
  }
  ~CppcheckCheckout() { std::filesystem::remove_all(root_); }
  std::string src() const { return root_ + "/src"; }
  std::string report() const { return root_ + "/out/cppcheck.xml"; }

 private:
  std::string root_;
};

bool Cppcheck210Installed() { return RunShell("cppcheck --version 2>&1").out == "Cppcheck 2.10\n"; }

std::vector<Finding> CppcheckFixtureFindings(const std::string& name) {
  auto parsed = ParseCppcheckXmlV2(ReadFileOrFail(FixturePath(name)), "2.10");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? parsed->findings : std::vector<Finding>{};
}

TEST(CppcheckLiveTest, SampleRepoReportFileMatchesTheFixture) {
  if (!Cppcheck210Installed()) GTEST_SKIP() << "cppcheck 2.10 not installed";
  CppcheckCheckout checkout(SampleRepoPath());
  CommandResult run = RunShell("cd '" + checkout.src() + "' && " + kCppcheck + " --output-file='" +
                               checkout.report() + "' . 2>&1");
  EXPECT_EQ(run.exit_code, 0) << "findings do not change cppcheck's exit code";
  EXPECT_EQ(run.out, "") << "--quiet: nothing on stdout or stderr";
  auto live = ParseCppcheckXmlV2(ReadFileOrFail(checkout.report()), "2.10");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->findings, CppcheckFixtureFindings("cppcheck.xml"));
  EXPECT_EQ(live->skipped_records, 0u);
}

TEST(CppcheckLiveTest, DefectsSampleMatchesTheFixture) {
  if (!Cppcheck210Installed()) GTEST_SKIP() << "cppcheck 2.10 not installed";
  CppcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/cppcheck"));
  CommandResult run =
      RunShell("cd '" + checkout.src() +
               "' && cppcheck --xml --xml-version=2 --quiet --inconclusive --enable=all "
               "--output-file='" +
               checkout.report() + "' . 2>&1");
  EXPECT_EQ(run.exit_code, 0);
  auto live = ParseCppcheckXmlV2(ReadFileOrFail(checkout.report()), "2.10");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->findings, CppcheckFixtureFindings("cppcheck_defects.xml"));
}

TEST(CppcheckLiveTest, ReportOnStderrIsTheSameReportButSharesTheStream) {
  if (!Cppcheck210Installed()) GTEST_SKIP() << "cppcheck 2.10 not installed";
  CppcheckCheckout checkout(SampleRepoPath());
  // Without --output-file the XML goes to stderr; progress lines (without
  // --quiet) go to stdout, so stderr alone is still a whole report.
  CommandResult run = RunShell("cd '" + checkout.src() +
                               "' && cppcheck --xml --xml-version=2 "
                               "--enable=warning,style,performance,portability . 2>&1 >/dev/null");
  EXPECT_EQ(run.exit_code, 0);
  auto live = ParseCppcheckXmlV2(run.out, "2.10");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->findings, CppcheckFixtureFindings("cppcheck.xml"));
  // The progress lines on stdout are not XML: reading the wrong stream is DataLoss.
  CommandResult progress =
      RunShell("cd '" + checkout.src() + "' && cppcheck --xml --xml-version=2 . 2>/dev/null");
  EXPECT_EQ(progress.out.rfind("Checking ", 0), 0u) << progress.out;
  EXPECT_EQ(ParseCppcheckXmlV2(progress.out, "").status().code(), StatusCode::kDataLoss);
}

TEST(CppcheckLiveTest, NonUtf8FileNameIsReportedByteForByte) {
  if (!Cppcheck210Installed()) GTEST_SKIP() << "cppcheck 2.10 not installed";
  CppcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/cppcheck/lib"));
  std::filesystem::rename(checkout.src() + "/two_hits.c", checkout.src() + "/caf\xe9.c");
  CommandResult run = RunShell("cd '" + checkout.src() + "' && " + kCppcheck + " --output-file='" +
                               checkout.report() + "' . 2>&1");
  EXPECT_EQ(run.exit_code, 0);
  auto live = ParseCppcheckXmlV2(ReadFileOrFail(checkout.report()), "2.10");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_FALSE(live->findings.empty());
  EXPECT_EQ(live->findings[0].path, "caf\xe9.c");
}

TEST(CppcheckLiveTest, MissingPathIsAFailureExitWithoutReport) {
  if (!Cppcheck210Installed()) GTEST_SKIP() << "cppcheck 2.10 not installed";
  CppcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/cppcheck/lib"));
  CommandResult run = RunShell("cd '" + checkout.src() + "' && " + kCppcheck + " --output-file='" +
                               checkout.report() + "' does/not/exist 2>&1");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("could not find or open any of the paths given"), std::string::npos);
  EXPECT_FALSE(ParseCppcheckXmlV2(run.out, "").ok());
  EXPECT_FALSE(std::filesystem::exists(checkout.report()));
  CommandResult bad_option = RunShell(std::string(kCppcheck) + " --no-such-option . 2>&1");
  EXPECT_EQ(bad_option.exit_code, 1);
}

// cppcheck 2.10 exits 0 when it cannot write --output-file: the caller must
// treat a missing report file as a failed run, not as "no findings".
TEST(CppcheckLiveTest, UnwritableReportFileStillExitsZero) {
  if (!Cppcheck210Installed()) GTEST_SKIP() << "cppcheck 2.10 not installed";
  CppcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/cppcheck/lib"));
  const std::string report = checkout.src() + "/no/such/dir/cppcheck.xml";
  CommandResult run = RunShell("cd '" + checkout.src() + "' && " + kCppcheck + " --output-file='" +
                               report + "' . 2>&1");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(report));
}

}  // namespace
}  // namespace scanfleet
