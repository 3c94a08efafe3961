#include "common/process/stop_signal.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace scanfleet {

namespace {

StatusOr<int> SignalFd(std::initializer_list<int> numbers) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int number : numbers) sigaddset(&signals, number);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return Status::Internal(std::string("sigprocmask: ") + std::strerror(errno));
  }
  int fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (fd < 0) return Status::Internal(std::string("signalfd: ") + std::strerror(errno));
  return fd;
}

}  // namespace

StatusOr<int> StopSignalFd() { return SignalFd({SIGTERM, SIGINT}); }

StatusOr<int> ReloadSignalFd() { return SignalFd({SIGHUP}); }

void ConsumeSignal(int fd) {
  signalfd_siginfo info;
  while (read(fd, &info, sizeof info) < 0 && errno == EINTR) {
  }
}

}  // namespace scanfleet
