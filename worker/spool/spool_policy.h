// When a finished result goes to the spool (docs/RELIABILITY.md, "Results in
// flight"): the rule the worker loop applies, kept apart so it is tested
// alone. A result waits up to `spool_after_ms` for its acknowledgement before
// it is spooled only when redoing its job costs less than that wait; work that
// took longer is spooled before it is first sent, so a worker killed right
// after it finished never throws it away. 0 spools every result first.
// Thread-safety: a pure function.
#pragma once

#include <cstdint>

#include "proto/scanfleet.pb.h"

namespace scanfleet {

inline bool SpoolBeforeSending(const v1::JobResult& result, int64_t spool_after_ms) {
  return spool_after_ms <= 0 || result.duration_ms() >= static_cast<uint64_t>(spool_after_ms);
}

}  // namespace scanfleet
