#include "common/fs/posix_file_system.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace scanfleet {

Status ErrnoStatus(std::string_view what, std::string_view path, int error) {
  std::string message =
      "cannot " + std::string(what) + " " + std::string(path) + ": " + std::strerror(error);
  switch (error) {
    case ENOENT:
      return Status::NotFound(std::move(message));
    case EEXIST:
      return Status::AlreadyExists(std::move(message));
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::PermissionDenied(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted(std::move(message));
    case ENOTDIR:
      return Status::FailedPrecondition(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) close(fd_);
  }

  StatusOr<size_t> Write(std::string_view data) override {
    if (data.empty()) return size_t{0};
    while (true) {
      ssize_t written = write(fd_, data.data(), data.size());
      if (written >= 0) return static_cast<size_t>(written);
      if (errno != EINTR) return ErrnoStatus("write", path_, errno);
    }
  }
  Status Sync() override {
    if (fsync(fd_) != 0) return ErrnoStatus("fsync", path_, errno);
    return Status::Ok();
  }
  Status Close() override {
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && close(fd) != 0) return ErrnoStatus("close", path_, errno);
    return Status::Ok();
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { close(fd_); }  // closing releases the flock

 private:
  int fd_;
};

FileType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  return FileType::kOther;
}

// Reads the open descriptor `fd` of `path` to its end (ReadFile's contract).
StatusOr<std::optional<std::string>> ReadOpenFile(int fd, const std::string& path,
                                                  int64_t max_bytes) {
  struct stat info;
  if (fstat(fd, &info) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(info.st_mode) || info.st_size > max_bytes) return std::optional<std::string>();
  std::string data;
  char buffer[64 * 1024];
  while (true) {
    ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (got == 0) break;
    data.append(buffer, static_cast<size_t>(got));
    // The file grew while being read.
    if (static_cast<int64_t>(data.size()) > max_bytes) return std::optional<std::string>();
  }
  return std::optional<std::string>(std::move(data));
}

}  // namespace

StatusOr<std::unique_ptr<WritableFile>> PosixFileSystem::NewWritableFile(const std::string& path,
                                                                         uint32_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                static_cast<mode_t>(mode));
  if (fd < 0) return ErrnoStatus("create", path, errno);
  return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd));
}

StatusOr<std::optional<std::string>> PosixFileSystem::ReadFile(const std::string& path,
                                                               const ReadLimits& limits) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (limits.follow_symlinks ? 0 : O_NOFOLLOW);
  int fd = open(path.c_str(), flags);
  if (fd < 0 && errno == ELOOP && !limits.follow_symlinks) return std::optional<std::string>();
  if (fd < 0) return ErrnoStatus("open", path, errno);
  auto data = ReadOpenFile(fd, path, limits.max_bytes);
  close(fd);
  return data;
}

StatusOr<FileInfo> PosixFileSystem::Stat(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return ErrnoStatus("stat", path, errno);
  return FileInfo{TypeOf(info.st_mode), static_cast<int64_t>(info.st_size)};
}

StatusOr<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& dir) {
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return ErrnoStatus("list directory", dir, errno);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = readdir(handle);
    if (entry == nullptr) break;
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int error = errno;
  closedir(handle);
  if (error != 0) return ErrnoStatus("list directory", dir, error);
  return names;
}

Status PosixFileSystem::CreateDir(const std::string& dir, uint32_t mode) {
  if (mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0) {
    return ErrnoStatus("create directory", dir, errno);
  }
  return Status::Ok();
}

Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus("rename", from + " to " + to, errno);
  }
  return Status::Ok();
}

Status PosixFileSystem::Remove(const std::string& path) {
  if (unlink(path.c_str()) != 0) return ErrnoStatus("remove", path, errno);
  return Status::Ok();
}

Status PosixFileSystem::SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open directory", dir, errno);
  int synced = fsync(fd);
  int error = errno;
  close(fd);
  if (synced != 0) return ErrnoStatus("fsync directory", dir, error);
  return Status::Ok();
}

StatusOr<std::unique_ptr<FileLock>> PosixFileSystem::LockFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return ErrnoStatus("create lock file", path, errno);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    close(fd);
    if (error == EWOULDBLOCK) {
      return Status::FailedPrecondition(path + " is locked by another process");
    }
    return ErrnoStatus("lock", path, error);
  }
  return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
}

FileSystem& DefaultFileSystem() {
  static PosixFileSystem* const file_system = new PosixFileSystem();
  return *file_system;
}

}  // namespace scanfleet
