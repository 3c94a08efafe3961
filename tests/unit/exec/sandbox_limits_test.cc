// What a sandboxed child sees: its resource limits (no core dumps), no
// descriptor of the parent, another user, and setup failures reported as
// clear Statuses. Real processes; see sandbox_containment_test.cc for the
// hostile ones.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/exec/test_spec.h"
#include "worker/exec/process_runner.h"

namespace scanfleet {
namespace {

using testing::Spec;

// "soft hard" of one line of /proc/self/limits, e.g. "Max open files".
std::string LimitLine(const std::string& limits, const std::string& name) {
  std::istringstream lines(limits);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name, 0) != 0) continue;
    std::istringstream fields(line.substr(name.size()));
    std::string soft, hard;
    fields >> soft >> hard;
    return soft + " " + hard;
  }
  return "missing";
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sf-sandbox-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(SandboxLimitsTest, ChildRunsWithTheGivenLimitsAndNoCoreDumps) {
  ProcessSpec spec = Spec({"cat", "/proc/self/limits"});
  spec.timeout_ms = 9500;
  spec.limits.address_space_bytes = uint64_t{3} << 30;
  spec.limits.open_files = 77;
  spec.limits.processes = 333;
  spec.limits.file_size_bytes = 5 << 20;
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const std::string& limits = result->stdout_data;
  EXPECT_EQ(LimitLine(limits, "Max core file size"), "0 0");
  EXPECT_EQ(LimitLine(limits, "Max cpu time"), "11 12") << "timeout seconds + 1, then SIGKILL";
  EXPECT_EQ(LimitLine(limits, "Max address space"), "3221225472 3221225472");
  EXPECT_EQ(LimitLine(limits, "Max open files"), "77 77");
  EXPECT_EQ(LimitLine(limits, "Max processes"), "333 333");
  EXPECT_EQ(LimitLine(limits, "Max file size"), "5242880 5242880");
}

TEST(SandboxLimitsTest, WritingPastTheFileSizeLimitFails) {
  TempDir dir;
  ProcessSpec spec = Spec({"dd", "if=/dev/zero", "of=big", "bs=65536", "count=32"});
  spec.cwd = dir.path();
  spec.limits.file_size_bytes = 1 << 20;
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->term_signal, SIGXFSZ);
  EXPECT_EQ(std::filesystem::file_size(dir.path() + "/big"), uintmax_t{1} << 20);
}

TEST(SandboxLimitsTest, NoDescriptorOfTheParentLeaks) {
  int leaky = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 0);
  ASSERT_EQ(dup2(leaky, 100), 100);
  auto result = RunProcess(Spec({"ls", "/proc/self/fd"}));
  close(100);
  close(leaky);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // 0-2 are the child's stdio; 3 is the directory ls itself opened.
  EXPECT_EQ(result->stdout_data, "0\n1\n2\n3\n");
}

TEST(SandboxLimitsTest, SignalDispositionsAndMaskAreReset) {
  signal(SIGPIPE, SIG_IGN);
  auto result = RunProcess(Spec({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stdout_data, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(SandboxLimitsTest, RunsAsTheGivenUserWithoutSupplementaryGroups) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  auto nobody = LookUpRunAsUser("nobody");
  if (!nobody.ok()) GTEST_SKIP() << "no 'nobody' user";
  ProcessSpec spec = Spec({"id"});
  spec.run_as = *nobody;
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::string uid = std::to_string(nobody->uid), gid = std::to_string(nobody->gid);
  EXPECT_EQ(result->stdout_data.rfind("uid=" + uid + "(", 0), 0u) << result->stdout_data;
  EXPECT_NE(result->stdout_data.find(" gid=" + gid + "("), std::string::npos);
  EXPECT_NE(result->stdout_data.find(" groups=" + gid + "("), std::string::npos);
  EXPECT_EQ(result->stdout_data.find(",", result->stdout_data.find("groups=")), std::string::npos)
      << "no supplementary group kept";
}

TEST(SandboxLimitsTest, UnreadableWorkingDirectoryIsAClearError) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  auto nobody = LookUpRunAsUser("nobody");
  if (!nobody.ok()) GTEST_SKIP() << "no 'nobody' user";
  TempDir dir;  // 0700, owned by root
  ProcessSpec spec = Spec({"true"});
  spec.cwd = dir.path();
  spec.run_as = *nobody;
  auto result = RunProcess(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_NE(result.status().message().find("chdir"), std::string::npos)
      << result.status().ToString();
}

TEST(SandboxLimitsTest, FailedExecIsNotFoundNotAnExitCode) {
  auto missing = RunProcess(Spec({"/nonexistent/scanner"}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("cannot be run"), std::string::npos);
  TempDir dir;
  std::string not_executable = dir.path() + "/script";
  { std::ofstream(not_executable) << "#!/bin/sh\n"; }
  auto refused = RunProcess(Spec({not_executable}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace scanfleet
