// ResultSpool on a real temporary directory: put/load/remove, atomic
// overwrite, reopening after a restart, corrupt and leftover files, the
// directory lock, and unwritable directories reported as Status values.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "common/fs/posix_file_system.h"
#include "common/wire/envelope.h"
#include "tests/unit/spool_test_frames.h"
#include "worker/spool/result_spool.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::ResultFrame;
using ::scanfleet::testing::kMaxSpoolFrameBytes;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

class ResultSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "spool-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ + "/spool";
  }
  void TearDown() override {
    chmod(dir_.c_str(), 0700);  // in case a test made it read-only
    std::filesystem::remove_all(root_);
  }

  ResultSpool OpenOrDie() {
    auto spool = ResultSpool::Open(DefaultFileSystem(), dir_, kMaxSpoolFrameBytes);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    return std::move(spool).value();
  }

  std::string root_;
  std::string dir_;
};

TEST_F(ResultSpoolTest, OpenCreatesAPrivateDirectory) {
  ResultSpool spool = OpenOrDie();
  struct stat info;
  ASSERT_EQ(stat(dir_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(ResultSpoolTest, PutThenLoadReturnsTheExactFrames) {
  ResultSpool spool = OpenOrDie();
  std::string first = ResultFrame(12, 1);
  std::string second = ResultFrame(3, 2, "", "old-worker");
  ASSERT_TRUE(spool.Put(12, 1, first).ok());
  ASSERT_TRUE(spool.Put(3, 2, second).ok());
  EXPECT_TRUE(Exists(dir_ + "/12-1.result"));

  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->results.size(), 2u);
  EXPECT_EQ(loaded->corrupt_files, 0u);
  EXPECT_EQ(loaded->results[0].job_id, 3u);  // ordered by job id
  EXPECT_EQ(loaded->results[0].attempt, 2u);
  EXPECT_EQ(loaded->results[0].sender, "old-worker");
  EXPECT_EQ(loaded->results[0].frame, second);
  EXPECT_EQ(loaded->results[1].job_id, 12u);
  EXPECT_EQ(loaded->results[1].frame, first);
}

TEST_F(ResultSpoolTest, RemoveForgetsAResultAndToleratesAMissingOne) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.Put(5, 1, ResultFrame(5, 1)).ok());
  ASSERT_TRUE(spool.Put(5, 2, ResultFrame(5, 2)).ok());
  EXPECT_TRUE(spool.Remove(5, 1).ok());
  EXPECT_TRUE(spool.Remove(5, 1).ok());   // already gone
  EXPECT_TRUE(spool.Remove(99, 9).ok());  // never there
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_EQ(loaded->results[0].attempt, 2u);
}

TEST_F(ResultSpoolTest, PutOverwritesAtomicallyAndLeavesNoTemporaryFile) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.Put(8, 1, ResultFrame(8, 1, "first")).ok());
  std::string replacement = ResultFrame(8, 1, "second, and longer than the first");
  ASSERT_TRUE(spool.Put(8, 1, replacement).ok());
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_EQ(loaded->results[0].frame, replacement);
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(ResultSpoolTest, ResultsSurviveReopeningTheSpool) {
  std::string frame = ResultFrame(21, 3);
  {
    ResultSpool spool = OpenOrDie();
    ASSERT_TRUE(spool.Put(21, 3, frame).ok());
  }  // the worker stops (or dies) here
  ResultSpool spool = OpenOrDie();
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_EQ(loaded->results[0].frame, frame);
}

TEST_F(ResultSpoolTest, CorruptFilesAreMovedAsideAndCounted) {
  ResultSpool spool = OpenOrDie();
  std::string good = ResultFrame(1, 1);
  ASSERT_TRUE(spool.Put(1, 1, good).ok());
  WriteFile(dir_ + "/2-1.result", "\xff\xfe garbage, not a protobuf \x01\x02");
  std::string truncated = ResultFrame(3, 1, std::string(200, 'x'));
  WriteFile(dir_ + "/3-1.result", truncated.substr(0, truncated.size() / 2));
  v1::Envelope heartbeat;
  heartbeat.mutable_heartbeat()->set_free_slots(1);
  WriteFile(dir_ + "/4-1.result", EncodeEnvelope(heartbeat, 1, "w", 1));  // not a JobResult
  WriteFile(dir_ + "/5-1.result", ResultFrame(6, 1));  // another attempt than its name says
  WriteFile(dir_ + "/7-1.result", "");                 // empty
  WriteFile(dir_ + "/notes.txt", "not ours");          // ignored, left alone

  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_EQ(loaded->results[0].frame, good);
  EXPECT_EQ(loaded->corrupt_files, 5u);
  EXPECT_EQ(spool.corrupt_files(), 5u);
  for (const char* name : {"2-1", "3-1", "4-1", "5-1", "7-1"}) {
    EXPECT_FALSE(Exists(dir_ + "/" + name + ".result")) << name;
    EXPECT_TRUE(Exists(dir_ + "/" + name + ".result.corrupt")) << name;
  }
  EXPECT_TRUE(Exists(dir_ + "/notes.txt"));

  auto again = spool.LoadAll();  // moved-aside files are not looked at again
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->results.size(), 1u);
  EXPECT_EQ(again->corrupt_files, 0u);
}

TEST_F(ResultSpoolTest, AFileLargerThanAFrameIsCorrupt) {
  auto opened = ResultSpool::Open(DefaultFileSystem(), dir_, 64);
  ASSERT_TRUE(opened.ok());
  WriteFile(dir_ + "/1-1.result", std::string(65, 'a'));
  auto loaded = opened->LoadAll();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->results.empty());
  EXPECT_EQ(loaded->corrupt_files, 1u);
}

TEST_F(ResultSpoolTest, SomethingOtherThanARegularFileIsCorrupt) {
  ResultSpool spool = OpenOrDie();
  std::string target = root_ + "/elsewhere";
  WriteFile(target, ResultFrame(1, 1));
  std::filesystem::create_symlink(target, dir_ + "/1-1.result");
  std::filesystem::create_directory(dir_ + "/2-1.result");
  ASSERT_EQ(mkfifo((dir_ + "/3-1.result").c_str(), 0600), 0);  // reading must not block
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->results.empty());
  EXPECT_EQ(loaded->corrupt_files, 3u);
  EXPECT_TRUE(Exists(target));  // a symlink is moved aside, never followed
}

TEST_F(ResultSpoolTest, AnInterruptedPutIsDiscarded) {
  ResultSpool spool = OpenOrDie();
  WriteFile(dir_ + "/9-1.result.tmp", ResultFrame(9, 1).substr(0, 5));
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->results.empty());
  EXPECT_EQ(loaded->corrupt_files, 0u);
  EXPECT_FALSE(Exists(dir_ + "/9-1.result.tmp"));
}

TEST_F(ResultSpoolTest, OneProcessAtATimeOwnsTheDirectory) {
  ResultSpool first = OpenOrDie();
  auto second = ResultSpool::Open(DefaultFileSystem(), dir_, kMaxSpoolFrameBytes);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another worker"), std::string::npos);
}

TEST_F(ResultSpoolTest, APathThatCannotBeADirectoryIsAnError) {
  WriteFile(root_ + "/plain-file", "x");
  auto under_file =
      ResultSpool::Open(DefaultFileSystem(), root_ + "/plain-file/spool", kMaxSpoolFrameBytes);
  EXPECT_FALSE(under_file.ok());
  auto is_file = ResultSpool::Open(DefaultFileSystem(), root_ + "/plain-file", kMaxSpoolFrameBytes);
  ASSERT_FALSE(is_file.ok());
  EXPECT_EQ(is_file.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(ResultSpool::Open(DefaultFileSystem(), "", kMaxSpoolFrameBytes).ok());
}

// Root writes through permission bits, so these run in a child process that
// drops to an unprivileged user first when the test runs as root.
void BecomeUnprivileged() {
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
}

TEST_F(ResultSpoolTest, AnUnwritableDirectoryIsAnError) {
  std::filesystem::create_directories(dir_);
  ASSERT_EQ(chmod(root_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0555), 0);
  EXPECT_EXIT(
      {
        BecomeUnprivileged();
        auto opened = ResultSpool::Open(DefaultFileSystem(), dir_, kMaxSpoolFrameBytes);
        _exit(!opened.ok() && opened.status().code() == StatusCode::kPermissionDenied ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ResultSpoolTest, PutIntoADirectoryThatBecameUnwritableIsAnError) {
  ResultSpool spool = OpenOrDie();
  ASSERT_EQ(chmod(root_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0555), 0);
  EXPECT_EXIT(
      {
        BecomeUnprivileged();
        Status put = spool.Put(1, 1, ResultFrame(1, 1));
        _exit(put.code() == StatusCode::kPermissionDenied ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ResultSpoolTest, PutIntoARemovedDirectoryIsAnError) {
  ResultSpool spool = OpenOrDie();
  std::filesystem::remove_all(dir_);
  Status put = spool.Put(1, 1, ResultFrame(1, 1));
  EXPECT_FALSE(put.ok());
  EXPECT_FALSE(spool.LoadAll().ok());
}

}  // namespace
}  // namespace scanfleet
