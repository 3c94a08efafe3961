// Nothing a scanner prints makes the worker read outside the checkout: finding
// paths that climb out, are absolute, or go through a symlink that points out
// of the checkout get no snippet; the file list never follows symlinks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "worker/job/checkout_source_lines.h"
#include "worker/job/scan_files.h"

namespace scanfleet {
namespace {

namespace fs = std::filesystem;

class ScanFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("sf-scanfiles-" + std::to_string(getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "checkout/src");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "checkout/src/a.c") << "int main() {\n  gets(buf);\n}\n";
    std::ofstream(base_ / "outside/secret.txt") << "line one\nTOP SECRET\n";
    fs::create_directory_symlink(base_ / "outside", base_ / "checkout/src/escape");
    fs::create_symlink(base_ / "outside/secret.txt", base_ / "checkout/src/leak.c");
  }
  void TearDown() override { fs::remove_all(base_); }
  std::string Root() const { return (base_ / "checkout").string(); }

  Finding At(const std::string& path, int line) {
    Finding finding;
    finding.tool = "cppcheck";
    finding.rule_id = "r";
    finding.path = path;
    finding.line = line;
    return finding;
  }
  fs::path base_;
};

TEST_F(ScanFilesTest, SnippetsAreReadOnlyFromInsideTheCheckout) {
  std::vector<Finding> findings = {
      At("src/a.c", 2),
      At("../outside/secret.txt", 2),
      At((base_ / "outside/secret.txt").string(), 2),
      At("src/escape/secret.txt", 2),
      At("src/leak.c", 2),
      At("src/./../../outside/secret.txt", 2),
  };
  FillMissingSnippets(findings, CheckoutSourceLines(Root()));
  EXPECT_EQ(findings[0].snippet, "  gets(buf);");
  for (size_t i = 1; i < findings.size(); ++i) {
    EXPECT_EQ(findings[i].snippet, "") << findings[i].path;
  }
}

TEST_F(ScanFilesTest, FileListNeverFollowsSymlinksOut) {
  auto files = FindScanFiles(Root(), {"*.c", "*.txt"}, 100);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, std::vector<std::string>{"src/a.c"});
}

}  // namespace
}  // namespace scanfleet
