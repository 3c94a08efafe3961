// EventPages: the reads of the event log that the controller's loop (after a
// commit, to publish what it stored) and the replay thread (on its own
// read-only connection) share: a page of consecutive stored events with the
// chain hash before them, the head, the oldest stored seq and the retention
// anchor. Events are read as the canonical bytes stored, never re-encoded.
// Thread-safety: like its Database (one thread).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// The newest event of the log (or the anchor, once retention deleted all).
struct LogHead {
  uint64_t seq = 0;   // 0: the log is empty
  std::string chain;  // chain(seq)
};

struct StoredPage {
  uint64_t first_seq = 0;           // seq of events[0]; 0 when no event follows after_seq
  std::string prev_chain;           // chain(first_seq - 1)
  std::vector<std::string> events;  // canonical bytes, seq first_seq + i
  std::string last_chain;           // chain of the last event in the page
  uint64_t head_seq = 0;            // newest seq stored
  uint64_t first_stored_seq = 0;    // oldest seq stored (0: none)
  // Set when prev_chain is the retention anchor's (the page starts at the
  // oldest stored event and older ones were deleted).
  std::optional<v1::LogCheckpoint> anchor;
};

// The wire form of a stored page (EventPage in proto/scanfleet.pb.h).
v1::EventPage EventPageOf(StoredPage page);

class EventPages {
 public:
  explicit EventPages(Database& db) : db_(db) {}

  // Events after `after_seq`, at most `max_events` and about `max_bytes` (at
  // least one event when there is one). DataLoss on a row the chain cannot
  // account for.
  StatusOr<StoredPage> Read(uint64_t after_seq, size_t max_events, size_t max_bytes);
  // Highest event seq ever stored (0 if none), also after retention.
  StatusOr<uint64_t> LastSeq();
  // Oldest seq still stored (0 if none).
  StatusOr<uint64_t> FirstStoredSeq();
  // The signed checkpoint of the last event retention deleted, if any.
  StatusOr<std::optional<v1::LogCheckpoint>> Anchor();
  // The newest stored event's seq and chain; the anchor's when none is
  // stored; seq 0 and the genesis hash for an empty log.
  StatusOr<LogHead> Head();
  // Every stored row after `after_seq` as it is (seq, payload, stated chain),
  // in seq order, without the checks Read() makes: what an audit reads.
  using RowVisitor = std::function<Status(uint64_t seq, std::string payload, std::string chain)>;
  Status ForEachRow(uint64_t after_seq, const RowVisitor& visit);

 private:
  Database& db_;
};

}  // namespace scanfleet
