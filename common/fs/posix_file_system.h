// PosixFileSystem: FileSystem over the local disk (open, write, fsync,
// rename, flock). The one place in scanfleet where an errno from a file
// operation becomes a Status (ErrnoStatus, also used by the fake so both speak
// alike). Descriptors are opened O_CLOEXEC; files to write and locks with
// O_NOFOLLOW.
// Thread-safety: stateless; safe from any number of threads.
#pragma once

#include <string_view>

#include "common/fs/file_system.h"

namespace scanfleet {

class PosixFileSystem final : public FileSystem {
 public:
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
};

// The process's PosixFileSystem (never destroyed).
FileSystem& DefaultFileSystem();

// "cannot <what> <path>: <strerror>" with the code file_system.h lists for
// `error` (an errno value).
Status ErrnoStatus(std::string_view what, std::string_view path, int error);

}  // namespace scanfleet
