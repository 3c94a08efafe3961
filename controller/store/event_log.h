// EventLog: the events table, the durable log every published event is
// appended to before it is sent, and that subscribers replay from.
//
// An event's seq is its position in the log (AUTOINCREMENT): increasing and
// never reused, also after retention deleted a prefix of the log. Appends go
// into the caller's open transaction, so an event commits with the state
// change it announces.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

class EventLog {
 public:
  explicit EventLog(Database& db) : db_(db) {}

  // Appends an event; sets event->seq from the log.
  Status Append(v1::Event* event);
  // Up to `limit` events after `after_seq`, in seq order, with the seq of the
  // oldest stored event (0 if none) and LastSeq(). DataLoss on a corrupt row.
  StatusOr<v1::ReplayEventsResponse> Replay(uint64_t after_seq, uint32_t limit);
  // Highest event seq ever stored (0 if none), also after retention.
  StatusOr<uint64_t> LastSeq();
  // Deletes events created before `before_ms`; returns how many.
  StatusOr<int64_t> PruneBefore(TimeMs before_ms);

 private:
  Database& db_;
};

}  // namespace scanfleet
