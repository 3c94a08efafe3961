// Parsing `git diff --name-status -z -M`: every status git emits for a
// two-commit diff, renames with their score, paths with spaces and unicode,
// and hostile input (climbing or absolute paths, unterminated records,
// unmerged entries) refused as a whole.
#include "common/incremental/name_status.h"

#include <gtest/gtest.h>

#include <string>

namespace scanfleet {
namespace {

using namespace std::string_literals;

TEST(NameStatusTest, ParsesEveryKindOfChange) {
  std::string text =
      "M\0src/a.c\0A\0src/new.c\0D\0old/gone.py\0R100\0lib/x.c\0lib/y.c\0"
      "R087\0m.c\0n/m2.c\0T\0link.c\0C075\0base.c\0copy.c\0"s;
  auto parsed = ParseNameStatus(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->changed,
            (std::vector<std::string>{"src/a.c", "src/new.c", "link.c", "copy.c"}));
  EXPECT_EQ(parsed->deleted, std::vector<std::string>{"old/gone.py"});
  ASSERT_EQ(parsed->renames.size(), 2u);
  EXPECT_EQ(parsed->renames[0], (FileRename{"lib/x.c", "lib/y.c", 100}));
  EXPECT_EQ(parsed->renames[1], (FileRename{"m.c", "n/m2.c", 87}));
}

TEST(NameStatusTest, EmptyDiffHasNoChanges) {
  auto parsed = ParseNameStatus("");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->changed.empty() && parsed->deleted.empty() && parsed->renames.empty());
}

TEST(NameStatusTest, KeepsSpacesUnicodeAndOddBytesVerbatim) {
  // -z output is not quoted: names arrive as they are in the tree.
  std::string text = "M\0dir with spaces/file name.c\0A\0ünï/cødé ✓.py\0A\0tab\there.c\0"s;
  auto parsed = ParseNameStatus(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->changed, (std::vector<std::string>{"dir with spaces/file name.c",
                                                       "ünï/cødé ✓.py", "tab\there.c"}));
}

TEST(NameStatusTest, RefusesPathsThatLeaveTheTree) {
  for (std::string bad :
       {"../x"s, "a/../../x"s, "/etc/passwd"s, "a//b"s, "./a"s, "a/."s, "a/"s, ""s, "a\nb"s}) {
    std::string text = "M\0"s + bad + "\0"s;
    EXPECT_FALSE(ParseNameStatus(text).ok()) << bad;
    std::string rename = "R100\0ok.c\0"s + bad + "\0"s;
    EXPECT_FALSE(ParseNameStatus(rename).ok()) << bad;
  }
}

TEST(NameStatusTest, RefusesMalformedRecords) {
  for (std::string bad :
       {"M\0a.c"s, "M"s, "R100\0a.c\0"s, "R\0a\0b\0"s, "R101\0a\0b\0"s, "Rx9\0a\0b\0"s,
        "R1000\0a\0b\0"s, "U\0a.c\0"s, "X\0a.c\0"s, "MM\0a.c\0"s, "\0a.c\0"s, "D\0"s}) {
    EXPECT_FALSE(ParseNameStatus(bad).ok()) << testing::PrintToString(bad);
  }
}

TEST(NameStatusTest, SafePathRules) {
  EXPECT_TRUE(IsSafeDiffPath("a"));
  EXPECT_TRUE(IsSafeDiffPath("a/b/c.d"));
  EXPECT_TRUE(IsSafeDiffPath("..a/b.."));  // dots inside a name are fine
  EXPECT_FALSE(IsSafeDiffPath(".."));
  EXPECT_FALSE(IsSafeDiffPath(std::string(4097, 'a')));
  EXPECT_TRUE(IsSafeDiffPath(std::string(4096, 'a')));
}

}  // namespace
}  // namespace scanfleet
