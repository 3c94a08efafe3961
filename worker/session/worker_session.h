// WorkerSession: the worker's side of the protocol as a pure state machine.
//
// It decides when to say hello (until acknowledged, with exponential backoff
// 1 s doubling to 32 s by default), when to heartbeat (at once, then on the
// clock's multiples of the interval, so a fleet's heartbeats arrive together), when the controller is
// gone (its heartbeats stopped, or it restarted with a new incarnation, which
// means hello again, with every unacknowledged result re-sent at once) and
// when an unacknowledged result must be re-sent. The
// worker loop feeds it events and the time, and performs what Tick() returns.
// Thread-safety: not thread-safe; owned by the worker loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "common/time/clock.h"

namespace scanfleet {

struct SessionConfig {
  DurationMs heartbeat_interval_ms = 1000;
  int controller_dead_after_missed = 3;
  DurationMs hello_retry_min_ms = 1000;
  DurationMs hello_retry_max_ms = 32000;
  DurationMs result_resend_ms = 2000;
};

class WorkerSession {
 public:
  using AttemptKey = std::pair<uint64_t, uint32_t>;  // job id, attempt

  struct Actions {
    bool send_hello = false;
    bool send_heartbeat = false;
    std::vector<AttemptKey> resend_results;
  };

  WorkerSession(SessionConfig config, TimeMs now);

  Actions Tick(TimeMs now);
  // `controller_interval_ms`: how often the controller heartbeats this worker
  // (0: as often as this worker heartbeats); three silent periods (by
  // default) mean it is gone.
  void OnHelloAck(TimeMs now, DurationMs controller_interval_ms = 0);
  void OnControllerHeartbeat(uint64_t incarnation, TimeMs now);
  // A result was sent for the first time; it is re-sent until acknowledged.
  void OnResultSent(AttemptKey key, TimeMs now);
  void OnResultAcked(AttemptKey key);

  bool registered() const { return registered_; }
  size_t unacked_results() const { return unacked_.size(); }
  TimeMs NextDeadline() const;

 private:
  void Unregister(TimeMs now);

  SessionConfig config_;
  bool registered_ = false;
  TimeMs next_hello_ms_;
  DurationMs hello_backoff_ms_;
  TimeMs next_heartbeat_ms_;
  TimeMs last_controller_heartbeat_ms_;
  DurationMs controller_interval_ms_ = 0;  // from the hello ack; 0: ours
  uint64_t incarnation_ = 0;
  std::map<AttemptKey, TimeMs> unacked_;  // next resend time
};

}  // namespace scanfleet
