// LoggedEvent: one event of the controller's log as a subscriber received it,
// with what it needs to pass the log on verifiably (a SIEM file sink writes
// the bytes and both chain hashes so `scanfleet verify-log` can check the
// file offline; docs/SECURITY.md).
// Thread-safety: a plain value.
#pragma once

#include <string>

#include "proto/scanfleet.pb.h"

namespace scanfleet {

struct LoggedEvent {
  v1::Event event;         // parsed from `bytes`
  std::string bytes;       // CanonicalEventBytes, exactly as the controller stored them
  std::string prev_chain;  // chain(seq - 1), 32 bytes
  std::string chain;       // chain(seq), 32 bytes
};

}  // namespace scanfleet
