#include "common/siem/json_lines_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace scanfleet::siem {

namespace {

// Lines are bounded by the formats (every text field is capped); a longer
// last line is not ours and gives no resume point.
constexpr off_t kMaxLastLineBytes = off_t{1} << 20;

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

// The seq of the file's last whole line (ECS `scanfleet.seq`, OCSF
// `unmapped.scanfleet.seq`); 0 when the file is empty or the line is not one
// of ours. Call after DropTornLastLine, so the file ends with a newline.
StatusOr<uint64_t> SeqOfLastLine(int fd, const std::string& path) {
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 1) return uint64_t{0};
  off_t begin = size > kMaxLastLineBytes ? size - kMaxLastLineBytes : 0;
  std::string tail(static_cast<size_t>(size - begin), '\0');
  if (pread(fd, tail.data(), tail.size(), begin) != static_cast<ssize_t>(tail.size())) {
    return Status::Unavailable("read " + path + ": " + std::strerror(errno));
  }
  tail.pop_back();  // the last line's newline
  size_t newline = tail.rfind('\n');
  if (newline == std::string::npos && begin > 0) return uint64_t{0};  // too long to be ours
  std::string_view line =
      std::string_view(tail).substr(newline == std::string::npos ? 0 : newline + 1);
  auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return uint64_t{0};
  for (const char* pointer : {"/scanfleet/seq", "/unmapped/scanfleet/seq"}) {
    nlohmann::json::json_pointer at(pointer);
    if (doc.contains(at) && doc[at].is_number_unsigned()) return doc[at].get<uint64_t>();
  }
  return uint64_t{0};
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

Status JsonLinesSink::Deliver(const std::vector<LoggedEvent>& events) {
  if (events.empty() || events.back().event.seq() <= delivered_seq_) return Status::Ok();
  if (fd_ < 0) {
    fd_ = to_stdout() ? STDOUT_FILENO
                      : open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      return Status::Unavailable("open " + path_ + ": " + std::strerror(errno));
    }
    if (!to_stdout()) {
      // The file is the sink's own record: an event already in it (written
      // before a crash that beat the cursor's save, or before a failed fsync)
      // is made durable here and not written again.
      Status repaired = DropTornLastLine(fd_, path_);
      if (repaired.ok() && fsync(fd_) != 0) {
        repaired = Status::Unavailable("fsync " + path_ + ": " + std::strerror(errno));
      }
      StatusOr<uint64_t> last = SeqOfLastLine(fd_, path_);
      if (!repaired.ok() || !last.ok()) {
        close(fd_);
        fd_ = -1;
        return repaired.ok() ? last.status() : repaired;
      }
      delivered_seq_ = std::max(delivered_seq_, *last);
    }
  }
  std::string bytes;
  uint64_t last_seq = delivered_seq_;
  for (const auto& logged : events) {
    if (logged.event.seq() <= delivered_seq_) continue;
    last_seq = logged.event.seq();
    auto line = RenderEvent(format_, logged, product_version_);
    if (line) bytes += *line + "\n";
  }
  if (last_seq == delivered_seq_) return Status::Ok();
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
