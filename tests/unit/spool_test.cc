// ResultSpool on a real temporary directory: put/load/remove, atomic
// overwrite, reopening after a restart, corrupt, version 1 and leftover
// files, the directory lock, and unwritable directories reported as Status
// values. Batches of results are in spool_batch_test.cc.
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

using ::scanfleet::testing::kMaxSpoolFrameBytes;
using ::scanfleet::testing::ResultSpoolTest;
using ::scanfleet::testing::SameResult;
using ::scanfleet::testing::SpoolFileOf;
using ::scanfleet::testing::SpoolPathExists;
using ::scanfleet::testing::SpoolResult;
using ::scanfleet::testing::VersionOneSpoolFile;
using ::scanfleet::testing::WriteSpoolFile;

TEST_F(ResultSpoolTest, OpenCreatesAPrivateDirectory) {
  ResultSpool spool = OpenOrDie();
  struct stat info;
  ASSERT_EQ(stat(dir_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(ResultSpoolTest, PutThenLoadReturnsTheExactResults) {
  ResultSpool spool = OpenOrDie();
  v1::JobResult first = SpoolResult(12, 1);
  v1::JobResult second = SpoolResult(3, 2, "scanner crashed");
  second.add_findings()->set_rule_id("B101");
  ASSERT_TRUE(spool.Put(first).ok());
  ASSERT_TRUE(spool.Put(second).ok());
  EXPECT_TRUE(SpoolPathExists(dir_ + "/12-1.result"));

  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->results.size(), 2u);
  EXPECT_EQ(loaded->corrupt_files, 0u);
  EXPECT_EQ(loaded->results[0].job_id, 3u);  // ordered by job id
  EXPECT_EQ(loaded->results[0].attempt, 2u);
  EXPECT_TRUE(SameResult(loaded->results[0].result, second));
  EXPECT_EQ(loaded->results[1].job_id, 12u);
  EXPECT_TRUE(SameResult(loaded->results[1].result, first));
}

TEST_F(ResultSpoolTest, AFileHoldsAVersionTwoBatchOfItsOneResult) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.Put(SpoolResult(12, 1, "x")).ok());
  std::ifstream in(dir_ + "/12-1.result", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WireCounters counters;
  auto envelope = DecodeEnvelope(bytes, kMaxSpoolFrameBytes, counters);
  ASSERT_TRUE(envelope.ok()) << envelope.status().ToString();
  ASSERT_TRUE(envelope->has_worker_batch());
  ASSERT_EQ(envelope->worker_batch().results_size(), 1);
  EXPECT_TRUE(SameResult(envelope->worker_batch().results(0), SpoolResult(12, 1, "x")));
}

TEST_F(ResultSpoolTest, RemoveForgetsAResultAndToleratesAMissingOne) {
  ResultSpool spool = OpenOrDie();
  ASSERT_TRUE(spool.Put(SpoolResult(5, 1)).ok());
  ASSERT_TRUE(spool.Put(SpoolResult(5, 2)).ok());
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
  ASSERT_TRUE(spool.Put(SpoolResult(8, 1, "first")).ok());
  v1::JobResult replacement = SpoolResult(8, 1, "second, and longer than the first");
  ASSERT_TRUE(spool.Put(replacement).ok());
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_TRUE(SameResult(loaded->results[0].result, replacement));
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(ResultSpoolTest, ResultsSurviveReopeningTheSpool) {
  v1::JobResult result = SpoolResult(21, 3, "kept");
  {
    ResultSpool spool = OpenOrDie();
    ASSERT_TRUE(spool.Put(result).ok());
  }  // the worker stops (or dies) here
  ResultSpool spool = OpenOrDie();
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_TRUE(SameResult(loaded->results[0].result, result));
}

TEST_F(ResultSpoolTest, CorruptFilesAreMovedAsideAndCounted) {
  ResultSpool spool = OpenOrDie();
  v1::JobResult good = SpoolResult(1, 1);
  ASSERT_TRUE(spool.Put(good).ok());
  WriteSpoolFile(dir_ + "/2-1.result", "\xff\xfe garbage, not a protobuf \x01\x02");
  v1::WorkerBatch long_result;
  *long_result.add_results() = SpoolResult(3, 1, std::string(200, 'x'));
  std::string truncated = SpoolFileOf(long_result);
  WriteSpoolFile(dir_ + "/3-1.result", truncated.substr(0, truncated.size() / 2));
  v1::WorkerBatch heartbeat;
  heartbeat.mutable_heartbeat()->set_free_slots(1);
  WriteSpoolFile(dir_ + "/4-1.result", SpoolFileOf(heartbeat));  // no JobResult
  v1::WorkerBatch other;
  *other.add_results() = SpoolResult(6, 1);
  WriteSpoolFile(dir_ + "/5-1.result", SpoolFileOf(other));  // another attempt than its name says
  WriteSpoolFile(dir_ + "/7-1.result", "");                  // empty
  v1::WorkerBatch with_hello;
  *with_hello.add_results() = SpoolResult(8, 1);
  with_hello.mutable_hello()->set_slots(1);
  WriteSpoolFile(dir_ + "/8-1.result", SpoolFileOf(with_hello));  // more than results
  WriteSpoolFile(dir_ + "/notes.txt", "not ours");                // ignored, left alone

  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->results.size(), 1u);
  EXPECT_TRUE(SameResult(loaded->results[0].result, good));
  EXPECT_EQ(loaded->corrupt_files, 6u);
  EXPECT_EQ(spool.corrupt_files(), 6u);
  for (const char* name : {"2-1", "3-1", "4-1", "5-1", "7-1", "8-1"}) {
    EXPECT_FALSE(SpoolPathExists(dir_ + "/" + name + ".result")) << name;
    EXPECT_TRUE(SpoolPathExists(dir_ + "/" + name + ".result.corrupt")) << name;
  }
  EXPECT_TRUE(SpoolPathExists(dir_ + "/notes.txt"));

  auto again = spool.LoadAll();  // moved-aside files are not looked at again
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->results.size(), 1u);
  EXPECT_EQ(again->corrupt_files, 0u);
}

TEST_F(ResultSpoolTest, AVersionOneSpoolFileIsMovedAsideNotLoaded) {
  ResultSpool spool = OpenOrDie();
  WriteSpoolFile(dir_ + "/9-2.result", VersionOneSpoolFile(9, 2));
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->results.empty());
  EXPECT_EQ(loaded->corrupt_files, 1u);
  EXPECT_TRUE(SpoolPathExists(dir_ + "/9-2.result.corrupt"));
}

TEST_F(ResultSpoolTest, AFileLargerThanAFrameIsCorrupt) {
  auto opened = ResultSpool::Open(DefaultFileSystem(), dir_, 64);
  ASSERT_TRUE(opened.ok());
  WriteSpoolFile(dir_ + "/1-1.result", std::string(65, 'a'));
  auto loaded = opened->LoadAll();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->results.empty());
  EXPECT_EQ(loaded->corrupt_files, 1u);
}

TEST_F(ResultSpoolTest, SomethingOtherThanARegularFileIsCorrupt) {
  ResultSpool spool = OpenOrDie();
  std::string target = root_ + "/elsewhere";
  v1::WorkerBatch batch;
  *batch.add_results() = SpoolResult(1, 1);
  WriteSpoolFile(target, SpoolFileOf(batch));
  std::filesystem::create_symlink(target, dir_ + "/1-1.result");
  std::filesystem::create_directory(dir_ + "/2-1.result");
  ASSERT_EQ(mkfifo((dir_ + "/3-1.result").c_str(), 0600), 0);  // reading must not block
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->results.empty());
  EXPECT_EQ(loaded->corrupt_files, 3u);
  EXPECT_TRUE(SpoolPathExists(target));  // a symlink is moved aside, never followed
}

TEST_F(ResultSpoolTest, AnInterruptedPutIsDiscarded) {
  ResultSpool spool = OpenOrDie();
  WriteSpoolFile(dir_ + "/9-1.result.tmp", "\x08\x02\x7a");
  auto loaded = spool.LoadAll();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->results.empty());
  EXPECT_EQ(loaded->corrupt_files, 0u);
  EXPECT_FALSE(SpoolPathExists(dir_ + "/9-1.result.tmp"));
}

TEST_F(ResultSpoolTest, OneProcessAtATimeOwnsTheDirectory) {
  ResultSpool first = OpenOrDie();
  auto second = ResultSpool::Open(DefaultFileSystem(), dir_, kMaxSpoolFrameBytes);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another worker"), std::string::npos);
}

TEST_F(ResultSpoolTest, APathThatCannotBeADirectoryIsAnError) {
  WriteSpoolFile(root_ + "/plain-file", "x");
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
        Status put = spool.Put(SpoolResult(1, 1));
        _exit(put.code() == StatusCode::kPermissionDenied ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ResultSpoolTest, PutIntoARemovedDirectoryIsAnError) {
  ResultSpool spool = OpenOrDie();
  std::filesystem::remove_all(dir_);
  Status put = spool.Put(SpoolResult(1, 1));
  EXPECT_FALSE(put.ok());
  EXPECT_FALSE(spool.LoadAll().ok());
}

}  // namespace
}  // namespace scanfleet
