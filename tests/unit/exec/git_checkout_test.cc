// Validated git checkout against a real repository made by the test; hostile
// repo and ref strings are refused before git runs.
#include "worker/workspace/git_checkout.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/exec/test_git.h"
#include "worker/workspace/workspace.h"

namespace scanfleet {
namespace {

class GitCheckoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = "/tmp/sf-git-test-" + std::to_string(getpid());
    std::filesystem::remove_all(root_);
    repo_ = root_ + "/origin";
    std::filesystem::create_directories(repo_);
    RunGit(repo_, {"init", "-q", "-b", "main"});
    std::ofstream(repo_ + "/a.c") << "int main() { return 0; }\n";
    RunGit(repo_, {"add", "a.c"});
    RunGit(repo_, {"commit", "-q", "-m", "one"});
    first_ = RunGit(repo_, {"rev-parse", "HEAD"});
    std::ofstream(repo_ + "/b.py") << "print('two')\n";
    RunGit(repo_, {"add", "b.py"});
    RunGit(repo_, {"commit", "-q", "-m", "two"});
    second_ = RunGit(repo_, {"rev-parse", "HEAD"});
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  StatusOr<CheckoutResult> Checkout(const std::string& repo, const std::string& ref) {
    dest_ = root_ + "/checkout-" + std::to_string(++count_);
    return CheckoutCommit(repo, ref, dest_, root_, 60000, nullptr);
  }

  std::string root_, repo_, first_, second_, dest_;
  int count_ = 0;
};

TEST_F(GitCheckoutTest, ChecksOutBranchAndFullCommit) {
  auto head = Checkout(repo_, "main");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->commit, second_);
  EXPECT_TRUE(std::filesystem::exists(dest_ + "/b.py"));
  auto old = Checkout(repo_, first_);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->commit, first_);
  EXPECT_TRUE(std::filesystem::exists(dest_ + "/a.c"));
  EXPECT_FALSE(std::filesystem::exists(dest_ + "/b.py"));
}

TEST_F(GitCheckoutTest, UnknownRefAndMissingRepoAreBadInput) {
  auto ref = Checkout(repo_, "no-such-branch");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.status().code(), StatusCode::kInvalidArgument);
  auto repo = Checkout(root_ + "/does-not-exist", "main");
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(GitCheckoutTest, HostileStringsAreRefusedAndHarmless) {
  const std::string pwned = "/tmp/pwned-" + std::to_string(getpid());
  for (const std::string& repo :
       {"--upload-pack=touch " + pwned, "ext::sh -c touch% " + pwned,
        std::string("-oProxyCommand=x"), std::string("$(id)"), std::string(";id"),
        std::string("`id`"), std::string("git://x/y"), std::string("relative/path"),
        std::string("/tmp/a\nb"), std::string(10 << 20, 'a')}) {
    EXPECT_EQ(ValidateRepoLocation(repo).code(), StatusCode::kInvalidArgument)
        << repo.substr(0, 40);
    EXPECT_FALSE(Checkout(repo, "main").ok());
  }
  for (const std::string& ref :
       {std::string("--upload-pack=x"), std::string("-oN/etc/x"), std::string("../x"),
        std::string("a..b"), std::string("$(id)"), std::string(";id"), std::string("`id`"),
        std::string("main\nx"), std::string("a b"), std::string(10 << 20, 'a'),
        std::string("x.lock"), std::string("@{-1}")}) {
    EXPECT_EQ(ValidateRef(ref).code(), StatusCode::kInvalidArgument) << ref.substr(0, 40);
    EXPECT_FALSE(Checkout(repo_, ref).ok());
  }
  EXPECT_FALSE(std::filesystem::exists(pwned));
}

TEST(WorkspaceTest, IsPrivateAndRemovedWithItsContents) {
  std::string root = "/tmp/sf-ws-test-" + std::to_string(getpid());
  std::string path;
  {
    auto workspace = Workspace::Create(root, "job-1-1");
    ASSERT_TRUE(workspace.ok()) << workspace.status().ToString();
    path = workspace->path();
    auto perms = std::filesystem::status(path).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_all);
    std::filesystem::create_directories(path + "/src/deep");
    std::ofstream(path + "/src/deep/file") << "x";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace scanfleet
