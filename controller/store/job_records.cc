#include "controller/store/job_records.h"

#include <utility>

#include "common/job/job_state.h"
#include "common/target/dast_target.h"
#include "controller/store/scan_records.h"
#include "controller/store/schema.h"

namespace scanfleet {

namespace {

v1::JobState TerminalState(JobOutcome outcome) {
  switch (outcome) {
    case JobOutcome::kSucceeded:
      return v1::JOB_SUCCEEDED;
    case JobOutcome::kFailed:
      return v1::JOB_FAILED;
    case JobOutcome::kDeadLettered:
      return v1::JOB_DEAD_LETTERED;
  }
  SF_CHECK(false);  // a JobOutcome outside its enum: only a broken cast gets here
  return v1::JOB_FAILED;
}

}  // namespace

StatusOr<std::vector<uint64_t>> JobRecords::InsertQueued(uint64_t scan_id,
                                                         const std::vector<NewJob>& jobs,
                                                         TimeMs now) {
  std::vector<uint64_t> job_ids;
  ASSIGN_OR_RETURN(Statement * insert_job,
                   db_.Prepare("INSERT INTO jobs(scan_id, scanner, pool, state, timeout_ms, "
                               "created_ms, max_failures, shard_index, shard_count, "
                               "base_scan_id, base_commit, incremental_note) "
                               "VALUES(?,?,?,'queued',?,?,?,?,?,?,?,?)"));
  for (const NewJob& job : jobs) {
    insert_job->Bind(1, static_cast<int64_t>(scan_id))
        .Bind(2, job.scanner)
        .Bind(3, job.pool)
        .Bind(4, job.timeout_ms)
        .Bind(5, now)
        .Bind(6, job.max_failures)
        .Bind(7, job.shard_index)
        .Bind(8, job.shard_count)
        .Bind(9, static_cast<int64_t>(job.base_scan_id))
        .Bind(10, job.base_commit)
        .Bind(11, job.incremental_note);
    RETURN_IF_ERROR(insert_job->Run());
    job_ids.push_back(static_cast<uint64_t>(db_.last_insert_rowid()));
  }
  return job_ids;
}

Status JobRecords::RecordDispatch(const DispatchJob& dispatch, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * job, db_.Prepare("UPDATE jobs SET state='dispatched', attempt=?, "
                                                "worker_id='' WHERE id=?"));
  job->Bind(1, dispatch.attempt).Bind(2, static_cast<int64_t>(dispatch.job_id));
  RETURN_IF_ERROR(job->Run());
  ASSIGN_OR_RETURN(Statement * attempt,
                   db_.Prepare("INSERT OR IGNORE INTO attempts(job_id, attempt, dispatched_ms) "
                               "VALUES(?,?,?)"));
  attempt->Bind(1, static_cast<int64_t>(dispatch.job_id)).Bind(2, dispatch.attempt).Bind(3, now);
  return attempt->Run();
}

Status JobRecords::RecordAccepted(uint64_t job_id, uint32_t attempt, const std::string& worker_id,
                                  TimeMs now) {
  ASSIGN_OR_RETURN(Statement * job, db_.Prepare("UPDATE jobs SET state='running', worker_id=? "
                                                "WHERE id=? AND attempt=?"));
  job->Bind(1, worker_id).Bind(2, static_cast<int64_t>(job_id)).Bind(3, attempt);
  RETURN_IF_ERROR(job->Run());
  ASSIGN_OR_RETURN(Statement * row, db_.Prepare("UPDATE attempts SET worker_id=?, accepted_ms=? "
                                                "WHERE job_id=? AND attempt=?"));
  row->Bind(1, worker_id).Bind(2, now).Bind(3, static_cast<int64_t>(job_id)).Bind(4, attempt);
  return row->Run();
}

Status JobRecords::RecordRequeue(const RequeueJob& requeue, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * job,
                   db_.Prepare("UPDATE jobs SET state='queued', worker_id='', not_before_ms=?, "
                               "failures=?, last_error=CASE WHEN ?='' THEN last_error ELSE ? END "
                               "WHERE id=? AND attempt=?"));
  job->Bind(1, requeue.not_before_ms)
      .Bind(2, requeue.failures)
      .Bind(3, requeue.reason)
      .Bind(4, requeue.reason)
      .Bind(5, static_cast<int64_t>(requeue.job_id))
      .Bind(6, requeue.attempt);
  RETURN_IF_ERROR(job->Run());
  ASSIGN_OR_RETURN(Statement * row,
                   db_.Prepare("UPDATE attempts SET outcome='requeued', finished_ms=?, error=? "
                               "WHERE job_id=? AND attempt=? AND outcome='pending'"));
  row->Bind(1, now).Bind(2, requeue.reason).Bind(3, static_cast<int64_t>(requeue.job_id));
  row->Bind(4, requeue.attempt);
  return row->Run();
}

Status JobRecords::RecordAttempt(const v1::JobResult& result, const std::string& worker_id,
                                 v1::AttemptOutcome outcome, TimeMs now) {
  // An attempt's final outcome is written once: a duplicate delivery of a result
  // that was already applied changes nothing. A result for an attempt this
  // database never dispatched (but of a known job) still gets a row.
  ASSIGN_OR_RETURN(Statement * row,
                   db_.Prepare("INSERT INTO attempts(job_id, attempt, worker_id, dispatched_ms, "
                               "finished_ms, outcome, error, exit_code, duration_ms, output_tail, "
                               "skipped_records) SELECT ?1,?2,?3,?4,?4,?5,?6,?7,?8,?9,?10 WHERE "
                               "EXISTS(SELECT 1 FROM jobs WHERE id=?1) ON CONFLICT(job_id, "
                               "attempt) DO UPDATE SET worker_id=?3, finished_ms=?4, outcome=?5, "
                               "error=?6, exit_code=?7, duration_ms=?8, output_tail=?9, "
                               "skipped_records=?10 WHERE attempts.outcome IN "
                               "('pending','requeued')"));
  row->Bind(1, static_cast<int64_t>(result.job().job_id()))
      .Bind(2, result.job().attempt())
      .Bind(3, worker_id)
      .Bind(4, now)
      .Bind(5, AttemptOutcomeName(outcome))
      .Bind(6, result.error())
      .Bind(7, result.exit_code())
      .Bind(8, static_cast<int64_t>(result.duration_ms()))
      .Bind(9, result.output_tail())
      .Bind(10, result.skipped_records());
  return row->Run();
}

StatusOr<bool> JobRecords::Finish(const v1::JobResult& result, JobOutcome outcome, TimeMs now) {
  bool succeeded = outcome == JobOutcome::kSucceeded;
  ASSIGN_OR_RETURN(Statement * job,
                   db_.Prepare("UPDATE jobs SET state=?1, finished_ms=?2, last_error=?3, "
                               "failures=failures+(?1 != 'succeeded'), "
                               "findings=?, resolved_commit=?, skipped_records=? WHERE id=? AND "
                               "attempt=? AND " +
                               std::string(kUnfinishedJob)));
  job->Bind(1, JobStateName(TerminalState(outcome)))
      .Bind(2, now)
      .Bind(3, result.error())
      .Bind(4, succeeded ? result.findings_size() : 0)
      .Bind(5, result.resolved_commit())
      .Bind(6, result.skipped_records())
      .Bind(7, static_cast<int64_t>(result.job().job_id()))
      .Bind(8, result.job().attempt());
  RETURN_IF_ERROR(job->Run());
  // No row changed: already terminal or superseded.
  return db_.changes() != 0;
}

StatusOr<std::vector<uint64_t>> JobRecords::CancelUnfinished(uint64_t scan_id,
                                                             const std::string& reason,
                                                             TimeMs now) {
  ASSIGN_OR_RETURN(Statement * jobs,
                   db_.Prepare("UPDATE jobs SET state='cancelled', finished_ms=?, last_error=? "
                               "WHERE scan_id=? AND " +
                               std::string(kUnfinishedJob) + " RETURNING id, attempt"));
  jobs->Bind(1, now).Bind(2, "cancelled: " + reason).Bind(3, static_cast<int64_t>(scan_id));
  std::vector<uint64_t> job_ids;
  std::vector<std::pair<uint64_t, uint32_t>> attempts;
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    job_ids.push_back(static_cast<uint64_t>(jobs->ColumnInt(0)));
    attempts.emplace_back(job_ids.back(), static_cast<uint32_t>(jobs->ColumnInt(1)));
  }
  jobs->Reset();
  ASSIGN_OR_RETURN(Statement * pending,
                   db_.Prepare("UPDATE attempts SET outcome='cancelled', finished_ms=?, error=? "
                               "WHERE job_id=? AND attempt=? AND outcome='pending'"));
  for (const auto& [job_id, attempt] : attempts) {
    pending->Bind(1, now).Bind(2, "cancelled: " + reason).Bind(3, static_cast<int64_t>(job_id));
    pending->Bind(4, attempt);
    RETURN_IF_ERROR(pending->Run());
  }
  return job_ids;
}

StatusOr<std::vector<JobDescriptor>> JobRecords::RequeueDead(uint64_t scan_id, uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * jobs,
                   db_.Prepare("UPDATE jobs SET state='queued', failures=0, not_before_ms=0, "
                               "finished_ms=0 WHERE state='dead' AND (scan_id=?1 OR id=?2) "
                               "RETURNING id, scan_id, pool, scanner, attempt, max_failures, "
                               "(SELECT url FROM scans WHERE scans.id = jobs.scan_id)"));
  jobs->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, static_cast<int64_t>(job_id));
  std::vector<JobDescriptor> requeued;
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
    requeued.push_back(std::move(job));
  }
  jobs->Reset();
  return requeued;
}

Status JobRecords::RecordReparsed(uint64_t job_id, int findings, uint32_t skipped_records) {
  ASSIGN_OR_RETURN(Statement * job,
                   db_.Prepare("UPDATE jobs SET state='succeeded', last_error='', "
                               "findings=?+carried_findings, skipped_records=? WHERE id=?"));
  job->Bind(1, findings).Bind(2, skipped_records).Bind(3, static_cast<int64_t>(job_id));
  return job->Run();
}

Status JobRecords::RecordFilesScanned(uint64_t job_id, int64_t files_scanned) {
  ASSIGN_OR_RETURN(Statement * update, db_.Prepare("UPDATE jobs SET files_scanned=? WHERE id=?"));
  update->Bind(1, files_scanned).Bind(2, static_cast<int64_t>(job_id));
  return update->Run();
}

Status JobRecords::RecordFullScanNote(uint64_t job_id, const std::string& note) {
  ASSIGN_OR_RETURN(Statement * update,
                   db_.Prepare("UPDATE jobs SET incremental_note=? WHERE id=?"));
  update->Bind(1, note).Bind(2, static_cast<int64_t>(job_id));
  return update->Run();
}

Status JobRecords::RecordCarried(uint64_t job_id, uint64_t carried) {
  ASSIGN_OR_RETURN(Statement * count,
                   db_.Prepare("UPDATE jobs SET findings=findings+?1, carried_findings=?1 "
                               "WHERE id=?2"));
  count->Bind(1, static_cast<int64_t>(carried)).Bind(2, static_cast<int64_t>(job_id));
  return count->Run();
}

StatusOr<uint64_t> JobRecords::ScanOf(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * query, db_.Prepare("SELECT scan_id FROM jobs WHERE id=?"));
  query->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool found, query->Step());
  uint64_t scan_id = found ? static_cast<uint64_t>(query->ColumnInt(0)) : 0;
  query->Reset();
  if (!found) return Status::Internal("job " + std::to_string(job_id) + " vanished");
  return scan_id;
}

StatusOr<JobShape> JobRecords::Shape(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * job,
                   db_.Prepare("SELECT scanner, shard_index, shard_count, base_scan_id FROM jobs "
                               "WHERE id=?"));
  job->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool row, job->Step());
  if (!row) {
    job->Reset();
    return Status::Internal("job " + std::to_string(job_id) + " vanished");
  }
  JobShape shape{job->ColumnText(0), static_cast<uint32_t>(job->ColumnInt(1)),
                 static_cast<uint32_t>(job->ColumnInt(2)),
                 static_cast<uint64_t>(job->ColumnInt(3))};
  job->Reset();
  return shape;
}

StatusOr<std::vector<uint64_t>> JobRecords::OfScanner(uint64_t scan_id,
                                                      const std::string& scanner) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT id FROM jobs WHERE scan_id=? AND scanner=? ORDER BY id"));
  query->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, scanner);
  std::vector<uint64_t> ids;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    ids.push_back(static_cast<uint64_t>(query->ColumnInt(0)));
  }
  query->Reset();
  return ids;
}

StatusOr<std::optional<JobPlacement>> JobRecords::Placement(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT scanner, pool, worker_id FROM jobs WHERE id=?"));
  query->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool row, query->Step());
  std::optional<JobPlacement> placement;
  if (row)
    placement = JobPlacement{query->ColumnText(0), query->ColumnText(1), query->ColumnText(2)};
  query->Reset();
  return placement;
}

StatusOr<v1::JobState> JobRecords::State(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * state, db_.Prepare("SELECT state FROM jobs WHERE id=?"));
  state->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool found, state->Step());
  std::string current = found ? state->ColumnText(0) : "";
  state->Reset();
  if (!found) return v1::JOB_STATE_UNSPECIFIED;
  return StoredJobState(current);
}

StatusOr<std::vector<UnfinishedJob>> JobRecords::LoadUnfinished() {
  std::vector<UnfinishedJob> jobs;
  RETURN_IF_ERROR(ForEachUnfinished([&jobs](const UnfinishedJob& job) {
    jobs.push_back(job);
    return Status::Ok();
  }));
  return jobs;
}

Status JobRecords::ForEachUnfinished(const std::function<Status(const UnfinishedJob&)>& visit) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT j.id, j.scan_id, j.pool, j.scanner, j.attempt, j.failures, "
                               "j.not_before_ms, j.state, j.worker_id, j.max_failures, s.url FROM "
                               "jobs j JOIN scans s ON s.id = j.scan_id WHERE (j.state='queued' OR "
                               "j.state='dispatched' OR j.state='running') ORDER BY j.id"));
  UnfinishedJob job;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    job.descriptor.job_id = static_cast<uint64_t>(query->ColumnInt(0));
    job.descriptor.scan_id = static_cast<uint64_t>(query->ColumnInt(1));
    job.descriptor.pool = query->ColumnText(2);
    job.descriptor.scanner = query->ColumnText(3);
    job.descriptor.attempt = static_cast<uint32_t>(query->ColumnInt(4));
    job.descriptor.failures = static_cast<uint32_t>(query->ColumnInt(5));
    job.descriptor.not_before_ms = query->ColumnInt(6);
    StatusOr<v1::JobState> state = StoredJobState(query->ColumnText(7));
    if (!state.ok()) {
      query->Reset();
      return state.status();
    }
    job.state = *state;
    job.worker_id = query->ColumnText(8);
    job.descriptor.max_failures = static_cast<uint32_t>(query->ColumnInt(9));
    job.descriptor.target_key = TargetKey(query->ColumnText(10));
    if (Status visited = visit(job); !visited.ok()) {
      query->Reset();
      return visited;
    }
  }
  query->Reset();
  return Status::Ok();
}

StatusOr<v1::JobAssignment> JobRecords::BuildAssignment(uint64_t job_id, uint32_t attempt) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT j.scan_id, j.scanner, j.timeout_ms, s.repo, s.ref, s.url, "
                               "s.secret_names, s.repo_token_secret, j.shard_index, "
                               "j.shard_count, j.base_commit "
                               "FROM jobs j JOIN scans s ON s.id = j.scan_id WHERE j.id=?"));
  query->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool row, query->Step());
  if (!row) {
    query->Reset();
    return Status::NotFound("job " + std::to_string(job_id) + " not found");
  }
  v1::JobAssignment assignment;
  assignment.mutable_job()->set_job_id(job_id);
  assignment.mutable_job()->set_attempt(attempt);
  assignment.set_scan_id(static_cast<uint64_t>(query->ColumnInt(0)));
  assignment.set_scanner(query->ColumnText(1));
  assignment.set_timeout_ms(static_cast<uint32_t>(query->ColumnInt(2)));
  assignment.mutable_target()->set_repo(query->ColumnText(3));
  assignment.mutable_target()->set_ref(query->ColumnText(4));
  assignment.mutable_target()->set_url(query->ColumnText(5));
  SplitSecretNames(query->ColumnText(6), assignment.mutable_target());
  assignment.mutable_target()->set_repo_token_secret(query->ColumnText(7));
  assignment.set_shard_index(static_cast<uint32_t>(query->ColumnInt(8)));
  assignment.set_shard_count(static_cast<uint32_t>(query->ColumnInt(9)));
  assignment.set_base_commit(query->ColumnText(10));
  query->Reset();
  return assignment;
}

}  // namespace scanfleet
