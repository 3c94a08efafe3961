// PrepareScannerSandbox: flags to the sandbox every scanner run gets, the
// default user switch for a root worker, the work directory reachability
// check and the fallbacks when the host lacks a pids cgroup.
#include "worker/job/sandbox_setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace scanfleet {
namespace {

class SandboxSetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "sandbox-setup-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    flags_.pids_cgroup = "";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  ScannerSandboxFlags flags_;
};

TEST_F(SandboxSetupTest, FlagsBecomeLimits) {
  flags_.user = "self";
  flags_.max_memory_mb = 100;
  flags_.max_cpu_seconds = 7;
  flags_.max_open_files = 64;
  flags_.max_processes = 32;
  flags_.max_file_size_mb = 2;
  flags_.sast_network = "allow";
  auto sandbox = PrepareScannerSandbox(flags_, root_ + "/work");
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  EXPECT_EQ(sandbox->limits.address_space_bytes, uint64_t{100} << 20);
  EXPECT_EQ(sandbox->limits.cpu_seconds, 7u);
  EXPECT_EQ(sandbox->limits.open_files, 64u);
  EXPECT_EQ(sandbox->limits.processes, 32u);
  EXPECT_EQ(sandbox->limits.file_size_bytes, uint64_t{2} << 20);
  EXPECT_FALSE(sandbox->isolate_sast_network);
  EXPECT_FALSE(sandbox->run_as.has_value());
}

TEST_F(SandboxSetupTest, BadValuesAreRefused) {
  flags_.user = "self";
  flags_.sast_network = "sometimes";
  EXPECT_EQ(PrepareScannerSandbox(flags_, root_ + "/work").status().code(),
            StatusCode::kInvalidArgument);
  flags_.sast_network = "isolate";
  flags_.user = "no-such-user-xyz";
  EXPECT_FALSE(PrepareScannerSandbox(flags_, root_ + "/work").ok());
}

TEST_F(SandboxSetupTest, UnusablePidsCgroupFallsBackToRlimitsAlone) {
  flags_.user = "self";
  flags_.pids_cgroup = root_ + "/missing/parent/cgroup";
  auto sandbox = PrepareScannerSandbox(flags_, root_ + "/work");
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  EXPECT_EQ(sandbox->pids_cgroup_parent, "");
}

TEST_F(SandboxSetupTest, RootWorkerRunsScannersAsNobodyWhoMustReachTheWorkDir) {
  if (geteuid() != 0) GTEST_SKIP() << "the default user switch applies to root workers";
  ASSERT_EQ(chmod(root_.c_str(), 0700), 0);
  auto closed = PrepareScannerSandbox(flags_, root_ + "/work");
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(closed.status().message().find(root_), std::string::npos);

  ASSERT_EQ(chmod(root_.c_str(), 0711), 0);
  auto sandbox = PrepareScannerSandbox(flags_, root_ + "/work");
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  ASSERT_TRUE(sandbox->run_as.has_value());
  EXPECT_EQ(sandbox->run_as->name, "nobody");
  struct stat info;
  ASSERT_EQ(stat((root_ + "/work").c_str(), &info), 0);
  EXPECT_NE(info.st_mode & S_IXOTH, 0u) << "the work dir is made searchable";
}

}  // namespace
}  // namespace scanfleet
