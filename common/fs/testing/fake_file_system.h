// FakeFileSystem: an in-memory FileSystem for tests that makes the disk's bad
// days reproducible: any call can fail with any errno (ENOSPC on the third
// write, EIO on fsync), writes can be short, the disk can fill up, and the
// process can "die" before a chosen call, after which Restart() shows what a
// restarted process would find on disk.
//
// What survives a crash is modelled per file and per directory entry: a
// file's content survives a power loss only up to its last Sync(), and a
// creation, rename or removal only once its directory was synced (SyncDir).
// CrashKind picks how much of the rest survives (see below), so a test can
// check that a write is either wholly old or wholly new in every case.
// Paths are absolute ("/spool/1-1.result"; a relative path is taken from
// "/"); the disk starts with the empty root directory. Symlinks and FIFOs do
// not exist here: tests of those use the real disk.
// The fake must outlive every WritableFile and FileLock it hands out.
// Thread-safety: every call takes one mutex; safe from several threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/fs/file_system.h"

namespace scanfleet {

// The calls a fault or a crash can be aimed at.
enum class FsOp {
  kCreate,     // NewWritableFile
  kWrite,      // WritableFile::Write
  kSync,       // WritableFile::Sync
  kClose,      // WritableFile::Close
  kRead,       // ReadFile
  kStat,       // Stat
  kList,       // ListDir
  kCreateDir,  // CreateDir
  kRename,     // Rename
  kRemove,     // Remove
  kSyncDir,    // SyncDir
  kLock,       // LockFile
};

// What a restarted process finds after the crash.
enum class CrashKind {
  kProcess,    // kill -9: the kernel keeps everything the process did, synced or not
  kPowerLoss,  // only synced file data and synced directory entries survive
  // Every directory change reached the disk but file data only where it was
  // synced: a file renamed into place before its data was synced comes back
  // empty or short (what fsync-before-rename exists to prevent).
  kPowerLossNamesFirst,
};

class FakeFileSystem final : public FileSystem {
 public:
  FakeFileSystem();
  ~FakeFileSystem() override;

  // After `skip` matching calls of `op` succeed, the next `times` (-1: all)
  // fail with errno `error` and do nothing. A call matches when its path (for
  // a rename: either path) contains `path_part`.
  void FailCalls(FsOp op, int error, int skip = 0, int times = 1, std::string path_part = "");
  // Every Write() writes at most `bytes` bytes (0: no limit).
  void LimitWriteSize(size_t bytes);
  // The disk holds at most `bytes` of file data (-1: no limit): a write that
  // does not fit writes what does (a short write); with no room left, ENOSPC.
  void SetCapacity(int64_t bytes);
  // The process dies just before the (skip+1)-th next matching call of `op`:
  // that call and every later one fail (Unavailable, "simulated crash") and do
  // nothing, until Restart().
  void CrashBefore(FsOp op, int skip = 0, std::string path_part = "");
  // Turns the disk into what a restarted process finds after a crash of
  // `kind` (at the moment of the crash, or now when none was armed), clears
  // every fault, releases every lock and makes open files unusable.
  void Restart(CrashKind kind);
  bool crashed() const;

  // Inspection and setup for tests: no fault, no crash, no counting.
  // Content of the regular file at `path`, nullopt when there is none.
  std::optional<std::string> FileContents(const std::string& path) const;
  // Sorted names in `dir` (empty when it does not exist).
  std::vector<std::string> Names(const std::string& dir) const;
  // A durable file (its parents are created as durable directories).
  void PutFile(const std::string& path, const std::string& data);
  // Calls of `op` so far (faulted ones included).
  int calls(FsOp op) const;

  StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                          uint32_t mode) override;
  StatusOr<std::optional<std::string>> ReadFile(const std::string& path,
                                                const ReadLimits& limits) override;
  StatusOr<FileInfo> Stat(const std::string& path) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDir(const std::string& dir, uint32_t mode) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

  struct Node;  // a file or directory (an inode)

 private:
  class File;
  class Lock;
  struct Rule {
    FsOp op;
    int error = 0;  // 0: the crash rule
    int skip = 0;
    int times = 1;
    std::string path_part;
  };
  using Entries = std::map<std::string, std::shared_ptr<Node>>;

  // Counts the call, then applies a crash or a fault aimed at it.
  Status Enter(FsOp op, const std::string& path, const std::string& other = "");
  static bool Matches(const Rule& rule, FsOp op, const std::string& path, const std::string& other);
  // ENOENT/ENOTDIR unless `path` (its parent) is a directory.
  Status ExpectDirectory(const char* verb, const std::string& path) const;
  Status CheckParent(FsOp op, const std::string& path) const;
  int64_t UsedBytes() const;
  StatusOr<size_t> WriteTo(Node& node, const std::string& path, uint64_t generation,
                           std::string_view data);
  Status SyncFile(Node& node, const std::string& path, uint64_t generation);
  Status CloseFile(const std::string& path, uint64_t generation);
  void Unlock(const std::string& path, uint64_t generation);

  mutable std::mutex mutex_;
  Entries entries_;  // what the running process sees
  Entries durable_;  // entries as of each directory's last SyncDir
  std::vector<Rule> rules_;
  std::optional<Rule> crash_rule_;
  bool crashed_ = false;
  size_t max_write_ = 0;
  int64_t capacity_ = -1;
  std::map<FsOp, int> calls_;
  std::map<std::string, uint64_t> locks_;  // path -> generation that holds it
  uint64_t generation_ = 1;                // bumped by Restart(): a new process
};

}  // namespace scanfleet
