#include "common/siem/json_lines_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace scanfleet::siem {

namespace {

// A crash (even kill -9 inside write(2)) can leave a last line without its
// newline; it was never reported delivered, so it is cut off here and the
// event is written again whole. Returns the error of a failed read/truncate.
Status DropTornLastLine(int fd, const std::string& path) {
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0) return Status::Ok();
  char buffer[4096];
  off_t end = size;
  bool last_byte = true;
  while (end > 0) {
    off_t begin = end > static_cast<off_t>(sizeof buffer) ? end - sizeof buffer : 0;
    ssize_t got = pread(fd, buffer, static_cast<size_t>(end - begin), begin);
    if (got != end - begin) {
      return Status::Unavailable("read " + path + ": " + std::strerror(errno));
    }
    for (off_t i = got - 1; i >= 0; --i) {
      if (buffer[i] != '\n') {
        last_byte = false;
        continue;
      }
      if (last_byte) return Status::Ok();  // ends with a complete line
      off_t keep = begin + i + 1;
      if (ftruncate(fd, keep) != 0 || fsync(fd) != 0) {
        return Status::Unavailable("truncate " + path + ": " + std::strerror(errno));
      }
      return Status::Ok();
    }
    end = begin;
  }
  if (ftruncate(fd, 0) != 0 || fsync(fd) != 0) {  // one torn line and nothing else
    return Status::Unavailable("truncate " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

JsonLinesSink::JsonLinesSink(std::string path, EventFormat format, std::string product_version)
    : path_(std::move(path)), format_(format), product_version_(std::move(product_version)) {}

JsonLinesSink::~JsonLinesSink() {
  if (fd_ >= 0 && !to_stdout()) close(fd_);
}

std::string JsonLinesSink::Describe() const {
  return (to_stdout() ? std::string("stdout") : "file:" + path_) + " (" +
         std::string(EventFormatName(format_)) + ")";
}

Status JsonLinesSink::Deliver(const std::vector<v1::Event>& events) {
  std::string bytes;
  uint64_t last_seq = delivered_seq_;
  for (const auto& event : events) {
    if (event.seq() <= delivered_seq_) continue;
    last_seq = event.seq();
    auto line = RenderEvent(format_, event, product_version_);
    if (line) bytes += *line + "\n";
  }
  if (last_seq == delivered_seq_) return Status::Ok();
  if (fd_ < 0) {
    fd_ = to_stdout() ? STDOUT_FILENO
                      : open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      return Status::Unavailable("open " + path_ + ": " + std::strerror(errno));
    }
    if (!to_stdout()) {
      if (Status repaired = DropTornLastLine(fd_, path_); !repaired.ok()) {
        close(fd_);
        fd_ = -1;
        return repaired;
      }
    }
  }
  std::string_view rest = bytes;
  Status status;
  while (!rest.empty() && status.ok()) {
    ssize_t written = write(fd_, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      status = Status::Unavailable("write " + Describe() + ": " + std::strerror(errno));
    } else {
      rest.remove_prefix(static_cast<size_t>(written));
    }
  }
  if (status.ok() && !to_stdout() && fsync(fd_) != 0) {
    status = Status::Unavailable("fsync " + path_ + ": " + std::strerror(errno));
  }
  if (!status.ok()) {
    if (!to_stdout()) close(fd_);
    fd_ = -1;
    return status;
  }
  delivered_seq_ = last_seq;
  return Status::Ok();
}

}  // namespace scanfleet::siem
