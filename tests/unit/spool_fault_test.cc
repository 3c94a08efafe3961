// ResultSpool on a FakeFileSystem that fails and crashes: disk full, EIO on
// fsync, short writes, and a crash between write and rename or before the
// directory fsync. Whatever happens, every result spooled before is still
// there after a restart, a file is either the whole result or absent (never a
// torn one), a batch is all there or not at all, and a failed Put() names the
// file and the cause. A batch costs one fsync and one directory fsync.
// Thread-safety: single-threaded tests.
#include <errno.h>
#include <gtest/gtest.h>

#include "common/fs/testing/fake_file_system.h"
#include "tests/unit/spool_test_frames.h"
#include "worker/spool/result_spool.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::kMaxSpoolFrameBytes;
using ::scanfleet::testing::SameResult;
using ::scanfleet::testing::SpoolResult;
constexpr char kDir[] = "/var/lib/scanfleet/spool";

constexpr CrashKind kAllCrashKinds[] = {CrashKind::kProcess, CrashKind::kPowerLoss,
                                        CrashKind::kPowerLossNamesFirst};

class SpoolFaultTest : public ::testing::Test {
 protected:
  // A spool that already holds one acknowledged-to-the-job-thread result.
  void SetUp() override {
    auto spool = ResultSpool::Open(fs_, kDir, kMaxSpoolFrameBytes);
    ASSERT_TRUE(spool.ok()) << spool.status().ToString();
    spool_.emplace(std::move(*spool));
    ASSERT_TRUE(spool_->Put(earlier_).ok());
  }

  // What a restarted worker finds: the old spool object is gone (its lock
  // with it), a new one is opened and loaded.
  std::vector<SpooledResult> Restart(CrashKind kind) {
    spool_.reset();
    fs_.Restart(kind);
    auto spool = ResultSpool::Open(fs_, kDir, kMaxSpoolFrameBytes);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    if (!spool.ok()) return {};
    spool_.emplace(std::move(*spool));
    auto loaded = spool_->LoadAll();
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    if (!loaded.ok()) return {};
    EXPECT_EQ(loaded->corrupt_files, 0u) << "a torn file was found";
    return loaded->results;
  }

  // Only the earlier result, and no temporary file left once loaded.
  void ExpectOnlyTheEarlierResult(const std::vector<SpooledResult>& results) {
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].job_id, 1u);
    EXPECT_TRUE(SameResult(results[0].result, earlier_));
    for (const std::string& name : fs_.Names(kDir)) {
      EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
    }
  }

  FakeFileSystem fs_;
  std::optional<ResultSpool> spool_;
  const v1::JobResult earlier_ = SpoolResult(1, 1);
  const v1::JobResult result_ = SpoolResult(2, 1, std::string(300, 'e'));
};

TEST_F(SpoolFaultTest, AResultSpooledOnAFreshDiskSurvivesAPowerLoss) {
  // The spool directory and its parents were created by Open(): their
  // entries must be durable too, or the results inside would vanish.
  ExpectOnlyTheEarlierResult(Restart(CrashKind::kPowerLoss));
}

TEST_F(SpoolFaultTest, DiskFullFailsThePutAndKeepsWhatWasSpooled) {
  fs_.FailCalls(FsOp::kWrite, ENOSPC);
  Status put = spool_->Put(result_);
  EXPECT_EQ(put.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(put.message().find(std::string(kDir) + "/2-1.result.tmp"), std::string::npos)
      << put.message();
  EXPECT_NE(put.message().find("No space left on device"), std::string::npos);
  auto loaded = spool_->LoadAll();  // the same process keeps running
  ASSERT_TRUE(loaded.ok());
  ExpectOnlyTheEarlierResult(loaded->results);
  for (CrashKind kind : kAllCrashKinds) ExpectOnlyTheEarlierResult(Restart(kind));
}

TEST_F(SpoolFaultTest, ADiskThatFillsPartWayLeavesNoPartialFile) {
  // Room for the earlier file and half of this one (both are a little
  // larger than their result).
  fs_.SetCapacity(static_cast<int64_t>(earlier_.ByteSizeLong() + 16 + result_.ByteSizeLong() / 2));
  Status put = spool_->Put(result_);
  EXPECT_EQ(put.code(), StatusCode::kResourceExhausted) << put.ToString();
  EXPECT_EQ(fs_.Names(kDir), (std::vector<std::string>{"1-1.result", "LOCK"}));
  ExpectOnlyTheEarlierResult(Restart(CrashKind::kPowerLoss));
}

TEST_F(SpoolFaultTest, EioOnFsyncFailsThePutAndKeepsWhatWasSpooled) {
  fs_.FailCalls(FsOp::kSync, EIO);
  Status put = spool_->Put(result_);
  EXPECT_FALSE(put.ok());
  EXPECT_EQ(put.message(),
            std::string("cannot fsync ") + kDir + "/2-1.result.tmp: Input/output error");
  EXPECT_EQ(fs_.FileContents(std::string(kDir) + "/2-1.result"), std::nullopt);
  for (CrashKind kind : kAllCrashKinds) ExpectOnlyTheEarlierResult(Restart(kind));
}

TEST_F(SpoolFaultTest, ShortWritesStillSpoolTheWholeFrame) {
  fs_.LimitWriteSize(7);
  ASSERT_TRUE(spool_->Put(result_).ok());
  std::vector<SpooledResult> results = Restart(CrashKind::kPowerLoss);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(SameResult(results[0].result, earlier_));
  EXPECT_TRUE(SameResult(results[1].result, result_));
}

TEST_F(SpoolFaultTest, ACrashBetweenWriteAndRenameLosesOnlyTheUnfinishedPut) {
  for (CrashKind kind : kAllCrashKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    fs_.CrashBefore(FsOp::kRename);
    Status put = spool_->Put(result_);
    EXPECT_EQ(put.code(), StatusCode::kUnavailable) << put.ToString();
    // Never sent (Put failed), so nothing depends on it; the earlier result
    // is whole, the interrupted temporary file is cleaned up by LoadAll().
    ExpectOnlyTheEarlierResult(Restart(kind));
  }
}

TEST_F(SpoolFaultTest, ACrashBeforeTheDirectoryFsyncLeavesTheWholeFrameOrNothing) {
  for (CrashKind kind : kAllCrashKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    fs_.CrashBefore(FsOp::kSyncDir);
    EXPECT_FALSE(spool_->Put(result_).ok());
    std::vector<SpooledResult> results = Restart(kind);
    ASSERT_FALSE(results.empty());
    EXPECT_TRUE(SameResult(results[0].result, earlier_));
    if (kind == CrashKind::kPowerLoss) {
      EXPECT_EQ(results.size(), 1u);  // the rename never reached the disk
    } else {
      ASSERT_EQ(results.size(), 2u);  // the rename did, and the data was synced first
      EXPECT_TRUE(SameResult(results[1].result, result_));
    }
    ASSERT_TRUE(spool_->Remove(2, 1).ok());  // the next round starts from one result
  }
}

TEST_F(SpoolFaultTest, ReplacingAResultIsOldOrNewAfterACrashAtAnyStep) {
  v1::JobResult replacement = SpoolResult(1, 1, "replaced, and longer than the first result");
  for (FsOp op : {FsOp::kCreate, FsOp::kWrite, FsOp::kSync, FsOp::kRename, FsOp::kSyncDir}) {
    for (CrashKind kind : kAllCrashKinds) {
      SCOPED_TRACE("op " + std::to_string(static_cast<int>(op)) + " kind " +
                   std::to_string(static_cast<int>(kind)));
      fs_.LimitWriteSize(16);
      fs_.CrashBefore(op, op == FsOp::kWrite ? 1 : 0);
      EXPECT_FALSE(spool_->Put(replacement).ok());
      std::vector<SpooledResult> results = Restart(kind);
      ASSERT_EQ(results.size(), 1u);
      EXPECT_TRUE(SameResult(results[0].result, earlier_) ||
                  SameResult(results[0].result, replacement));
      ASSERT_TRUE(spool_->Put(earlier_).ok());  // back to the old result for the next round
    }
  }
}

TEST_F(SpoolFaultTest, ABatchCostsOneFsyncAndOneDirectoryFsync) {
  int syncs = fs_.calls(FsOp::kSync);
  int dir_syncs = fs_.calls(FsOp::kSyncDir);
  std::vector<v1::JobResult> batch;
  for (uint64_t job = 2; job < 12; ++job) batch.push_back(SpoolResult(job, 1));
  ASSERT_TRUE(spool_->PutBatch(batch).ok());
  EXPECT_EQ(fs_.calls(FsOp::kSync) - syncs, 1);
  EXPECT_EQ(fs_.calls(FsOp::kSyncDir) - dir_syncs, 1);
  EXPECT_EQ(Restart(CrashKind::kPowerLoss).size(), 11u);
}

TEST_F(SpoolFaultTest, ABatchIsWholeOrAbsentAfterACrashAtAnyStep) {
  std::vector<v1::JobResult> batch = {SpoolResult(2, 1, std::string(100, 'a')),
                                      SpoolResult(3, 1, std::string(100, 'b')), SpoolResult(4, 1)};
  for (FsOp op : {FsOp::kCreate, FsOp::kWrite, FsOp::kSync, FsOp::kRename, FsOp::kSyncDir}) {
    for (CrashKind kind : kAllCrashKinds) {
      SCOPED_TRACE("op " + std::to_string(static_cast<int>(op)) + " kind " +
                   std::to_string(static_cast<int>(kind)));
      fs_.LimitWriteSize(16);
      fs_.CrashBefore(op, op == FsOp::kWrite ? 1 : 0);
      EXPECT_FALSE(spool_->PutBatch(batch).ok());
      std::vector<SpooledResult> results = Restart(kind);
      ASSERT_TRUE(results.size() == 1 || results.size() == 4) << results.size();
      EXPECT_TRUE(SameResult(results[0].result, earlier_));
      for (size_t i = 1; i < results.size(); ++i) {
        EXPECT_TRUE(SameResult(results[i].result, batch[i - 1]));
      }
      for (uint64_t job : {2, 3, 4}) ASSERT_TRUE(spool_->Remove(job, 1).ok());
    }
  }
}

TEST_F(SpoolFaultTest, AFailingRemoveIsReportedAndTheResultKept) {
  fs_.FailCalls(FsOp::kRemove, EIO);
  Status removed = spool_->Remove(1, 1);
  EXPECT_FALSE(removed.ok());
  EXPECT_NE(removed.message().find(std::string(kDir) + "/1-1.result"), std::string::npos);
  ExpectOnlyTheEarlierResult(Restart(CrashKind::kPowerLoss));
}

TEST_F(SpoolFaultTest, ASpoolThatCannotBeCreatedSaysWhereAndWhy) {
  FakeFileSystem fs;
  fs.FailCalls(FsOp::kCreateDir, EACCES, 0, -1);
  auto opened = ResultSpool::Open(fs, "/srv/spool", kMaxSpoolFrameBytes);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(opened.status().message().find("/srv"), std::string::npos);
  EXPECT_NE(opened.status().message().find("Permission denied"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
