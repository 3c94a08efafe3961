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

}  // namespace scanfleet
