// PrefetchQueue: jobs the controller sent beyond the worker's free slots
// (its "prefetch" credit), waiting here in arrival order until a slot frees.
//
// A waiting job is not accepted yet: the loop sends its acceptance when it
// starts. One whose accept_by_ms (the controller's clock; 0: no deadline)
// has come before it starts is taken out by TakeExpired() and declined by
// the loop, so no job is parked here past the controller's acceptance
// deadline. Pure: the loop passes the time in and performs the decisions.
// Thread-safety: not thread-safe; owned by the worker loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "common/time/clock.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

class PrefetchQueue {
 public:
  static constexpr TimeMs kNever = INT64_MAX;

  // Appends `job`; DecideAdmission said kQueue, so the job is not here yet.
  void Push(v1::JobAssignment job);
  // The attempt of `job_id` that waits here, if any.
  std::optional<uint32_t> AttemptOf(uint64_t job_id) const;
  // Takes `job_id` out, whichever attempt waits; false when none does.
  bool RemoveJob(uint64_t job_id);
  // Takes out, in arrival order, every job whose accept_by_ms is set and
  // not after `now`.
  std::vector<v1::JobAssignment> TakeExpired(TimeMs now);
  // The job that has waited longest, taken out; nullopt when none waits.
  std::optional<v1::JobAssignment> PopOldest();
  // Every waiting job, in arrival order, leaving the queue empty.
  std::vector<v1::JobAssignment> TakeAll();

  size_t size() const { return jobs_.size(); }
  bool empty() const { return jobs_.empty(); }
  // The earliest accept_by_ms of a waiting job; kNever when none has one.
  TimeMs NextDeadline() const;

 private:
  std::deque<v1::JobAssignment> jobs_;
};

}  // namespace scanfleet
