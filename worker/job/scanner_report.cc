// TakeReport; see scanner_report.h.
#include "worker/job/scanner_report.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "worker/exec/unique_fd.h"

namespace scanfleet {

namespace {

Status TooLarge(size_t max_bytes) {
  return Status::ResourceExhausted("scanner output exceeded " + std::to_string(max_bytes) +
                                   " bytes; refusing a partial result");
}

}  // namespace

StatusOr<std::string> ReadReportFile(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP) return Status::DataLoss("the report is not a regular file");
  if (fd < 0) return Status::NotFound("the scanner wrote no report at " + path);
  UniqueFd report(fd);
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    return Status::DataLoss("the report is not a regular file");
  }
  if (static_cast<size_t>(info.st_size) > max_bytes) {
    return Status::ResourceExhausted("the report exceeds " + std::to_string(max_bytes) + " bytes");
  }
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::DataLoss("cannot read the report: " + std::string(strerror(errno)));
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      return Status::ResourceExhausted("the report exceeds " + std::to_string(max_bytes) +
                                       " bytes");
    }
  }
  return text;
}

StatusOr<std::string> TakeReport(const ReportSource& source, const ArgvValues& values,
                                 ProcessResult& ran, size_t max_bytes, const Redactor& redactor) {
  switch (source.kind) {
    case ReportSource::Kind::kStdout:
      if (ran.stdout_truncated) return TooLarge(max_bytes);
      return std::move(ran.stdout_data);
    case ReportSource::Kind::kStderr:
      if (ran.stderr_truncated) return TooLarge(max_bytes);
      return std::move(ran.stderr_data);
    case ReportSource::Kind::kFile:
      break;
  }
  auto path = ExpandArgv({"x", source.path_template}, values);
  auto read =
      path.ok() ? ReadReportFile(path->back(), max_bytes) : StatusOr<std::string>(path.status());
  if (!read.ok() && read.status().code() == StatusCode::kResourceExhausted) {
    return TooLarge(max_bytes);
  }
  if (read.ok()) redactor.RedactInPlace(*read);
  return read;
}

}  // namespace scanfleet
