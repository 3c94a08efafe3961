// Scheduler: the controller's decision core. Queue, capacity, acceptance
// deadlines, leases, worker liveness, retries with backoff and jitter.
//
// It is a plain object: events and the current time go in, decisions come out.
// It never touches a socket, a file or the database; the controller loop turns
// frames into calls here and decisions into writes and sends. Every deadline
// is computed from the `now` it is given, so tests drive it with a fake clock.
// Thread-safety: not thread-safe; owned by the controller loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/time/clock.h"
#include "controller/scheduler/concurrency_limits.h"
#include "controller/scheduler/decisions.h"
#include "controller/scheduler/name_table.h"

namespace scanfleet {

struct SchedulerConfig {
  DurationMs heartbeat_interval_ms = 1000;  // workers heartbeat this often
  int dead_after_missed = 3;                // worker dead after this many missed heartbeats
  DurationMs accept_timeout_ms = 5000;      // dispatched but not accepted -> resend
  DurationMs lease_ms = 3000;               // accepted lease, renewed by each heartbeat
  uint32_t max_failures = 3;           // failed attempts before dead-letter (jobs may override)
  DurationMs backoff_base_ms = 1000;   // first retry delay
  DurationMs backoff_max_ms = 60000;   // cap of the exponential delay
  DurationMs dispatch_retry_ms = 250;  // pause after the pool socket refused a job
  DurationMs unschedulable_timeout_ms = 600000;  // no capable worker this long: fail (0 = wait)
  // A worker dead or gone this long (and running nothing) is forgotten: every
  // restart of a "HOSTNAME-PID" worker is a new id, so without this the
  // workers every dispatch walks grow without bound. 0 keeps them all.
  DurationMs worker_retention_ms = 3'600'000;
  LimitsConfig limits;  // per-pool and per-DAST-target caps
};

// A job as the scheduler needs to know it.
struct JobDescriptor {
  uint64_t job_id = 0;
  uint64_t scan_id = 0;
  std::string pool;
  std::string scanner;
  uint32_t attempt = 0;   // last attempt number used (0 = never dispatched)
  uint32_t failures = 0;  // failed attempts so far
  TimeMs not_before_ms = 0;
  uint32_t max_failures = 0;  // failed attempts before dead-letter; 0 = SchedulerConfig's
  std::string target_key;     // DAST target host (per-target limits); empty for SAST
};

// What a worker's heartbeat reports.
struct HeartbeatReport {
  std::vector<std::pair<uint64_t, uint32_t>> running;  // job id, attempt
  bool draining = false;                               // the worker takes no new job
  bool leaving = false;                                // the worker is exiting cleanly: gone now
};

// Why a worker gave an attempt back (mirrors v1::DeclineReason).
enum class DeclineReason { kNoFreeSlot, kScannerMissing, kDraining, kHandedBack, kOther };

struct WorkerView {
  std::string worker_id;
  std::vector<std::string> pools;
  std::set<std::string> scanners;
  uint32_t slots = 0;
  uint32_t running = 0;
  bool alive = false;
  TimeMs last_seen_ms = 0;
  bool draining = false;
};

// What the scheduler keeps per worker, and how much of it the dispatch and
// liveness checks have walked: a machine-independent measure of their cost.
struct WorkerBookkeeping {
  size_t workers = 0;            // entries in the worker table (live, dead, gone)
  size_t worker_names = 0;       // interned worker ids
  uint64_t workers_visited = 0;  // worker entries walked since construction
};

class Scheduler {
 public:
  // `jitter` returns a value in [0, 1); tests pass a constant.
  Scheduler(SchedulerConfig config, std::function<double()> jitter);

  // A job waiting to run (new, or restored from storage after a restart); it
  // becomes dispatchable at descriptor.not_before_ms.
  void AddQueuedJob(const JobDescriptor& job);
  // A job that was dispatched or running when the controller stopped: it gets
  // a fresh acceptance window so its worker can report it by heartbeat (any
  // worker that reports or accepts the attempt claims it; the worker it was
  // sent to is not kept).
  void RestoreInFlight(const JobDescriptor& job, const std::string& worker_id, TimeMs now);
  // Removes a job that is no longer wanted (e.g. cancelled); no-op if unknown.
  void ForgetJob(uint64_t job_id);

  void OnWorkerHello(const std::string& worker_id, std::vector<std::string> pools,
                     std::set<std::string> scanners, uint32_t slots, TimeMs now);
  // Renews leases of the live attempts listed; any other attempt listed is
  // stale and gets a CancelAttempt.
  // A draining worker gets no new job; a leaving one is gone at once.
  std::vector<Decision> OnHeartbeat(const std::string& worker_id, const HeartbeatReport& report,
                                    TimeMs now);
  // The worker gave the attempt back without a result: the job is requeued at
  // once and no failure is counted. A worker that lacks the job's scanner is
  // no longer offered that scanner's jobs. nullopt when the attempt was not live.
  std::optional<RequeueJob> OnDeclined(const std::string& worker_id, uint64_t job_id,
                                       uint32_t attempt, DeclineReason reason, TimeMs now);
  // Stops tracking a job that was cancelled. Returns a CancelAttempt when an
  // attempt may be running (worker_id empty when it was dispatched but not yet
  // accepted, so every worker must hear it).
  std::optional<CancelAttempt> CancelJob(uint64_t job_id, const std::string& reason);
  // True when the attempt is live and is now running on the worker; false when
  // stale (the caller should cancel it on that worker).
  bool OnAccepted(const std::string& worker_id, uint64_t job_id, uint32_t attempt, TimeMs now);
  ResultVerdict OnResult(const std::string& worker_id, uint64_t job_id, uint32_t attempt,
                         FailureClass failure, TimeMs now);
  // The loop could not hand the job to the pool socket (no peer, queue full):
  // the attempt is abandoned and the job requeued after a short pause, so a
  // pool whose connection is not up yet does not make the loop spin. nullopt
  // when the attempt was no longer live.
  std::optional<RequeueJob> OnDispatchFailed(uint64_t job_id, uint32_t attempt, TimeMs now);

  // Expires workers, acceptance deadlines and leases, moves due retries to the
  // queue, dispatches up to each pool's free capacity, and forgets workers
  // dead or gone for longer than worker_retention_ms (WorkerForgotten).
  std::vector<Decision> Tick(TimeMs now);

  // When the next deadline falls (for the loop's poll timeout); nullopt if none.
  std::optional<TimeMs> NextDeadline() const;

  size_t queued_jobs() const;
  size_t in_flight_jobs() const;
  bool knows_job(uint64_t job_id) const { return jobs_.count(job_id) > 0; }
  // True for a live worker and one dead or gone for less than the retention.
  bool knows_worker(const std::string& worker_id) const { return workers_.count(worker_id) > 0; }
  // True when some live, non-draining worker of the pool has the scanner.
  bool CanRun(const std::string& pool, const std::string& scanner, TimeMs now) const {
    return PoolHasScanner(pool, scanner, now);
  }
  // Live workers and those dead or gone for less than worker_retention_ms.
  std::vector<WorkerView> Workers(TimeMs now) const;
  WorkerBookkeeping worker_bookkeeping() const;
  // A job's current attempt, or nullopt when the scheduler does not track it.
  std::optional<uint32_t> CurrentAttempt(uint64_t job_id) const;

 private:
  enum class Phase : uint8_t { kWaiting, kQueued, kDispatched, kRunning };
  // A job as the scheduler keeps it: 48 bytes, names interned in names_ (a
  // million queued jobs must fit in the controller's memory budget). A waiting
  // job's not-before time lives in waiting_.
  struct Job {
    uint64_t job_id = 0;
    TimeMs deadline_ms = 0;  // accept-by while dispatched, lease end while running
    uint32_t attempt = 0;    // last attempt number used (0 = never dispatched)
    uint32_t failures = 0;
    uint32_t max_failures = 0;  // 0: SchedulerConfig's
    uint32_t pool = 0;          // names_ ids
    uint32_t scanner = 0;
    uint32_t target = 0;  // DAST target host; 0 ("") for SAST
    uint32_t worker = 0;  // worker_names_ id, set while running
    Phase phase = Phase::kQueued;
  };
  struct Worker {
    std::vector<std::string> pools;
    std::set<std::string> scanners;
    uint32_t slots = 0;
    std::set<uint64_t> running;
    TimeMs last_seen_ms = 0;
    TimeMs dead_since_ms = 0;  // when it was found dead or said it was leaving
    bool alive = true;
    bool draining = false;
  };
  using QueueKey = std::pair<std::string, std::string>;  // pool, scanner

  bool WorkerIsAlive(const Worker& worker, TimeMs now) const;
  void Enqueue(Job& job);
  void Requeue(Job& job, TimeMs not_before, bool counts_as_failure, const std::string& reason,
               std::vector<Decision>& out);
  void DetachFromWorker(Job& job);
  Worker& Touch(const std::string& worker_id, TimeMs now);
  void Erase(uint64_t job_id);
  DurationMs BackoffFor(uint32_t failures);
  uint32_t MaxFailures(const Job& job) const;
  bool TakesJobs(const Worker& worker, const std::string& pool, TimeMs now) const;
  void ExpireWorkers(TimeMs now, std::vector<Decision>& out);
  void ForgetDeadWorkers(TimeMs now, std::vector<Decision>& out);
  void ExpireDeadlines(TimeMs now, std::vector<Decision>& out);
  void ReleaseDueRetries(TimeMs now);
  void Dispatch(TimeMs now, std::vector<Decision>& out);
  // Position of the first job of `queue` allowed to start now, or end().
  std::deque<uint64_t>::iterator FirstStartable(std::deque<uint64_t>& queue, TimeMs now);
  void MarkInFlight(Job& job, TimeMs now);
  Job MakeJob(const JobDescriptor& descriptor);
  const std::string& PoolOf(const Job& job) const { return names_.Name(job.pool); }
  const std::string& WorkerOf(const Job& job) const { return worker_names_.Name(job.worker); }
  void AbandonUnschedulable(TimeMs now, std::vector<Decision>& out);
  int64_t FreeCapacity(const std::string& pool, TimeMs now) const;
  bool PoolHasScanner(const std::string& pool, const std::string& scanner, TimeMs now) const;

  SchedulerConfig config_;
  std::function<double()> jitter_;
  NameTable names_;         // pools, scanners, DAST targets
  NameTable worker_names_;  // ids of the workers in workers_
  std::unordered_map<uint64_t, Job> jobs_;
  std::map<std::string, Worker> workers_;
  std::map<QueueKey, std::deque<uint64_t>> ready_;  // FIFO per pool and scanner
  std::multimap<TimeMs, uint64_t> waiting_;         // retries by not-before time
  std::map<std::string, int64_t> unaccepted_;       // dispatched, not accepted, per pool
  std::set<uint64_t> in_flight_;                    // dispatched or running
  std::map<QueueKey, TimeMs> unschedulable_since_;  // queues no live worker can serve
  ConcurrencyLimits limits_;
  mutable uint64_t workers_visited_ = 0;
};

}  // namespace scanfleet
