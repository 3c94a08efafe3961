// ResultSpool: one file per unacknowledged result, written atomically and
// durably; see result_spool.h for the contract.
// Thread-safety: Open() and LoadAll() on one thread before anything else;
// afterwards Put() and Remove() may run concurrently from several threads as
// long as each call names a different attempt (they share no mutable state:
// every attempt has its own file; job threads Put their own results).
#include "worker/spool/result_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <tuple>

#include "common/wire/envelope.h"

namespace scanfleet {

namespace {

constexpr std::string_view kResultSuffix = ".result";
constexpr std::string_view kTempSuffix = ".result.tmp";
constexpr std::string_view kCorruptSuffix = ".corrupt";
constexpr const char* kLockName = "LOCK";

// Maps an errno from a file operation to a Status naming what failed.
Status ErrnoStatus(std::string_view what, const std::string& path, int error) {
  std::string message = std::string(what) + " " + path + ": " + std::strerror(error);
  switch (error) {
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::PermissionDenied(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

// Closes a descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

Status FsyncDirectory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open directory", dir, errno);
  FdCloser closer(fd);
  if (fsync(fd) != 0) return ErrnoStatus("cannot fsync directory", dir, errno);
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t written = write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

// Reads a whole regular file of at most max_bytes; nullopt when it is larger
// or not a regular file (a symlink, a directory, a FIFO: never opened for
// reading in a way that could block).
StatusOr<std::optional<std::string>> ReadBounded(const std::string& path, int64_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP) return std::optional<std::string>();
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  FdCloser closer(fd);
  struct stat info;
  if (fstat(fd, &info) != 0) return ErrnoStatus("cannot stat", path, errno);
  if (!S_ISREG(info.st_mode) || info.st_size > max_bytes) {
    return std::optional<std::string>();
  }
  std::string data;
  char buffer[64 * 1024];
  while (true) {
    ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot read", path, errno);
    }
    if (got == 0) break;
    data.append(buffer, static_cast<size_t>(got));
    if (static_cast<int64_t>(data.size()) > max_bytes) return std::optional<std::string>();
  }
  return std::optional<std::string>(std::move(data));
}

// Parses "<job_id>-<attempt>.result"; nullopt for any other name.
std::optional<std::pair<uint64_t, uint32_t>> ParseFileName(std::string_view name) {
  if (name.size() <= kResultSuffix.size() || !name.ends_with(kResultSuffix)) return std::nullopt;
  name.remove_suffix(kResultSuffix.size());
  size_t dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  const char* begin = name.data();
  auto [job_end, job_error] = std::from_chars(begin, begin + dash, job_id);
  auto [attempt_end, attempt_error] =
      std::from_chars(begin + dash + 1, begin + name.size(), attempt);
  if (job_error != std::errc() || job_end != begin + dash || attempt_error != std::errc() ||
      attempt_end != begin + name.size()) {
    return std::nullopt;
  }
  return std::make_pair(job_id, attempt);
}

}  // namespace

std::string ResultSpool::FileName(uint64_t job_id, uint32_t attempt) {
  return std::to_string(job_id) + "-" + std::to_string(attempt) + std::string(kResultSuffix);
}

StatusOr<ResultSpool> ResultSpool::Open(std::string dir, int64_t max_frame_bytes) {
  if (dir.empty()) return Status::InvalidArgument("the spool directory is empty");
  std::filesystem::path path(dir);
  std::error_code error;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) {
      return ErrnoStatus("cannot create the parent of the spool directory", dir, error.value());
    }
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus("cannot create the spool directory", dir, errno);
  }
  struct stat info;
  if (stat(dir.c_str(), &info) != 0) return ErrnoStatus("cannot stat", dir, errno);
  if (!S_ISDIR(info.st_mode)) {
    return Status::FailedPrecondition("the spool path " + dir + " is not a directory");
  }
  std::string lock_path = dir + "/" + kLockName;
  int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd < 0) return ErrnoStatus("cannot create the spool lock", lock_path, errno);
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int lock_error = errno;
    close(lock_fd);
    if (lock_error == EWOULDBLOCK) {
      return Status::FailedPrecondition(
          "the spool directory " + dir +
          " is in use by another worker process; give each worker its own --work-dir or "
          "--spool-dir");
    }
    return ErrnoStatus("cannot lock", lock_path, lock_error);
  }
  return ResultSpool(std::move(dir), max_frame_bytes, lock_fd);
}

ResultSpool::ResultSpool(ResultSpool&& other) noexcept
    : dir_(std::move(other.dir_)),
      max_frame_bytes_(other.max_frame_bytes_),
      lock_fd_(other.lock_fd_),
      corrupt_files_(other.corrupt_files_) {
  other.lock_fd_ = -1;
}

ResultSpool::~ResultSpool() {
  if (lock_fd_ >= 0) close(lock_fd_);  // closing releases the flock
}

Status ResultSpool::Put(uint64_t job_id, uint32_t attempt, std::string_view frame) {
  std::string final_path = dir_ + "/" + FileName(job_id, attempt);
  std::string temp_path = dir_ + "/" + std::to_string(job_id) + "-" + std::to_string(attempt) +
                          std::string(kTempSuffix);
  int fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return ErrnoStatus("cannot create", temp_path, errno);
  Status written = WriteAll(fd, frame, temp_path);
  if (written.ok() && fsync(fd) != 0) written = ErrnoStatus("cannot fsync", temp_path, errno);
  if (close(fd) != 0 && written.ok()) written = ErrnoStatus("cannot close", temp_path, errno);
  if (!written.ok()) {
    unlink(temp_path.c_str());
    return written;
  }
  if (rename(temp_path.c_str(), final_path.c_str()) != 0) {
    Status renamed = ErrnoStatus("cannot rename into", final_path, errno);
    unlink(temp_path.c_str());
    return renamed;
  }
  return FsyncDirectory(dir_);
}

Status ResultSpool::Remove(uint64_t job_id, uint32_t attempt) {
  std::string path = dir_ + "/" + FileName(job_id, attempt);
  if (unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("cannot remove", path, errno);
  }
  // Not fsyncing the directory here: a removal lost in a crash only means one
  // extra re-send, which the controller acknowledges as a duplicate.
  return Status::Ok();
}

Status ResultSpool::MoveAside(const std::string& name) {
  std::string path = dir_ + "/" + name;
  std::string aside = path + std::string(kCorruptSuffix);
  if (rename(path.c_str(), aside.c_str()) != 0) {
    return ErrnoStatus("cannot move a corrupt spool file aside:", path, errno);
  }
  ++corrupt_files_;
  return FsyncDirectory(dir_);
}

StatusOr<SpoolContents> ResultSpool::LoadAll() {
  std::vector<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir_, error), end; !error && it != end;
       it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  if (error) return ErrnoStatus("cannot list the spool directory", dir_, error.value());
  std::sort(names.begin(), names.end());

  SpoolContents contents;
  WireCounters counters;  // spool files are not wire traffic: counted apart
  for (const std::string& name : names) {
    if (name.ends_with(kTempSuffix)) {
      std::string path = dir_ + "/" + name;
      if (unlink(path.c_str()) != 0 && errno != ENOENT) {
        return ErrnoStatus("cannot remove an interrupted spool write", path, errno);
      }
      continue;
    }
    auto key = ParseFileName(name);
    if (!key) continue;  // LOCK, *.corrupt and anything else that is not ours
    ASSIGN_OR_RETURN(std::optional<std::string> frame,
                     ReadBounded(dir_ + "/" + name, max_frame_bytes_));
    if (!frame) {
      // Not a regular file, or larger than any frame we send.
      RETURN_IF_ERROR(MoveAside(name));
      ++contents.corrupt_files;
      continue;
    }
    auto envelope = DecodeEnvelope(*frame, max_frame_bytes_, counters);
    bool matches = envelope.ok() && envelope->has_result() &&
                   envelope->result().job().job_id() == key->first &&
                   envelope->result().job().attempt() == key->second;
    if (!matches) {
      RETURN_IF_ERROR(MoveAside(name));
      ++contents.corrupt_files;
      continue;
    }
    SpooledResult result;
    result.job_id = key->first;
    result.attempt = key->second;
    result.sender = envelope->sender();
    result.frame = std::move(*frame);
    contents.results.push_back(std::move(result));
  }
  std::sort(contents.results.begin(), contents.results.end(),
            [](const SpooledResult& a, const SpooledResult& b) {
              return std::tie(a.job_id, a.attempt) < std::tie(b.job_id, b.attempt);
            });
  return contents;
}

}  // namespace scanfleet
