// ScanStore: a re-parse's replacement of a job's findings, and the snippets
// the re-parse reuses.
#include "common/wire/convert.h"
#include "controller/store/scan_store.h"

namespace scanfleet {

StatusOr<std::vector<v1::Event>> ScanStore::ReplaceFindings(uint64_t scan_id,
                                                            const v1::JobResult& result,
                                                            TimeMs now) {
  int64_t job_id = static_cast<int64_t>(result.job().job_id());
  ASSIGN_OR_RETURN(Statement * state, db_->Prepare("SELECT state FROM jobs WHERE id=?"));
  state->Bind(1, job_id);
  ASSIGN_OR_RETURN(bool found, state->Step());
  std::string previous = found ? state->ColumnText(0) : "";
  state->Reset();
  if (previous != "succeeded" && previous != "failed" && previous != "dead") {
    return Status::FailedPrecondition("job " + std::to_string(job_id) + " is not finished");
  }
  // Findings an incremental job carried forward were not parsed from its
  // report: they stay, and the re-parsed ones are numbered after them.
  ASSIGN_OR_RETURN(Statement * remove,
                   db_->Prepare("DELETE FROM findings WHERE job_id=? AND carried_from_scan=0"));
  remove->Bind(1, job_id);
  RETURN_IF_ERROR(remove->Run());
  ASSIGN_OR_RETURN(Statement * next,
                   db_->Prepare("SELECT COALESCE(MAX(ordinal)+1, 0) FROM findings WHERE job_id=?"));
  next->Bind(1, job_id);
  ASSIGN_OR_RETURN(bool has_row, next->Step());
  int first_ordinal = has_row ? static_cast<int>(next->ColumnInt(0)) : 0;
  next->Reset();
  std::vector<v1::Event> events;
  RETURN_IF_ERROR(InsertFindings(result.findings(), result.job().job_id(), scan_id, first_ordinal,
                                 0, now, events));
  ASSIGN_OR_RETURN(Statement * job,
                   db_->Prepare("UPDATE jobs SET state='succeeded', last_error='', "
                                "findings=?+carried_findings, skipped_records=? WHERE id=?"));
  job->Bind(1, result.findings_size()).Bind(2, result.skipped_records()).Bind(3, job_id);
  RETURN_IF_ERROR(job->Run());
  // A job that failed only because its report could not be parsed now counts
  // as succeeded; the scan's totals are recomputed from its jobs.
  ASSIGN_OR_RETURN(Statement * scan,
                   db_->Prepare("UPDATE scans SET findings=(SELECT COALESCE(SUM(findings),0) FROM "
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
  if (previous != "succeeded" && scan_state == v1::SCAN_SUCCEEDED) {
    v1::Event event;
    event.set_topic("scan.succeeded");
    event.set_scan_id(scan_id);
    event.set_created_ms(now);
    event.mutable_scan()->set_scan_id(scan_id);
    event.mutable_scan()->set_state(v1::SCAN_SUCCEEDED);
    RETURN_IF_ERROR(events_.Append(&event));
    events.push_back(std::move(event));
  }
  return events;
}

StatusOr<std::map<std::pair<std::string, int>, std::string>> ScanStore::SnippetsOfJob(
    uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_->Prepare("SELECT path, line, snippet FROM findings WHERE job_id=? AND "
                                "snippet != ''"));
  query->Bind(1, static_cast<int64_t>(job_id));
  std::map<std::pair<std::string, int>, std::string> snippets;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    snippets[{query->ColumnText(0), static_cast<int>(query->ColumnInt(1))}] = query->ColumnText(2);
  }
  query->Reset();
  return snippets;
}

}  // namespace scanfleet
