// PrefetchQueue: prefetched jobs waiting for a slot; see prefetch_queue.h.
// Thread-safety: not thread-safe; owned by the worker loop thread.
#include "worker/session/prefetch_queue.h"

#include <algorithm>

namespace scanfleet {

void PrefetchQueue::Push(v1::JobAssignment job) { jobs_.push_back(std::move(job)); }

std::optional<uint32_t> PrefetchQueue::AttemptOf(uint64_t job_id) const {
  for (const v1::JobAssignment& job : jobs_) {
    if (job.job().job_id() == job_id) return job.job().attempt();
  }
  return std::nullopt;
}

bool PrefetchQueue::RemoveJob(uint64_t job_id) {
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [job_id](const v1::JobAssignment& job) {
    return job.job().job_id() == job_id;
  });
  if (it == jobs_.end()) return false;
  jobs_.erase(it);
  return true;
}

std::vector<v1::JobAssignment> PrefetchQueue::TakeExpired(TimeMs now) {
  std::vector<v1::JobAssignment> expired;
  std::deque<v1::JobAssignment> waiting;
  for (v1::JobAssignment& job : jobs_) {
    bool past = job.accept_by_ms() != 0 && job.accept_by_ms() <= now;
    if (past) {
      expired.push_back(std::move(job));
    } else {
      waiting.push_back(std::move(job));
    }
  }
  jobs_.swap(waiting);
  return expired;
}

std::optional<v1::JobAssignment> PrefetchQueue::PopOldest() {
  if (jobs_.empty()) return std::nullopt;
  v1::JobAssignment job = std::move(jobs_.front());
  jobs_.pop_front();
  return job;
}

std::vector<v1::JobAssignment> PrefetchQueue::TakeAll() {
  std::vector<v1::JobAssignment> all(std::make_move_iterator(jobs_.begin()),
                                     std::make_move_iterator(jobs_.end()));
  jobs_.clear();
  return all;
}

TimeMs PrefetchQueue::NextDeadline() const {
  TimeMs next = kNever;
  for (const v1::JobAssignment& job : jobs_) {
    if (job.accept_by_ms() != 0) next = std::min(next, job.accept_by_ms());
  }
  return next;
}

}  // namespace scanfleet
