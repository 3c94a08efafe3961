#include "common/siem/json_lines_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace scanfleet::siem {

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
                      : open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      return Status::Unavailable("open " + path_ + ": " + std::strerror(errno));
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
