// Read-side queries of ScanStore: recovery, assignments and the API's views.
#include <algorithm>

#include "common/finding/finding.h"
#include "common/target/dast_target.h"
#include "controller/store/finding_rows.h"
#include "controller/store/scan_store.h"

namespace scanfleet {

namespace {

// What `status` says about an incremental job (empty for other jobs).
std::string IncrementalJobNote(uint64_t base_scan_id, const std::string& base_commit,
                               const std::string& full_scan_reason, int64_t files_scanned,
                               uint64_t carried, const std::string& state) {
  if (!full_scan_reason.empty()) return "full scan: " + full_scan_reason;
  if (base_scan_id == 0) return "";
  std::string note = "incremental since scan " + std::to_string(base_scan_id) + " (" +
                     base_commit.substr(0, 12) + ")";
  if (state != "succeeded" || files_scanned < 0) return note;
  return note + ": " + std::to_string(files_scanned) + " files scanned, " +
         std::to_string(carried) + " findings carried forward";
}

}  // namespace

StatusOr<std::vector<UnfinishedJob>> ScanStore::LoadUnfinishedJobs() {
  std::vector<UnfinishedJob> jobs;
  RETURN_IF_ERROR(ForEachUnfinishedJob([&jobs](const UnfinishedJob& job) {
    jobs.push_back(job);
    return Status::Ok();
  }));
  return jobs;
}

Status ScanStore::ForEachUnfinishedJob(const std::function<Status(const UnfinishedJob&)>& visit) {
  ASSIGN_OR_RETURN(
      Statement * query,
      db_->Prepare("SELECT j.id, j.scan_id, j.pool, j.scanner, j.attempt, j.failures, "
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
    job.state = query->ColumnText(7);
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

StatusOr<v1::JobAssignment> ScanStore::BuildAssignment(uint64_t job_id, uint32_t attempt) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_->Prepare("SELECT j.scan_id, j.scanner, j.timeout_ms, s.repo, s.ref, s.url, "
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

StatusOr<v1::ScanStatus> ScanStore::GetScan(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * scan,
                   db_->Prepare("SELECT state, repo, ref, url, profile, jobs_total, jobs_done, "
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

  ASSIGN_OR_RETURN(Statement * jobs,
                   db_->Prepare("SELECT id, scanner, pool, state, attempt, worker_id, last_error, "
                                "findings, resolved_commit, skipped_records, failures, "
                                "(SELECT output_tail FROM attempts a WHERE a.job_id=jobs.id AND "
                                "a.finished_ms>0 ORDER BY a.attempt DESC LIMIT 1), shard_index, "
                                "shard_count, carried_findings, base_scan_id, base_commit, "
                                "incremental_note, files_scanned FROM jobs "
                                "WHERE scan_id=? ORDER BY id"));
  jobs->Bind(1, static_cast<int64_t>(scan_id));
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    v1::JobStatus* job = status.add_jobs();
    job->set_job_id(static_cast<uint64_t>(jobs->ColumnInt(0)));
    job->set_scanner(jobs->ColumnText(1));
    job->set_pool(jobs->ColumnText(2));
    job->set_state(jobs->ColumnText(3));
    job->set_attempt(static_cast<uint32_t>(jobs->ColumnInt(4)));
    job->set_worker_id(jobs->ColumnText(5));
    job->set_error(jobs->ColumnText(6));
    job->set_findings(static_cast<uint64_t>(jobs->ColumnInt(7)));
    job->set_resolved_commit(jobs->ColumnText(8));
    job->set_skipped_records(static_cast<uint32_t>(jobs->ColumnInt(9)));
    job->set_failures(static_cast<uint32_t>(jobs->ColumnInt(10)));
    job->set_output_tail(jobs->ColumnText(11));
    job->set_shard_index(static_cast<uint32_t>(jobs->ColumnInt(12)));
    job->set_shard_count(static_cast<uint32_t>(jobs->ColumnInt(13)));
    job->set_carried_findings(static_cast<uint64_t>(jobs->ColumnInt(14)));
    job->set_note(IncrementalJobNote(static_cast<uint64_t>(jobs->ColumnInt(15)),
                                     jobs->ColumnText(16), jobs->ColumnText(17),
                                     jobs->ColumnInt(18), job->carried_findings(), job->state()));
  }
  jobs->Reset();

  ASSIGN_OR_RETURN(Statement * severities,
                   db_->Prepare("SELECT severity, count(*) FROM findings WHERE scan_id=? "
                                "GROUP BY severity"));
  severities->Bind(1, static_cast<int64_t>(scan_id));
  for (int i = 0; i <= static_cast<int>(Severity::kCritical); ++i)
    status.add_findings_by_severity(0);
  while (true) {
    ASSIGN_OR_RETURN(bool row, severities->Step());
    if (!row) break;
    int64_t severity = severities->ColumnInt(0);
    if (severity >= 0 && severity < status.findings_by_severity_size()) {
      status.set_findings_by_severity(static_cast<int>(severity),
                                      static_cast<uint64_t>(severities->ColumnInt(1)));
    }
  }
  severities->Reset();
  return status;
}

std::string FindingColumns(const std::string& alias) {
  std::string columns;
  for (const char* name : {"tool", "tool_version", "rule_id", "title", "message", "severity",
                           "confidence", "cwes", "path", "line", "col", "end_line", "snippet",
                           "fingerprint", "url", "http_method", "parameter", "evidence"}) {
    columns += (columns.empty() ? "" : ", ") + alias + name;
  }
  return columns;
}

v1::Finding ReadFindingRow(Statement& query, int first) {
  auto text = [&](int i) { return query.ColumnText(first + i); };
  auto number = [&](int i) { return query.ColumnInt(first + i); };
  v1::Finding f;
  f.set_tool(text(0));
  f.set_tool_version(text(1));
  f.set_rule_id(text(2));
  f.set_title(text(3));
  f.set_message(text(4));
  f.set_severity(static_cast<v1::Severity>(number(5)));
  f.set_confidence(text(6));
  std::string cwes = text(7);
  for (size_t start = 0; start < cwes.size();) {
    size_t comma = cwes.find(',', start);
    if (comma == std::string::npos) comma = cwes.size();
    f.add_cwes(std::atoi(cwes.substr(start, comma - start).c_str()));
    start = comma + 1;
  }
  f.set_path(text(8));
  f.set_line(static_cast<int32_t>(number(9)));
  f.set_column(static_cast<int32_t>(number(10)));
  f.set_end_line(static_cast<int32_t>(number(11)));
  f.set_snippet(text(12));
  f.set_fingerprint(text(13));
  f.set_url(text(14));
  f.set_http_method(text(15));
  f.set_parameter(text(16));
  f.set_evidence(text(17));
  return f;
}

StatusOr<std::vector<v1::Finding>> ScanStore::ListFindings(uint64_t scan_id,
                                                           v1::Severity min_severity) {
  ASSIGN_OR_RETURN(Statement * query, db_->Prepare("SELECT " + FindingColumns() +
                                                   " FROM findings WHERE scan_id=? AND severity>=? "
                                                   "ORDER BY job_id, ordinal"));
  query->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, static_cast<int64_t>(min_severity));
  std::vector<v1::Finding> findings;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    findings.push_back(ReadFindingRow(*query));
  }
  query->Reset();
  return findings;
}

}  // namespace scanfleet
