// DrainPlan: the steps of a graceful stop (SIGTERM), as a pure state machine.
//
// Once Begin() is called the worker takes no new job and reports draining in
// every heartbeat. Running jobs get `grace_ms` to finish; past it, Tick() says
// to hand the still-running attempts back (cancel them and decline them, so
// the controller requeues them at once). When no job thread is left, the
// worker waits up to `ack_wait_ms` for its unacknowledged results (they are
// spooled, so leaving earlier loses nothing: they are re-sent on the next
// start), then Tick() says to leave: send a last heartbeat with leaving set
// and exit.
// Handed-back job threads are waited for without a bound: cancelling kills
// their process group, so they end promptly.
// Thread-safety: not thread-safe; owned by the worker loop thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/time/clock.h"

namespace scanfleet {

struct DrainConfig {
  DurationMs grace_ms = 30000;    // running jobs get this long to finish
  DurationMs ack_wait_ms = 5000;  // then unacknowledged results get this long
};

class DrainPlan {
 public:
  enum class Phase {
    kServing,        // not stopping
    kFinishingJobs,  // stop requested; running jobs may finish within the grace
    kStoppingJobs,   // grace over; handed-back jobs are being cancelled
    kAwaitingAcks,   // no job thread left; waiting for result acknowledgements
    kLeft,           // the last heartbeat (leaving) is due or was sent
  };

  // What the loop must do now.
  struct Step {
    bool hand_back_running = false;  // cancel every running attempt and decline it
    bool leave = false;              // send the leaving heartbeat and exit
  };

  explicit DrainPlan(DrainConfig config) : config_(config) {}

  // A stop was requested. Later calls change nothing.
  void Begin(TimeMs now);
  // running_jobs: job threads still alive, handed-back ones included.
  Step Tick(TimeMs now, size_t running_jobs, size_t unacked_results);

  Phase phase() const { return phase_; }
  bool draining() const { return phase_ != Phase::kServing; }
  bool left() const { return phase_ == Phase::kLeft; }
  // When Tick() next acts without any other event; kNever when no timer runs.
  TimeMs NextDeadline() const;

  static constexpr TimeMs kNever = INT64_MAX;

 private:
  DrainConfig config_;
  Phase phase_ = Phase::kServing;
  TimeMs grace_deadline_ = kNever;
  TimeMs acks_deadline_ = kNever;
};

}  // namespace scanfleet
