#include "worker/exec/cancel_signal.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include "common/status/status.h"

namespace scanfleet {

CancelSignal::CancelSignal() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) { SF_CHECK(fd_ >= 0); }

CancelSignal::~CancelSignal() { close(fd_); }

void CancelSignal::Cancel() {
  if (cancelled_.exchange(true)) return;
  uint64_t one = 1;
  (void)!write(fd_, &one, sizeof(one));
}

}  // namespace scanfleet
