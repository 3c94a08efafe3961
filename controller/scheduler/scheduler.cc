#include "controller/scheduler/scheduler.h"

#include <algorithm>
#include <cmath>

namespace scanfleet {

Scheduler::Scheduler(SchedulerConfig config, std::function<double()> jitter)
    : config_(config), jitter_(std::move(jitter)), limits_(config_.limits) {}

void Scheduler::MarkInFlight(Job& job, TimeMs now) {
  in_flight_.insert(job.job_id);
  limits_.Started(PoolOf(job), names_.Name(job.target), now);
}

Scheduler::Job Scheduler::MakeJob(const JobDescriptor& descriptor) {
  Job job;
  job.job_id = descriptor.job_id;
  job.attempt = descriptor.attempt;
  job.failures = descriptor.failures;
  job.max_failures = descriptor.max_failures;
  job.pool = names_.Intern(descriptor.pool);
  job.scanner = names_.Intern(descriptor.scanner);
  job.target = names_.Intern(descriptor.target_key);
  return job;
}

void Scheduler::AddQueuedJob(const JobDescriptor& descriptor) {
  Job& job = jobs_[descriptor.job_id];
  job = MakeJob(descriptor);
  if (descriptor.not_before_ms > 0) {
    // A retry restored after a restart keeps its backoff.
    job.phase = Phase::kWaiting;
    waiting_.emplace(descriptor.not_before_ms, descriptor.job_id);
    return;
  }
  Enqueue(job);
}

void Scheduler::RestoreInFlight(const JobDescriptor& descriptor,
                                const std::string& /*worker_id: not kept, see the header*/,
                                TimeMs now) {
  Job& job = jobs_[descriptor.job_id];
  job = MakeJob(descriptor);
  job.phase = Phase::kDispatched;
  job.deadline_ms = now + config_.accept_timeout_ms;
  ++unaccepted_[descriptor.pool];
  MarkInFlight(job, now);
}

void Scheduler::ForgetJob(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  DetachFromWorker(it->second);
  Erase(job_id);
}

void Scheduler::Erase(uint64_t job_id) {
  in_flight_.erase(job_id);
  jobs_.erase(job_id);  // stale queue entries are skipped lazily
}

Scheduler::Worker& Scheduler::Touch(const std::string& worker_id, TimeMs now) {
  auto [it, added] = workers_.try_emplace(worker_id);
  if (added) worker_names_.Intern(worker_id);
  Worker& worker = it->second;
  worker.last_seen_ms = std::max(worker.last_seen_ms, now);
  worker.alive = true;
  return worker;
}

void Scheduler::OnWorkerHello(const std::string& worker_id, std::vector<std::string> pools,
                              std::set<std::string> scanners, uint32_t slots, TimeMs now) {
  Worker& worker = Touch(worker_id, now);
  worker.pools = std::move(pools);
  worker.scanners = std::move(scanners);
  worker.slots = slots;
  worker.draining = false;  // a hello starts a fresh worker process
}

std::vector<Decision> Scheduler::OnHeartbeat(const std::string& worker_id,
                                             const HeartbeatReport& report, TimeMs now) {
  std::vector<Decision> out;
  Touch(worker_id, now).draining = report.draining;
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
  Worker& worker = workers_[worker_id];
  std::vector<uint64_t> lost;
  for (uint64_t job_id : worker.running) {
    if (!reported.count(job_id)) lost.push_back(job_id);
  }
  for (uint64_t job_id : lost) {
    Requeue(jobs_.at(job_id), now, false, "worker " + worker_id + " no longer runs it", out);
  }
  if (report.leaving) {
    worker.alive = false;
    worker.dead_since_ms = now;
    out.push_back(WorkerLost{worker_id});
  }
  return out;
}

std::optional<RequeueJob> Scheduler::OnDeclined(const std::string& worker_id, uint64_t job_id,
                                                uint32_t attempt, DeclineReason reason,
                                                TimeMs now) {
  Worker& worker = Touch(worker_id, now);
  auto it = jobs_.find(job_id);
  if (reason == DeclineReason::kDraining) worker.draining = true;
  if (reason == DeclineReason::kScannerMissing && it != jobs_.end()) {
    worker.scanners.erase(names_.Name(it->second.scanner));
  }
  if (it == jobs_.end() || it->second.attempt != attempt) return std::nullopt;
  Job& job = it->second;
  bool live = job.phase == Phase::kDispatched ||
              (job.phase == Phase::kRunning && WorkerOf(job) == worker_id);
  if (!live) return std::nullopt;
  static const char* const kReasons[] = {"worker had no free slot", "worker lacks the scanner",
                                         "worker is draining", "worker handed it back on drain",
                                         "worker declined it"};
  std::vector<Decision> out;
  Requeue(job, now, false, kReasons[static_cast<int>(reason)], out);
  return std::get<RequeueJob>(out.front());
}

std::optional<CancelAttempt> Scheduler::CancelJob(uint64_t job_id, const std::string& reason) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  Job& job = it->second;
  std::optional<CancelAttempt> cancel;
  if (job.phase == Phase::kDispatched || job.phase == Phase::kRunning) {
    cancel = CancelAttempt{job.phase == Phase::kRunning ? WorkerOf(job) : "", job_id, job.attempt,
                           reason};
  }
  DetachFromWorker(job);
  Erase(job_id);
  return cancel;
}

bool Scheduler::OnAccepted(const std::string& worker_id, uint64_t job_id, uint32_t attempt,
                           TimeMs now) {
  Worker& worker = Touch(worker_id, now);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.attempt != attempt) return false;
  Job& job = it->second;
  if (job.phase == Phase::kRunning) return WorkerOf(job) == worker_id;
  if (job.phase != Phase::kDispatched) return false;
  --unaccepted_[PoolOf(job)];
  job.phase = Phase::kRunning;
  job.worker = worker_names_.Intern(worker_id);
  job.deadline_ms = now + config_.lease_ms;
  worker.running.insert(job_id);
  return true;
}

ResultVerdict Scheduler::OnResult(const std::string& worker_id, uint64_t job_id, uint32_t attempt,
                                  FailureClass failure, TimeMs now) {
  Touch(worker_id, now);
  ResultVerdict verdict;
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.attempt != attempt ||
      (it->second.phase != Phase::kDispatched && it->second.phase != Phase::kRunning)) {
    verdict.kind = ResultVerdict::Kind::kStale;
    return verdict;
  }
  Job& job = it->second;
  DetachFromWorker(job);
  if (failure == FailureClass::kNone) {
    Erase(job_id);
    verdict.kind = ResultVerdict::Kind::kSucceeded;
    return verdict;
  }
  uint32_t failures = job.failures + 1;
  if (failure == FailureClass::kBadInput) {
    Erase(job_id);
    verdict.kind = ResultVerdict::Kind::kFailed;
    return verdict;
  }
  if (failures >= MaxFailures(job)) {
    Erase(job_id);
    verdict.kind = ResultVerdict::Kind::kDeadLettered;
    return verdict;
  }
  std::vector<Decision> requeued;
  Requeue(job, now + BackoffFor(failures), true, "attempt failed", requeued);
  verdict.kind = ResultVerdict::Kind::kRetry;
  verdict.requeue = std::get<RequeueJob>(requeued.front());
  return verdict;
}

std::optional<RequeueJob> Scheduler::OnDispatchFailed(uint64_t job_id, uint32_t attempt,
                                                      TimeMs now) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.attempt != attempt ||
      it->second.phase != Phase::kDispatched) {
    return std::nullopt;
  }
  std::vector<Decision> out;
  Requeue(it->second, now + config_.dispatch_retry_ms, false, "pool socket refused the job", out);
  return std::get<RequeueJob>(out.front());
}

DurationMs Scheduler::BackoffFor(uint32_t failures) {
  double exponential = static_cast<double>(config_.backoff_base_ms) *
                       std::pow(2.0, static_cast<double>(failures > 0 ? failures - 1 : 0));
  double capped = std::min(exponential, static_cast<double>(config_.backoff_max_ms));
  // Full jitter on the upper half: spreads retries without ever retrying at once.
  return static_cast<DurationMs>(capped / 2 + capped / 2 * jitter_());
}

uint32_t Scheduler::MaxFailures(const Job& job) const {
  return job.max_failures > 0 ? job.max_failures : config_.max_failures;
}

void Scheduler::DetachFromWorker(Job& job) {
  if (job.phase == Phase::kDispatched) --unaccepted_[PoolOf(job)];
  if (job.phase == Phase::kRunning) {
    auto worker = workers_.find(WorkerOf(job));
    if (worker != workers_.end()) worker->second.running.erase(job.job_id);
  }
  if (in_flight_.erase(job.job_id) > 0) limits_.Stopped(PoolOf(job), names_.Name(job.target));
  job.worker = 0;
}

void Scheduler::Enqueue(Job& job) {
  job.phase = Phase::kQueued;
  ready_[{PoolOf(job), names_.Name(job.scanner)}].push_back(job.job_id);
}

void Scheduler::Requeue(Job& job, TimeMs not_before, bool counts_as_failure,
                        const std::string& reason, std::vector<Decision>& out) {
  uint32_t abandoned = job.attempt;
  DetachFromWorker(job);
  if (counts_as_failure) ++job.failures;
  job.phase = Phase::kWaiting;
  waiting_.emplace(not_before, job.job_id);
  out.push_back(RequeueJob{job.job_id, abandoned, not_before, job.failures, reason});
}

bool Scheduler::WorkerIsAlive(const Worker& worker, TimeMs now) const {
  return worker.alive &&
         now - worker.last_seen_ms <= config_.heartbeat_interval_ms * config_.dead_after_missed;
}

void Scheduler::ExpireWorkers(TimeMs now, std::vector<Decision>& out) {
  for (auto& [worker_id, worker] : workers_) {
    ++workers_visited_;
    if (!worker.alive || WorkerIsAlive(worker, now)) continue;
    worker.alive = false;
    worker.dead_since_ms = now;
    std::vector<uint64_t> orphans(worker.running.begin(), worker.running.end());
    for (uint64_t job_id : orphans) {
      Requeue(jobs_.at(job_id), now, false, "worker " + worker_id + " stopped heartbeating", out);
    }
    out.push_back(WorkerLost{worker_id});
  }
}

void Scheduler::ForgetDeadWorkers(TimeMs now, std::vector<Decision>& out) {
  if (config_.worker_retention_ms <= 0) return;
  for (auto it = workers_.begin(); it != workers_.end();) {
    ++workers_visited_;
    const Worker& worker = it->second;
    // A worker with attempts still attached (a leaving worker's last jobs,
    // until their lease ends) is kept: jobs refer to it by id.
    if (worker.alive || !worker.running.empty() ||
        now - worker.dead_since_ms < config_.worker_retention_ms) {
      ++it;
      continue;
    }
    out.push_back(WorkerForgotten{it->first});
    worker_names_.Release(it->first);
    it = workers_.erase(it);
  }
}

void Scheduler::ExpireDeadlines(TimeMs now, std::vector<Decision>& out) {
  std::vector<uint64_t> expired;
  for (uint64_t job_id : in_flight_) {
    if (jobs_.at(job_id).deadline_ms < now) expired.push_back(job_id);
  }
  for (uint64_t job_id : expired) {
    Job& job = jobs_.at(job_id);
    std::string reason = job.phase == Phase::kDispatched ? "not accepted in time" : "lease expired";
    if (job.phase == Phase::kRunning) {
      out.push_back(CancelAttempt{WorkerOf(job), job_id, job.attempt, reason});
    }
    Requeue(job, now, false, reason, out);
  }
}

void Scheduler::ReleaseDueRetries(TimeMs now) {
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    uint64_t job_id = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    auto it = jobs_.find(job_id);
    if (it != jobs_.end() && it->second.phase == Phase::kWaiting) Enqueue(it->second);
  }
}

std::vector<Decision> Scheduler::Tick(TimeMs now) {
  std::vector<Decision> out;
  ExpireWorkers(now, out);
  ForgetDeadWorkers(now, out);
  ExpireDeadlines(now, out);
  ReleaseDueRetries(now);
  Dispatch(now, out);
  AbandonUnschedulable(now, out);
  return out;
}

std::optional<TimeMs> Scheduler::NextDeadline() const {
  std::optional<TimeMs> next;
  auto consider = [&next](TimeMs t) { next = next ? std::min(*next, t) : t; };
  if (!waiting_.empty()) consider(waiting_.begin()->first);
  if (config_.unschedulable_timeout_ms > 0) {
    for (const auto& [key, since] : unschedulable_since_) {
      consider(since + config_.unschedulable_timeout_ms);
    }
  }
  for (uint64_t job_id : in_flight_) consider(jobs_.at(job_id).deadline_ms + 1);
  for (const auto& [id, worker] : workers_) {
    ++workers_visited_;
    if (worker.alive) {
      consider(worker.last_seen_ms + config_.heartbeat_interval_ms * config_.dead_after_missed + 1);
    }
  }
  return next;
}

size_t Scheduler::queued_jobs() const { return jobs_.size() - in_flight_.size(); }
size_t Scheduler::in_flight_jobs() const { return in_flight_.size(); }

std::optional<uint32_t> Scheduler::CurrentAttempt(uint64_t job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.attempt;
}

WorkerBookkeeping Scheduler::worker_bookkeeping() const {
  return WorkerBookkeeping{workers_.size(), worker_names_.size(), workers_visited_};
}

std::vector<WorkerView> Scheduler::Workers(TimeMs now) const {
  std::vector<WorkerView> views;
  for (const auto& [id, worker] : workers_) {
    views.push_back(WorkerView{id, worker.pools, worker.scanners, worker.slots,
                               static_cast<uint32_t>(worker.running.size()),
                               WorkerIsAlive(worker, now), worker.last_seen_ms, worker.draining});
  }
  return views;
}

}  // namespace scanfleet
