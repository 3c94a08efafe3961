#include "controller/store/scan_store.h"

#include "common/finding/finding.h"
#include "common/wire/convert.h"
#include "controller/store/schema.h"

namespace scanfleet {

StatusOr<std::unique_ptr<ScanStore>> ScanStore::Open(const std::string& path,
                                                     const Database::Options& options) {
  ASSIGN_OR_RETURN(auto db, Database::Open(path, options, ControllerMigrations()));
  return std::unique_ptr<ScanStore>(new ScanStore(std::move(db)));
}

StatusOr<CreatedScan> ScanStore::CreateScan(const NewScan& scan, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * insert_scan,
                   db_->Prepare("INSERT INTO scans(kind, repo, ref, url, profile, state, "
                                "created_ms, jobs_total, idempotency_key, secret_names, "
                                "repo_token_secret, branch) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
  insert_scan->Bind(1, scan.target.repo().empty() ? "dast" : "sast")
      .Bind(2, scan.target.repo())
      .Bind(3, scan.target.ref())
      .Bind(4, scan.target.url())
      .Bind(5, scan.profile)
      .Bind(6, static_cast<int64_t>(v1::SCAN_QUEUED))
      .Bind(7, now)
      .Bind(8, static_cast<int64_t>(scan.jobs.size()))
      .Bind(9, scan.idempotency_key)
      .Bind(10, JoinSecretNames(scan.target))
      .Bind(11, scan.target.repo_token_secret())
      .Bind(12, scan.target.branch());
  RETURN_IF_ERROR(insert_scan->Run());
  uint64_t scan_id = static_cast<uint64_t>(db_->last_insert_rowid());
  std::vector<uint64_t> job_ids;
  ASSIGN_OR_RETURN(Statement * insert_job,
                   db_->Prepare("INSERT INTO jobs(scan_id, scanner, pool, state, timeout_ms, "
                                "created_ms, max_failures, shard_index, shard_count, "
                                "base_scan_id, base_commit, incremental_note) "
                                "VALUES(?,?,?,'queued',?,?,?,?,?,?,?,?)"));
  for (const NewJob& job : scan.jobs) {
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
    job_ids.push_back(static_cast<uint64_t>(db_->last_insert_rowid()));
  }
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

Status ScanStore::RecordDispatch(const DispatchJob& dispatch, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * job, db_->Prepare("UPDATE jobs SET state='dispatched', attempt=?, "
                                                 "worker_id='' WHERE id=?"));
  job->Bind(1, dispatch.attempt).Bind(2, static_cast<int64_t>(dispatch.job_id));
  RETURN_IF_ERROR(job->Run());
  ASSIGN_OR_RETURN(Statement * attempt,
                   db_->Prepare("INSERT OR IGNORE INTO attempts(job_id, attempt, dispatched_ms) "
                                "VALUES(?,?,?)"));
  attempt->Bind(1, static_cast<int64_t>(dispatch.job_id)).Bind(2, dispatch.attempt).Bind(3, now);
  return attempt->Run();
}

StatusOr<std::optional<v1::Event>> ScanStore::RecordAccepted(uint64_t job_id, uint32_t attempt,
                                                             const std::string& worker_id,
                                                             TimeMs now) {
  ASSIGN_OR_RETURN(Statement * job, db_->Prepare("UPDATE jobs SET state='running', worker_id=? "
                                                 "WHERE id=? AND attempt=?"));
  job->Bind(1, worker_id).Bind(2, static_cast<int64_t>(job_id)).Bind(3, attempt);
  RETURN_IF_ERROR(job->Run());
  ASSIGN_OR_RETURN(Statement * row, db_->Prepare("UPDATE attempts SET worker_id=?, accepted_ms=? "
                                                 "WHERE job_id=? AND attempt=?"));
  row->Bind(1, worker_id).Bind(2, now).Bind(3, static_cast<int64_t>(job_id)).Bind(4, attempt);
  RETURN_IF_ERROR(row->Run());
  // First accepted job moves its scan from queued to running. (No RETURNING
  // on hot statements: SQLite 3.40 buffers it in an ephemeral table per run.)
  ASSIGN_OR_RETURN(Statement * scan,
                   db_->Prepare("UPDATE scans SET state=? WHERE state=? AND id=(SELECT scan_id "
                                "FROM jobs WHERE id=?)"));
  scan->Bind(1, static_cast<int64_t>(v1::SCAN_RUNNING))
      .Bind(2, static_cast<int64_t>(v1::SCAN_QUEUED))
      .Bind(3, static_cast<int64_t>(job_id));
  RETURN_IF_ERROR(scan->Run());
  if (db_->changes() == 0) return std::optional<v1::Event>();
  ASSIGN_OR_RETURN(uint64_t scan_id, ScanOfJob(job_id));
  v1::Event event;
  event.set_topic("scan.running");
  event.set_scan_id(scan_id);
  event.set_created_ms(now);
  event.mutable_scan()->set_scan_id(scan_id);
  event.mutable_scan()->set_state(v1::SCAN_RUNNING);
  RETURN_IF_ERROR(events_.Append(&event));
  return std::optional<v1::Event>(std::move(event));
}

Status ScanStore::RecordRequeue(const RequeueJob& requeue, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * job,
                   db_->Prepare("UPDATE jobs SET state='queued', worker_id='', not_before_ms=?, "
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
                   db_->Prepare("UPDATE attempts SET outcome='requeued', finished_ms=?, error=? "
                                "WHERE job_id=? AND attempt=? AND outcome='pending'"));
  row->Bind(1, now).Bind(2, requeue.reason).Bind(3, static_cast<int64_t>(requeue.job_id));
  row->Bind(4, requeue.attempt);
  return row->Run();
}

Status ScanStore::RecordAttempt(const v1::JobResult& result, const std::string& worker_id,
                                const std::string& outcome, TimeMs now) {
  // An attempt's final outcome is written once: a duplicate delivery of a result
  // that was already applied changes nothing. A result for an attempt this
  // database never dispatched (but of a known job) still gets a row.
  ASSIGN_OR_RETURN(Statement * row,
                   db_->Prepare("INSERT INTO attempts(job_id, attempt, worker_id, dispatched_ms, "
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
      .Bind(5, outcome)
      .Bind(6, result.error())
      .Bind(7, result.exit_code())
      .Bind(8, static_cast<int64_t>(result.duration_ms()))
      .Bind(9, result.output_tail())
      .Bind(10, result.skipped_records());
  return row->Run();
}

StatusOr<JobFinish> ScanStore::FinishJob(const v1::JobResult& result, JobOutcome outcome,
                                         TimeMs now) {
  JobFinish finish;
  bool succeeded = outcome == JobOutcome::kSucceeded;
  ASSIGN_OR_RETURN(Statement * job,
                   db_->Prepare("UPDATE jobs SET state=?1, finished_ms=?2, last_error=?3, "
                                "failures=failures+(?1 != 'succeeded'), "
                                "findings=?, resolved_commit=?, skipped_records=? WHERE id=? AND "
                                "attempt=? AND " +
                                std::string(kUnfinishedJob)));
  static const char* const kStates[] = {"succeeded", "failed", "dead"};
  job->Bind(1, kStates[static_cast<int>(outcome)])
      .Bind(2, now)
      .Bind(3, result.error())
      .Bind(4, succeeded ? result.findings_size() : 0)
      .Bind(5, result.resolved_commit())
      .Bind(6, result.skipped_records())
      .Bind(7, static_cast<int64_t>(result.job().job_id()))
      .Bind(8, result.job().attempt());
  RETURN_IF_ERROR(job->Run());
  // Already terminal or superseded: nothing to apply.
  if (db_->changes() == 0) return finish;
  ASSIGN_OR_RETURN(uint64_t scan_id, ScanOfJob(result.job().job_id()));
  finish.applied = true;
  uint64_t carried = 0;
  if (succeeded) {
    RETURN_IF_ERROR(InsertFindings(result.findings(), result.job().job_id(), scan_id, 0, 0, now,
                                   finish.events));
    RETURN_IF_ERROR(RecordDiffInputs(result, scan_id));
    ASSIGN_OR_RETURN(carried, FinishIncremental(result, scan_id, now, finish.events));
  }
  if (outcome == JobOutcome::kDeadLettered) {
    ASSIGN_OR_RETURN(v1::Event dead, DeadLetterEvent(result, scan_id, now));
    finish.events.push_back(std::move(dead));
  }
  ASSIGN_OR_RETURN(
      Statement * scan,
      db_->Prepare("UPDATE scans SET jobs_done=jobs_done+1, jobs_failed=jobs_failed+?, "
                   "findings=findings+? WHERE id=?"));
  scan->Bind(1, succeeded ? 0 : 1)
      .Bind(2, succeeded ? static_cast<int64_t>(result.findings_size() + carried) : 0)
      .Bind(3, static_cast<int64_t>(scan_id));
  RETURN_IF_ERROR(scan->Run());
  ASSIGN_OR_RETURN(auto scan_event, MaybeFinishScan(scan_id, now));
  if (scan_event) finish.events.push_back(std::move(*scan_event));
  return finish;
}

Status ScanStore::InsertFindings(const google::protobuf::RepeatedPtrField<v1::Finding>& findings,
                                 uint64_t job_id, uint64_t scan_id, int first_ordinal,
                                 uint64_t carried_from_scan, TimeMs now,
                                 std::vector<v1::Event>& events) {
  ASSIGN_OR_RETURN(Statement * insert,
                   db_->Prepare("INSERT INTO findings(scan_id, job_id, ordinal, tool, "
                                "tool_version, rule_id, title, message, severity, confidence, "
                                "cwes, path, line, col, end_line, snippet, fingerprint, url, "
                                "http_method, parameter, evidence, carried_from_scan) "
                                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  for (int i = 0; i < findings.size(); ++i) {
    const v1::Finding& f = findings.Get(i);
    std::string cwes;
    for (int cwe : f.cwes()) cwes += (cwes.empty() ? "" : ",") + std::to_string(cwe);
    insert->Bind(1, static_cast<int64_t>(scan_id))
        .Bind(2, static_cast<int64_t>(job_id))
        .Bind(3, first_ordinal + i)
        .Bind(4, f.tool())
        .Bind(5, f.tool_version())
        .Bind(6, f.rule_id())
        .Bind(7, f.title())
        .Bind(8, f.message())
        .Bind(9, static_cast<int64_t>(f.severity()))
        .Bind(10, f.confidence())
        .Bind(11, cwes)
        .Bind(12, f.path())
        .Bind(13, f.line())
        .Bind(14, f.column())
        .Bind(15, f.end_line())
        .Bind(16, f.snippet())
        .Bind(17, f.fingerprint())
        .Bind(18, f.url())
        .Bind(19, f.http_method())
        .Bind(20, f.parameter())
        .Bind(21, f.evidence())
        .Bind(22, static_cast<int64_t>(carried_from_scan));
    RETURN_IF_ERROR(insert->Run());
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

StatusOr<std::optional<v1::Event>> ScanStore::MaybeFinishScan(uint64_t scan_id, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * counts,
                   db_->Prepare("SELECT state, jobs_total, jobs_done, jobs_failed, findings FROM "
                                "scans WHERE id=?"));
  counts->Bind(1, static_cast<int64_t>(scan_id));
  ASSIGN_OR_RETURN(bool found, counts->Step());
  if (!found) {
    counts->Reset();
    return std::optional<v1::Event>();
  }
  auto state = static_cast<v1::ScanState>(counts->ColumnInt(0));
  v1::Event event;
  v1::ScanStatus* status = event.mutable_scan();
  status->set_jobs_total(static_cast<uint32_t>(counts->ColumnInt(1)));
  status->set_jobs_done(static_cast<uint32_t>(counts->ColumnInt(2)));
  status->set_jobs_failed(static_cast<uint32_t>(counts->ColumnInt(3)));
  status->set_findings(static_cast<uint64_t>(counts->ColumnInt(4)));
  counts->Reset();
  bool unfinished = state == v1::SCAN_QUEUED || state == v1::SCAN_RUNNING;
  if (!unfinished || status->jobs_done() != status->jobs_total()) {
    return std::optional<v1::Event>();
  }
  state = status->jobs_failed() > 0 ? v1::SCAN_FAILED : v1::SCAN_SUCCEEDED;
  ASSIGN_OR_RETURN(Statement * scan,
                   db_->Prepare("UPDATE scans SET state=?, finished_ms=? WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(state)).Bind(2, now).Bind(3, static_cast<int64_t>(scan_id));
  RETURN_IF_ERROR(scan->Run());
  event.set_topic("scan." + std::string(ScanStateName(state)));
  event.set_scan_id(scan_id);
  event.set_created_ms(now);
  status->set_scan_id(scan_id);
  status->set_state(state);
  status->set_finished_ms(now);
  RETURN_IF_ERROR(events_.Append(&event));
  return std::optional<v1::Event>(std::move(event));
}

StatusOr<uint64_t> ScanStore::ScanOfJob(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * query, db_->Prepare("SELECT scan_id FROM jobs WHERE id=?"));
  query->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool found, query->Step());
  uint64_t scan_id = found ? static_cast<uint64_t>(query->ColumnInt(0)) : 0;
  query->Reset();
  if (!found) return Status::Internal("job " + std::to_string(job_id) + " vanished");
  return scan_id;
}

}  // namespace scanfleet
