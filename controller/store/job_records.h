// JobRecords: jobs and their attempts (the jobs and attempts tables), the
// records the loop writes as it applies the scheduler's decisions and the
// workers' messages, and reads back to recover and to assign.
//
// Writes are guarded so that replaying one changes nothing: a job's terminal
// transition (Finish) applies only while the job is unfinished and `attempt`
// is its live attempt, and an attempt's final outcome is written once. They
// go into the caller's open transaction; what a transition means for the
// job's scan, findings and events is ScanLifecycle's.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"
#include "controller/scheduler/decisions.h"
#include "controller/scheduler/scheduler.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

struct NewJob {
  std::string scanner;
  std::string pool;
  int64_t timeout_ms = 0;
  uint32_t max_failures = 0;     // 0: the scheduler's default
  uint32_t shard_index = 0;      // sharded per-file scanner: this job's shard
  uint32_t shard_count = 0;      // 0: not sharded
  uint64_t base_scan_id = 0;     // incremental: scan whose findings unchanged files keep
  std::string base_commit;       // incremental: that scan's commit (sent to the worker)
  std::string incremental_note;  // why an incremental scan's job scans everything, if so
};

// How a job ended: its terminal state JOB_SUCCEEDED, JOB_FAILED or JOB_DEAD_LETTERED.
enum class JobOutcome { kSucceeded, kFailed, kDeadLettered };

// A job that was not terminal when the controller last stopped.
struct UnfinishedJob {
  JobDescriptor descriptor;
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;  // JOB_QUEUED, JOB_DISPATCHED or JOB_RUNNING
  std::string worker_id;  // worker of the current attempt, if any
};

// Where a job ran, for its job.dead_lettered event.
struct JobPlacement {
  std::string scanner;
  std::string pool;
  std::string worker_id;
};

// What finishing an incremental or sharded job needs to know of it.
struct JobShape {
  std::string scanner;
  uint32_t shard_index = 0;
  uint32_t shard_count = 0;   // 0: not sharded
  uint64_t base_scan_id = 0;  // 0: not incremental
};

class JobRecords {
 public:
  explicit JobRecords(Database& db) : db_(db) {}

  // Stores one queued job per entry of the scan; returns their ids in order.
  StatusOr<std::vector<uint64_t>> InsertQueued(uint64_t scan_id, const std::vector<NewJob>& jobs,
                                               TimeMs now);
  Status RecordDispatch(const DispatchJob& dispatch, TimeMs now);
  // The attempt runs on the worker (if it is still the job's attempt).
  Status RecordAccepted(uint64_t job_id, uint32_t attempt, const std::string& worker_id,
                        TimeMs now);
  Status RecordRequeue(const RequeueJob& requeue, TimeMs now);
  // Stores the outcome of one attempt (ATTEMPT_SUCCEEDED, _FAILED, _RETRY or
  // _STALE) with its diagnostics. An outcome already recorded is never
  // overwritten (a "requeued" one is: a late result tells more). Never
  // touches the job row.
  Status RecordAttempt(const v1::JobResult& result, const std::string& worker_id,
                       v1::AttemptOutcome outcome, TimeMs now);
  // The job's terminal transition; false (nothing written) when the job was
  // already terminal or `result`'s attempt is not its live one.
  StatusOr<bool> Finish(const v1::JobResult& result, JobOutcome outcome, TimeMs now);
  // Ends the scan's unfinished jobs, and their pending attempts, as
  // cancelled; returns the jobs' ids.
  StatusOr<std::vector<uint64_t>> CancelUnfinished(uint64_t scan_id, const std::string& reason,
                                                   TimeMs now);
  // Puts dead-lettered jobs (of a scan, or one job) back in the queue with a
  // fresh failure budget; their attempt numbers keep counting (fencing).
  StatusOr<std::vector<JobDescriptor>> RequeueDead(uint64_t scan_id, uint64_t job_id);
  // A re-parse made the finished job succeed with `findings` scanned findings.
  Status RecordReparsed(uint64_t job_id, int findings, uint32_t skipped_records);

  // Incremental jobs, when they finish.
  Status RecordFilesScanned(uint64_t job_id, int64_t files_scanned);
  // Why the job scanned everything although it had a base.
  Status RecordFullScanNote(uint64_t job_id, const std::string& note);
  // The job also holds `carried` findings carried forward from its base.
  Status RecordCarried(uint64_t job_id, uint64_t carried);

  // The scan a job belongs to; Internal when the job does not exist.
  StatusOr<uint64_t> ScanOf(uint64_t job_id);
  // Internal when the job does not exist.
  StatusOr<JobShape> Shape(uint64_t job_id);
  // The ids of the scan's jobs of `scanner`, ascending (an incremental job's base jobs).
  StatusOr<std::vector<uint64_t>> OfScanner(uint64_t scan_id, const std::string& scanner);
  // nullopt when the job does not exist.
  StatusOr<std::optional<JobPlacement>> Placement(uint64_t job_id);
  // The job's state; JOB_STATE_UNSPECIFIED when the job does not exist.
  StatusOr<v1::JobState> State(uint64_t job_id);

  // Every queued, dispatched or running job, in id order. ForEach streams
  // them (a restart may find a million; none is held longer than its visit)
  // and stops at the first error `visit` returns.
  StatusOr<std::vector<UnfinishedJob>> LoadUnfinished();
  Status ForEachUnfinished(const std::function<Status(const UnfinishedJob&)>& visit);
  // The assignment message for a job's attempt (target and timeout from storage).
  StatusOr<v1::JobAssignment> BuildAssignment(uint64_t job_id, uint32_t attempt);

 private:
  Database& db_;
};

}  // namespace scanfleet
