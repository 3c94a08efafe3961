// Builders for the parts of a WorkerBatch the worker fills from its own
// state: the hello, the heartbeat and a decline (acceptances and results are
// added to an OutgoingBatch as they are). Kept apart from the loop so what
// goes on the wire can be read (and tested) without sockets.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/wire/heartbeat_report.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// What a worker's hello says about it.
struct HelloFacts {
  std::vector<std::string> pools;
  std::map<std::string, std::string> scanners;  // name -> version
  uint32_t slots = 0;
  uint32_t prefetch = 0;  // jobs it queues beyond its free slots
  std::string hostname;
};

v1::WorkerHello MakeWorkerHello(const HelloFacts& facts);
v1::Heartbeat MakeWorkerHeartbeat(const HeartbeatReport& report);
v1::JobDeclined MakeJobDeclined(const v1::JobRef& job, v1::DeclineReason reason,
                                const std::string& detail);

}  // namespace scanfleet
