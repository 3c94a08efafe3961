// FileSystem: the one door to the local disk for scanfleet's durable files
// (the worker's result spool, the SIEM bridge's cursor, the controller's
// endpoints file, the CLI's reports). Production code takes a FileSystem& and
// passes DefaultFileSystem() (common/fs/posix_file_system.h); tests pass
// FakeFileSystem (common/fs/testing/fake_file_system.h), which can fail any
// call with any errno, write short, fill the disk, or "crash the machine"
// between two calls and show what a restarted process would find.
//
// The interface is a handful of system calls, nothing more: no buffering, no
// retries, no caching. Every fallible call returns a Status whose message
// names the operation, the path and the cause ("cannot fsync /a/b.tmp:
// Input/output error") and whose code is NotFound (no such file),
// AlreadyExists, PermissionDenied (EACCES, EPERM, EROFS), ResourceExhausted
// (disk full, quota), FailedPrecondition (a path component is not a directory;
// a lock held elsewhere) or Internal (anything else).
// Durable replacement of a whole file is WriteFileAtomically()
// (common/fs/atomic_write.h); nothing else writes temp-fsync-rename by hand.
// Thread-safety: a FileSystem may be called from several threads at once; a
// WritableFile belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

// A file being written from its start (created or truncated).
class WritableFile {
 public:
  virtual ~WritableFile() = default;  // closes the file if Close() was not called
  // Writes a prefix of `data` at the end of the file and returns its length:
  // at least one byte when `data` is not empty, possibly fewer than asked (a
  // short write, e.g. the disk filled up; the next call reports the error).
  virtual StatusOr<size_t> Write(std::string_view data) = 0;
  // Writes all of `data`, continuing after short writes.
  Status Append(std::string_view data);
  // Makes everything written so far durable (fsync).
  virtual Status Sync() = 0;
  // Releases the file. A write-back error may only show here.
  virtual Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// An exclusive advisory lock on a file, released when destroyed (or when the
// process dies).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class FileType { kRegular, kDirectory, kOther };

struct FileInfo {
  FileType type = FileType::kOther;
  int64_t size = 0;
};

struct ReadLimits {
  int64_t max_bytes = 0;         // a larger file is refused
  bool follow_symlinks = false;  // false: a symlink is refused, never followed
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates the file at `path` (permission bits `mode`, before the umask) or
  // truncates it, for writing. A symlink at `path` is refused, never followed.
  virtual StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                  uint32_t mode) = 0;
  // The whole content of the regular file at `path`; nullopt when it is not a
  // regular file (a directory, a FIFO, a symlink unless limits.follow_symlinks)
  // or is larger than limits.max_bytes. Never blocks (a FIFO is not read).
  virtual StatusOr<std::optional<std::string>> ReadFile(const std::string& path,
                                                        const ReadLimits& limits) = 0;
  // What is at `path` (following symlinks, like mkdir -p). NotFound when
  // nothing is there.
  virtual StatusOr<FileInfo> Stat(const std::string& path) = 0;
  // The names in `dir` (not "." and ".."), in no particular order.
  virtual StatusOr<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // AlreadyExists when something is at `dir` already.
  virtual Status CreateDir(const std::string& dir, uint32_t mode) = 0;
  // Atomically replaces `to` (if any) by `from`. Durable once the directory
  // is synced.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file (not a directory). NotFound when it is missing.
  virtual Status Remove(const std::string& path) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Creates `path` if missing and locks it exclusively; FailedPrecondition
  // when another process (or another lock of this one) holds it.
  virtual StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

// The directory part of `path`: "a/b" -> "a", "/b" -> "/", "b" -> ".".
std::string DirName(std::string_view path);

// Creates `dir` and every missing parent (each with `mode`, before the
// umask), syncing the directory each one was created in; OK when `dir` is a
// directory already.
Status CreateDirs(FileSystem& fs, const std::string& dir, uint32_t mode);

}  // namespace scanfleet
