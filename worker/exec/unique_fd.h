// UniqueFd: owns one file descriptor and closes it when destroyed or reset.
// Thread-safety: like any value; one owner.
#pragma once

#include <unistd.h>

namespace scanfleet {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace scanfleet
