// CursorFile: load and save on the real disk (missing, corrupt), then on a
// FakeFileSystem that fails and crashes: disk full, EIO on fsync, short
// writes, a crash between write and rename or before the directory fsync.
// A restarted bridge always reads the old or the new seq, never a torn file,
// and a failed save is Unavailable, names the file and the cause, and keeps
// the fan-out from moving past events it could not record.
// Thread-safety: single-threaded tests.
#include "common/siem/cursor_file.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/fs/posix_file_system.h"
#include "common/fs/testing/fake_file_system.h"
#include "common/siem/sink_fanout.h"
#include "tests/unit/siem/test_events.h"

namespace scanfleet::siem {
namespace {

constexpr char kPath[] = "/var/lib/bridge/cursor";
constexpr CrashKind kAllCrashKinds[] = {CrashKind::kProcess, CrashKind::kPowerLoss,
                                        CrashKind::kPowerLossNamesFirst};

TEST(CursorFileTest, SaveLoadMissingAndCorrupt) {
  char pattern[] = "/tmp/cursor_test_XXXXXX";
  std::string dir = mkdtemp(pattern);
  CursorFile cursor(DefaultFileSystem(), dir + "/cursor");
  auto missing = cursor.Load();
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, 0u);
  ASSERT_TRUE(cursor.Save(12345).ok());
  EXPECT_EQ(*cursor.Load(), 12345u);
  ASSERT_TRUE(cursor.Save(12346).ok());
  EXPECT_EQ(*cursor.Load(), 12346u);
  EXPECT_NE(access((dir + "/cursor.tmp").c_str(), F_OK), 0);
  std::ofstream(dir + "/cursor") << "12x\n";
  EXPECT_EQ(cursor.Load().status().code(), StatusCode::kDataLoss);
  std::ofstream(dir + "/cursor", std::ios::trunc) << "";
  EXPECT_EQ(cursor.Load().status().code(), StatusCode::kDataLoss);
  std::ofstream(dir + "/cursor", std::ios::trunc) << std::string(100, '1');
  EXPECT_EQ(cursor.Load().status().code(), StatusCode::kDataLoss);
  std::filesystem::remove_all(dir);
}

class CursorFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(fs_, "/var/lib/bridge", 0755).ok());
    ASSERT_TRUE(cursor_.Save(100).ok());
  }

  // What a restarted bridge reads.
  uint64_t LoadAfterRestart(CrashKind kind) {
    fs_.Restart(kind);
    auto loaded = cursor_.Load();
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();  // never corrupt
    return loaded.ok() ? *loaded : 0;
  }

  FakeFileSystem fs_;
  CursorFile cursor_{fs_, kPath};
};

TEST_F(CursorFaultTest, ASavedCursorSurvivesAPowerLoss) {
  EXPECT_EQ(LoadAfterRestart(CrashKind::kPowerLoss), 100u);
}

TEST_F(CursorFaultTest, DiskFullKeepsTheOldValueAndSaysWhy) {
  fs_.FailCalls(FsOp::kWrite, ENOSPC);
  Status saved = cursor_.Save(200);
  EXPECT_EQ(saved.code(), StatusCode::kUnavailable);  // the bridge retries the chunk
  EXPECT_NE(saved.message().find(std::string(kPath) + ".tmp"), std::string::npos)
      << saved.message();
  EXPECT_NE(saved.message().find("No space left on device"), std::string::npos);
  EXPECT_EQ(*cursor_.Load(), 100u);
  EXPECT_EQ(fs_.FileContents(std::string(kPath) + ".tmp"), std::nullopt);
  for (CrashKind kind : kAllCrashKinds) EXPECT_EQ(LoadAfterRestart(kind), 100u);
}

TEST_F(CursorFaultTest, EioOnFsyncKeepsTheOldValueAndSaysWhy) {
  fs_.FailCalls(FsOp::kSync, EIO);
  Status saved = cursor_.Save(200);
  EXPECT_EQ(saved.code(), StatusCode::kUnavailable);
  EXPECT_NE(saved.message().find("cannot fsync " + std::string(kPath) + ".tmp"), std::string::npos)
      << saved.message();
  EXPECT_NE(saved.message().find("Input/output error"), std::string::npos);
  for (CrashKind kind : kAllCrashKinds) EXPECT_EQ(LoadAfterRestart(kind), 100u);
}

TEST_F(CursorFaultTest, ShortWritesStillSaveTheWholeValue) {
  int before = fs_.calls(FsOp::kWrite);
  fs_.LimitWriteSize(1);
  ASSERT_TRUE(cursor_.Save(1234567890123).ok());
  EXPECT_EQ(fs_.calls(FsOp::kWrite) - before, 14);  // one byte at a time
  EXPECT_EQ(LoadAfterRestart(CrashKind::kPowerLoss), 1234567890123u);
}

TEST_F(CursorFaultTest, ACrashBetweenWriteAndRenameKeepsTheOldValue) {
  for (CrashKind kind : kAllCrashKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    fs_.CrashBefore(FsOp::kRename);
    EXPECT_FALSE(cursor_.Save(200).ok());
    EXPECT_EQ(LoadAfterRestart(kind), 100u);
  }
}

TEST_F(CursorFaultTest, ACrashBeforeTheDirectoryFsyncIsTheOldOrTheNewValue) {
  for (CrashKind kind : kAllCrashKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    ASSERT_TRUE(cursor_.Save(100).ok());
    fs_.CrashBefore(FsOp::kSyncDir);
    EXPECT_FALSE(cursor_.Save(200).ok());
    EXPECT_EQ(LoadAfterRestart(kind), kind == CrashKind::kPowerLoss ? 100u : 200u);
  }
}

TEST_F(CursorFaultTest, ACrashDuringTheFirstSaveReadsAsNoCursorNotACorruptOne) {
  FakeFileSystem fs;
  ASSERT_TRUE(CreateDirs(fs, "/b", 0755).ok());
  CursorFile cursor(fs, "/b/cursor");
  for (FsOp op : {FsOp::kWrite, FsOp::kSync, FsOp::kRename, FsOp::kSyncDir}) {
    for (CrashKind kind : kAllCrashKinds) {
      fs.CrashBefore(op);
      EXPECT_FALSE(cursor.Save(7).ok());
      fs.Restart(kind);
      auto loaded = cursor.Load();
      ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
      EXPECT_TRUE(*loaded == 0u || *loaded == 7u) << *loaded;
      (void)fs.Remove("/b/cursor");
      ASSERT_TRUE(fs.SyncDir("/b").ok());
    }
  }
}

v1::Event SeqEvent(uint64_t seq) {
  v1::Event event;
  event.set_seq(seq);
  event.set_topic("finding.low.bandit");
  return event;
}

TEST_F(CursorFaultTest, AFanoutWhoseCursorCannotBeSavedDoesNotMovePastTheEvents) {
  auto owned = std::make_unique<testing::RecordingSink>();
  testing::RecordingSink* sink = owned.get();
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(std::move(owned));
  std::ostringstream log;
  SinkFanout fanout(
      std::move(sinks), &cursor_, {}, [](int64_t) { return true; }, log);
  fanout.set_cursor_seq(100);
  fs_.FailCalls(FsOp::kWrite, ENOSPC);
  Status delivered = fanout.Deliver(testing::LoggedAll({SeqEvent(101), SeqEvent(102)}));
  EXPECT_FALSE(delivered.ok());
  EXPECT_NE(delivered.message().find("cursor not saved"), std::string::npos);
  EXPECT_EQ(fanout.cursor_seq(), 100u);
  EXPECT_EQ(*cursor_.Load(), 100u);
  // The retry delivers them again (at least once), then the cursor moves.
  ASSERT_TRUE(fanout.Deliver(testing::LoggedAll({SeqEvent(101), SeqEvent(102)})).ok());
  EXPECT_EQ(sink->seqs, (std::vector<uint64_t>{101, 102, 101, 102}));
  EXPECT_EQ(LoadAfterRestart(CrashKind::kPowerLoss), 102u);
}

}  // namespace
}  // namespace scanfleet::siem
