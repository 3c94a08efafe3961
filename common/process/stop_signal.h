// StopSignalFd: SIGTERM and SIGINT delivered as a readable file descriptor.
//
// Blocks both signals in the calling thread (threads started afterwards inherit
// the mask) and returns a signalfd the I/O loop polls, so a stop request is
// handled between batches, never in the middle of one.
// Thread-safety: call once from main() before any thread starts.
#pragma once

#include "common/status/status.h"

namespace scanfleet {

StatusOr<int> StopSignalFd();

// The same for SIGHUP (reload configuration); call before any thread starts.
StatusOr<int> ReloadSignalFd();

// Reads one pending signal from such a descriptor so it stops being readable.
void ConsumeSignal(int fd);

}  // namespace scanfleet
