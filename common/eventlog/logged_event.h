// LoggedEvent: one event of the controller's log as a subscriber received it,
// with what it needs to pass the log on verifiably (a SIEM file sink writes
// the bytes and both chain hashes so `scanfleet verify-log` can check the
// file offline; docs/SECURITY.md).
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/scanfleet.pb.h"

namespace scanfleet {

// An event a subscriber's topic filter left out, known by its digest only:
// enough for the chain (chain.h), nothing of its content.
struct SkippedEvent {
  uint64_t seq = 0;
  std::string digest;  // EventDigest of its bytes
};

struct LoggedEvent {
  v1::Event event;         // parsed from `bytes`
  std::string bytes;       // CanonicalEventBytes, exactly as the controller stored them
  // chain(seq - 1), 32 bytes; with `skipped`, the chain before the first of them.
  std::string prev_chain;
  std::string chain;       // chain(seq), 32 bytes
  // The events right before this one that a filter left out, in seq order
  // (SinkFanout fills it): a sink that writes them keeps its output verifiable.
  std::vector<SkippedEvent> skipped;
};

}  // namespace scanfleet
