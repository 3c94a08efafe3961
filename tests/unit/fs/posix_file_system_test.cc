// PosixFileSystem on a real temporary directory: each primitive, the errno ->
// Status mapping, reads that refuse what is not a plain file, the lock, and
// WriteFileAtomically end to end on the real disk.
// Thread-safety: single-threaded tests.
#include "common/fs/posix_file_system.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/fs/atomic_write.h"

namespace scanfleet {
namespace {

class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "fs-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  FileSystem& fs_ = DefaultFileSystem();
  std::string root_;
};

TEST_F(PosixFileSystemTest, WritesReadsListsRenamesAndRemoves) {
  std::string path = root_ + "/a";
  auto file = fs_.NewWritableFile(path, 0600);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append("hello ").ok());
  ASSERT_TRUE((*file)->Append("world").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  auto read = fs_.ReadFile(path, ReadLimits{1024, false});
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->value(), "hello world");
  auto stat_info = fs_.Stat(path);
  ASSERT_TRUE(stat_info.ok());
  EXPECT_EQ(stat_info->type, FileType::kRegular);
  EXPECT_EQ(stat_info->size, 11);

  ASSERT_TRUE(fs_.CreateDir(root_ + "/d", 0700).ok());
  EXPECT_EQ(fs_.CreateDir(root_ + "/d", 0700).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(fs_.Stat(root_ + "/d")->type, FileType::kDirectory);
  ASSERT_TRUE(fs_.Rename(path, root_ + "/d/b").ok());
  ASSERT_TRUE(fs_.SyncDir(root_ + "/d").ok());
  auto names = fs_.ListDir(root_ + "/d");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"b"});

  ASSERT_TRUE(fs_.Remove(root_ + "/d/b").ok());
  Status again = fs_.Remove(root_ + "/d/b");
  EXPECT_EQ(again.code(), StatusCode::kNotFound);
  EXPECT_NE(again.message().find(root_ + "/d/b"), std::string::npos) << again.message();
  EXPECT_EQ(fs_.Stat(root_ + "/missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs_.ReadFile(root_ + "/missing", {10, false}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs_.ListDir(root_ + "/missing").status().code(), StatusCode::kNotFound);
}

TEST_F(PosixFileSystemTest, ReadRefusesWhatIsNotASmallRegularFile) {
  std::ofstream(root_ + "/big") << std::string(100, 'x');
  std::filesystem::create_symlink(root_ + "/big", root_ + "/link");
  ASSERT_EQ(mkfifo((root_ + "/fifo").c_str(), 0600), 0);
  std::filesystem::create_directory(root_ + "/dir");

  EXPECT_FALSE(fs_.ReadFile(root_ + "/big", {99, false})->has_value());
  EXPECT_TRUE(fs_.ReadFile(root_ + "/big", {100, false})->has_value());
  EXPECT_FALSE(fs_.ReadFile(root_ + "/link", {1000, false})->has_value());
  EXPECT_EQ(fs_.ReadFile(root_ + "/link", {1000, true})->value(), std::string(100, 'x'));
  EXPECT_FALSE(fs_.ReadFile(root_ + "/fifo", {1000, false})->has_value());  // never blocks
  EXPECT_FALSE(fs_.ReadFile(root_ + "/dir", {1000, false})->has_value());
  EXPECT_EQ(fs_.Stat(root_ + "/fifo")->type, FileType::kOther);
}

TEST_F(PosixFileSystemTest, ANewFileNeverFollowsASymlink) {
  std::ofstream(root_ + "/target") << "keep";
  std::filesystem::create_symlink(root_ + "/target", root_ + "/link");
  EXPECT_FALSE(fs_.NewWritableFile(root_ + "/link", 0600).ok());
  EXPECT_EQ(ReadAll(root_ + "/target"), "keep");
}

TEST_F(PosixFileSystemTest, ALockIsExclusiveUntilReleased) {
  std::string path = root_ + "/LOCK";
  auto first = fs_.LockFile(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = fs_.LockFile(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(path), std::string::npos);
  first->reset();
  EXPECT_TRUE(fs_.LockFile(path).ok());
}

TEST_F(PosixFileSystemTest, ErrnoBecomesACodeAndAMessageNamingPathAndCause) {
  Status full = ErrnoStatus("write", "/d/f", ENOSPC);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message(), "cannot write /d/f: No space left on device");
  EXPECT_EQ(ErrnoStatus("fsync", "/d/f", EIO).code(), StatusCode::kInternal);
  EXPECT_EQ(ErrnoStatus("create", "/d/f", EACCES).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus("create", "/d/f", EROFS).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus("open", "/d/f", ENOENT).code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus("create directory", "/d", EEXIST).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoStatus("open", "/d/f", ENOTDIR).code(), StatusCode::kFailedPrecondition);
}

TEST_F(PosixFileSystemTest, CreateDirsMakesEveryMissingParent) {
  ASSERT_TRUE(CreateDirs(fs_, root_ + "/a/b/c", 0755).ok());
  EXPECT_TRUE(std::filesystem::is_directory(root_ + "/a/b/c"));
  EXPECT_TRUE(CreateDirs(fs_, root_ + "/a/b/c", 0755).ok());  // already there
  std::ofstream(root_ + "/file") << "x";
  EXPECT_FALSE(CreateDirs(fs_, root_ + "/file", 0755).ok());
  EXPECT_FALSE(CreateDirs(fs_, root_ + "/file/below", 0755).ok());
}

TEST_F(PosixFileSystemTest, DirNameOfEveryShape) {
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("/a/b/"), "/a");
  EXPECT_EQ(DirName("/a//b"), "/a");
  EXPECT_EQ(DirName("/b"), "/");
  EXPECT_EQ(DirName("/"), "/");
  EXPECT_EQ(DirName("b"), ".");
  EXPECT_EQ(DirName("a/b"), "a");
}

TEST_F(PosixFileSystemTest, AtomicWriteReplacesTheFileAndLeavesNoTemporary) {
  std::string path = root_ + "/endpoints.json";
  ASSERT_TRUE(WriteFileAtomically(fs_, path, "first").ok());
  AtomicWriteOptions options;
  options.mode = 0640;
  ASSERT_TRUE(WriteFileAtomically(fs_, path, "second, longer", options).ok());
  EXPECT_EQ(ReadAll(path), "second, longer");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0137, 0u);  // no more than 0640 whatever the umask
}

TEST_F(PosixFileSystemTest, AtomicWriteIntoAMissingDirectoryNamesIt) {
  Status written = WriteFileAtomically(fs_, root_ + "/no/such/file", "x");
  EXPECT_EQ(written.code(), StatusCode::kNotFound);
  EXPECT_NE(written.message().find(root_ + "/no/such/file.tmp"), std::string::npos)
      << written.message();
  EXPECT_NE(written.message().find("No such file or directory"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
