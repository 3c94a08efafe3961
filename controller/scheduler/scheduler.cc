// Scheduler, part one: jobs. Queue, acceptance, declines, cancel, results
// (live, adopted or stale), requeue with backoff, deadlines. See scheduler.h.
// Thread-safety: see scheduler.h.
#include "controller/scheduler/scheduler.h"

#include <algorithm>
#include <cmath>

namespace scanfleet {

namespace {

// The requeue reason a decline records with the job (one case per reason, no
// default: a new DeclineReason does not build until it says why).
const char* RequeueReasonOf(DeclineReason reason) {
  switch (reason) {
    case DeclineReason::kNoFreeSlot:
      return "worker had no free slot";
    case DeclineReason::kScannerMissing:
      return "worker lacks the scanner";
    case DeclineReason::kDraining:
      return "worker is draining";
    case DeclineReason::kHandedBack:
      return "worker handed it back on drain";
    case DeclineReason::kOther:
      return "worker declined it";
  }
  return "worker declined it";  // not a DeclineReason: a broken cast somewhere
}

}  // namespace

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
  // A job restored from storage may have applied its last attempt's result (a
  // retry) without our knowing: no earlier result is adopted.
  job.open_attempts = 0;
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

void Scheduler::RestoreInFlight(const JobDescriptor& descriptor, const std::string& worker_id,
                                TimeMs now) {
  latest_ms_ = std::max(latest_ms_, now);
  Job& job = jobs_[descriptor.job_id];
  job = MakeJob(descriptor);
  job.phase = Phase::kDispatched;
  if (!worker_id.empty()) {
    Worker& worker = Entry(worker_id, now);
    ++worker.unaccepted;
    job.worker = worker.id;
  }
  job.deadline_ms = now + config_.accept_timeout_ms;
  // Its result may be adopted even after the acceptance window: its worker may
  // reconnect late with the job finished (issue 17).
  job.open_attempts = 1;
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

std::optional<RequeueJob> Scheduler::OnDeclined(const std::string& worker_id, uint64_t job_id,
                                                uint32_t attempt, DeclineReason reason,
                                                TimeMs now) {
  Worker& worker = Touch(worker_id, now);
  auto it = jobs_.find(job_id);
  if (reason == DeclineReason::kDraining && !worker.draining) {
    worker.draining = true;
    UpdateServing(worker);
    UpdateCredit(worker, now);
  }
  if (reason == DeclineReason::kScannerMissing && it != jobs_.end()) {
    Unserve(worker);
    worker.scanners.erase(names_.Name(it->second.scanner));
    UpdateServing(worker);
    UpdateCredit(worker, now);
  }
  if (it == jobs_.end() || it->second.attempt != attempt) return std::nullopt;
  Job& job = it->second;
  bool live = job.phase == Phase::kDispatched ||
              (job.phase == Phase::kRunning && WorkerOf(job) == worker_id);
  if (!live) return std::nullopt;
  std::vector<Decision> out;
  Requeue(job, now, false, RequeueReasonOf(reason), out);
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
  if (job.phase == Phase::kRunning) return job.worker == worker.id;
  if (job.phase != Phase::kDispatched) return false;
  // Whoever accepts is charged with it, even if it was meant for another.
  if (Worker* chosen = WorkerById(job.worker); chosen != nullptr && chosen->unaccepted > 0) {
    --chosen->unaccepted;
    if (chosen != &worker) UpdateCredit(*chosen, now);
  }
  job.phase = Phase::kRunning;
  job.worker = worker.id;
  job.deadline_ms = now + config_.lease_ms;
  job.open_attempts = 1;  // it started: no earlier attempt's result is adopted now
  worker.running.insert(job_id);
  UpdateCredit(worker, now);
  return true;
}

bool Scheduler::AwaitsAcceptance(uint64_t job_id, uint32_t attempt) const {
  auto it = jobs_.find(job_id);
  return it != jobs_.end() && it->second.attempt == attempt &&
         it->second.phase == Phase::kDispatched;
}

ResultVerdict Scheduler::OnResult(const std::string& worker_id, uint64_t job_id, uint32_t attempt,
                                  FailureClass failure, TimeMs now) {
  Worker& worker = Touch(worker_id, now);
  worker.last_finished_ms = now;  // it turns work over: prefetch is allowed for a while
  ResultVerdict verdict;
  auto it = jobs_.find(job_id);
  if (it != jobs_.end()) {
    Job& job = it->second;
    bool live =
        job.attempt == attempt && (job.phase == Phase::kDispatched || job.phase == Phase::kRunning);
    // An earlier attempt (or the current one, abandoned and requeued) whose
    // result may still be applied: no later attempt started, none applied.
    bool adoptable = !live && job.phase != Phase::kRunning && attempt >= 1 &&
                     attempt <= job.attempt && job.attempt - attempt < job.open_attempts;
    if (live || adoptable) {
      std::optional<CancelAttempt> cancel;
      if (adoptable && job.phase == Phase::kDispatched) {
        cancel = CancelAttempt{
            WorkerOf(job), job_id, job.attempt,
            "attempt " + std::to_string(attempt) + " finished first; its result was adopted"};
      }
      if (job.phase == Phase::kWaiting) Unwait(job_id);
      verdict = ApplyResult(job, failure, now);  // may erase the job
      verdict.adopted = adoptable;
      verdict.cancel = std::move(cancel);
    }
  }
  UpdateCredit(worker, now);
  return verdict;
}

ResultVerdict Scheduler::ApplyResult(Job& job, FailureClass failure, TimeMs now) {
  ResultVerdict verdict;
  verdict.live_attempt = job.attempt;
  DetachFromWorker(job);
  uint64_t job_id = job.job_id;
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
  job.open_attempts = 0;  // applied: a second delivery of it is stale
  verdict.kind = ResultVerdict::Kind::kRetry;
  verdict.requeue = std::get<RequeueJob>(requeued.front());
  return verdict;
}

void Scheduler::Unwait(uint64_t job_id) {
  // Rare (an adopted result of a job requeued moments ago, whose not-before
  // time is about now): a walk over the retries is cheaper than keeping each
  // job's not-before time in its record.
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->second == job_id) {
      waiting_.erase(it);
      return;
    }
  }
}

std::optional<RequeueJob> Scheduler::OnDispatchFailed(uint64_t job_id, uint32_t attempt,
                                                      TimeMs now) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.attempt != attempt ||
      it->second.phase != Phase::kDispatched) {
    return std::nullopt;
  }
  std::vector<Decision> out;
  Requeue(it->second, now + config_.dispatch_retry_ms, false, "the worker was not reachable on the jobs socket", out);
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
  Worker* worker = WorkerById(job.worker);
  if (worker != nullptr && job.phase == Phase::kDispatched && worker->unaccepted > 0) {
    --worker->unaccepted;
    UpdateCredit(*worker, latest_ms_);
  }
  if (worker != nullptr && job.phase == Phase::kRunning) {
    worker->running.erase(job.job_id);
    UpdateCredit(*worker, latest_ms_);
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
  // A lower bound of the first worker expiry (see next_expiry_check_ms_).
  if (next_expiry_check_ms_ != kNoDeadline) consider(next_expiry_check_ms_);
  return next;
}

size_t Scheduler::queued_jobs() const { return jobs_.size() - in_flight_.size(); }
size_t Scheduler::in_flight_jobs() const { return in_flight_.size(); }

std::optional<uint32_t> Scheduler::CurrentAttempt(uint64_t job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.attempt;
}

}  // namespace scanfleet
