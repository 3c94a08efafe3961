// WriteFileAtomically against FakeFileSystem: disk full, EIO on fsync and on
// close, a refused rename, short writes, and a crash (of the process, or a
// power loss) before each step: the old content stays whole, or the new one
// is whole, never anything else, the temporary file is cleaned up, and the
// error names the file and the cause. Also checks that the fake's crash model
// can tell a write without fsync from one with it (so these tests can fail).
// Thread-safety: single-threaded tests.
#include "common/fs/atomic_write.h"

#include <errno.h>
#include <gtest/gtest.h>

#include "common/fs/testing/fake_file_system.h"

namespace scanfleet {
namespace {

constexpr char kPath[] = "/state/cursor";
constexpr char kTemporary[] = "/state/cursor.tmp";
const std::string kOld = "old content\n";
const std::string kNew = "the new content, longer than the old one\n";

constexpr CrashKind kAllCrashKinds[] = {CrashKind::kProcess, CrashKind::kPowerLoss,
                                        CrashKind::kPowerLossNamesFirst};

const char* Name(CrashKind kind) {
  switch (kind) {
    case CrashKind::kProcess:
      return "process crash";
    case CrashKind::kPowerLoss:
      return "power loss";
    case CrashKind::kPowerLossNamesFirst:
      return "power loss, names first";
  }
  return "?";
}

class AtomicWriteTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_.PutFile(kPath, kOld); }

  void ExpectOldIntact() {
    EXPECT_EQ(fs_.FileContents(kPath), kOld);
    EXPECT_EQ(fs_.FileContents(kTemporary), std::nullopt) << "temporary file left behind";
  }

  FakeFileSystem fs_;
};

TEST_F(AtomicWriteTest, ReplacesTheContentDurably) {
  ASSERT_TRUE(WriteFileAtomically(fs_, kPath, kNew).ok());
  EXPECT_EQ(fs_.FileContents(kPath), kNew);
  EXPECT_EQ(fs_.Names("/state"), std::vector<std::string>{"cursor"});
  fs_.Restart(CrashKind::kPowerLoss);
  EXPECT_EQ(fs_.FileContents(kPath), kNew);
}

TEST_F(AtomicWriteTest, DiskFullOnTheFirstWrite) {
  fs_.FailCalls(FsOp::kWrite, ENOSPC);
  Status written = WriteFileAtomically(fs_, kPath, kNew);
  EXPECT_EQ(written.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(written.message(), "cannot write /state/cursor.tmp: No space left on device");
  ExpectOldIntact();
}

TEST_F(AtomicWriteTest, DiskFullPartWayIsAShortWriteThenAnError) {
  fs_.SetCapacity(static_cast<int64_t>(kOld.size() + 10));  // 10 bytes of the new content fit
  Status written = WriteFileAtomically(fs_, kPath, kNew);
  EXPECT_EQ(written.code(), StatusCode::kResourceExhausted) << written.ToString();
  EXPECT_EQ(fs_.calls(FsOp::kWrite), 2);  // 10 bytes, then ENOSPC
  ExpectOldIntact();
  fs_.Restart(CrashKind::kPowerLoss);
  EXPECT_EQ(fs_.FileContents(kPath), kOld);
}

TEST_F(AtomicWriteTest, TheNthWriteFailing) {
  fs_.LimitWriteSize(4);
  fs_.FailCalls(FsOp::kWrite, ENOSPC, /*skip=*/3);  // the 4th write
  Status written = WriteFileAtomically(fs_, kPath, kNew);
  EXPECT_EQ(written.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(fs_.calls(FsOp::kWrite), 4);
  ExpectOldIntact();
}

TEST_F(AtomicWriteTest, EioOnFsync) {
  fs_.FailCalls(FsOp::kSync, EIO);
  Status written = WriteFileAtomically(fs_, kPath, kNew);
  EXPECT_EQ(written.code(), StatusCode::kInternal);
  EXPECT_EQ(written.message(), "cannot fsync /state/cursor.tmp: Input/output error");
  EXPECT_EQ(fs_.calls(FsOp::kRename), 0);  // never renamed what is not durable
  ExpectOldIntact();
}

TEST_F(AtomicWriteTest, AnErrorOnCloseIsNotIgnored) {
  fs_.FailCalls(FsOp::kClose, EIO);
  Status written = WriteFileAtomically(fs_, kPath, kNew);
  EXPECT_NE(written.message().find("cannot close /state/cursor.tmp"), std::string::npos)
      << written.message();
  ExpectOldIntact();
}

TEST_F(AtomicWriteTest, ARefusedRename) {
  fs_.FailCalls(FsOp::kRename, EACCES);
  Status written = WriteFileAtomically(fs_, kPath, kNew);
  EXPECT_EQ(written.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(written.message().find("/state/cursor.tmp to /state/cursor"), std::string::npos);
  ExpectOldIntact();
}

TEST_F(AtomicWriteTest, AFailedDirectoryFsyncSaysTheWriteMayNotBeDurable) {
  fs_.FailCalls(FsOp::kSyncDir, EIO);
  Status written = WriteFileAtomically(fs_, kPath, kNew);
  EXPECT_FALSE(written.ok());
  EXPECT_NE(written.message().find("may not survive a crash"), std::string::npos);
  EXPECT_NE(written.message().find("Input/output error"), std::string::npos);
  EXPECT_EQ(fs_.FileContents(kPath), kNew);  // in place, but not known to be durable
}

TEST_F(AtomicWriteTest, ShortWritesAreContinued) {
  fs_.LimitWriteSize(3);
  ASSERT_TRUE(WriteFileAtomically(fs_, kPath, kNew).ok());
  EXPECT_EQ(fs_.calls(FsOp::kWrite), static_cast<int>((kNew.size() + 2) / 3));
  fs_.Restart(CrashKind::kPowerLoss);
  EXPECT_EQ(fs_.FileContents(kPath), kNew);
}

TEST_F(AtomicWriteTest, ACrashBeforeAnyStepLeavesTheOldOrTheNewContent) {
  struct Step {
    FsOp op;
    int skip;
  };
  // Before the temporary file exists, part-way through writing it, before
  // its fsync, before the rename, before the directory fsync.
  for (Step step : {Step{FsOp::kCreate, 0}, Step{FsOp::kWrite, 2}, Step{FsOp::kSync, 0},
                    Step{FsOp::kRename, 0}, Step{FsOp::kSyncDir, 0}}) {
    for (CrashKind kind : kAllCrashKinds) {
      SCOPED_TRACE(std::string(Name(kind)) + " before call " + std::to_string(step.skip + 1) +
                   " of op " + std::to_string(static_cast<int>(step.op)));
      FakeFileSystem fs;
      fs.PutFile(kPath, kOld);
      fs.LimitWriteSize(5);
      fs.CrashBefore(step.op, step.skip);
      Status written = WriteFileAtomically(fs, kPath, kNew);
      EXPECT_EQ(written.code(), StatusCode::kUnavailable) << written.ToString();
      EXPECT_NE(written.message().find("simulated crash"), std::string::npos);
      ASSERT_TRUE(fs.crashed());
      fs.Restart(kind);
      std::optional<std::string> after = fs.FileContents(kPath);
      ASSERT_TRUE(after == kOld || after == kNew) << (after ? *after : "(missing)");
      // Only a completed rename can make the new content visible, and only a
      // synced directory makes it survive a power loss.
      bool renamed = step.op == FsOp::kSyncDir;
      EXPECT_EQ(after, renamed && kind != CrashKind::kPowerLoss ? kNew : kOld);
      // The next write replaces whatever temporary file the crash left.
      ASSERT_TRUE(WriteFileAtomically(fs, kPath, "third").ok());
      EXPECT_EQ(fs.FileContents(kPath), "third");
      EXPECT_EQ(fs.FileContents(kTemporary), std::nullopt);
    }
  }
}

// The fake must be able to catch a writer that renames before fsyncing:
// after a power loss that kept the rename but not the data, the file is torn.
TEST_F(AtomicWriteTest, TheCrashModelCatchesARenameBeforeFsync) {
  auto file = fs_.NewWritableFile(kTemporary, 0600);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append(kNew).ok());
  ASSERT_TRUE((*file)->Close().ok());  // no Sync()
  ASSERT_TRUE(fs_.Rename(kTemporary, kPath).ok());
  ASSERT_TRUE(fs_.SyncDir("/state").ok());
  fs_.Restart(CrashKind::kPowerLossNamesFirst);
  EXPECT_EQ(fs_.FileContents(kPath), "");  // neither old nor new: what the helper prevents
}

TEST(FakeFileSystemTest, OnlySyncedEntriesAndDataSurviveAPowerLoss) {
  FakeFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/d", 0700).ok());
  ASSERT_TRUE(fs.SyncDir("/").ok());
  auto synced = fs.NewWritableFile("/d/synced", 0600);
  ASSERT_TRUE((*synced)->Append("kept").ok());
  ASSERT_TRUE((*synced)->Sync().ok());
  ASSERT_TRUE((*synced)->Append(" and lost").ok());
  ASSERT_TRUE(fs.SyncDir("/d").ok());
  auto unlisted = fs.NewWritableFile("/d/unlisted", 0600);
  ASSERT_TRUE((*unlisted)->Append("data").ok());
  ASSERT_TRUE((*unlisted)->Sync().ok());  // data durable, its name never synced

  fs.Restart(CrashKind::kPowerLoss);
  EXPECT_EQ(fs.FileContents("/d/synced"), "kept");
  EXPECT_EQ(fs.FileContents("/d/unlisted"), std::nullopt);
  EXPECT_EQ(fs.Names("/d"), std::vector<std::string>{"synced"});
  // Files of the dead process cannot be used by the new one.
  EXPECT_FALSE((*synced)->Append("x").ok());
}

TEST(FakeFileSystemTest, AProcessCrashKeepsEverythingButReleasesLocks) {
  FakeFileSystem fs;
  auto file = fs.NewWritableFile("/f", 0600);
  ASSERT_TRUE((*file)->Append("unsynced").ok());
  auto lock = fs.LockFile("/LOCK");
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(fs.LockFile("/LOCK").status().code(), StatusCode::kFailedPrecondition);
  fs.Restart(CrashKind::kProcess);
  EXPECT_EQ(fs.FileContents("/f"), "unsynced");
  auto relock = fs.LockFile("/LOCK");
  EXPECT_TRUE(relock.ok());
  lock->reset();  // the dead process's lock going away does not free the new one
  EXPECT_FALSE(fs.LockFile("/LOCK").ok());
}

TEST(FakeFileSystemTest, FaultsCountSkipsTimesAndPaths) {
  FakeFileSystem fs;
  fs.FailCalls(FsOp::kCreateDir, EACCES, /*skip=*/1, /*times=*/2, "/x");
  EXPECT_TRUE(fs.CreateDir("/a", 0700).ok());   // not a matching path
  EXPECT_TRUE(fs.CreateDir("/x1", 0700).ok());  // skipped
  EXPECT_EQ(fs.CreateDir("/x2", 0700).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(fs.CreateDir("/x3", 0700).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(fs.CreateDir("/x4", 0700).ok());  // used up
  EXPECT_EQ(fs.calls(FsOp::kCreateDir), 5);
  EXPECT_EQ(fs.CreateDir("/no/parent", 0700).code(), StatusCode::kNotFound);
  fs.PutFile("/file", "x");
  EXPECT_EQ(fs.CreateDir("/file/below", 0700).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace scanfleet
