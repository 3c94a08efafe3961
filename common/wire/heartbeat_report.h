// What a worker's heartbeat reports (v1::Heartbeat), as plain values: the
// worker fills one and encodes it (MakeWorkerHeartbeat in worker/loop/worker_messages.h), the
// controller decodes one and hands it to the scheduler (Scheduler::OnHeartbeat).
// One struct for both sides, so the two cannot drift apart; it has no proto
// dependency, so the scheduler core stays free of wire types.
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace scanfleet {

struct HeartbeatReport {
  std::vector<std::pair<uint64_t, uint32_t>> running;  // job id, attempt
  uint32_t free_slots = 0;                             // slots not running a job
  bool draining = false;                               // the worker takes no new job
  bool leaving = false;                                // the worker is exiting cleanly: gone now
};

}  // namespace scanfleet
