// Scheduler, part two: choosing what to start. Capacity per pool (credits
// from live, non-draining workers, capped by ConcurrencyLimits), the oldest
// startable job across a pool's scanners (a DAST target at its limit does not
// hold up other targets), and failing jobs no live worker can run.
// Thread-safety: see scheduler.h.
#include <algorithm>

#include "controller/scheduler/scheduler.h"

namespace scanfleet {

bool Scheduler::TakesJobs(const Worker& worker, const std::string& pool, TimeMs now) const {
  return WorkerIsAlive(worker, now) && !worker.draining &&
         std::find(worker.pools.begin(), worker.pools.end(), pool) != worker.pools.end();
}

int64_t Scheduler::FreeCapacity(const std::string& pool, TimeMs now) const {
  int64_t free_slots = 0;
  for (const auto& [id, worker] : workers_) {
    ++workers_visited_;
    if (!TakesJobs(worker, pool, now)) continue;
    free_slots += std::max<int64_t>(
        0, static_cast<int64_t>(worker.slots) - static_cast<int64_t>(worker.running.size()));
  }
  auto unaccepted = unaccepted_.find(pool);
  return free_slots - (unaccepted == unaccepted_.end() ? 0 : unaccepted->second);
}

bool Scheduler::PoolHasScanner(const std::string& pool, const std::string& scanner,
                               TimeMs now) const {
  for (const auto& [id, worker] : workers_) {
    ++workers_visited_;
    if (worker.scanners.count(scanner) && TakesJobs(worker, pool, now)) return true;
  }
  return false;
}

void Scheduler::Dispatch(TimeMs now, std::vector<Decision>& out) {
  std::map<std::string, int64_t> capacity;
  for (auto& [key, queue] : ready_) {
    // Drop entries of jobs that left the queue since they were pushed.
    while (!queue.empty()) {
      auto it = jobs_.find(queue.front());
      if (it != jobs_.end() && it->second.phase == Phase::kQueued) break;
      queue.pop_front();
    }
    if (!queue.empty() && !capacity.count(key.first)) {
      capacity[key.first] = std::min(FreeCapacity(key.first, now), limits_.PoolRoom(key.first));
    }
  }
  for (auto& [pool, free] : capacity) {
    while (free > 0) {
      // Oldest job first across the pool's scanners that some live worker has.
      // Jobs whose DAST target is at its limit wait without blocking others.
      std::deque<uint64_t>* best = nullptr;
      std::deque<uint64_t>::iterator best_at;
      for (auto it = ready_.lower_bound({pool, ""}); it != ready_.end() && it->first.first == pool;
           ++it) {
        auto& queue = it->second;
        if (queue.empty() || !PoolHasScanner(pool, it->first.second, now)) continue;
        auto at = FirstStartable(queue, now);
        if (at == queue.end()) continue;
        if (best == nullptr || *at < *best_at) {
          best = &queue;
          best_at = at;
        }
      }
      if (best == nullptr) break;
      Job& job = jobs_.at(*best_at);
      best->erase(best_at);
      job.phase = Phase::kDispatched;
      job.attempt += 1;
      job.deadline_ms = now + config_.accept_timeout_ms;
      ++unaccepted_[pool];
      MarkInFlight(job, now);
      out.push_back(DispatchJob{job.job_id, job.attempt, pool, job.deadline_ms});
      --free;
    }
  }
}

std::deque<uint64_t>::iterator Scheduler::FirstStartable(std::deque<uint64_t>& queue, TimeMs now) {
  constexpr int kMaxLookahead = 256;  // bounds the cost when one target is saturated
  int looked = 0;
  for (auto it = queue.begin(); it != queue.end() && looked < kMaxLookahead;) {
    auto job = jobs_.find(*it);
    if (job == jobs_.end() || job->second.phase != Phase::kQueued) {
      it = queue.erase(it);  // left the queue since it was pushed
      continue;
    }
    if (limits_.TargetMayStart(names_.Name(job->second.target), now)) return it;
    ++it;
    ++looked;
  }
  return queue.end();
}

void Scheduler::AbandonUnschedulable(TimeMs now, std::vector<Decision>& out) {
  for (auto& [key, queue] : ready_) {
    // Runs every tick: the cheap worker check first, then stop at the first
    // queued job (usually the front), never a walk over a long queue.
    bool waiting = !PoolHasScanner(key.first, key.second, now) &&
                   std::any_of(queue.begin(), queue.end(), [this](uint64_t job_id) {
                     auto it = jobs_.find(job_id);
                     return it != jobs_.end() && it->second.phase == Phase::kQueued;
                   });
    if (!waiting) {
      unschedulable_since_.erase(key);
      continue;
    }
    TimeMs since = unschedulable_since_.emplace(key, now).first->second;
    if (config_.unschedulable_timeout_ms <= 0 || now - since < config_.unschedulable_timeout_ms) {
      continue;
    }
    std::string reason = "no live worker of pool '" + key.first + "' has scanner '" + key.second +
                         "' (waited " + std::to_string((now - since) / 1000) + " s)";
    for (uint64_t job_id : queue) {
      auto it = jobs_.find(job_id);
      if (it == jobs_.end() || it->second.phase != Phase::kQueued) continue;
      out.push_back(AbandonJob{job_id, it->second.attempt, reason});
      Erase(job_id);
    }
    queue.clear();
    unschedulable_since_.erase(key);
  }
}

}  // namespace scanfleet
