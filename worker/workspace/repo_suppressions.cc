#include "worker/workspace/repo_suppressions.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace scanfleet {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string Refused(const std::string& why) {
  return std::string(kRepoSuppressionsErrorPrefix) + kRepoSuppressionsPath + " " + why;
}

}  // namespace

std::string ReadRepoSuppressions(const std::string& checkout_dir) {
  Fd root(open(checkout_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return "";
  Fd dir(openat(root.get(), ".scanfleet", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir.get() < 0) {
    if (errno == ENOENT) return "";
    return errno == ELOOP || errno == ENOTDIR
               ? Refused(
                     "is not read: .scanfleet is a symlink or "
                     "not a directory")
               : Refused(std::string("is not read: ") + std::strerror(errno));
  }
  Fd file(openat(dir.get(), "suppressions.json",
                 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (file.get() < 0) {
    if (errno == ENOENT) return "";
    return errno == ELOOP ? Refused("is a symlink; it must be a regular file")
                          : Refused(std::string("is not read: ") + std::strerror(errno));
  }
  struct stat info {};
  if (fstat(file.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Refused("is not a regular file");
  }
  if (info.st_size > static_cast<off_t>(kMaxRepoSuppressionsBytes)) {
    return Refused("is larger than 64 KiB");
  }
  std::string text;
  char buffer[8192];
  while (text.size() <= kMaxRepoSuppressionsBytes) {
    ssize_t n = read(file.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Refused(std::string("is not read: ") + std::strerror(errno));
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  if (text.size() > kMaxRepoSuppressionsBytes) return Refused("is larger than 64 KiB");
  return text;
}

}  // namespace scanfleet
