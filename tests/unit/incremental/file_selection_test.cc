// What a per-file job scans and reports: its shard, only changed files when
// incremental, renames reported so the controller can move findings, and
// changes outside the scanner's patterns left out.
#include "worker/job/file_selection.h"

#include <gtest/gtest.h>

#include "common/incremental/shard.h"
#include "worker/job/file_batches.h"

namespace scanfleet {
namespace {

const std::vector<std::string> kPatterns = {"*.c", "*.h"};

TEST(FileSelectionTest, FullScanTakesItsShard) {
  std::vector<std::string> matching = {"a.c", "b.c", "c.h", "d/e.c", "f.c", "g.c"};
  size_t total = 0;
  for (uint32_t shard = 0; shard < 3; ++shard) {
    FileSelection s = SelectFiles(matching, kPatterns, std::nullopt, shard, 3);
    for (const std::string& path : s.files) EXPECT_EQ(ShardOfPath(path, 3), shard);
    total += s.files.size();
    EXPECT_TRUE(s.changed.empty() && s.deleted.empty() && s.renames.empty());
  }
  EXPECT_EQ(total, matching.size());
  EXPECT_EQ(SelectFiles(matching, kPatterns, std::nullopt, 0, 0).files, matching);
}

TEST(FileSelectionTest, IncrementalScansOnlyNewContent) {
  std::vector<std::string> matching = {"added.c", "keep.c", "mod.c", "moved.c", "edited.c"};
  CommitChanges changes;
  changes.changed = {"added.c", "mod.c", "README.md", "edited.c"};
  changes.deleted = {"gone.c", "gone.txt"};
  changes.renames = {{"old.c", "moved.c", 100},
                     {"e.c", "edited.c", 90},
                     {"script.c", "script.sh", 100},
                     {"notes.txt", "notes.c", 100}};
  FileSelection s = SelectFiles(matching, kPatterns, changes, 0, 0);
  // notes.c is not in `matching` (say, a symlink): not scanned, but reported changed.
  EXPECT_EQ(s.files, (std::vector<std::string>{"added.c", "mod.c", "edited.c"}));
  EXPECT_EQ(s.changed,
            (std::vector<std::string>{"added.c", "mod.c", "edited.c", "edited.c", "notes.c"}));
  EXPECT_EQ(s.deleted, (std::vector<std::string>{"gone.c", "script.c"}));
  ASSERT_EQ(s.renames.size(), 2u);
  EXPECT_EQ(s.renames[0], (FileRename{"old.c", "moved.c", 100}));
  EXPECT_EQ(s.renames[1], (FileRename{"e.c", "edited.c", 90}));
}

TEST(FileSelectionTest, IncrementalAndShardedIntersect) {
  std::vector<std::string> matching;
  CommitChanges changes;
  for (int i = 0; i < 40; ++i) {
    matching.push_back("f" + std::to_string(i) + ".c");
    if (i % 4 == 0) changes.changed.push_back(matching.back());
  }
  size_t scanned = 0;
  for (uint32_t shard = 0; shard < 2; ++shard) {
    FileSelection s = SelectFiles(matching, kPatterns, changes, shard, 2);
    scanned += s.files.size();
    EXPECT_EQ(s.changed.size(), 10u);  // every shard reports every change
  }
  EXPECT_EQ(scanned, 10u);
}

TEST(FileSelectionTest, LongFileListsRunInBatchesThatFitACommandLine) {
  std::vector<std::string> files;
  for (int i = 0; i < 50000; ++i) {
    files.push_back("some/deeply/nested/directory/tree/file_number_" + std::to_string(i) + ".c");
  }
  auto batches = SplitIntoBatches(files);
  ASSERT_GT(batches.size(), 1u);
  std::vector<std::string> joined;
  for (const auto& batch : batches) {
    size_t bytes = 0;
    for (const std::string& f : batch) bytes += f.size() + 3 + sizeof(char*);
    EXPECT_LE(bytes, kMaxFileArgBytes);
    joined.insert(joined.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(joined, files);  // every file once, in order
  EXPECT_EQ(SplitIntoBatches(std::vector<std::string>(5000, "src/a/b/file.c")).size(), 1u);
  EXPECT_EQ(SplitIntoBatches({}).size(), 1u);
  EXPECT_EQ(SplitIntoBatches({"a.c", "b.c", "c.c"}, 10).size(), 3u);  // one too long each
}

}  // namespace
}  // namespace scanfleet
