// Scheduler: the controller's decision core. Queue, per-worker credit,
// acceptance deadlines, leases, worker liveness, retries with backoff and
// jitter, adoption of finished work.
//
// It is a plain object: events and the current time go in, decisions come out.
// It never touches a socket, a file or the database; the controller loop turns
// frames into calls here and decisions into writes and sends. Every deadline
// is computed from the `now` it is given, so tests drive it with a fake clock.
//
// Credit: a worker may hold at most `slots` attempts (dispatched and not yet
// accepted, or running), plus up to `prefetch` more while it turns work over
// quickly (it finished a job within the last heartbeat interval). Dispatch
// fills free slots anywhere before it uses any prefetch, gives each worker with
// credit the oldest startable job of the queues it serves (its pools x its
// scanners, within the ConcurrencyLimits), one job per worker per round, round
// robin. Its cost is per dispatched job and per worker with credit, never per
// worker of the fleet (dispatch_cost() counts it).
// Thread-safety: not thread-safe; owned by the controller loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/time/clock.h"
#include "common/wire/heartbeat_report.h"
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
  DurationMs dispatch_retry_ms = 250;  // pause after a job could not be sent to its worker
  DurationMs unschedulable_timeout_ms = 600000;  // no capable worker this long: fail (0 = wait)
  // A worker dead or gone this long (and running nothing) is forgotten: every
  // restart of a "HOSTNAME-PID" worker is a new id, so without this the
  // workers every dispatch walks grow without bound. 0 keeps them all.
  DurationMs worker_retention_ms = 3'600'000;
  LimitsConfig limits;  // per-pool and per-DAST-target caps
};

// At most this many prefetched attempts per worker (a larger hello is capped).
inline constexpr uint32_t kMaxPrefetch = 16;

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
  uint32_t prefetch = 0;    // prefetch window the worker's hello asked for
  uint32_t unaccepted = 0;  // attempts dispatched to it and not accepted yet
};

// What the scheduler keeps per worker, and how much of it the dispatch and
// liveness checks have walked: a machine-independent measure of their cost.
struct WorkerBookkeeping {
  size_t workers = 0;            // entries in the worker table (live, dead, gone)
  size_t worker_names = 0;       // interned worker ids
  uint64_t workers_visited = 0;  // worker entries walked since construction
};

// What dispatch has walked since construction: a machine-independent measure
// of its cost, to be read per dispatched job.
struct DispatchCost {
  uint64_t dispatched = 0;           // DispatchJob decisions made
  uint64_t workers_visited = 0;      // workers with credit looked at
  uint64_t queue_heads_visited = 0;  // (pool, scanner) queues looked at for one of them
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
  // worker that reports or accepts the attempt claims it). An attempt that was
  // running is charged to `worker_id` meanwhile, so that worker gets no job
  // for the slot it still fills; "" charges none. Its result stays adoptable
  // after the window (see ResultVerdict).
  void RestoreInFlight(const JobDescriptor& job, const std::string& worker_id, TimeMs now);
  // Removes a job that is no longer wanted (e.g. cancelled); no-op if unknown.
  void ForgetJob(uint64_t job_id);

  // A worker (re)starts: it serves `pools` x `scanners` with `slots` job slots
  // and asks for a `prefetch` window (at most kMaxPrefetch; 0: never more
  // attempts than slots).
  void OnWorkerHello(const std::string& worker_id, std::vector<std::string> pools,
                     std::set<std::string> scanners, uint32_t slots, TimeMs now,
                     uint32_t prefetch = 0);
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
  // stale (the caller should cancel it on that worker). A worker other than
  // the one the attempt was dispatched to may accept it (v1 pool sockets): the
  // attempt is then charged to the acceptor.
  bool OnAccepted(const std::string& worker_id, uint64_t job_id, uint32_t attempt, TimeMs now);
  // True while attempt `attempt` of the job is dispatched and not accepted
  // yet: a result of it implies its acceptance.
  bool AwaitsAcceptance(uint64_t job_id, uint32_t attempt) const;
  // Applies, adopts or rejects a result; see ResultVerdict.
  ResultVerdict OnResult(const std::string& worker_id, uint64_t job_id, uint32_t attempt,
                         FailureClass failure, TimeMs now);
  // The loop could not hand the job to the pool socket (no peer, queue full):
  // the attempt is abandoned and the job requeued after a short pause, so a
  // pool whose connection is not up yet does not make the loop spin. nullopt
  // when the attempt was no longer live.
  std::optional<RequeueJob> OnDispatchFailed(uint64_t job_id, uint32_t attempt, TimeMs now);

  // Expires workers, acceptance deadlines and leases, moves due retries to the
  // queue, dispatches to the workers with credit, and forgets workers dead or
  // gone for longer than worker_retention_ms (WorkerForgotten).
  std::vector<Decision> Tick(TimeMs now);

  // When the next deadline falls (for the loop's poll timeout); nullopt if none.
  std::optional<TimeMs> NextDeadline() const;

  size_t queued_jobs() const;
  size_t in_flight_jobs() const;
  bool knows_job(uint64_t job_id) const { return jobs_.count(job_id) > 0; }
  // True for a live worker and one dead or gone for less than the retention.
  bool knows_worker(const std::string& worker_id) const { return workers_.count(worker_id) > 0; }
  // True when some live, non-draining worker of the pool has the scanner.
  // (As of the last event or tick: a worker is found dead by Tick.)
  bool CanRun(const std::string& pool, const std::string& scanner, TimeMs /*now*/) const {
    return PoolHasScanner(pool, scanner);
  }
  // Live workers and those dead or gone for less than worker_retention_ms.
  std::vector<WorkerView> Workers(TimeMs now) const;
  WorkerBookkeeping worker_bookkeeping() const;
  DispatchCost dispatch_cost() const { return dispatch_cost_; }
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
    // worker_names_ id: the worker it was dispatched to (0 when restored after
    // a restart), then the one running it.
    uint32_t worker = 0;
    Phase phase = Phase::kQueued;
    // How many of the latest attempts (attempt, attempt - 1, ...) may still
    // have their result applied: reset to 1 when an attempt is accepted (no
    // earlier one may be adopted), to 0 when a result is applied, +1 per
    // dispatch, capped (a cap only makes adoption rarer, never wrong).
    uint8_t open_attempts = 0;
  };
  static_assert(sizeof(Job) <= 48, "a million queued jobs: keep the record at 48 bytes");
  struct Worker {
    uint32_t id = 0;  // worker_names_ id
    std::vector<std::string> pools;
    std::set<std::string> scanners;
    uint32_t slots = 0;
    uint32_t prefetch = 0;
    uint32_t unaccepted = 0;  // attempts dispatched to it, not accepted yet
    std::set<uint64_t> running;
    TimeMs last_seen_ms = 0;
    TimeMs dead_since_ms = 0;                // when it was found dead or said it was leaving
    std::optional<TimeMs> last_finished_ms;  // its last result: prefetch is allowed after it
    bool alive = false;
    bool draining = false;
    bool serving = false;  // counted in served_ (alive and not draining)
  };
  using QueueKey = std::pair<std::string, std::string>;  // pool, scanner

  static constexpr TimeMs kNoDeadline = std::numeric_limits<TimeMs>::max();
  DurationMs LivenessTimeout() const {
    return config_.heartbeat_interval_ms * config_.dead_after_missed;
  }
  bool WorkerIsAlive(const Worker& worker, TimeMs now) const;
  // A worker became dead (or was added not alive) at `now`.
  void NoteDead(Worker& worker, TimeMs now);
  void Enqueue(Job& job);
  void Requeue(Job& job, TimeMs not_before, bool counts_as_failure, const std::string& reason,
               std::vector<Decision>& out);
  void DetachFromWorker(Job& job);
  Worker& Entry(const std::string& worker_id, TimeMs now);  // added not alive if new
  Worker& Touch(const std::string& worker_id, TimeMs now);  // it spoke: alive
  void Erase(uint64_t job_id);
  DurationMs BackoffFor(uint32_t failures);
  uint32_t MaxFailures(const Job& job) const;
  ResultVerdict ApplyResult(Job& job, FailureClass failure, TimeMs now);
  void Unwait(uint64_t job_id);
  void ExpireWorkers(TimeMs now, std::vector<Decision>& out);
  void ForgetDeadWorkers(TimeMs now, std::vector<Decision>& out);
  void ExpireDeadlines(TimeMs now, std::vector<Decision>& out);
  void ReleaseDueRetries(TimeMs now);
  void MarkInFlight(Job& job, TimeMs now);
  Job MakeJob(const JobDescriptor& descriptor);
  const std::string& PoolOf(const Job& job) const { return names_.Name(job.pool); }
  const std::string& WorkerOf(const Job& job) const { return worker_names_.Name(job.worker); }
  Worker* WorkerById(uint32_t id) const { return id < by_id_.size() ? by_id_[id] : nullptr; }

  // Worker indexes (workers.cc): which queues some serving worker covers, and
  // which workers have credit. Every change of a worker's liveness, draining,
  // pools, scanners or outstanding attempts goes through these two.
  void UpdateServing(Worker& worker);
  void Unserve(Worker& worker);  // before its pools or scanners change
  void UpdateCredit(Worker& worker, TimeMs now);
  uint32_t Outstanding(const Worker& worker) const {
    return worker.unaccepted + static_cast<uint32_t>(worker.running.size());
  }
  bool PrefetchAllowed(const Worker& worker, TimeMs now) const;
  bool PoolHasScanner(const std::string& pool, const std::string& scanner) const;

  // Dispatch (dispatch.cc).
  void Dispatch(TimeMs now, std::vector<Decision>& out);
  void DispatchRounds(std::set<uint32_t>& credit, TimeMs now, std::vector<Decision>& out);
  bool DispatchOneTo(Worker& worker, TimeMs now, std::vector<Decision>& out);
  // Position of the first job of `queue` allowed to start now, or end().
  std::deque<uint64_t>::iterator FirstStartable(std::deque<uint64_t>& queue, TimeMs now);
  void AbandonUnschedulable(TimeMs now, std::vector<Decision>& out);

  SchedulerConfig config_;
  std::function<double()> jitter_;
  NameTable names_;         // pools, scanners, DAST targets
  NameTable worker_names_;  // ids of the workers in workers_
  std::unordered_map<uint64_t, Job> jobs_;
  std::map<std::string, Worker> workers_;
  std::vector<Worker*> by_id_;                      // workers_ by worker_names_ id
  std::map<QueueKey, std::deque<uint64_t>> ready_;  // FIFO per pool and scanner
  std::multimap<TimeMs, uint64_t> waiting_;         // retries by not-before time
  std::set<uint64_t> in_flight_;                    // dispatched or running
  std::map<QueueKey, TimeMs> unschedulable_since_;  // queues no live worker can serve
  std::map<QueueKey, uint32_t> served_;             // serving workers per (pool, scanner)
  std::set<uint32_t> slot_credit_;                  // serving workers with a free slot
  std::set<uint32_t> prefetch_credit_;  // serving workers with room only in their prefetch
  uint32_t round_robin_after_ = 0;      // the worker that got the last dispatched job
  TimeMs latest_ms_ = 0;                // the latest `now` any call carried
  // Never later than the first time a live worker may be found dead, or a
  // dead one forgotten: ExpireWorkers and ForgetDeadWorkers walk the worker
  // table only from then on (each walk sets them exactly), and NextDeadline
  // reads the first instead of walking. An idle fleet's heartbeats then cost
  // O(1) each, and the table is walked about once per liveness timeout.
  TimeMs next_expiry_check_ms_ = kNoDeadline;
  TimeMs next_forget_check_ms_ = kNoDeadline;
  ConcurrencyLimits limits_;
  mutable uint64_t workers_visited_ = 0;
  DispatchCost dispatch_cost_;
};

}  // namespace scanfleet
