// Runs the real shellcheck (Debian's 0.9.0) on copies of the shell samples
// with the recommended argv and checks that the adapter reads the fresh report
// exactly as it reads the recorded fixtures; also pins the exit codes, the
// effect of a checkout's .shellcheckrc (why the argv has --norc) and the
// handling of a file name that is not UTF-8. Skips itself when shellcheck
// 0.9.0 is not installed.
// Thread-safety: each test works in its own temporary directory.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/scanners/shellcheck_json1_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::CommandResult;
using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;
using ::scanfleet::testing::RunShell;
using ::scanfleet::testing::SampleRepoPath;
using ::scanfleet::testing::SourcePath;

// The recommended argv up to the file list.
constexpr char kShellcheck[] = "shellcheck --norc -f json1 --";

// A private copy of the scanned tree, removed at the end of the test.
class ShellcheckCheckout {
 public:
  explicit ShellcheckCheckout(const std::string& tree) {
    char pattern[] = "/tmp/sf_shellcheck_test_XXXXXX";
    root_ = mkdtemp(pattern) ? pattern : "";
    std::filesystem::copy(tree, src(), std::filesystem::copy_options::recursive);
  }
  ~ShellcheckCheckout() { std::filesystem::remove_all(root_); }
  std::string src() const { return root_ + "/src"; }
  CommandResult Shellcheck(const std::string& files) const {
    return RunShell("cd '" + src() + "' && " + kShellcheck + " " + files + " 2>/dev/null");
  }

 private:
  std::string root_;
};

bool Shellcheck090Installed() {
  return RunShell("shellcheck --version").out.find("\nversion: 0.9.0\n") != std::string::npos;
}

std::vector<Finding> ShellcheckFixtureFindings(const std::string& name) {
  auto parsed = ParseShellcheckJson1(ReadFileOrFail(FixturePath(name)), "0.9.0");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? parsed->findings : std::vector<Finding>{};
}

TEST(ShellcheckLiveTest, MultiFileRunMatchesTheFixture) {
  if (!Shellcheck090Installed()) GTEST_SKIP() << "shellcheck 0.9.0 not installed";
  ShellcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/shellcheck"));
  CommandResult run = checkout.Shellcheck("clean.sh errors.sh no_shebang.sh broken.sh");
  EXPECT_EQ(run.exit_code, 1) << "1 = ran and found something";
  auto live = ParseShellcheckJson1(run.out, "0.9.0");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->findings, ShellcheckFixtureFindings("shellcheck_multi.json"));
}

TEST(ShellcheckLiveTest, SampleRepoScriptMatchesTheFixture) {
  if (!Shellcheck090Installed()) GTEST_SKIP() << "shellcheck 0.9.0 not installed";
  ShellcheckCheckout checkout(SampleRepoPath());
  // The fixture was recorded as ./scripts/deploy.sh; the worker may pass
  // scripts/deploy.sh. Both clean to the same path and fingerprints.
  CommandResult run = checkout.Shellcheck("scripts/deploy.sh");
  EXPECT_EQ(run.exit_code, 1);
  auto live = ParseShellcheckJson1(run.out, "0.9.0");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->findings, ShellcheckFixtureFindings("shellcheck.json"));
}

TEST(ShellcheckLiveTest, ExitCodesCleanMissingFileAndBadOption) {
  if (!Shellcheck090Installed()) GTEST_SKIP() << "shellcheck 0.9.0 not installed";
  ShellcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/shellcheck"));
  CommandResult clean = checkout.Shellcheck("clean.sh");
  EXPECT_EQ(clean.exit_code, 0);
  EXPECT_EQ(clean.out, "{\"comments\":[]}\n");
  auto none = ParseShellcheckJson1(clean.out, "0.9.0");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->findings.empty());
  // 2: a file could not be read. stdout is still a well-formed report of the
  // other files, but the run is incomplete, so the caller treats 2 as failure.
  CommandResult missing = checkout.Shellcheck("errors.sh gone.sh");
  EXPECT_EQ(missing.exit_code, 2);
  auto partial = ParseShellcheckJson1(missing.out, "0.9.0");
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_EQ(partial->findings.size(), 5u);
  // 3: bad syntax of the command line; stdout is empty.
  CommandResult bad_option = RunShell(std::string("shellcheck --no-such-option 2>/dev/null"));
  EXPECT_EQ(bad_option.exit_code, 3);
  EXPECT_EQ(ParseShellcheckJson1(bad_option.out, "").status().code(), StatusCode::kDataLoss);
}

TEST(ShellcheckLiveTest, NoRcIgnoresTheCheckoutsShellcheckrc) {
  if (!Shellcheck090Installed()) GTEST_SKIP() << "shellcheck 0.9.0 not installed";
  ShellcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/shellcheck"));
  std::ofstream(checkout.src() + "/.shellcheckrc") << "disable=SC2068,SC2004,SC2086,SC2164\n";
  CommandResult obeying_rc =
      RunShell("cd '" + checkout.src() + "' && shellcheck -f json1 -- errors.sh 2>/dev/null");
  EXPECT_EQ(obeying_rc.exit_code, 0) << "the scanned repo silenced every check";
  CommandResult with_norc = checkout.Shellcheck("errors.sh");
  EXPECT_EQ(with_norc.exit_code, 1);
  auto parsed = ParseShellcheckJson1(with_norc.out, "0.9.0");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->findings.size(), 5u);
}

TEST(ShellcheckLiveTest, NonUtf8FileNameKeepsTheReportReadable) {
  if (!Shellcheck090Installed()) GTEST_SKIP() << "shellcheck 0.9.0 not installed";
  ShellcheckCheckout checkout(SourcePath("tests/fixtures/scanners/samples/shellcheck"));
  std::filesystem::rename(checkout.src() + "/errors.sh", checkout.src() + "/caf\xe9.sh");
  CommandResult run = checkout.Shellcheck("'caf\xe9.sh' no_shebang.sh");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("caf\xed\xb3\xa9.sh"), std::string::npos) << "GHC's surrogate escape";
  auto parsed = ParseShellcheckJson1(run.out, "0.9.0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 6u);
  EXPECT_EQ(parsed->findings[0].path, "no_shebang.sh");
  EXPECT_EQ(parsed->findings[1].path, "caf\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.sh");
}

}  // namespace
}  // namespace scanfleet
