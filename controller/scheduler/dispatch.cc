// Scheduler, part two: choosing what to start. Per worker with credit (free
// slots first, then prefetch windows; round robin), the oldest startable job
// of the queues it serves within the ConcurrencyLimits (a DAST target at its
// limit does not hold up other targets), and failing jobs no live worker can
// run.
// Thread-safety: see scheduler.h.
#include <algorithm>
#include <cstdint>

#include "controller/scheduler/scheduler.h"

namespace scanfleet {

void Scheduler::Dispatch(TimeMs now, std::vector<Decision>& out) {
  latest_ms_ = std::max(latest_ms_, now);
  bool any_queued = false;
  for (auto& [key, queue] : ready_) {
    // Drop entries of jobs that left the queue since they were pushed.
    while (!queue.empty()) {
      auto it = jobs_.find(queue.front());
      if (it != jobs_.end() && it->second.phase == Phase::kQueued) break;
      queue.pop_front();
    }
    any_queued |= !queue.empty();
  }
  if (!any_queued) return;
  // Free slots anywhere first; only then the prefetch windows of workers that
  // turn work over quickly.
  DispatchRounds(slot_credit_, now, out);
  DispatchRounds(prefetch_credit_, now, out);
}

void Scheduler::DispatchRounds(std::set<uint32_t>& credit, TimeMs now, std::vector<Decision>& out) {
  // One job per worker per round, starting after the worker that got the last
  // one, so load spreads. A worker that finds nothing to start, or runs out of
  // credit, leaves the rounds: each visit dispatches a job or drops a worker.
  std::vector<uint32_t> round;
  round.reserve(credit.size());
  auto split = credit.upper_bound(round_robin_after_);
  round.insert(round.end(), split, credit.end());
  round.insert(round.end(), credit.begin(), split);
  while (!round.empty()) {
    std::vector<uint32_t> next;
    for (uint32_t id : round) {
      ++dispatch_cost_.workers_visited;
      Worker* worker = WorkerById(id);
      if (worker == nullptr || !credit.count(id)) continue;
      if (&credit == &prefetch_credit_ && !PrefetchAllowed(*worker, now)) {
        UpdateCredit(*worker, now);  // its window closed since it last finished a job
        continue;
      }
      if (!DispatchOneTo(*worker, now, out)) continue;
      round_robin_after_ = id;
      if (credit.count(id)) next.push_back(id);
    }
    round.swap(next);
  }
}

bool Scheduler::DispatchOneTo(Worker& worker, TimeMs now, std::vector<Decision>& out) {
  // Oldest job first across the queues the worker serves (its pools x its
  // scanners). Jobs whose DAST target is at its limit wait without blocking
  // others; a pool at its cap starts nothing.
  std::deque<uint64_t>* best = nullptr;
  std::deque<uint64_t>::iterator best_at;
  for (const std::string& pool : worker.pools) {
    if (limits_.PoolRoom(pool) <= 0) continue;
    for (auto it = ready_.lower_bound({pool, ""}); it != ready_.end() && it->first.first == pool;
         ++it) {
      ++dispatch_cost_.queue_heads_visited;
      auto& queue = it->second;
      if (queue.empty() || !worker.scanners.count(it->first.second)) continue;
      auto at = FirstStartable(queue, now);
      if (at == queue.end()) continue;
      if (best == nullptr || *at < *best_at) {
        best = &queue;
        best_at = at;
      }
    }
  }
  if (best == nullptr) return false;
  Job& job = jobs_.at(*best_at);
  best->erase(best_at);
  job.phase = Phase::kDispatched;
  job.attempt += 1;
  if (job.open_attempts < UINT8_MAX) ++job.open_attempts;
  job.deadline_ms = now + config_.accept_timeout_ms;
  job.worker = worker.id;
  ++worker.unaccepted;
  MarkInFlight(job, now);
  out.push_back(DispatchJob{job.job_id, job.attempt, PoolOf(job), job.deadline_ms, WorkerOf(job)});
  ++dispatch_cost_.dispatched;
  UpdateCredit(worker, now);
  return true;
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
    bool waiting = !PoolHasScanner(key.first, key.second) &&
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
