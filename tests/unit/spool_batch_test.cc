// ResultSpool batches on a real temporary directory: one file for N
// results named after the first, kept until every result in it is removed
// (partial acks keep it), every result of every file back after a restart,
// a result spooled again leaving its earlier file, a batch that would
// overwrite other spooled results refused, corrupt batch files moved aside
// and counted, and a result found in two files loaded once.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/unit/spool_test_frames.h"
#include "worker/spool/spool_policy.h"
#include "worker/spool/result_spool.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::ResultSpoolTest;
using ::scanfleet::testing::SameResult;
using ::scanfleet::testing::SpoolFileOf;
using ::scanfleet::testing::SpoolPathExists;
using ::scanfleet::testing::SpoolResult;
using ::scanfleet::testing::WriteSpoolFile;

using SpoolBatchTest = ResultSpoolTest;

TEST_F(SpoolBatchTest, ABatchIsOneFileNamedAfterItsFirstResult) {
  ResultSpool spool = OpenOrDie();
  std::vector<v1::JobResult> batch = {SpoolResult(30, 1, "a"), SpoolResult(4, 2, "b"),
                                      SpoolResult(31, 1, "c")};
  ASSERT_TRUE(spool.PutBatch(batch).ok());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"30-1.result", "LOCK"}));
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->results.size(), 3u);
  EXPECT_TRUE(SameResult(loaded->results[0].result, batch[1]));  // ordered by job id
  EXPECT_TRUE(SameResult(loaded->results[1].result, batch[0]));
  EXPECT_TRUE(SameResult(loaded->results[2].result, batch[2]));
  EXPECT_TRUE(spool.PutBatch({}).ok());  // nothing to store
}

TEST_F(SpoolBatchTest, ABatchFileStaysUntilEveryResultInItIsRemoved) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.PutBatch({SpoolResult(1, 1), SpoolResult(2, 1), SpoolResult(3, 1)}).ok());
  ASSERT_TRUE(spool.Remove(1, 1).ok());
  ASSERT_TRUE(spool.Remove(3, 1).ok());
  EXPECT_TRUE(SpoolPathExists(dir_ + "/1-1.result"));  // 2/1 is still spooled in it
  ASSERT_TRUE(spool.Remove(2, 1).ok());
  EXPECT_FALSE(SpoolPathExists(dir_ + "/1-1.result"));
}

TEST_F(SpoolBatchTest, AfterARestartEveryResultOfEveryFileIsBackAndRemovable) {
  {
    ResultSpool spool = OpenOrDie();
    ASSERT_TRUE(spool.PutBatch({SpoolResult(1, 1), SpoolResult(2, 1)}).ok());
    ASSERT_TRUE(spool.PutBatch({SpoolResult(3, 1), SpoolResult(4, 1)}).ok());
    ASSERT_TRUE(spool.Put(SpoolResult(5, 1)).ok());
    ASSERT_TRUE(spool.Remove(2, 1).ok());  // partly acknowledged: the file stays
  }
  ResultSpool spool = OpenOrDie();
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::vector<uint64_t> jobs;
  for (const SpooledResult& result : loaded->results) jobs.push_back(result.job_id);
  // 2/1's removal was not written into its file: it is re-sent (and acked) once more.
  EXPECT_EQ(jobs, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  for (uint64_t job : {1, 2, 3, 4, 5}) ASSERT_TRUE(spool.Remove(job, 1).ok());
  for (const char* name : {"1-1", "3-1", "5-1"}) {
    EXPECT_FALSE(SpoolPathExists(dir_ + "/" + name + ".result")) << name;
  }
}

TEST_F(SpoolBatchTest, AResultSpooledAgainLeavesItsEarlierFile) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.PutBatch({SpoolResult(1, 1), SpoolResult(2, 1)}).ok());
  ASSERT_TRUE(spool.Remove(1, 1).ok());
  v1::JobResult again = SpoolResult(2, 1, "again");
  ASSERT_TRUE(spool.Put(again).ok());  // 1-1.result held nothing else: it goes
  EXPECT_FALSE(SpoolPathExists(dir_ + "/1-1.result"));
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_TRUE(SameResult(loaded->results[0].result, again));
}

TEST_F(SpoolBatchTest, ABatchThatWouldOverwriteOtherSpooledResultsIsRefused) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.PutBatch({SpoolResult(1, 1), SpoolResult(2, 1)}).ok());
  Status put = spool.Put(SpoolResult(1, 1, "again"));  // would drop 2/1 with 1-1.result
  EXPECT_EQ(put.code(), StatusCode::kFailedPrecondition) << put.ToString();
  EXPECT_EQ(spool.PutBatch({SpoolResult(7, 1), SpoolResult(7, 1)}).code(),
            StatusCode::kInvalidArgument);
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->results.size(), 2u);
  EXPECT_EQ(loaded->results[0].result.error(), "");
}

TEST_F(SpoolBatchTest, ACorruptBatchFileIsMovedAsideAndCounted) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.PutBatch({SpoolResult(1, 1), SpoolResult(2, 1)}).ok());
  v1::WorkerBatch twice;  // the same attempt twice in one file
  *twice.add_results() = SpoolResult(5, 1);
  *twice.add_results() = SpoolResult(5, 1);
  WriteSpoolFile(dir_ + "/5-1.result", SpoolFileOf(twice));
  v1::WorkerBatch second_first;  // named after its second result
  *second_first.add_results() = SpoolResult(6, 1);
  *second_first.add_results() = SpoolResult(8, 1);
  WriteSpoolFile(dir_ + "/8-1.result", SpoolFileOf(second_first));
  v1::WorkerBatch empty;
  WriteSpoolFile(dir_ + "/9-1.result", SpoolFileOf(empty));
  std::string whole = SpoolFileOf(twice);
  WriteSpoolFile(dir_ + "/3-1.result", whole.substr(0, whole.size() - 3));  // torn
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->results.size(), 2u);
  EXPECT_EQ(loaded->corrupt_files, 4u);
  for (const char* name : {"3-1", "5-1", "8-1", "9-1"}) {
    EXPECT_TRUE(SpoolPathExists(dir_ + "/" + name + ".result.corrupt")) << name;
  }
}

TEST_F(SpoolBatchTest, AResultInTwoFilesIsLoadedOnce) {
  // What a crash between writing a replacement and deleting the file it
  // emptied leaves behind.
  ResultSpool spool = OpenOrDie();
  v1::WorkerBatch older;
  *older.add_results() = SpoolResult(1, 1);
  *older.add_results() = SpoolResult(2, 1);
  WriteSpoolFile(dir_ + "/1-1.result", SpoolFileOf(older));
  v1::WorkerBatch newer;
  *newer.add_results() = SpoolResult(2, 1);
  WriteSpoolFile(dir_ + "/2-1.result", SpoolFileOf(newer));
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->results.size(), 2u);
  EXPECT_EQ(loaded->corrupt_files, 0u);
  EXPECT_FALSE(SpoolPathExists(dir_ + "/2-1.result"));  // it held nothing the other did not
  ASSERT_TRUE(spool.Remove(1, 1).ok());
  ASSERT_TRUE(spool.Remove(2, 1).ok());
  EXPECT_FALSE(SpoolPathExists(dir_ + "/1-1.result"));
}

TEST(SpoolPolicyTest, OnlyWorkCheaperThanTheWaitWaitsForItsAcknowledgement) {
  v1::JobResult noop;  // ran 0 ms: redone in no time if the worker dies
  v1::JobResult scan;
  scan.set_duration_ms(1000);  // a second of scanner time: never thrown away
  v1::JobResult almost;
  almost.set_duration_ms(999);
  EXPECT_FALSE(SpoolBeforeSending(noop, 1000));
  EXPECT_FALSE(SpoolBeforeSending(almost, 1000));
  EXPECT_TRUE(SpoolBeforeSending(scan, 1000));
  // 0: every result is spooled before it is first sent.
  EXPECT_TRUE(SpoolBeforeSending(noop, 0));
}

}  // namespace
}  // namespace scanfleet
