// The worker's reading of .scanfleet/suppressions.json from an untrusted checkout.
#include "worker/workspace/repo_suppressions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace scanfleet {
namespace {

namespace fs = std::filesystem;

class RepoSuppressionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("sf-reposupp-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "checkout");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  std::string Read() { return ReadRepoSuppressions((root_ / "checkout").string()); }
  fs::path root_;
};

TEST_F(RepoSuppressionsTest, AbsentFileIsEmpty) { EXPECT_EQ(Read(), ""); }

TEST_F(RepoSuppressionsTest, RegularFileIsReturnedVerbatim) {
  Write(root_ / "checkout/.scanfleet/suppressions.json", "{\"suppressions\": []}\n");
  EXPECT_EQ(Read(), "{\"suppressions\": []}\n");
}

TEST_F(RepoSuppressionsTest, SymlinksAreRefused) {
  Write(root_ / "secret.json", "{\"outside\": true}");
  fs::create_directories(root_ / "checkout/.scanfleet");
  fs::create_symlink(root_ / "secret.json", root_ / "checkout/.scanfleet/suppressions.json");
  std::string read = Read();
  EXPECT_EQ(read.rfind(kRepoSuppressionsErrorPrefix, 0), 0u) << read;
  EXPECT_EQ(read.find("outside"), std::string::npos);

  fs::remove_all(root_ / "checkout/.scanfleet");
  Write(root_ / "elsewhere/suppressions.json", "{\"outside\": true}");
  fs::create_directory_symlink(root_ / "elsewhere", root_ / "checkout/.scanfleet");
  read = Read();
  EXPECT_EQ(read.rfind(kRepoSuppressionsErrorPrefix, 0), 0u) << read;
  EXPECT_EQ(read.find("outside"), std::string::npos);
}

TEST_F(RepoSuppressionsTest, OversizedOrNonRegularFileIsRefused) {
  Write(root_ / "checkout/.scanfleet/suppressions.json", std::string(64 * 1024 + 1, ' '));
  EXPECT_NE(Read().find("larger than 64 KiB"), std::string::npos);
  fs::remove(root_ / "checkout/.scanfleet/suppressions.json");
  fs::create_directory(root_ / "checkout/.scanfleet/suppressions.json");
  EXPECT_EQ(Read().rfind(kRepoSuppressionsErrorPrefix, 0), 0u);
}

}  // namespace
}  // namespace scanfleet
