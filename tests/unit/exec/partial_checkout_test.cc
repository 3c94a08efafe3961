// A files-only checkout against a real repository made by the test: the
// commit's listing gives the same files to scan as walking a full checkout,
// and writing some paths writes exactly those, taken literally.
#include "worker/workspace/partial_checkout.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/unit/exec/test_git.h"
#include "worker/job/scan_files.h"
#include "worker/workspace/git_checkout.h"

namespace scanfleet {
namespace {

namespace fs = std::filesystem;

// Files under `root`, relative, skipping .git.
std::set<std::string> FilesUnder(const fs::path& root) {
  std::set<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_directory() || it->is_symlink()) {
      files.insert(fs::relative(it->path(), root).generic_string());
    }
  }
  return files;
}

class PartialCheckoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = "/tmp/sf-partial-test-" + std::to_string(getpid());
    fs::remove_all(root_);
    origin_ = root_ + "/origin";
    fs::create_directories(origin_ + "/src/sub dir");
    fs::create_directories(origin_ + "/.scanfleet");
    RunGit(origin_, {"init", "-q", "-b", "main"});
    for (const char* path : {"a.c", "src/b.h", "src/we*ird [1].c", "src/-dash.c",
                             "src/sub dir/\xc3\xbc.c", "notes.txt", "run.sh"}) {
      std::ofstream(origin_ + "/" + path) << "/* " << path << " */\n";
    }
    std::ofstream(origin_ + "/.scanfleet/suppressions.json") << "{}\n";
    fs::permissions(origin_ + "/run.sh", fs::perms::owner_exec, fs::perm_options::add);
    fs::create_symlink("a.c", origin_ + "/link.c");
    RunGit(origin_, {"add", "-A"});
    RunGit(origin_, {"commit", "-q", "-m", "one"});
    // A submodule entry: a commit in the tree, not a file of it.
    RunGit(origin_, {"update-index", "--add", "--cacheinfo",
                     "160000," + RunGit(origin_, {"rev-parse", "HEAD"}) + ",vendor/lib.c"});
    RunGit(origin_, {"commit", "-q", "-m", "two"});
  }
  void TearDown() override { fs::remove_all(root_); }

  // A clone without a working tree, and its commit.
  std::string Clone(const std::string& name) {
    auto cloned = CloneAndResolve(origin_, "main", root_ + "/" + name, root_, 60000, nullptr);
    EXPECT_TRUE(cloned.ok()) << cloned.status().ToString();
    return cloned.ok() ? cloned->commit : "";
  }

  std::string root_, origin_;
};

TEST_F(PartialCheckoutTest, ListsRegularFilesAndSymlinksButNoSubmodule) {
  std::string commit = Clone("c");
  auto tree = ListTreeFiles(root_ + "/c", commit, root_, 60000, nullptr);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  std::vector<std::string> paths;
  for (const TreeFile& file : *tree) {
    paths.push_back(file.path);
    EXPECT_EQ(file.regular, file.path != "link.c") << file.path;
  }
  EXPECT_EQ(paths, (std::vector<std::string>{".scanfleet/suppressions.json", "a.c", "link.c",
                                             "notes.txt", "run.sh", "src/-dash.c", "src/b.h",
                                             "src/sub dir/\xc3\xbc.c", "src/we*ird [1].c"}));
  EXPECT_TRUE(FilesUnder(root_ + "/c").empty()) << "listing writes no file";
}

TEST(TreeListingTest, KeepsFilesAndSkipsSubmodulesAndMalformedRecords) {
  using namespace std::string_literals;
  const std::string listing =
      "100644 blob e69d\tz/tab\there.c\0"s  // a tab in a path is part of it
      "160000 commit 1234\tvendor/lib\0"s   // a submodule: not a file
      "120000 blob abcd\tlink.c\0"s
      "100755 blob beef\ta b.sh\0"s
      "no tab at all\0"s
      "100644 blob e69d\t\0"s       // an empty path
      "040000 tree 9876\tdir\0"s    // a tree record (not with -r, but refused)
      "100644\tno-type.c\0"s        // the mode runs into the tab: refused
      "100644 blob e69d\tlast.c"s;  // no final NUL
  auto files = ParseTreeListing(listing);
  std::vector<std::pair<std::string, bool>> got;
  for (const TreeFile& file : files) got.emplace_back(file.path, file.regular);
  EXPECT_EQ(got,
            (std::vector<std::pair<std::string, bool>>{
                {"a b.sh", true}, {"last.c", true}, {"link.c", false}, {"z/tab\there.c", true}}));
  EXPECT_TRUE(ParseTreeListing("").empty());
}

TEST_F(PartialCheckoutTest, TreeListingSelectsWhatWalkingAFullCheckoutSelects) {
  const std::vector<std::string> patterns = {"*.c", "*.h", "*.json"};
  auto full = CheckoutCommit(origin_, "main", root_ + "/full", root_, 60000, nullptr);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  auto walked = FindScanFiles(root_ + "/full", patterns, 100);
  ASSERT_TRUE(walked.ok()) << walked.status().ToString();
  auto tree = ListTreeFiles(root_ + "/full", full->commit, root_, 60000, nullptr);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  auto listed = ScanFilesOfTree(*tree, patterns, 100);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(*listed, *walked);
  EXPECT_EQ(listed->size(), 6u) << "the symlink and the submodule are not scanned";
  EXPECT_EQ(ScanFilesOfTree(*tree, patterns, 5).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(FindScanFiles(root_ + "/full", patterns, 5).status().code(),
            StatusCode::kResourceExhausted);
}

TEST_F(PartialCheckoutTest, WritesExactlyTheGivenPathsTakenLiterally) {
  std::string commit = Clone("c");
  const std::vector<std::string> wanted = {"src/we*ird [1].c", "src/-dash.c",
                                           "src/sub dir/\xc3\xbc.c", "link.c"};
  Status written = CheckoutPaths(root_ + "/c", commit, wanted, root_, 60000, nullptr);
  ASSERT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(FilesUnder(root_ + "/c"), std::set<std::string>(wanted.begin(), wanted.end()))
      << "'we*ird [1].c' is a name, not a glob that also matches the other .c files";
  EXPECT_TRUE(fs::is_symlink(root_ + "/c/link.c"));
  std::ifstream dash(root_ + "/c/src/-dash.c");
  std::string content((std::istreambuf_iterator<char>(dash)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "/* src/-dash.c */\n");
  EXPECT_TRUE(CheckoutPaths(root_ + "/c", commit, {}, root_, 60000, nullptr).ok());
}

TEST_F(PartialCheckoutTest, APathNotInTheCommitFailsAndNothingIsGlobbed) {
  std::string commit = Clone("c");
  for (const char* path : {"missing.c", "*.c", "src/*"}) {
    Status written = CheckoutPaths(root_ + "/c", commit, {path}, root_, 60000, nullptr);
    EXPECT_EQ(written.code(), StatusCode::kUnavailable) << path;
  }
  EXPECT_TRUE(FilesUnder(root_ + "/c").empty());
}

}  // namespace
}  // namespace scanfleet
