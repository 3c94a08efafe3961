// ScanLifecycle: the state changes that span a scan's aggregates, each the
// one place that composes them: creating a scan with its jobs, a job's first
// acceptance starting its scan, a job's terminal transition (the job, its
// findings, the scan's counters and state, and their events), cancelling a
// scan, retrying its dead jobs, and a re-parse replacing a job's findings.
//
// Every change appends the events it publishes to the EventLog in the same
// transaction, and returns them for the loop to send after the commit.
// Replays change nothing: FinishJob applies only while the job is
// unfinished and the result's attempt is its live one (JobRecords::Finish),
// and says whether it applied. Writes go into the caller's open transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "common/time/clock.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/baseline_records.h"
#include "controller/store/event_log.h"
#include "controller/store/finding_records.h"
#include "controller/store/job_records.h"
#include "controller/store/scan_records.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

struct NewScan {
  v1::ScanTarget target;
  std::string profile;
  std::vector<NewJob> jobs;
  std::string idempotency_key;  // empty: none
};

// What CreateScan stored: ids, and the scan.queued event to publish after commit.
struct CreatedScan {
  uint64_t scan_id = 0;
  std::vector<uint64_t> job_ids;  // in the order of NewScan::jobs
  v1::Event event;
};

// What finishing a job changed, for the loop to publish after commit.
struct JobFinish {
  bool applied = false;           // false: the job was already terminal
  std::vector<v1::Event> events;  // finding events, then a scan event if the scan ended
};

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

class ScanLifecycle {
 public:
  ScanLifecycle(ScanRecords& scans, JobRecords& jobs, FindingRecords& findings, EventLog& events,
                BaselineRecords& baselines)
      : scans_(scans), jobs_(jobs), findings_(findings), events_(events), baselines_(baselines) {}

  // Creates the scan and one queued job per entry.
  StatusOr<CreatedScan> CreateScan(const NewScan& scan, TimeMs now);
  // Marks the attempt running on the worker; returns a scan.running event when
  // this is the scan's first started job.
  StatusOr<std::optional<v1::Event>> RecordAccepted(uint64_t job_id, uint32_t attempt,
                                                    const std::string& worker_id, TimeMs now);
  // Terminal transition of a job: stores findings and their events (or, for a
  // dead-lettered job, a job.dead_lettered event), updates the scan's counters
  // and, when it was the scan's last job, the scan's state.
  StatusOr<JobFinish> FinishJob(const v1::JobResult& result, JobOutcome outcome, TimeMs now);
  // Ends every unfinished job of the scan as cancelled and the scan with it.
  // NotFound, or FailedPrecondition when the scan already finished.
  StatusOr<CancelledScan> CancelScan(uint64_t scan_id, const std::string& reason, TimeMs now);
  // Puts dead-lettered jobs (of a scan, or one job) back in the queue with a
  // fresh failure budget; their attempt numbers keep counting (fencing).
  StatusOr<RetriedJobs> RetryDeadJobs(uint64_t scan_id, uint64_t job_id, TimeMs now);
  // Replaces a finished job's scanned findings with `result`'s (a re-parse);
  // a job that had failed becomes succeeded. What it carries stays, and so
  // does what later incremental jobs carry from it (copied first). Returns the
  // finding events and, when the scan's outcome changed, its scan event.
  StatusOr<std::vector<v1::Event>> ReplaceFindings(uint64_t scan_id, const v1::JobResult& result,
                                                   TimeMs now);

 private:
  // Stores the scanned `findings` as the job's, ordinals from `first_ordinal`,
  // and appends their events to `events`.
  Status StoreFindings(const google::protobuf::RepeatedPtrField<v1::Finding>& findings,
                       uint64_t job_id, uint64_t scan_id, int first_ordinal, TimeMs now,
                       std::vector<v1::Event>& events);
  // For a succeeded job: records what an incremental result carries forward
  // from its base (FindingRecords::Carry) with its scan.carried event, or the
  // job's full-scan note; returns how many findings were carried.
  StatusOr<uint64_t> FinishIncremental(const v1::JobResult& result, uint64_t scan_id, TimeMs now,
                                       std::vector<v1::Event>& events);
  StatusOr<v1::Event> DeadLetterEvent(const v1::JobResult& result, uint64_t scan_id, TimeMs now);
  // The scan event when the scan's last job just ended.
  StatusOr<std::optional<v1::Event>> MaybeFinishScan(uint64_t scan_id, TimeMs now);

  ScanRecords& scans_;
  JobRecords& jobs_;
  FindingRecords& findings_;
  EventLog& events_;
  BaselineRecords& baselines_;
};

}  // namespace scanfleet
