// ScanStore lifecycle operations an operator or client asks for: idempotent
// submit lookup, cancelling a scan, re-queueing dead-lettered jobs, and the
// dead-letter event.
#include <map>

#include "common/target/dast_target.h"
#include "common/wire/convert.h"
#include "controller/store/scan_store.h"
#include "controller/store/schema.h"

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

}  // namespace

StatusOr<std::optional<v1::SubmitScanResponse>> ScanStore::FindSubmission(const std::string& key) {
  if (key.empty()) return std::optional<v1::SubmitScanResponse>();
  // "!= ''" repeats the partial index's predicate: without it SQLite cannot
  // use scans_by_idempotency_key and walked every job on each submit.
  ASSIGN_OR_RETURN(Statement * query,
                   db_->Prepare("SELECT j.scan_id, j.scanner FROM scans s JOIN jobs j ON "
                                "j.scan_id = s.id WHERE s.idempotency_key=? AND "
                                "s.idempotency_key != '' ORDER BY j.id"));
  query->Bind(1, key);
  std::optional<v1::SubmitScanResponse> found;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    if (!found) {
      found.emplace();
      found->set_scan_id(static_cast<uint64_t>(query->ColumnInt(0)));
      found->set_duplicate(true);
    }
    found->add_scanners(query->ColumnText(1));
  }
  query->Reset();
  return found;
}

StatusOr<CancelledScan> ScanStore::CancelScan(uint64_t scan_id, const std::string& reason,
                                              TimeMs now) {
  ASSIGN_OR_RETURN(Statement * scan, db_->Prepare("SELECT state FROM scans WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(scan_id));
  ASSIGN_OR_RETURN(bool exists, scan->Step());
  auto state = exists ? static_cast<v1::ScanState>(scan->ColumnInt(0)) : v1::SCAN_QUEUED;
  scan->Reset();
  if (!exists) return Status::NotFound("scan " + std::to_string(scan_id) + " not found");
  if (state != v1::SCAN_QUEUED && state != v1::SCAN_RUNNING) {
    return Status::FailedPrecondition("scan " + std::to_string(scan_id) + " already ended " +
                                      std::string(ScanStateName(state)));
  }
  CancelledScan cancelled;
  ASSIGN_OR_RETURN(Statement * jobs,
                   db_->Prepare("UPDATE jobs SET state='cancelled', finished_ms=?, last_error=? "
                                "WHERE scan_id=? AND " +
                                std::string(kUnfinishedJob) + " RETURNING id, attempt"));
  jobs->Bind(1, now).Bind(2, "cancelled: " + reason).Bind(3, static_cast<int64_t>(scan_id));
  std::vector<std::pair<uint64_t, uint32_t>> attempts;
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    cancelled.job_ids.push_back(static_cast<uint64_t>(jobs->ColumnInt(0)));
    attempts.emplace_back(cancelled.job_ids.back(), static_cast<uint32_t>(jobs->ColumnInt(1)));
  }
  jobs->Reset();
  ASSIGN_OR_RETURN(Statement * pending,
                   db_->Prepare("UPDATE attempts SET outcome='cancelled', finished_ms=?, error=? "
                                "WHERE job_id=? AND attempt=? AND outcome='pending'"));
  for (const auto& [job_id, attempt] : attempts) {
    pending->Bind(1, now).Bind(2, "cancelled: " + reason).Bind(3, static_cast<int64_t>(job_id));
    pending->Bind(4, attempt);
    RETURN_IF_ERROR(pending->Run());
  }
  ASSIGN_OR_RETURN(Statement * update,
                   db_->Prepare("UPDATE scans SET state=?, finished_ms=?, jobs_done=jobs_done+? "
                                "WHERE id=?"));
  update->Bind(1, static_cast<int64_t>(v1::SCAN_CANCELLED))
      .Bind(2, now)
      .Bind(3, static_cast<int64_t>(cancelled.job_ids.size()))
      .Bind(4, static_cast<int64_t>(scan_id));
  RETURN_IF_ERROR(update->Run());
  cancelled.event = ScanEvent(scan_id, v1::SCAN_CANCELLED, now);
  cancelled.event.mutable_scan()->set_finished_ms(now);
  RETURN_IF_ERROR(events_.Append(&cancelled.event));
  return cancelled;
}

StatusOr<RetriedJobs> ScanStore::RetryDeadJobs(uint64_t scan_id, uint64_t job_id, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * jobs,
                   db_->Prepare("UPDATE jobs SET state='queued', failures=0, not_before_ms=0, "
                                "finished_ms=0 WHERE state='dead' AND (scan_id=?1 OR id=?2) "
                                "RETURNING id, scan_id, pool, scanner, attempt, max_failures, "
                                "(SELECT url FROM scans WHERE scans.id = jobs.scan_id)"));
  jobs->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, static_cast<int64_t>(job_id));
  RetriedJobs retried;
  std::map<uint64_t, int64_t> per_scan;
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    JobDescriptor job;
    job.job_id = static_cast<uint64_t>(jobs->ColumnInt(0));
    job.scan_id = static_cast<uint64_t>(jobs->ColumnInt(1));
    job.pool = jobs->ColumnText(2);
    job.scanner = jobs->ColumnText(3);
    job.attempt = static_cast<uint32_t>(jobs->ColumnInt(4));
    job.max_failures = static_cast<uint32_t>(jobs->ColumnInt(5));
    job.target_key = TargetKey(jobs->ColumnText(6));
    ++per_scan[job.scan_id];
    retried.jobs.push_back(std::move(job));
  }
  jobs->Reset();
  // The scan is open again: a dead job counted as done and failed.
  ASSIGN_OR_RETURN(Statement * scan,
                   db_->Prepare("UPDATE scans SET state=?1, finished_ms=0, jobs_done=jobs_done-?2, "
                                "jobs_failed=jobs_failed-?2 WHERE id=?3"));
  for (const auto& [id, count] : per_scan) {
    scan->Bind(1, static_cast<int64_t>(v1::SCAN_RUNNING)).Bind(2, count);
    scan->Bind(3, static_cast<int64_t>(id));
    RETURN_IF_ERROR(scan->Run());
    retried.events.push_back(ScanEvent(id, v1::SCAN_RUNNING, now));
    RETURN_IF_ERROR(events_.Append(&retried.events.back()));
  }
  return retried;
}

StatusOr<v1::Event> ScanStore::DeadLetterEvent(const v1::JobResult& result, uint64_t scan_id,
                                               TimeMs now) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_->Prepare("SELECT scanner, pool, worker_id FROM jobs WHERE id=?"));
  query->Bind(1, static_cast<int64_t>(result.job().job_id()));
  ASSIGN_OR_RETURN(bool row, query->Step());
  v1::Event event;
  event.set_topic("job.dead_lettered");
  event.set_scan_id(scan_id);
  event.set_job_id(result.job().job_id());
  event.set_created_ms(now);
  v1::JobStatus* job = event.mutable_job();
  job->set_job_id(result.job().job_id());
  job->set_attempt(result.job().attempt());
  job->set_state("dead");
  job->set_error(result.error());
  if (row) {
    job->set_scanner(query->ColumnText(0));
    job->set_pool(query->ColumnText(1));
    job->set_worker_id(query->ColumnText(2));
  }
  query->Reset();
  RETURN_IF_ERROR(events_.Append(&event));
  return event;
}

}  // namespace scanfleet
