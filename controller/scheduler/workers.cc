// Scheduler, part three: the worker table. Hello, heartbeat, liveness and
// retention, and the two indexes dispatch reads instead of walking the fleet:
// served_ (which pool x scanner queues some serving worker covers) and the
// credit sets (which workers may get a job now).
// Thread-safety: see scheduler.h.
#include <algorithm>

#include "controller/scheduler/scheduler.h"

namespace scanfleet {

Scheduler::Worker& Scheduler::Entry(const std::string& worker_id, TimeMs now) {
  auto [it, added] = workers_.try_emplace(worker_id);
  Worker& worker = it->second;
  if (added) {
    worker.id = worker_names_.Intern(worker_id);
    if (by_id_.size() <= worker.id) by_id_.resize(worker.id + 1, nullptr);
    by_id_[worker.id] = &worker;
    // Not heard from yet (only named by a restored attempt): not alive.
    worker.alive = false;
    NoteDead(worker, now);
  }
  return worker;
}

void Scheduler::NoteDead(Worker& worker, TimeMs now) {
  worker.dead_since_ms = now;
  if (config_.worker_retention_ms > 0) {
    next_forget_check_ms_ = std::min(next_forget_check_ms_, now + config_.worker_retention_ms);
  }
}

Scheduler::Worker& Scheduler::Touch(const std::string& worker_id, TimeMs now) {
  latest_ms_ = std::max(latest_ms_, now);
  Worker& worker = Entry(worker_id, now);
  worker.last_seen_ms = std::max(worker.last_seen_ms, now);
  if (!worker.alive) {
    worker.alive = true;  // it speaks again (a partition healed)
    // Later heartbeats only move its expiry later: the bound stays valid.
    next_expiry_check_ms_ =
        std::min(next_expiry_check_ms_, worker.last_seen_ms + LivenessTimeout() + 1);
    UpdateServing(worker);
    UpdateCredit(worker, now);
  }
  return worker;
}

void Scheduler::OnWorkerHello(const std::string& worker_id, std::vector<std::string> pools,
                              std::set<std::string> scanners, uint32_t slots, TimeMs now,
                              uint32_t prefetch) {
  Worker& worker = Touch(worker_id, now);
  Unserve(worker);
  worker.pools = std::move(pools);
  worker.scanners = std::move(scanners);
  worker.slots = slots;
  worker.prefetch = std::min(prefetch, kMaxPrefetch);
  worker.draining = false;  // a hello starts a fresh worker process
  UpdateServing(worker);
  UpdateCredit(worker, now);
}

std::vector<Decision> Scheduler::OnHeartbeat(const std::string& worker_id,
                                             const HeartbeatReport& report, TimeMs now) {
  std::vector<Decision> out;
  Worker& worker = Touch(worker_id, now);
  if (worker.draining != report.draining) {
    worker.draining = report.draining;
    UpdateServing(worker);
    UpdateCredit(worker, now);
  }
  std::set<uint64_t> reported;
  for (const auto& [job_id, attempt] : report.running) {
    reported.insert(job_id);
    auto it = jobs_.find(job_id);
    bool live = it != jobs_.end() && it->second.attempt == attempt &&
                (it->second.phase == Phase::kDispatched ||
                 (it->second.phase == Phase::kRunning && WorkerOf(it->second) == worker_id));
    if (!live) {
      out.push_back(CancelAttempt{worker_id, job_id, attempt, "attempt is no longer live"});
      continue;
    }
    // A heartbeat naming a dispatched attempt means its JobAccepted was lost.
    if (it->second.phase == Phase::kDispatched) OnAccepted(worker_id, job_id, attempt, now);
    it->second.deadline_ms = now + config_.lease_ms;
  }
  // Attempts we believe run here but the worker no longer reports were lost
  // (the worker restarted): requeue them now rather than waiting for the lease.
  // Results and heartbeats share one ordered socket, so a finished attempt's
  // result always arrives before a heartbeat that omits it.
  std::vector<uint64_t> lost;
  for (uint64_t job_id : worker.running) {
    if (!reported.count(job_id)) lost.push_back(job_id);
  }
  for (uint64_t job_id : lost) {
    Requeue(jobs_.at(job_id), now, false, "worker " + worker_id + " no longer runs it", out);
  }
  if (report.leaving) {
    worker.alive = false;
    NoteDead(worker, now);
    UpdateServing(worker);
    UpdateCredit(worker, now);
    out.push_back(WorkerLost{worker_id});
  }
  return out;
}

bool Scheduler::WorkerIsAlive(const Worker& worker, TimeMs now) const {
  return worker.alive && now - worker.last_seen_ms <= LivenessTimeout();
}

void Scheduler::ExpireWorkers(TimeMs now, std::vector<Decision>& out) {
  if (now < next_expiry_check_ms_) return;  // nobody can have expired yet
  next_expiry_check_ms_ = kNoDeadline;
  for (auto& [worker_id, worker] : workers_) {
    ++workers_visited_;
    if (!worker.alive) continue;
    if (WorkerIsAlive(worker, now)) {
      next_expiry_check_ms_ =
          std::min(next_expiry_check_ms_, worker.last_seen_ms + LivenessTimeout() + 1);
      continue;
    }
    worker.alive = false;
    NoteDead(worker, now);
    UpdateServing(worker);
    UpdateCredit(worker, now);
    std::vector<uint64_t> orphans(worker.running.begin(), worker.running.end());
    for (uint64_t job_id : orphans) {
      Requeue(jobs_.at(job_id), now, false, "worker " + worker_id + " stopped heartbeating", out);
    }
    out.push_back(WorkerLost{worker_id});
  }
}

void Scheduler::ForgetDeadWorkers(TimeMs now, std::vector<Decision>& out) {
  if (config_.worker_retention_ms <= 0 || now < next_forget_check_ms_) return;
  next_forget_check_ms_ = kNoDeadline;
  for (auto it = workers_.begin(); it != workers_.end();) {
    ++workers_visited_;
    const Worker& worker = it->second;
    if (worker.alive) {  // counted again when it dies
      ++it;
      continue;
    }
    // A worker with attempts still charged to it (a leaving worker's last
    // jobs, until their lease or acceptance deadline ends) is kept: jobs refer
    // to it by id. It is looked at again an interval later.
    bool charged = !worker.running.empty() || worker.unaccepted > 0;
    TimeMs forget_at = worker.dead_since_ms + config_.worker_retention_ms;
    if (charged || now < forget_at) {
      TimeMs check = charged ? std::max(forget_at, now + config_.heartbeat_interval_ms) : forget_at;
      next_forget_check_ms_ = std::min(next_forget_check_ms_, check);
      ++it;
      continue;
    }
    out.push_back(WorkerForgotten{it->first});
    slot_credit_.erase(worker.id);
    prefetch_credit_.erase(worker.id);
    by_id_[worker.id] = nullptr;
    worker_names_.Release(it->first);
    it = workers_.erase(it);
  }
}

void Scheduler::Unserve(Worker& worker) {
  if (!worker.serving) return;
  for (const std::string& pool : worker.pools) {
    for (const std::string& scanner : worker.scanners) {
      auto it = served_.find({pool, scanner});
      if (it != served_.end() && --it->second == 0) served_.erase(it);
    }
  }
  worker.serving = false;
}

void Scheduler::UpdateServing(Worker& worker) {
  bool serving = worker.alive && !worker.draining;
  if (serving == worker.serving) return;
  if (!serving) {
    Unserve(worker);
    return;
  }
  for (const std::string& pool : worker.pools) {
    for (const std::string& scanner : worker.scanners) ++served_[{pool, scanner}];
  }
  worker.serving = true;
}

bool Scheduler::PrefetchAllowed(const Worker& worker, TimeMs now) const {
  return worker.prefetch > 0 && worker.last_finished_ms.has_value() &&
         now - *worker.last_finished_ms <= config_.heartbeat_interval_ms;
}

void Scheduler::UpdateCredit(Worker& worker, TimeMs now) {
  bool can_take = worker.serving && !worker.pools.empty() && !worker.scanners.empty();
  uint32_t outstanding = Outstanding(worker);
  bool slot = can_take && outstanding < worker.slots;
  bool prefetch = can_take && !slot && outstanding < worker.slots + worker.prefetch &&
                  PrefetchAllowed(worker, now);
  if (slot) {
    slot_credit_.insert(worker.id);
  } else {
    slot_credit_.erase(worker.id);
  }
  if (prefetch) {
    prefetch_credit_.insert(worker.id);
  } else {
    prefetch_credit_.erase(worker.id);
  }
}

bool Scheduler::PoolHasScanner(const std::string& pool, const std::string& scanner) const {
  return served_.count({pool, scanner}) > 0;
}

WorkerBookkeeping Scheduler::worker_bookkeeping() const {
  return WorkerBookkeeping{workers_.size(), worker_names_.size(), workers_visited_};
}

std::vector<WorkerView> Scheduler::Workers(TimeMs now) const {
  std::vector<WorkerView> views;
  for (const auto& [id, worker] : workers_) {
    views.push_back(WorkerView{id, worker.pools, worker.scanners, worker.slots,
                               static_cast<uint32_t>(worker.running.size()),
                               WorkerIsAlive(worker, now), worker.last_seen_ms, worker.draining,
                               worker.prefetch, worker.unaccepted});
  }
  return views;
}

}  // namespace scanfleet
