// EventLog: the events table, the durable log every published event is
// appended to before it is sent, and that subscribers replay from.
//
// An event's seq is its position in the log: increasing, gap-free and never
// reused, also after retention deleted a prefix of the log. Each row holds the
// event's canonical bytes (with its seq) and its chain hash, which commits to
// it and to every event before it (common/eventlog/chain.h); retention keeps
// the signed checkpoint of the last event it deleted as the log's anchor, so
// a trimmed log still verifies. Appends go into the caller's open
// transaction, so an event commits with the state change it announces. The
// head (seq and chain of the newest event) is cached and re-read after any
// rollback of the connection.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <optional>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"
#include "controller/store/event_pages.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

class EventLog {
 public:
  explicit EventLog(Database& db) : db_(db), pages_(db) {}

  // Appends an event; sets event->seq from the log.
  Status Append(v1::Event* event);

  // Chains and rewrites rows stored before the log had a chain (schema 12),
  // oldest first, inside the caller's transaction; returns how many. When
  // the oldest stored event is not seq 1 and no anchor vouches for what came
  // before it, *needs_anchor is set to the head the chain starts from: the
  // caller signs it and calls SetAnchor in the same transaction.
  StatusOr<int64_t> ChainOlderEvents(std::optional<LogHead>* needs_anchor);

  // Deletes events created before `before_ms`. When it deleted any, returns
  // the seq and chain of the last one deleted: the caller signs them and
  // calls SetAnchor in the same transaction.
  StatusOr<std::optional<LogHead>> PruneBefore(TimeMs before_ms);
  Status SetAnchor(const v1::LogCheckpoint& anchor);

  // Reads on this connection (the loop's own view, uncommitted writes included).
  EventPages& pages() { return pages_; }
  StatusOr<uint64_t> LastSeq() { return pages_.LastSeq(); }
  // The newest event's seq and chain (what a checkpoint now would sign).
  StatusOr<LogHead> Head();

 private:
  Database& db_;
  EventPages pages_;
  std::optional<LogHead> head_;  // valid while db_.rollbacks() == head_rollbacks_
  uint64_t head_rollbacks_ = 0;
};

}  // namespace scanfleet
