// DrainPlan: the phases of a graceful stop; see drain_plan.h.
// Thread-safety: not thread-safe; owned by the worker loop thread.
#include "worker/session/drain_plan.h"

namespace scanfleet {

void DrainPlan::Begin(TimeMs now) {
  if (phase_ != Phase::kServing) return;
  phase_ = Phase::kFinishingJobs;
  grace_deadline_ = now + config_.grace_ms;
}

DrainPlan::Step DrainPlan::Tick(TimeMs now, size_t running_jobs, size_t unacked_results) {
  Step step;
  if (phase_ == Phase::kFinishingJobs && running_jobs > 0 && now >= grace_deadline_) {
    phase_ = Phase::kStoppingJobs;
    step.hand_back_running = true;
    return step;
  }
  if ((phase_ == Phase::kFinishingJobs || phase_ == Phase::kStoppingJobs) && running_jobs == 0) {
    phase_ = Phase::kAwaitingAcks;
    acks_deadline_ = now + config_.ack_wait_ms;
  }
  if (phase_ == Phase::kAwaitingAcks && (unacked_results == 0 || now >= acks_deadline_)) {
    phase_ = Phase::kLeft;
    step.leave = true;
  }
  return step;
}

TimeMs DrainPlan::NextDeadline() const {
  switch (phase_) {
    case Phase::kFinishingJobs:
      return grace_deadline_;
    case Phase::kAwaitingAcks:
      return acks_deadline_;
    default:
      return kNever;
  }
}

}  // namespace scanfleet
