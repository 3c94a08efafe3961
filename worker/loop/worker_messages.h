// Builders for the envelopes a worker sends on its results socket: hello,
// heartbeat, acceptance and decline. Kept apart from the loop so what goes on
// the wire can be read (and tested) without sockets.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/wire/heartbeat_report.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

v1::Envelope MakeHelloEnvelope(const std::vector<std::string>& pools,
                               const std::map<std::string, std::string>& scanners, uint32_t slots,
                               const std::string& hostname);
v1::Envelope MakeHeartbeatEnvelope(const HeartbeatReport& report);
v1::Envelope MakeAcceptedEnvelope(const v1::JobRef& job);
v1::Envelope MakeDeclinedEnvelope(const v1::JobRef& job, v1::DeclineReason reason,
                                  const std::string& detail);

}  // namespace scanfleet
