#include "controller/store/scan_lifecycle.h"

#include <map>
#include <utility>

#include "common/finding/finding.h"
#include "common/job/job_state.h"
#include "common/wire/convert.h"

namespace scanfleet {

namespace {

v1::Event ScanEvent(uint64_t scan_id, v1::ScanState state, TimeMs now) {
  v1::Event event;
  event.set_topic("scan." + std::string(ScanStateName(state)));
  event.set_scan_id(scan_id);
  event.set_created_ms(now);
  event.mutable_scan()->set_scan_id(scan_id);
  event.mutable_scan()->set_state(state);
  return event;
}

// The changes an incremental result reports. Paths come from the worker; one
// that is not a safe relative path can never equal a finding's path (those are
// confined to the checkout), so it changes nothing here.
CommitChanges ReportedChanges(const v1::JobResult& result) {
  CommitChanges changes;
  changes.changed.assign(result.changed_paths().begin(), result.changed_paths().end());
  changes.deleted.assign(result.deleted_paths().begin(), result.deleted_paths().end());
  for (const v1::PathRename& rename : result.renames()) {
    // A renamed-and-modified file is also in changed_paths; the rest moved as is.
    changes.renames.push_back(FileRename{rename.from(), rename.to(), 100});
  }
  return changes;
}

// The scan.carried event of an incremental job's carried set.
v1::Event CarriedEvent(const CarriedSet& set, const std::string& scanner, TimeMs now) {
  v1::Event event;
  event.set_topic("scan.carried");
  event.set_scan_id(set.scan_id);
  event.set_job_id(set.job_id);
  event.set_created_ms(now);
  v1::CarriedFindings* carried = event.mutable_carried();
  carried->set_base_scan_id(set.base_scan_id);
  carried->set_job_id(set.job_id);
  carried->set_scanner(scanner);
  carried->set_count(set.count());
  for (uint64_t count : set.by_severity) carried->add_count_by_severity(count);
  for (uint64_t base_job_id : set.base_job_ids) carried->add_base_job_ids(base_job_id);
  carried->set_shard_index(set.shard_index);
  carried->set_shard_count(set.shard_count);
  return event;
}

}  // namespace

StatusOr<CreatedScan> ScanLifecycle::CreateScan(const NewScan& scan, TimeMs now) {
  ASSIGN_OR_RETURN(uint64_t scan_id,
                   scans_.Insert(scan.target, scan.profile, static_cast<uint32_t>(scan.jobs.size()),
                                 scan.idempotency_key, now));
  ASSIGN_OR_RETURN(std::vector<uint64_t> job_ids, jobs_.InsertQueued(scan_id, scan.jobs, now));
  v1::Event event;
  event.set_topic("scan.queued");
  event.set_scan_id(scan_id);
  event.mutable_scan()->set_scan_id(scan_id);
  event.mutable_scan()->set_state(v1::SCAN_QUEUED);
  *event.mutable_scan()->mutable_target() = scan.target;
  event.mutable_scan()->set_profile(scan.profile);
  event.mutable_scan()->set_jobs_total(static_cast<uint32_t>(scan.jobs.size()));
  event.set_created_ms(now);
  RETURN_IF_ERROR(events_.Append(&event));
  return CreatedScan{scan_id, std::move(job_ids), std::move(event)};
}

StatusOr<std::optional<v1::Event>> ScanLifecycle::RecordAccepted(uint64_t job_id, uint32_t attempt,
                                                                 const std::string& worker_id,
                                                                 TimeMs now) {
  RETURN_IF_ERROR(jobs_.RecordAccepted(job_id, attempt, worker_id, now));
  // The first accepted job moves its scan from queued to running.
  ASSIGN_OR_RETURN(bool started, scans_.StartForJob(job_id));
  if (!started) return std::optional<v1::Event>();
  ASSIGN_OR_RETURN(uint64_t scan_id, jobs_.ScanOf(job_id));
  v1::Event event = ScanEvent(scan_id, v1::SCAN_RUNNING, now);
  RETURN_IF_ERROR(events_.Append(&event));
  return std::optional<v1::Event>(std::move(event));
}

StatusOr<JobFinish> ScanLifecycle::FinishJob(const v1::JobResult& result, JobOutcome outcome,
                                             TimeMs now) {
  JobFinish finish;
  ASSIGN_OR_RETURN(bool applied, jobs_.Finish(result, outcome, now));
  // Already terminal or superseded: nothing to apply.
  if (!applied) return finish;
  ASSIGN_OR_RETURN(uint64_t scan_id, jobs_.ScanOf(result.job().job_id()));
  finish.applied = true;
  bool succeeded = outcome == JobOutcome::kSucceeded;
  uint64_t carried = 0;
  if (succeeded) {
    RETURN_IF_ERROR(
        StoreFindings(result.findings(), result.job().job_id(), scan_id, 0, now, finish.events));
    RETURN_IF_ERROR(baselines_.RecordDiffInputs(result, scan_id));
    ASSIGN_OR_RETURN(carried, FinishIncremental(result, scan_id, now, finish.events));
  }
  if (outcome == JobOutcome::kDeadLettered) {
    ASSIGN_OR_RETURN(v1::Event dead, DeadLetterEvent(result, scan_id, now));
    finish.events.push_back(std::move(dead));
  }
  RETURN_IF_ERROR(scans_.CountFinishedJob(
      scan_id, !succeeded,
      succeeded ? static_cast<uint64_t>(result.findings_size()) + carried : 0));
  ASSIGN_OR_RETURN(auto scan_event, MaybeFinishScan(scan_id, now));
  if (scan_event) finish.events.push_back(std::move(*scan_event));
  return finish;
}

Status ScanLifecycle::StoreFindings(const google::protobuf::RepeatedPtrField<v1::Finding>& findings,
                                    uint64_t job_id, uint64_t scan_id, int first_ordinal,
                                    TimeMs now, std::vector<v1::Event>& events) {
  RETURN_IF_ERROR(findings_.Insert(findings, job_id, scan_id, first_ordinal, 0));
  for (const v1::Finding& f : findings) {
    v1::Event event;
    event.set_topic("finding." + std::string(SeverityName(SeverityFromProto(f.severity()))) + "." +
                    f.tool());
    event.set_scan_id(scan_id);
    event.set_job_id(job_id);
    event.set_created_ms(now);
    *event.mutable_finding() = f;
    RETURN_IF_ERROR(events_.Append(&event));
    events.push_back(std::move(event));
  }
  return Status::Ok();
}

StatusOr<uint64_t> ScanLifecycle::FinishIncremental(const v1::JobResult& result, uint64_t scan_id,
                                                    TimeMs now, std::vector<v1::Event>& events) {
  uint64_t job_id = result.job().job_id();
  RETURN_IF_ERROR(jobs_.RecordFilesScanned(job_id, static_cast<int64_t>(result.files_scanned())));
  ASSIGN_OR_RETURN(JobShape job, jobs_.Shape(job_id));
  if (job.base_scan_id == 0) return uint64_t{0};
  if (!result.incremental()) {
    // The worker could not diff against the base commit and scanned everything.
    std::string why = result.incremental_note().empty() ? "the worker scanned every file"
                                                        : result.incremental_note();
    RETURN_IF_ERROR(jobs_.RecordFullScanNote(job_id, why.substr(0, 1024)));
    return uint64_t{0};
  }
  // One record of what is carried (or, past kMaxCarryDepth, copied rows) and
  // one event that says so: the findings were published with the base.
  CarriedSet carried;
  carried.job_id = job_id;
  carried.scan_id = scan_id;
  carried.base_scan_id = job.base_scan_id;
  ASSIGN_OR_RETURN(carried.base_job_ids, jobs_.OfScanner(job.base_scan_id, job.scanner));
  carried.changes = ReportedChanges(result);
  carried.shard_index = job.shard_index;
  carried.shard_count = job.shard_count;
  RETURN_IF_ERROR(findings_.Carry(carried, result.findings_size()));
  RETURN_IF_ERROR(jobs_.RecordCarried(job_id, carried.count()));
  v1::Event event = CarriedEvent(carried, job.scanner, now);
  RETURN_IF_ERROR(events_.Append(&event));
  events.push_back(std::move(event));
  return carried.count();
}

StatusOr<v1::Event> ScanLifecycle::DeadLetterEvent(const v1::JobResult& result, uint64_t scan_id,
                                                   TimeMs now) {
  ASSIGN_OR_RETURN(std::optional<JobPlacement> placement, jobs_.Placement(result.job().job_id()));
  v1::Event event;
  event.set_topic("job.dead_lettered");
  event.set_scan_id(scan_id);
  event.set_job_id(result.job().job_id());
  event.set_created_ms(now);
  v1::JobStatus* job = event.mutable_job();
  job->set_job_id(result.job().job_id());
  job->set_attempt(result.job().attempt());
  SetJobState(job, v1::JOB_DEAD_LETTERED);
  job->set_error(result.error());
  if (placement) {
    job->set_scanner(placement->scanner);
    job->set_pool(placement->pool);
    job->set_worker_id(placement->worker_id);
  }
  RETURN_IF_ERROR(events_.Append(&event));
  return event;
}

StatusOr<std::optional<v1::Event>> ScanLifecycle::MaybeFinishScan(uint64_t scan_id, TimeMs now) {
  ASSIGN_OR_RETURN(std::optional<v1::ScanStatus> finished, scans_.FinishIfDone(scan_id, now));
  if (!finished) return std::optional<v1::Event>();
  v1::Event event;
  event.set_topic("scan." + std::string(ScanStateName(finished->state())));
  event.set_scan_id(scan_id);
  event.set_created_ms(now);
  *event.mutable_scan() = std::move(*finished);
  RETURN_IF_ERROR(events_.Append(&event));
  return std::optional<v1::Event>(std::move(event));
}

StatusOr<CancelledScan> ScanLifecycle::CancelScan(uint64_t scan_id, const std::string& reason,
                                                  TimeMs now) {
  ASSIGN_OR_RETURN(v1::ScanState state, scans_.State(scan_id));
  if (state != v1::SCAN_QUEUED && state != v1::SCAN_RUNNING) {
    return Status::FailedPrecondition("scan " + std::to_string(scan_id) + " already ended " +
                                      std::string(ScanStateName(state)));
  }
  CancelledScan cancelled;
  ASSIGN_OR_RETURN(cancelled.job_ids, jobs_.CancelUnfinished(scan_id, reason, now));
  RETURN_IF_ERROR(scans_.MarkCancelled(scan_id, cancelled.job_ids.size(), now));
  cancelled.event = ScanEvent(scan_id, v1::SCAN_CANCELLED, now);
  cancelled.event.mutable_scan()->set_finished_ms(now);
  RETURN_IF_ERROR(events_.Append(&cancelled.event));
  return cancelled;
}

StatusOr<RetriedJobs> ScanLifecycle::RetryDeadJobs(uint64_t scan_id, uint64_t job_id, TimeMs now) {
  RetriedJobs retried;
  ASSIGN_OR_RETURN(retried.jobs, jobs_.RequeueDead(scan_id, job_id));
  std::map<uint64_t, int64_t> per_scan;
  for (const JobDescriptor& job : retried.jobs) ++per_scan[job.scan_id];
  // The scan is open again.
  for (const auto& [id, count] : per_scan) {
    RETURN_IF_ERROR(scans_.Reopen(id, count));
    retried.events.push_back(ScanEvent(id, v1::SCAN_RUNNING, now));
    RETURN_IF_ERROR(events_.Append(&retried.events.back()));
  }
  return retried;
}

StatusOr<std::vector<v1::Event>> ScanLifecycle::ReplaceFindings(uint64_t scan_id,
                                                                const v1::JobResult& result,
                                                                TimeMs now) {
  uint64_t job_id = result.job().job_id();
  ASSIGN_OR_RETURN(v1::JobState previous, jobs_.State(job_id));
  if (previous != v1::JOB_SUCCEEDED && previous != v1::JOB_FAILED &&
      previous != v1::JOB_DEAD_LETTERED) {
    return Status::FailedPrecondition("job " + std::to_string(job_id) + " is not finished");
  }
  // Incremental jobs that carry this job's findings by reference keep what
  // they carried: copied before the findings change.
  RETURN_IF_ERROR(findings_.MaterializeDependents(job_id));
  ASSIGN_OR_RETURN(int first_ordinal, findings_.DeleteScanned(job_id));
  std::vector<v1::Event> events;
  RETURN_IF_ERROR(StoreFindings(result.findings(), job_id, scan_id, first_ordinal, now, events));
  RETURN_IF_ERROR(jobs_.RecordReparsed(job_id, result.findings_size(), result.skipped_records()));
  // A job that failed only because its report could not be parsed now counts
  // as succeeded; the scan's totals are recomputed from its jobs.
  ASSIGN_OR_RETURN(v1::ScanState scan_state, scans_.RecountAfterReparse(scan_id));
  if (previous != v1::JOB_SUCCEEDED && scan_state == v1::SCAN_SUCCEEDED) {
    v1::Event event = ScanEvent(scan_id, v1::SCAN_SUCCEEDED, now);
    RETURN_IF_ERROR(events_.Append(&event));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace scanfleet
