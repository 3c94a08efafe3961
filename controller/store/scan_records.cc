#include "controller/store/scan_records.h"

#include <algorithm>

namespace scanfleet {

std::string JoinSecretNames(const v1::ScanTarget& target) {
  std::string joined;
  for (const std::string& name : target.secret_names()) {
    joined += (joined.empty() ? "" : ",") + name;
  }
  return joined;
}

void SplitSecretNames(const std::string& joined, v1::ScanTarget* target) {
  for (size_t start = 0; start < joined.size();) {
    size_t end = std::min(joined.find(',', start), joined.size());
    if (end > start) target->add_secret_names(joined.substr(start, end - start));
    start = end + 1;
  }
}

StatusOr<uint64_t> ScanRecords::Insert(const v1::ScanTarget& target, const std::string& profile,
                                       uint32_t jobs_total, const std::string& idempotency_key,
                                       TimeMs now) {
  ASSIGN_OR_RETURN(Statement * insert_scan,
                   db_.Prepare("INSERT INTO scans(kind, repo, ref, url, profile, state, "
                               "created_ms, jobs_total, idempotency_key, secret_names, "
                               "repo_token_secret, branch) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
  insert_scan->Bind(1, target.repo().empty() ? "dast" : "sast")
      .Bind(2, target.repo())
      .Bind(3, target.ref())
      .Bind(4, target.url())
      .Bind(5, profile)
      .Bind(6, static_cast<int64_t>(v1::SCAN_QUEUED))
      .Bind(7, now)
      .Bind(8, static_cast<int64_t>(jobs_total))
      .Bind(9, idempotency_key)
      .Bind(10, JoinSecretNames(target))
      .Bind(11, target.repo_token_secret())
      .Bind(12, target.branch());
  RETURN_IF_ERROR(insert_scan->Run());
  return static_cast<uint64_t>(db_.last_insert_rowid());
}

StatusOr<std::optional<v1::SubmitScanResponse>> ScanRecords::FindSubmission(
    const std::string& key) {
  if (key.empty()) return std::optional<v1::SubmitScanResponse>();
  // "!= ''" repeats the partial index's predicate: without it SQLite cannot
  // use scans_by_idempotency_key and walked every job on each submit.
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT j.scan_id, j.scanner FROM scans s JOIN jobs j ON "
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

StatusOr<v1::ScanStatus> ScanRecords::Get(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * scan,
                   db_.Prepare("SELECT state, repo, ref, url, profile, jobs_total, jobs_done, "
                               "jobs_failed, findings, created_ms, finished_ms, secret_names, "
                               "repo_token_secret, branch FROM scans WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(scan_id));
  ASSIGN_OR_RETURN(bool found, scan->Step());
  if (!found) {
    scan->Reset();
    return Status::NotFound("scan " + std::to_string(scan_id) + " does not exist");
  }
  v1::ScanStatus status;
  status.set_scan_id(scan_id);
  status.set_state(static_cast<v1::ScanState>(scan->ColumnInt(0)));
  status.mutable_target()->set_repo(scan->ColumnText(1));
  status.mutable_target()->set_ref(scan->ColumnText(2));
  status.mutable_target()->set_url(scan->ColumnText(3));
  status.set_profile(scan->ColumnText(4));
  status.set_jobs_total(static_cast<uint32_t>(scan->ColumnInt(5)));
  status.set_jobs_done(static_cast<uint32_t>(scan->ColumnInt(6)));
  status.set_jobs_failed(static_cast<uint32_t>(scan->ColumnInt(7)));
  status.set_findings(static_cast<uint64_t>(scan->ColumnInt(8)));
  status.set_created_ms(scan->ColumnInt(9));
  status.set_finished_ms(scan->ColumnInt(10));
  SplitSecretNames(scan->ColumnText(11), status.mutable_target());
  status.mutable_target()->set_repo_token_secret(scan->ColumnText(12));
  status.mutable_target()->set_branch(scan->ColumnText(13));
  scan->Reset();
  return status;
}

StatusOr<v1::ScanState> ScanRecords::State(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * scan, db_.Prepare("SELECT state FROM scans WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(scan_id));
  ASSIGN_OR_RETURN(bool exists, scan->Step());
  auto state = exists ? static_cast<v1::ScanState>(scan->ColumnInt(0)) : v1::SCAN_QUEUED;
  scan->Reset();
  if (!exists) return Status::NotFound("scan " + std::to_string(scan_id) + " not found");
  return state;
}

StatusOr<bool> ScanRecords::StartForJob(uint64_t job_id) {
  // (No RETURNING on hot statements: SQLite 3.40 buffers it in an ephemeral
  // table per run.)
  ASSIGN_OR_RETURN(Statement * scan,
                   db_.Prepare("UPDATE scans SET state=? WHERE state=? AND id=(SELECT scan_id "
                               "FROM jobs WHERE id=?)"));
  scan->Bind(1, static_cast<int64_t>(v1::SCAN_RUNNING))
      .Bind(2, static_cast<int64_t>(v1::SCAN_QUEUED))
      .Bind(3, static_cast<int64_t>(job_id));
  RETURN_IF_ERROR(scan->Run());
  return db_.changes() != 0;
}

Status ScanRecords::CountFinishedJob(uint64_t scan_id, bool failed, uint64_t findings) {
  ASSIGN_OR_RETURN(Statement * scan,
                   db_.Prepare("UPDATE scans SET jobs_done=jobs_done+1, jobs_failed=jobs_failed+?, "
                               "findings=findings+? WHERE id=?"));
  scan->Bind(1, failed ? 1 : 0)
      .Bind(2, static_cast<int64_t>(findings))
      .Bind(3, static_cast<int64_t>(scan_id));
  return scan->Run();
}

StatusOr<std::optional<v1::ScanStatus>> ScanRecords::FinishIfDone(uint64_t scan_id, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * counts,
                   db_.Prepare("SELECT state, jobs_total, jobs_done, jobs_failed, findings FROM "
                               "scans WHERE id=?"));
  counts->Bind(1, static_cast<int64_t>(scan_id));
  ASSIGN_OR_RETURN(bool found, counts->Step());
  if (!found) {
    counts->Reset();
    return std::optional<v1::ScanStatus>();
  }
  auto state = static_cast<v1::ScanState>(counts->ColumnInt(0));
  v1::ScanStatus status;
  status.set_jobs_total(static_cast<uint32_t>(counts->ColumnInt(1)));
  status.set_jobs_done(static_cast<uint32_t>(counts->ColumnInt(2)));
  status.set_jobs_failed(static_cast<uint32_t>(counts->ColumnInt(3)));
  status.set_findings(static_cast<uint64_t>(counts->ColumnInt(4)));
  counts->Reset();
  bool unfinished = state == v1::SCAN_QUEUED || state == v1::SCAN_RUNNING;
  if (!unfinished || status.jobs_done() != status.jobs_total()) {
    return std::optional<v1::ScanStatus>();
  }
  state = status.jobs_failed() > 0 ? v1::SCAN_FAILED : v1::SCAN_SUCCEEDED;
  ASSIGN_OR_RETURN(Statement * scan,
                   db_.Prepare("UPDATE scans SET state=?, finished_ms=? WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(state)).Bind(2, now).Bind(3, static_cast<int64_t>(scan_id));
  RETURN_IF_ERROR(scan->Run());
  status.set_scan_id(scan_id);
  status.set_state(state);
  status.set_finished_ms(now);
  return std::optional<v1::ScanStatus>(std::move(status));
}

Status ScanRecords::MarkCancelled(uint64_t scan_id, uint64_t jobs_cancelled, TimeMs now) {
  ASSIGN_OR_RETURN(Statement * update,
                   db_.Prepare("UPDATE scans SET state=?, finished_ms=?, jobs_done=jobs_done+? "
                               "WHERE id=?"));
  update->Bind(1, static_cast<int64_t>(v1::SCAN_CANCELLED))
      .Bind(2, now)
      .Bind(3, static_cast<int64_t>(jobs_cancelled))
      .Bind(4, static_cast<int64_t>(scan_id));
  return update->Run();
}

Status ScanRecords::Reopen(uint64_t scan_id, int64_t dead_jobs) {
  // A dead job counted as done and failed.
  ASSIGN_OR_RETURN(Statement * scan,
                   db_.Prepare("UPDATE scans SET state=?1, finished_ms=0, jobs_done=jobs_done-?2, "
                               "jobs_failed=jobs_failed-?2 WHERE id=?3"));
  scan->Bind(1, static_cast<int64_t>(v1::SCAN_RUNNING)).Bind(2, dead_jobs);
  scan->Bind(3, static_cast<int64_t>(scan_id));
  return scan->Run();
}

StatusOr<v1::ScanState> ScanRecords::RecountAfterReparse(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * scan,
                   db_.Prepare("UPDATE scans SET findings=(SELECT COALESCE(SUM(findings),0) FROM "
                               "jobs WHERE scan_id=?1), jobs_failed=(SELECT COUNT(*) FROM jobs "
                               "WHERE scan_id=?1 AND state IN ('failed','dead')), state=CASE "
                               "WHEN state=?2 AND (SELECT COUNT(*) FROM jobs WHERE scan_id=?1 "
                               "AND state IN ('failed','dead'))=0 THEN ?3 ELSE state END "
                               "WHERE id=?1 RETURNING state"));
  scan->Bind(1, static_cast<int64_t>(scan_id))
      .Bind(2, static_cast<int64_t>(v1::SCAN_FAILED))
      .Bind(3, static_cast<int64_t>(v1::SCAN_SUCCEEDED));
  ASSIGN_OR_RETURN(bool updated, scan->Step());
  auto scan_state = updated ? static_cast<v1::ScanState>(scan->ColumnInt(0)) : v1::SCAN_FAILED;
  scan->Reset();
  return scan_state;
}

}  // namespace scanfleet
