#include "common/siem/cursor_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace scanfleet::siem {

namespace {

Status Errno(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno));
}

std::string DirectoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

StatusOr<uint64_t> CursorFile::Load() const {
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return uint64_t{0};
    return Errno("open cursor " + path_);
  }
  char buffer[64];
  ssize_t length = read(fd, buffer, sizeof buffer);
  close(fd);
  if (length < 0) return Errno("read cursor " + path_);
  std::string_view text(buffer, static_cast<size_t>(length));
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  uint64_t seq = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::DataLoss("cursor " + path_ + " is corrupt; fix or remove it");
  }
  return seq;
}

Status CursorFile::Save(uint64_t seq) const {
  std::string temporary = path_ + ".tmp";
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Errno("open " + temporary);
  std::string text = std::to_string(seq) + "\n";
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  bool synced = written && fsync(fd) == 0;
  int saved_errno = errno;
  close(fd);
  if (!synced) {
    errno = saved_errno;
    return Errno("write " + temporary);
  }
  if (rename(temporary.c_str(), path_.c_str()) != 0) return Errno("rename to " + path_);
  int dir = open(DirectoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("open directory of " + path_);
  bool dir_synced = fsync(dir) == 0;
  close(dir);
  if (!dir_synced) return Errno("fsync directory of " + path_);
  return Status::Ok();
}

}  // namespace scanfleet::siem
