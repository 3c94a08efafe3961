// Expected values come from running the reference algorithm (a transcription
// of github/codeql-action's fingerprints.ts, line_hash_reference.js beside
// this file) with node on the same inputs.
#include "controller/report/line_hash.h"

#include <gtest/gtest.h>

namespace scanfleet::report {
namespace {

using Hashes = std::vector<std::string>;

TEST(LineHashTest, EmptyFileHasTheEndOfFileLine) {
  EXPECT_EQ(LineHashes(""), Hashes({"c129715d7a2bc9a3:1"}));
}

TEST(LineHashTest, MatchesReferenceOnSmallFiles) {
  EXPECT_EQ(LineHashes("a\n"), Hashes({"243cbaa4685aab12:1", "c129715d7a2bc9a3:1"}));
  EXPECT_EQ(LineHashes("int main() {\n  return 0;\n}\n"),
            Hashes({"550fa3eaed3e1fa1:1", "1faea435564ce3cb:1", "32dce9ccfdbc9d3e:1",
                    "c129715d7a2bc9a3:1"}));
  EXPECT_EQ(LineHashes("same\nsame\nsame"),
            Hashes({"3a51e5a56e90f4f1:1", "ecbdbf3552acd07d:1", "793f1c3a4abeb3f9:1"}));
  EXPECT_EQ(LineHashes("os.system(cmd)"), Hashes({"2f3643842cc9db5d:1"}));
}

TEST(LineHashTest, LineEndingsAreNormalizedAndBlanksSkipped) {
  EXPECT_EQ(LineHashes("a\r\nb\rc\n"), Hashes({"52668e89249e7477:1", "9ed7939040abc6c0:1",
                                               "3791504be0bd17cc:1", "c129715d7a2bc9a3:1"}));
  EXPECT_EQ(LineHashes("\tindent  ed \n"), Hashes({"b7a00eb1ba6ccdc:1", "c129715d7a2bc9a3:1"}));
}

TEST(LineHashTest, NonAsciiIsHashedAsUtf16CodeUnits) {
  EXPECT_EQ(LineHashes("h\xC3\xA9llo \xF0\x9F\x99\x82\nw\xC3\xB6rld\n"),
            Hashes({"1969502d9272970d:1", "6cdcd57a62f4b060:1", "c129715d7a2bc9a3:1"}));
}

TEST(LineHashTest, WindowSpansMoreThanOneLine) {
  std::string long_line = "x = ";
  for (int i = 0; i < 15; ++i) long_line += "abcdefghij";
  EXPECT_EQ(LineHashes(long_line + "\nshort\n"),
            Hashes({"256550de17a58004:1", "8bf8ff854171d875:1", "c129715d7a2bc9a3:1"}));
}

TEST(LineHashTest, RepeatedWindowsAreCounted) {
  std::string file;
  for (int i = 0; i < 60; ++i) file += "x\n";
  Hashes hashes = LineHashes(file);
  ASSERT_EQ(hashes.size(), 61u);
  EXPECT_EQ(hashes[0], "c0fe7b2700d6c254:1");
  EXPECT_EQ(hashes[1], "c0fe7b2700d6c254:2");
  EXPECT_EQ(hashes[10], "c0fe7b2700d6c254:11");
  EXPECT_EQ(hashes[59], "828973aa50c68d6d:1");
  EXPECT_EQ(hashes[60], "c129715d7a2bc9a3:1");
}

}  // namespace
}  // namespace scanfleet::report
