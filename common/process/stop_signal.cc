#include "common/process/stop_signal.h"

#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstring>

namespace scanfleet {

StatusOr<int> StopSignalFd() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return Status::Internal(std::string("sigprocmask: ") + std::strerror(errno));
  }
  int fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (fd < 0) return Status::Internal(std::string("signalfd: ") + std::strerror(errno));
  return fd;
}

}  // namespace scanfleet
