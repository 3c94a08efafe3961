// Shard assignment: stable (a fixed path maps to a fixed shard on every
// machine and version), and across shards every file is scanned exactly once.
#include "common/incremental/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace scanfleet {
namespace {

std::vector<std::string> ManyPaths() {
  std::vector<std::string> paths;
  for (int i = 0; i < 2000; ++i) {
    paths.push_back("src/module_" + std::to_string(i % 37) + "/file_" + std::to_string(i) + ".c");
  }
  paths.push_back("dir with spaces/ünïcödé.py");
  return paths;
}

TEST(ShardTest, EveryFileFallsInExactlyOneShard) {
  std::vector<std::string> paths = ManyPaths();
  for (uint32_t count : {2u, 3u, 4u, 7u, 64u}) {
    std::map<std::string, int> seen;
    for (uint32_t shard = 0; shard < count; ++shard) {
      for (const std::string& path : paths) {
        if (PathInShard(path, shard, count)) ++seen[path];
      }
    }
    ASSERT_EQ(seen.size(), paths.size()) << count;
    for (const auto& [path, times] : seen) EXPECT_EQ(times, 1) << path << " in " << count;
  }
}

TEST(ShardTest, ShardsAreBalancedEnough) {
  std::vector<std::string> paths = ManyPaths();
  std::vector<int> sizes(4, 0);
  for (const std::string& path : paths) ++sizes[ShardOfPath(path, 4)];
  for (int size : sizes) {
    EXPECT_GT(size, 400);  // ~500 each; a broken hash puts everything in one
    EXPECT_LT(size, 600);
  }
}

TEST(ShardTest, AssignmentIsStableAcrossRunsAndMachines) {
  // Pinned values: SHA-256's first 8 bytes, big-endian, modulo the count.
  // If these change, workers of two versions would split one scan differently.
  EXPECT_EQ(ShardOfPath("src/main.c", 4), ShardOfPath("src/main.c", 4));
  // sha256("a") = ca978112ca1bbdca...: 0xca978112ca1bbdca % 4 == 2, % 7 == ...
  EXPECT_EQ(ShardOfPath("a", 4), 0xca978112ca1bbdcaULL % 4);
  EXPECT_EQ(ShardOfPath("a", 7), 0xca978112ca1bbdcaULL % 7);
  EXPECT_EQ(ShardOfPath("a", 64), 0xca978112ca1bbdcaULL % 64);
}

TEST(ShardTest, UnshardedJobsTakeEverything) {
  EXPECT_TRUE(PathInShard("x.c", 0, 0));
  EXPECT_TRUE(PathInShard("x.c", 0, 1));
  EXPECT_EQ(ShardOfPath("x.c", 1), 0u);
  EXPECT_EQ(ShardOfPath("x.c", 0), 0u);
}

}  // namespace
}  // namespace scanfleet
