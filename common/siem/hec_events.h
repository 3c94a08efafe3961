// Splunk HTTP Event Collector request bodies: one scanfleet event becomes one
// HEC event object
//   {"time":1700000000.123,"host":"...","source":"scanfleet",
//    "sourcetype":"...","index":"...","event":<ECS or OCSF object>}
// ("index" only when set, "time" only when the event has created_ms), and a
// batch becomes concatenated objects (the /services/collector/event format),
// split into bodies of at most max_body_bytes (an object larger than that is
// sent alone). Also reads HEC's JSON replies ({"text":"...","code":N}).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/siem/event_sink.h"

namespace scanfleet::siem {

struct HecEnvelope {
  std::string host;  // the "host" field: the machine the bridge runs on
  std::string source = "scanfleet";
  std::string sourcetype;
  std::string index;  // empty: the token's default index
  EventFormat format = EventFormat::kEcs;
  std::string product_version;
};

// nullopt when the format has no representation of the event (OCSF: non-findings).
std::optional<std::string> HecEventObject(const HecEnvelope& envelope, const LoggedEvent& logged);

// One request body and the highest seq it covers (skipped events included).
struct HecRequest {
  std::string body;
  uint64_t last_seq = 0;
};
// Events must be in seq order; an empty body means "nothing to send, but the
// events up to last_seq are done".
std::vector<HecRequest> SplitHecRequests(const HecEnvelope& envelope,
                                         const std::vector<LoggedEvent>& events,
                                         size_t max_body_bytes);

// HEC's reply body. code is nullopt when the body is not HEC JSON.
struct HecReply {
  std::optional<int> code;
  std::string text;
};
HecReply ParseHecReply(std::string_view body);

}  // namespace scanfleet::siem
