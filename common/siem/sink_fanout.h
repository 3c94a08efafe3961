// SinkFanout: the delivery core of the SIEM bridge, usable by any subscriber.
//
// Deliver() takes contiguous events in seq order, keeps those whose topic
// starts with one of the prefixes (and every log checkpoint), hands them in
// chunks of max_batch to every sink and, once ALL sinks delivered a chunk,
// saves the cursor to the chunk's last seq. A filtered-out event travels on as
// its digest, attached to the next delivered event (LoggedEvent::skipped), so
// a sink's output still verifies (docs/SECURITY.md); the cursor advances past
// it only once it is attached. A sink that fails is
// retried with exponential backoff (initial_backoff_ms doubling up to
// max_backoff_ms) until it succeeds or the wait function reports a stop: it
// blocks the bridge and never skips an event. Each sink's up/down state change
// is logged once, not every retry. A sink error with code FailedPrecondition
// is permanent (retrying cannot help): Deliver() returns it at once, without
// saving the cursor past the chunk.
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/siem/cursor_file.h"
#include "common/siem/event_sink.h"

namespace scanfleet::siem {

struct FanoutOptions {
  std::vector<std::string> topic_prefixes;  // empty: every topic
  size_t max_batch = 256;
  int64_t initial_backoff_ms = 100;
  int64_t max_backoff_ms = 10000;
};

class SinkFanout {
 public:
  // wait(ms): sleeps up to ms; returns false when the bridge must stop.
  using WaitFn = std::function<bool(int64_t ms)>;

  SinkFanout(std::vector<std::unique_ptr<EventSink>> sinks, CursorFile* cursor,
             FanoutOptions options, WaitFn wait, std::ostream& log);

  // Returns an error only when stopped while a sink was down, when a sink
  // failed permanently (FailedPrecondition) or when the cursor cannot be
  // saved; undelivered events are then sent after restart.
  Status Deliver(const std::vector<LoggedEvent>& events);
  uint64_t cursor_seq() const { return cursor_seq_; }
  void set_cursor_seq(uint64_t seq) { cursor_seq_ = processed_seq_ = seq; }
  bool Selected(const v1::Event& event) const;

 private:
  Status DeliverFresh(const std::vector<LoggedEvent>& events);
  uint64_t CursorTarget() const;
  Status DeliverChunk(const std::vector<LoggedEvent>& chunk, uint64_t last_seq);
  Status DeliverToSink(size_t index, const std::vector<LoggedEvent>& chunk);

  std::vector<std::unique_ptr<EventSink>> sinks_;
  std::vector<bool> sink_down_;
  CursorFile* cursor_;
  FanoutOptions options_;
  WaitFn wait_;
  std::ostream& log_;
  uint64_t cursor_seq_ = 0;     // saved: everything up to it is handled
  uint64_t processed_seq_ = 0;  // seen in this process (filtered-out ones may be pending)
  std::vector<SkippedEvent> skipped_;  // filtered out, not attached to a delivered event yet
  std::string skipped_prev_chain_;     // the chain before skipped_.front()
};

}  // namespace scanfleet::siem
