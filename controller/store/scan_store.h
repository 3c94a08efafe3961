// ScanStore: every persistent state change of the controller, as operations on
// records in SQLite. The controller loop opens one transaction per batch of
// events (group commit), applies the scheduler's decisions through these calls,
// commits, and only then sends the messages that depend on them.
//
// Writes are guarded by the attempt number and the job's state, so replaying
// an event (a result delivered twice) changes nothing: ingestion is idempotent.
// FinishJob says whether it applied.
// Thread-safety: not thread-safe; owned by the controller loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"
#include "controller/diff/classify.h"
#include "controller/scheduler/decisions.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/event_log.h"
#include "controller/store/raw_reports.h"
#include "controller/store/schedule_runs.h"
#include "controller/store/worker_hellos.h"
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

// The base an incremental job of `scanner` builds on, or why it cannot.
struct IncrementalBase {
  std::string commit;  // empty: scan every file, because of `reason`
  std::string reason;
};

struct NewScan {
  v1::ScanTarget target;
  std::string profile;
  std::vector<NewJob> jobs;
  std::string idempotency_key;  // empty: none
};

// The scans table keeps a target's secret names comma-separated (a name has
// no comma: common/secrets/secret_name.h).
std::string JoinSecretNames(const v1::ScanTarget& target);
void SplitSecretNames(const std::string& joined, v1::ScanTarget* target);

// How a job ended.
enum class JobOutcome { kSucceeded, kFailed, kDeadLettered };

// What CancelScan changed.
struct CancelledScan {
  std::vector<uint64_t> job_ids;  // jobs that were unfinished and are now cancelled
  v1::Event event;                // scan.cancelled
};

// What RetryDeadJobs put back in the queue.
struct RetriedJobs {
  std::vector<JobDescriptor> jobs;
  std::vector<v1::Event> events;  // scan.running for each scan that was terminal
};

// What CreateScan stored: ids, and the scan.queued event to publish after commit.
struct CreatedScan {
  uint64_t scan_id = 0;
  std::vector<uint64_t> job_ids;  // in the order of NewScan::jobs
  v1::Event event;
};

// A job that was not terminal when the controller last stopped.
struct UnfinishedJob {
  JobDescriptor descriptor;
  std::string state;      // queued / dispatched / running
  std::string worker_id;  // worker of the current attempt, if any
};

// What finishing a job changed, for the loop to publish after commit.
struct JobFinish {
  bool applied = false;           // false: the job was already terminal
  std::vector<v1::Event> events;  // finding events, then a scan event if the scan ended
};

// The baseline a scan is classified against (docs/BASELINES.md).
struct BaselineChoice {
  uint64_t scan_id = 0;  // 0: none
  std::string note;      // how it was chosen, or why there is none
};

// What a diff needs of one scan (diff_queries.cc).
struct ScanDiffData {
  uint64_t scan_id = 0;
  v1::ScanState state = v1::SCAN_STATE_UNSPECIFIED;
  std::string repo;  // or the DAST URL
  DiffSide side;
  std::vector<std::pair<std::string, std::string>> renames;  // (from, to)
  std::vector<std::string> repo_suppressions;  // each job's copy of the repo file (non-empty ones)
  BaselineChoice baseline;                     // chosen at submit time
};

class ScanStore {
 public:
  static StatusOr<std::unique_ptr<ScanStore>> Open(const std::string& path,
                                                   const Database::Options& options);

  // The unit of work is the caller's: the loop opens one transaction per
  // iteration; an API request opens a savepoint inside it.
  StatusOr<Transaction> BeginTransaction() { return Transaction::Begin(*db_); }
  StatusOr<Savepoint> OpenSavepoint(std::string name) {
    return Savepoint::Open(*db_, std::move(name));
  }
  Database& db() { return *db_; }
  EventLog& events() { return events_; }
  RawReports& raw_reports() { return raw_reports_; }
  ScheduleRuns& schedule_runs() { return schedule_runs_; }
  WorkerHellos& worker_hellos() { return worker_hellos_; }

  // Creates the scan and one queued job per entry.
  StatusOr<CreatedScan> CreateScan(const NewScan& scan, TimeMs now);
  Status RecordDispatch(const DispatchJob& dispatch, TimeMs now);
  // Marks the attempt running on the worker; returns a scan.running event when
  // this is the scan's first started job.
  StatusOr<std::optional<v1::Event>> RecordAccepted(uint64_t job_id, uint32_t attempt,
                                                    const std::string& worker_id, TimeMs now);
  Status RecordRequeue(const RequeueJob& requeue, TimeMs now);
  // Stores the outcome of one attempt (succeeded/failed/retry/stale) with its
  // diagnostics. An outcome already recorded is never overwritten. Never
  // touches the job row.
  Status RecordAttempt(const v1::JobResult& result, const std::string& worker_id,
                       const std::string& outcome, TimeMs now);
  // Terminal transition of a job: stores findings and their events (or, for a
  // dead-lettered job, a job.dead_lettered event), updates the scan's counters
  // and, when it was the scan's last job, the scan's state.
  StatusOr<JobFinish> FinishJob(const v1::JobResult& result, JobOutcome outcome, TimeMs now);

  // Incremental scans (incremental_store.cc).
  // The commit of `base_scan_id`'s jobs of `scanner`, when they all succeeded
  // on one commit of `repo`; otherwise the reason to scan everything.
  StatusOr<IncrementalBase> ResolveIncrementalBase(uint64_t base_scan_id,
                                                   const std::string& scanner,
                                                   const std::string& repo);

  // Lifecycle operations (job_lifecycle.cc).
  // The scan an earlier submit with this key created, if any.
  StatusOr<std::optional<v1::SubmitScanResponse>> FindSubmission(const std::string& key);
  // Ends every unfinished job of the scan as cancelled and the scan with it.
  // FailedPrecondition when the scan already finished.
  StatusOr<CancelledScan> CancelScan(uint64_t scan_id, const std::string& reason, TimeMs now);
  // Puts dead-lettered jobs (of a scan, or one job) back in the queue with a
  // fresh failure budget; their attempt numbers keep counting (fencing).
  StatusOr<RetriedJobs> RetryDeadJobs(uint64_t scan_id, uint64_t job_id, TimeMs now);

  // Re-parses (reparse_findings.cc).
  // Replaces a finished job's findings with `result`'s (a re-parse); a job
  // that had failed becomes succeeded. Returns the finding events and, when the
  // scan's outcome changed, its scan event.
  StatusOr<std::vector<v1::Event>> ReplaceFindings(uint64_t scan_id, const v1::JobResult& result,
                                                   TimeMs now);
  // Source lines stored with a job's findings, by (path, line): a re-parse of a
  // tool that prints no source text reuses the snippets the worker read.
  StatusOr<std::map<std::pair<std::string, int>, std::string>> SnippetsOfJob(uint64_t job_id);

  // Every queued, dispatched or running job, in id order. ForEach streams
  // them (a restart may find a million; none is held longer than its visit)
  // and stops at the first error `visit` returns.
  StatusOr<std::vector<UnfinishedJob>> LoadUnfinishedJobs();
  Status ForEachUnfinishedJob(const std::function<Status(const UnfinishedJob&)>& visit);
  // The assignment message for a job's attempt (target and timeout from storage).
  StatusOr<v1::JobAssignment> BuildAssignment(uint64_t job_id, uint32_t attempt);

  // Reads (scan_queries.cc).
  StatusOr<v1::ScanStatus> GetScan(uint64_t scan_id);
  StatusOr<std::vector<v1::Finding>> ListFindings(uint64_t scan_id, v1::Severity min_severity);

  // Baselines and diffs (diff_queries.cc).
  // The baseline of a scan submitted with `request` whose resolved profile is
  // `profile`: request.baseline_scan_id when set (InvalidArgument unless it
  // exists, is of the same repository and finished), else the latest
  // SUCCEEDED scan of the same repository (or DAST URL) on baseline_branch
  // (empty: target.branch) with the same profile, created before scan
  // `created_before` (0: any existing scan). No such scan is not an error:
  // scan_id 0 with the reason in `note`. Incremental merges call it too.
  StatusOr<BaselineChoice> ResolveBaseline(const v1::SubmitScanRequest& request,
                                           const std::string& profile, uint64_t created_before = 0);
  // Stores the chosen baseline and the submit's trigger with a new scan, so
  // later reports classify against the same scan.
  Status RecordBaseline(uint64_t scan_id, const BaselineChoice& baseline,
                        const std::string& trigger);
  StatusOr<ScanDiffData> LoadDiffData(uint64_t scan_id);

 private:
  explicit ScanStore(std::unique_ptr<Database> db)
      : db_(std::move(db)),
        events_(*db_),
        raw_reports_(*db_),
        schedule_runs_(*db_),
        worker_hellos_(*db_) {}
  // Stores `findings` as the job's, ordinals from `first_ordinal`, with their
  // events; `carried_from_scan` != 0 marks findings carried forward.
  Status InsertFindings(const google::protobuf::RepeatedPtrField<v1::Finding>& findings,
                        uint64_t job_id, uint64_t scan_id, int first_ordinal,
                        uint64_t carried_from_scan, TimeMs now, std::vector<v1::Event>& events);
  // For a finished job: stores an incremental result's carried findings and
  // the job's incremental note; returns how many findings were carried.
  StatusOr<uint64_t> FinishIncremental(const v1::JobResult& result, uint64_t scan_id, TimeMs now,
                                       std::vector<v1::Event>& events);
  // Keeps a succeeded job's repo suppressions file and renames (diff_queries.cc).
  Status RecordDiffInputs(const v1::JobResult& result, uint64_t scan_id);
  StatusOr<std::optional<v1::Event>> MaybeFinishScan(uint64_t scan_id, TimeMs now);
  // The scan a job belongs to; Internal when the job does not exist.
  StatusOr<uint64_t> ScanOfJob(uint64_t job_id);
  StatusOr<v1::Event> DeadLetterEvent(const v1::JobResult& result, uint64_t scan_id, TimeMs now);

  std::unique_ptr<Database> db_;
  EventLog events_;
  RawReports raw_reports_;
  ScheduleRuns schedule_runs_;
  WorkerHellos worker_hellos_;
};

}  // namespace scanfleet
