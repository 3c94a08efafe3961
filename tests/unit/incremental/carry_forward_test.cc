// Carrying a base scan's findings forward: unchanged files keep theirs,
// changed/deleted files lose them, a file renamed unmodified keeps them under
// the new path with the fingerprints a fresh scan of that path would get, a
// renamed-and-modified one keeps nothing, and shards split the carried set.
#include "common/incremental/carry_forward.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/incremental/shard.h"

namespace scanfleet {
namespace {

Finding Hit(const std::string& path, int line, const std::string& rule,
            const std::string& snippet) {
  Finding f;
  f.tool = "flawfinder";
  f.rule_id = rule;
  f.path = path;
  f.line = line;
  f.snippet = snippet;
  return f;
}

// The base scan: findings as a scanner reports them (fingerprinted per run).
std::vector<Finding> Base() {
  std::vector<Finding> base = {
      Hit("keep.c", 3, "FF1", "strcpy(a, b);"),    Hit("keep.c", 9, "FF1", "strcpy(a, b);"),
      Hit("changed.c", 4, "FF2", "gets(x);"),      Hit("gone.c", 1, "FF3", "system(cmd);"),
      Hit("moved.c", 7, "FF1", "strcpy(a, b);"),   Hit("moved.c", 8, "FF1", "strcpy(a, b);"),
      Hit("edited.c", 2, "FF4", "sprintf(s, f);"), Hit("target.c", 5, "FF5", "old();"),
  };
  AssignFingerprints(base);
  return base;
}

TEST(CarryForwardTest, KeepsOnlyUnchangedFilesAndRewritesUnmodifiedRenames) {
  CommitChanges changes;
  changes.changed = {"changed.c", "edited2.c"};
  changes.deleted = {"gone.c"};
  changes.renames = {{"moved.c", "dir/moved_to.c", 100},
                     {"edited.c", "edited2.c", 100},
                     {"other.c", "target.c", 100}};
  std::vector<Finding> carried = CarryForward(Base(), changes, 0, 0);
  std::vector<std::string> paths;
  for (const Finding& f : carried) paths.push_back(f.path + ":" + std::to_string(f.line));
  EXPECT_EQ(paths, (std::vector<std::string>{"keep.c:3", "keep.c:9", "dir/moved_to.c:7",
                                             "dir/moved_to.c:8"}));
  // Unchanged files keep their fingerprints exactly.
  EXPECT_EQ(carried[0].fingerprint, Base()[0].fingerprint);
  EXPECT_EQ(carried[1].fingerprint, Base()[1].fingerprint);
  // Moved findings get what a fresh scan of the new path gets, occurrences kept.
  std::vector<Finding> fresh = {Hit("dir/moved_to.c", 7, "FF1", "strcpy(a, b);"),
                                Hit("dir/moved_to.c", 8, "FF1", "strcpy(a, b);")};
  AssignFingerprints(fresh);
  EXPECT_EQ(carried[2].fingerprint, fresh[0].fingerprint);
  EXPECT_EQ(carried[3].fingerprint, fresh[1].fingerprint);
  EXPECT_NE(carried[2].fingerprint, carried[3].fingerprint);
  EXPECT_NE(carried[2].fingerprint, Base()[4].fingerprint);
}

TEST(CarryForwardTest, RenamedAndModifiedFileCarriesNothing) {
  CommitChanges changes;
  changes.changed = {"moved2.c"};
  changes.renames = {{"moved.c", "moved2.c", 80}};
  for (const Finding& f : CarryForward(Base(), changes, 0, 0)) {
    EXPECT_NE(f.path, "moved.c");
    EXPECT_NE(f.path, "moved2.c");
  }
  // Even at similarity 100 the controller drops it when the worker listed it changed.
  changes.renames = {{"moved.c", "moved2.c", 100}};
  for (const Finding& f : CarryForward(Base(), changes, 0, 0)) EXPECT_NE(f.path, "moved2.c");
}

TEST(CarryForwardTest, ChainedRenamesFollowEachFile) {
  CommitChanges changes;  // keep.c -> moved.c, moved.c -> third.c, all unmodified
  changes.renames = {{"keep.c", "moved.c", 100}, {"moved.c", "third.c", 100}};
  std::map<std::string, int> per_path;
  for (const Finding& f : CarryForward(Base(), changes, 0, 0)) ++per_path[f.path];
  EXPECT_EQ(per_path["moved.c"], 2);  // keep.c's two hits
  EXPECT_EQ(per_path["third.c"], 2);  // old moved.c's two hits
  EXPECT_EQ(per_path.count("keep.c"), 0u);
}

TEST(CarryForwardTest, ShardsPartitionTheCarriedFindings) {
  CommitChanges changes;
  changes.renames = {{"moved.c", "dir/moved_to.c", 100}};
  std::vector<Finding> all = CarryForward(Base(), changes, 0, 0);
  std::vector<Finding> united;
  for (uint32_t shard = 0; shard < 3; ++shard) {
    for (const Finding& f : CarryForward(Base(), changes, shard, 3)) {
      EXPECT_EQ(ShardOfPath(f.path, 3), shard) << f.path;
      united.push_back(f);
    }
  }
  auto key = [](const Finding& f) { return f.fingerprint; };
  std::vector<std::string> a, b;
  std::transform(all.begin(), all.end(), std::back_inserter(a), key);
  std::transform(united.begin(), united.end(), std::back_inserter(b), key);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace scanfleet
